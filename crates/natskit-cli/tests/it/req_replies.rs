//! `natskit req --replies N`: gathering several answers, round-trip times, no responders and
//! timeouts.

use std::time::{Duration, Instant};

use crate::support::{natskit, one_error_line, server, Running};

/// Three `natskit reply` processes on `subject`, answering `from a`, `from b`, `from c` once:
/// each outside any queue group, so every one gets every request.
fn three_responders(server: &natskit_test::NatsServer, subject: &str) -> Vec<Running> {
    ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            Running::start(
                server,
                &[
                    "reply",
                    subject,
                    &format!("from {name}"),
                    "--count",
                    "1",
                    "--no-queue",
                ],
                "Listening on",
            )
        })
        .collect()
}

/// Checks each line is `[#n] Received in <time>` with n counting from 1, and returns them.
fn rtt_lines(stderr: &str) -> Vec<String> {
    let lines: Vec<String> = stderr.lines().map(str::to_owned).collect();
    for (i, line) in lines.iter().enumerate() {
        let time = line
            .strip_prefix(&format!("[#{}] Received in ", i + 1))
            .unwrap_or_else(|| panic!("line {}: {line:?}", i + 1));
        let number = time.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let unit = &time[number.len()..];
        assert!(
            number.parse::<f64>().is_ok() && ["ns", "us", "ms", "s"].contains(&unit),
            "not a duration: {time:?}"
        );
    }
    lines
}

#[test]
fn gathers_n_answers_each_with_its_round_trip_time() {
    let server = server();
    let responders = three_responders(&server, "census");
    let out = natskit(&server, &["req", "census", "", "--replies", "3"])
        .assert()
        .success();
    let output = out.get_output();
    let mut answers: Vec<&str> = std::str::from_utf8(&output.stdout)
        .expect("utf-8")
        .lines()
        .collect();
    answers.sort_unstable();
    assert_eq!(answers, ["from a", "from b", "from c"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(rtt_lines(&stderr).len(), 3, "{stderr}");
    for responder in responders {
        assert!(responder.finish().status.success());
    }
}

#[test]
fn stops_at_n_answers_without_waiting_for_the_timeout() {
    let server = server();
    let _responders = three_responders(&server, "census2");
    let started = Instant::now();
    let out = natskit(
        &server,
        &["req", "census2", "", "--replies", "2", "--timeout", "10s"],
    )
    .assert()
    .success();
    assert!(started.elapsed() < Duration::from_secs(10));
    let output = out.get_output();
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 2);
    assert_eq!(rtt_lines(&String::from_utf8_lossy(&output.stderr)).len(), 2);
}

#[test]
fn replies_zero_gathers_every_answer_until_the_timeout() {
    let server = server();
    let responders = three_responders(&server, "census0");
    let started = Instant::now();
    let out = natskit(
        &server,
        &["req", "census0", "", "--replies", "0", "--timeout", "400ms"],
    )
    .assert()
    .success();
    assert!(started.elapsed() >= Duration::from_millis(400));
    let output = out.get_output();
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 3);
    for responder in responders {
        assert!(responder.finish().status.success());
    }
}

#[test]
fn fewer_answers_than_asked_is_a_warning() {
    let server = server();
    let _one = Running::start(
        &server,
        &["reply", "few", "only me", "-c", "1"],
        "Listening",
    );
    let out = natskit(
        &server,
        &["req", "few", "", "--replies", "3", "--timeout", "300ms"],
    )
    .assert()
    .success()
    .stdout("only me\n");
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].starts_with("[#1] Received in "), "{stderr}");
    assert_eq!(lines[1], "warning: 1 of 3 answers came in time");
}

#[test]
fn no_responders_is_one_line_and_status_1() {
    let server = server();
    for replies in ["1", "3", "0"] {
        let out = natskit(&server, &["req", "nobody.home", "hi", "--replies", replies])
            .assert()
            .code(1);
        let output = out.get_output();
        assert_eq!(
            one_error_line(output),
            "error: no responders for \"nobody.home\""
        );
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn no_answer_in_time_is_a_timeout() {
    let server = server();
    // A subscriber that never answers: the server has a responder, so no 503 comes back.
    let _silent = Running::start(&server, &["sub", "mute"], "Subscribing on");
    for replies in ["1", "0"] {
        let out = natskit(
            &server,
            &["req", "mute", "--replies", replies, "--timeout", "200ms"],
        )
        .assert()
        .code(1);
        assert_eq!(
            one_error_line(out.get_output()),
            "error: request to \"mute\" timed out after 200ms"
        );
    }
}
