//! `natskit pub`: template words in subject, body and headers; `--sleep`; `--send-on newline`;
//! `--no-templates`.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::{error_without_server, json_lines, natskit, natskit_bare, server, Running};

/// Seconds since the Unix epoch now.
fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

#[test]
fn every_word_is_filled_in_per_message_in_subject_body_and_headers() {
    let server = server();
    let sub = Running::start(
        &server,
        &["sub", "tpl.>", "--count", "3", "--json"],
        "Subscribing on",
    );
    let before = now_secs();
    natskit(
        &server,
        &[
            "pub",
            "tpl.{{Count}}",
            "{{Count}}|{{ID}}|{{TimeStamp}}|{{Time}}|{{Unix}}|{{UnixNano}}|{{ random 2 5 }}",
            "-H",
            "Seq:{{Count}}",
            "-H",
            "Msg-Id:{{ID}}",
            "--count",
            "3",
        ],
    )
    .assert()
    .success();
    let after = now_secs();
    let done = sub.finish();
    assert!(done.status.success(), "{done:?}");
    let messages = json_lines(&done.stdout);
    assert_eq!(messages.len(), 3, "{done:?}");
    let mut ids = Vec::new();
    for (i, msg) in messages.iter().enumerate() {
        let n = (i + 1).to_string();
        assert_eq!(msg["subject"], format!("tpl.{n}"), "{msg}");
        assert_eq!(msg["headers"]["Seq"], serde_json::json!([n]), "{msg}");
        let header_id = msg["headers"]["Msg-Id"][0].as_str().expect("Msg-Id");
        let payload = msg["payload"].as_str().expect("text payload");
        let fields: Vec<&str> = payload.split('|').collect();
        let [count, id, stamp, time, unix, nanos, random] = fields[..] else {
            panic!("seven fields in {payload:?}");
        };
        assert_eq!(count, n);
        // {{ID}}: a 22-character NUID, new at every use.
        assert_eq!(id.len(), 22, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        assert_ne!(id, header_id);
        ids.push(id.to_owned());
        // {{TimeStamp}}: RFC 3339 in UTC, whole seconds; {{Time}} its time of day.
        assert_eq!(stamp.len(), 20, "{stamp}");
        assert!(stamp.ends_with('Z') && &stamp[4..5] == "-" && &stamp[10..11] == "T");
        assert_eq!(&stamp[11..19], time);
        let unix: u64 = unix.parse().expect("Unix is a number");
        assert!(
            (before..=after).contains(&unix),
            "{unix} not in {before}..={after}"
        );
        let nanos: u128 = nanos.parse().expect("UnixNano is a number");
        assert_eq!((nanos / 1_000_000_000) as u64, unix);
        assert!((2..=5).contains(&random.len()), "{random:?}");
        assert!(random.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each message has its own id");
}

#[test]
fn random_stays_within_its_bounds() {
    let server = server();
    let sub = Running::start(
        &server,
        &["sub", "rnd", "--count", "50", "--raw"],
        "Subscribing on",
    );
    natskit(&server, &["pub", "rnd", "{{Random 3 6}}", "--count", "50"])
        .assert()
        .success();
    let done = sub.finish();
    let lengths: Vec<usize> = done.stdout.lines().map(str::len).collect();
    assert_eq!(lengths.len(), 50, "{done:?}");
    assert!(lengths.iter().all(|n| (3..=6).contains(n)), "{lengths:?}");
    // Fifty draws of four lengths: more than one length shows up unless it is not random.
    assert!(lengths.iter().any(|&n| n != lengths[0]), "{lengths:?}");
}

#[test]
fn unknown_word_fails_before_connecting() {
    // Nothing listens on port 1: the template error comes first.
    for (args, expected) in [
        (
            &["pub", "a", "hi {{Nope}}"][..],
            "error: unknown template word {{Nope}} in the body; use Count, ID, TimeStamp, \
             Time, Unix, UnixNano or Random MIN MAX (or --no-templates)",
        ),
        (
            &["pub", "a.{{Cnt}}", "x"],
            "error: unknown template word {{Cnt}} in the subject;",
        ),
        (
            &["pub", "a", "x", "-H", "K:{{When}}"],
            "error: unknown template word {{When}} in header \"K\";",
        ),
        (
            &["pub", "a", "{{Random 9 2}}"],
            "error: {{Random 9 2}} in the body: Random needs two whole numbers MIN <= MAX",
        ),
        (
            &["pub", "a", "{{Count"],
            "error: \"{{\" without \"}}\" in the body",
        ),
    ] {
        let line = error_without_server(args);
        assert!(line.starts_with(expected), "{args:?}: {line}");
    }
}

#[test]
fn no_templates_sends_braces_as_they_are() {
    let server = server();
    let sub = Running::start(&server, &["sub", "lit", "-c", "1"], "Subscribing on");
    natskit(
        &server,
        &[
            "pub",
            "lit",
            "{{Count}} {{Nope}}",
            "-H",
            "K:{{ID}}",
            "--no-templates",
        ],
    )
    .assert()
    .success();
    let done = sub.finish();
    assert_eq!(
        done.stdout,
        "[#1] Received on \"lit\"\nK: {{ID}}\n\n{{Count}} {{Nope}}\n\n"
    );
}

#[test]
fn sleep_pauses_between_messages() {
    let server = server();
    let sub = Running::start(
        &server,
        &["sub", "slow", "--count", "3", "--raw"],
        "Subscribing on",
    );
    let started = Instant::now();
    natskit(
        &server,
        &[
            "pub",
            "slow",
            "{{Count}}",
            "--count",
            "3",
            "--sleep",
            "150ms",
        ],
    )
    .assert()
    .success()
    .stderr("Published 3 messages of 1 byte to \"slow\"\n");
    // Two pauses: between the first and second message and between the second and third.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(300), "took {took:?}");
    assert_eq!(sub.finish().stdout, "1\n2\n3\n");
}

#[test]
fn send_on_newline_publishes_each_line() {
    let server = server();
    let sub = Running::start(
        &server,
        &["sub", "lines.>", "--count", "4", "--json"],
        "Subscribing on",
    );
    natskit(&server, &["pub", "lines.{{Count}}", "--send-on", "newline"])
        .write_stdin("first\nsecond line\r\n\nlast, no newline")
        .assert()
        .success()
        .stderr("Published 4 messages of 0 to 16 bytes to \"lines.{{Count}}\"\n");
    let done = sub.finish();
    let got: Vec<(String, String)> = json_lines(&done.stdout)
        .iter()
        .map(|m| (m["subject"].to_string(), m["payload"].to_string()))
        .collect();
    assert_eq!(
        got,
        [
            (r#""lines.1""#.into(), r#""first""#.into()),
            (r#""lines.2""#.into(), r#""second line""#.into()),
            (r#""lines.3""#.into(), r#""""#.into()),
            (r#""lines.4""#.into(), r#""last, no newline""#.into()),
        ]
    );
}

#[test]
fn send_on_eof_sends_all_of_stdin_once() {
    let server = server();
    let sub = Running::start(
        &server,
        &["sub", "whole", "--count", "1", "--raw"],
        "Subscribing on",
    );
    natskit(&server, &["pub", "whole", "--send-on", "eof"])
        .write_stdin("a\nb\n")
        .assert()
        .success()
        .stderr("Published 4 bytes to \"whole\"\n");
    assert_eq!(sub.finish().stdout, "a\nb\n");
}

#[test]
fn body_and_send_on_are_a_usage_error() {
    let out = natskit_bare(&["pub", "a", "body", "--send-on", "newline"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.starts_with("error: the argument '[BODY]' cannot be used with '--send-on <WHEN>'"),
        "{stderr}"
    );
}
