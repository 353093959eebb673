//! `natskit sub` output: `--json`, `--headers-only`, `--subjects-only`, numbering,
//! `--timestamp`, `--count` and `--match-replies`.

use std::time::{Duration, Instant};

use crate::support::{json_lines, natskit, server, sub_receiving, Running};

/// True for `2024-05-01T12:34:56.789Z`: RFC 3339, UTC, milliseconds.
fn is_rfc3339_millis(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 24
        && text.ends_with('Z')
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19, 20..23]
            .into_iter()
            .all(|r| b[r].iter().all(u8::is_ascii_digit))
}

#[test]
fn json_has_subject_reply_headers_and_text_or_base64_payload() {
    let server = server();
    let done = sub_receiving(&server, &["sub", "js.>", "--count", "3", "--json"], || {
        natskit(
            &server,
            &[
                "pub",
                "js.text",
                "héllo",
                "--reply",
                "back.here",
                "-H",
                "Hop:a",
                "-H",
                "Kind:x",
                "-H",
                "Hop:b",
            ],
        )
        .assert()
        .success();
        natskit(&server, &["pub", "js.bin"])
            .write_stdin(vec![0xff, 0x00, 0x01])
            .assert()
            .success();
        natskit(&server, &["pub", "js.empty", ""])
            .assert()
            .success();
    });
    let lines = json_lines(&done.stdout);
    assert_eq!(
        lines[0],
        serde_json::json!({
            "number": 1,
            "subject": "js.text",
            "reply": "back.here",
            "headers": {"Hop": ["a", "b"], "Kind": ["x"]},
            "payload": "héllo",
        })
    );
    // Header names keep the order they first came in.
    assert!(done
        .stdout
        .contains(r#""headers":{"Hop":["a","b"],"Kind":["x"]}"#));
    assert_eq!(
        lines[1],
        serde_json::json!({
            "number": 2,
            "subject": "js.bin",
            "reply": null,
            "headers": {},
            "payload_base64": "/wAB",
        })
    );
    assert_eq!(lines[2]["payload"], "");
    assert_eq!(lines[2]["number"], 3);
}

#[test]
fn json_headers_only_and_timestamp() {
    let server = server();
    let sub = Running::start(
        &server,
        &[
            "sub",
            "jh",
            "-c",
            "1",
            "--json",
            "--headers-only",
            "--timestamp",
        ],
        "Subscribing on",
    );
    natskit(&server, &["pub", "jh", "secret body", "-H", "A:1"])
        .assert()
        .success();
    let done = sub.finish();
    let lines = json_lines(&done.stdout);
    let msg = &lines[0];
    assert!(
        is_rfc3339_millis(msg["time"].as_str().expect("time")),
        "{msg}"
    );
    assert_eq!(msg["headers"], serde_json::json!({"A": ["1"]}));
    assert!(msg.get("payload").is_none() && msg.get("payload_base64").is_none());
    assert!(!done.stdout.contains("secret"), "{done:?}");
}

#[test]
fn headers_only_leaves_the_payload_out() {
    let server = server();
    let done = sub_receiving(
        &server,
        &["sub", "ho", "--count", "2", "--headers-only"],
        || {
            natskit(&server, &["pub", "ho", "body one", "-H", "Trace-Id:7"])
                .assert()
                .success();
            natskit(&server, &["pub", "ho", "body two"])
                .assert()
                .success();
        },
    );
    assert_eq!(
        done.stdout,
        "[#1] Received on \"ho\"\nTrace-Id: 7\n\n[#2] Received on \"ho\"\n\n"
    );
}

#[test]
fn subjects_only_prints_one_subject_a_line() {
    let server = server();
    let done = sub_receiving(
        &server,
        &["sub", "so.>", "--count", "3", "--subjects-only"],
        || {
            for subject in ["so.a", "so.b.c", "so.a"] {
                natskit(&server, &["pub", subject, "x"]).assert().success();
            }
        },
    );
    assert_eq!(done.stdout, "so.a\nso.b.c\nso.a\n");

    let sub = Running::start(
        &server,
        // -t is --timestamp, as in the `nats` CLI.
        &["sub", "st", "-c", "1", "--subjects-only", "-t"],
        "Subscribing on",
    );
    natskit(&server, &["pub", "st", "x"]).assert().success();
    let done = sub.finish();
    let (time, subject) = done
        .stdout
        .trim_end()
        .split_once(' ')
        .expect("time subject");
    assert!(is_rfc3339_millis(time), "{time}");
    assert_eq!(subject, "st");
}

#[test]
fn human_output_numbers_messages_and_shows_times_when_asked() {
    let server = server();
    let sub = Running::start(
        &server,
        &["sub", "hn", "--count", "2", "--timestamp"],
        "Subscribing on",
    );
    natskit(&server, &["pub", "hn", "one"]).assert().success();
    natskit(&server, &["pub", "hn", "two"]).assert().success();
    let done = sub.finish();
    let heads: Vec<&str> = done
        .stdout
        .lines()
        .filter(|l| l.starts_with("[#"))
        .collect();
    assert_eq!(heads.len(), 2, "{done:?}");
    for (i, head) in heads.iter().enumerate() {
        let rest = head
            .strip_prefix(&format!("[#{}] ", i + 1))
            .unwrap_or_else(|| panic!("numbered {}: {head}", i + 1));
        let (time, rest) = rest.split_once(' ').expect("a time");
        assert!(is_rfc3339_millis(time), "{time}");
        assert_eq!(rest, "Received on \"hn\"");
    }
    assert!(done.stdout.contains("\none\n") && done.stdout.contains("\ntwo\n"));
}

#[test]
fn count_stops_at_the_count() {
    let server = server();
    let done = sub_receiving(&server, &["sub", "cn", "--count", "2", "--raw"], || {
        natskit(&server, &["pub", "cn", "{{Count}}", "--count", "5"])
            .assert()
            .success();
    });
    assert_eq!(done.stdout, "1\n2\n");
}

#[test]
fn match_replies_shows_each_request_with_its_answer() {
    let server = server();
    let sub = Running::start(
        &server,
        &["sub", "mr.>", "--count", "2", "--match-replies"],
        "matching replies on _INBOX.>",
    );
    let reply = Running::start(
        &server,
        &["reply", "mr.*", "answer to {{Request}}", "--count", "2"],
        "Listening on",
    );
    for body in ["one", "two"] {
        natskit(&server, &["req", "mr.q", body]).assert().success();
    }
    assert!(reply.finish().status.success());
    // It ends by itself once both answers are shown.
    let done = sub.finish();
    assert!(done.status.success(), "{done:?}");
    let blocks: Vec<&str> = done
        .stdout
        .split("\n\n")
        .filter(|b| !b.is_empty())
        .collect();
    assert_eq!(blocks.len(), 4, "{done:?}");
    for (n, body) in [(1, "one"), (2, "two")] {
        let request = blocks
            .iter()
            .find(|b| b.starts_with(&format!("[#{n}] Received on \"mr.q\" (reply \"_INBOX.")))
            .unwrap_or_else(|| panic!("request {n} in {done:?}"));
        assert!(request.ends_with(&format!("\n{body}")), "{request}");
        let inbox = request.split('"').nth(3).expect("the reply subject");
        let answer = blocks
            .iter()
            .find(|b| b.starts_with(&format!("[#{n}] Matched reply on \"{inbox}\" after ")))
            .unwrap_or_else(|| panic!("answer {n} in {done:?}"));
        assert!(answer.ends_with(&format!("\nanswer to {body}")), "{answer}");
    }
}

#[test]
fn match_replies_in_json() {
    let server = server();
    let sub = Running::start(
        &server,
        &["sub", "mj", "--count", "1", "--match-replies", "--json"],
        "Subscribing on",
    );
    let reply = Running::start(&server, &["reply", "mj", "--echo", "-c", "1"], "Listening");
    natskit(&server, &["req", "mj", "ping"]).assert().success();
    assert!(reply.finish().status.success());
    let done = sub.finish();
    let lines = json_lines(&done.stdout);
    assert_eq!(lines.len(), 2, "{done:?}");
    let (request, answer) = (&lines[0], &lines[1]);
    assert_eq!(request["number"], 1);
    assert!(request.get("matched_reply").is_none());
    assert_eq!(answer["number"], 1);
    assert_eq!(answer["matched_reply"], true);
    assert!(answer["latency_us"].is_u64(), "{answer}");
    assert_eq!(answer["subject"], request["reply"]);
    assert_eq!(answer["payload"], "ping");
}

#[test]
fn match_replies_gives_up_on_missing_answers_after_the_timeout() {
    let server = server();
    let sub = Running::start(
        &server,
        &[
            "sub",
            "mt",
            "-c",
            "1",
            "--match-replies",
            "--timeout",
            "300ms",
        ],
        "Subscribing on",
    );
    let started = Instant::now();
    // A request whose answer never comes.
    natskit(
        &server,
        &["pub", "mt", "anyone?", "--reply", "_INBOX.nobody"],
    )
    .assert()
    .success();
    let done = sub.finish();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(done.status.success(), "{done:?}");
    assert!(
        done.stderr
            .contains("warning: 1 of the requests seen got no reply in time"),
        "{done:?}"
    );
    assert_eq!(
        done.stdout,
        "[#1] Received on \"mt\" (reply \"_INBOX.nobody\")\nanyone?\n\n"
    );
}

#[test]
fn match_replies_watches_the_inbox_prefix_given() {
    let server = server();
    let sub = Running::start(
        &server,
        &[
            "sub",
            "mp",
            "-c",
            "2",
            "--match-replies",
            "--inbox-prefix",
            "my.answers",
            "--timeout",
            "10s",
        ],
        "matching replies on my.answers.>",
    );
    let reply = Running::start(&server, &["reply", "mp", "--echo", "-c", "2"], "Listening");
    let started = Instant::now();
    natskit(&server, &["pub", "mp", "seen", "--reply", "my.answers.1"])
        .assert()
        .success();
    // An answer outside the prefix cannot be seen, so it is not waited for.
    natskit(&server, &["pub", "mp", "unseen", "--reply", "elsewhere"])
        .assert()
        .success();
    assert!(reply.finish().status.success());
    let done = sub.finish();
    assert!(started.elapsed() < Duration::from_secs(10), "{done:?}");
    assert!(
        done.status.success() && !done.stderr.contains("warning"),
        "{done:?}"
    );
    let heads: Vec<&str> = done
        .stdout
        .lines()
        .filter(|l| l.starts_with("[#"))
        .collect();
    assert_eq!(heads.len(), 3, "{done:?}");
    assert!(heads
        .iter()
        .any(|h| h.starts_with("[#1] Matched reply on \"my.answers.1\"")));
    assert!(heads.contains(&"[#2] Received on \"mp\" (reply \"elsewhere\")"));
}

#[test]
fn output_flags_that_exclude_each_other_are_usage_errors() {
    for args in [
        &["sub", "x", "--raw", "--json"][..],
        &["sub", "x", "--json", "--subjects-only"],
        &["sub", "x", "--headers-only", "--subjects-only"],
        &["sub", "x", "--raw", "--headers-only"],
        // A payload alone has no place for a time.
        &["sub", "x", "--raw", "--timestamp"],
    ] {
        let out = crate::support::natskit_bare(args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("cannot be used with"), "{args:?}: {stderr}");
    }
}
