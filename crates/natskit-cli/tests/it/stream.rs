//! `natskit stream add|ls|info|rm|purge|get` against nats-server 2.10 with JetStream: what
//! each prints for people, and its `--json` documents parsed as JSON.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use natskit_test::NatsServer;

use crate::support::{
    failure, js_publish, js_server, json_doc, json_lines, natskit, ok, BIN, CONNECTION_ENV,
    NO_CONFIG, PATIENCE,
};

/// `stream info NAME --json`'s state.messages.
fn messages(server: &NatsServer, stream: &str) -> u64 {
    json_doc(server, &["stream", "info", stream, "--json"])["state"]["messages"]
        .as_u64()
        .unwrap()
}

#[test]
fn add_with_every_flag_then_ls_info_and_rm() {
    let server = js_server();
    let added = json_doc(
        &server,
        &[
            "stream",
            "add",
            "ORDERS",
            "--subjects",
            "orders.>,refunds.*",
            "--subjects",
            "audit.orders",
            "--storage",
            "memory",
            "--retention",
            "interest",
            "--discard",
            "new",
            "--max-msgs",
            "1000",
            "--max-bytes",
            "1MiB",
            "--max-age",
            "1h",
            "--max-msg-size",
            "4KiB",
            "--max-msgs-per-subject",
            "10",
            "--max-consumers",
            "-1",
            "--dupe-window",
            "30s",
            "--replicas",
            "1",
            "--allow-direct",
            "--description",
            "all the orders",
            "--json",
        ],
    );
    let config = &added["config"];
    assert_eq!(config["name"], "ORDERS");
    assert_eq!(
        config["subjects"],
        serde_json::json!(["orders.>", "refunds.*", "audit.orders"])
    );
    assert_eq!(config["storage"], "memory");
    assert_eq!(config["retention"], "interest");
    assert_eq!(config["discard"], "new");
    assert_eq!(config["max_msgs"], 1000);
    assert_eq!(config["max_bytes"], 1 << 20);
    assert_eq!(config["max_age"], 3_600_000_000_000u64);
    assert_eq!(config["max_msg_size"], 4096);
    assert_eq!(config["max_msgs_per_subject"], 10);
    assert_eq!(config["max_consumers"], -1);
    assert_eq!(config["duplicate_window"], 30_000_000_000u64);
    assert_eq!(config["num_replicas"], 1);
    assert_eq!(config["allow_direct"], true);
    assert_eq!(config["description"], "all the orders");
    assert_eq!(added["state"]["messages"], 0);

    // Text for people, and the defaults the server fills in.
    let text = ok(
        &server,
        &[
            "stream",
            "add",
            "JOBS",
            "--subjects",
            "jobs.*",
            "--retention",
            "work",
        ],
    );
    assert!(text.starts_with("Stream JOBS (created "), "{text}");
    for line in [
        "Subjects:",
        "jobs.*",
        "Retention:",
        "work",
        "Storage:",
        "file",
        "Max messages:",
        "unlimited",
        "Duplicate window:",
        "2m",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }
    js_publish(
        &server,
        &[("jobs.a", b"x", &[]), ("orders.eu.1", b"order", &[])],
    );

    let table = ok(&server, &["stream", "ls"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "NAME",
            "SUBJECTS",
            "STORAGE",
            "MESSAGES",
            "BYTES",
            "CONSUMERS",
            "LAST",
            "MESSAGE"
        ]
    );
    let jobs: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(jobs[..4], ["JOBS", "jobs.*", "file", "1"], "{table}");
    assert!(
        lines[2].starts_with("ORDERS  orders.>,refunds.*,audit.orders  memory"),
        "{table}"
    );
    assert_eq!(ok(&server, &["stream", "ls", "--names"]), "JOBS\nORDERS\n");
    assert_eq!(
        ok(&server, &["stream", "ls", "-n", "--subject", "refunds.7"]),
        "ORDERS\n"
    );
    let listed = json_lines(&ok(&server, &["stream", "ls", "--json"]));
    let names: Vec<&str> = listed
        .iter()
        .map(|d| d["config"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["JOBS", "ORDERS"]);
    assert_eq!(listed[0]["state"]["messages"], 1);
    assert_eq!(listed[1]["state"]["messages"], 0);
    assert_eq!(listed[1]["state"]["last_seq"], 1);

    let info = ok(&server, &["stream", "info", "ORDERS"]);
    assert!(
        info.contains("Description:              all the orders"),
        "{info}"
    );
    assert!(info.contains("Max bytes:                1.0 MiB"), "{info}");
    assert!(info.contains("Max age:                  1h"), "{info}");
    assert!(info.contains("Messages:         0"), "{info}");
    assert!(info.contains("First sequence:   -"), "{info}");
    assert!(info.contains("Last sequence:    1 at "), "{info}");
    let info = json_doc(&server, &["stream", "info", "JOBS", "--json"]);
    assert_eq!(info["config"]["retention"], "workqueue");
    assert_eq!(info["state"]["last_seq"], 1);

    let out = natskit(&server, &["stream", "rm", "JOBS", "-f"])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "Deleted stream \"JOBS\"\n"
    );
    assert_eq!(ok(&server, &["stream", "ls", "--names"]), "ORDERS\n");
    assert_eq!(
        failure(&server, &["stream", "info", "JOBS"]),
        "error: stream \"JOBS\" not found"
    );
    ok(&server, &["stream", "rm", "ORDERS", "--force"]);
    let empty = natskit(&server, &["stream", "ls"]).assert().success();
    assert!(empty.get_output().stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&empty.get_output().stderr),
        "No streams\n"
    );
}

#[test]
fn get_by_sequence_and_last_for_a_subject() {
    let server = js_server();
    ok(
        &server,
        &["stream", "add", "ORDERS", "--subjects", "orders.>"],
    );
    js_publish(
        &server,
        &[
            ("orders.eu.1", b"first", &[("Trace-Id", "1")]),
            ("orders.us.2", b"second", &[]),
            (
                "orders.eu.3",
                &[0xff, 0x00, 0x7f],
                &[("Trace-Id", "3"), ("Trace-Id", "3b")],
            ),
        ],
    );

    let text = ok(&server, &["stream", "get", "ORDERS", "1"]);
    let mut lines = text.lines();
    let first = lines.next().unwrap();
    assert!(
        first.starts_with("[#1] \"orders.eu.1\" stored 20") && first.ends_with('Z'),
        "{text}"
    );
    assert_eq!(lines.collect::<Vec<_>>(), ["Trace-Id: 1", "", "first", ""]);

    let second = json_doc(&server, &["stream", "get", "ORDERS", "2", "--json"]);
    assert_eq!(second["stream"], "ORDERS");
    assert_eq!(second["seq"], 2);
    assert_eq!(second["subject"], "orders.us.2");
    assert_eq!(second["headers"], serde_json::json!({}));
    assert_eq!(second["payload"], "second");
    assert!(second["time"].as_str().unwrap().ends_with('Z'));

    let last = json_doc(
        &server,
        &[
            "stream",
            "get",
            "ORDERS",
            "--last-for",
            "orders.eu.*",
            "--json",
        ],
    );
    assert_eq!(last["seq"], 3);
    assert_eq!(last["headers"]["Trace-Id"], serde_json::json!(["3", "3b"]));
    assert_eq!(last["payload_base64"], "/wB/");
    assert!(last.get("payload").is_none());
    let last_us = ok(
        &server,
        &["stream", "get", "ORDERS", "--last-for", "orders.us.2"],
    );
    assert!(last_us.starts_with("[#2] \"orders.us.2\""), "{last_us}");

    assert_eq!(
        failure(&server, &["stream", "get", "ORDERS", "9"]),
        "error: stream \"ORDERS\" has no message with sequence 9"
    );
    assert_eq!(
        failure(
            &server,
            &["stream", "get", "ORDERS", "--last-for", "orders.asia.1"]
        ),
        "error: stream \"ORDERS\" has no message on \"orders.asia.1\""
    );
}

#[test]
fn purge_by_subject_keep_sequence_and_all() {
    let server = js_server();
    ok(&server, &["stream", "add", "S", "--subjects", "a,b"]);
    let a: &[u8] = b"a";
    js_publish(
        &server,
        &[
            ("a", a, &[]),
            ("a", a, &[]),
            ("a", a, &[]),
            ("b", b"b", &[]),
            ("b", b"b", &[]),
            ("a", a, &[]),
        ],
    );
    assert_eq!(messages(&server, "S"), 6);

    // Standard input is not a terminal here, so nothing happens without --force.
    let refused = failure(&server, &["stream", "purge", "S"]);
    assert_eq!(
        refused,
        "error: refusing to purge the messages from stream \"S\" without --force (-f): \
         standard input is not a terminal to ask on"
    );
    assert_eq!(messages(&server, "S"), 6);

    let purged = json_doc(
        &server,
        &[
            "stream",
            "purge",
            "S",
            "--subject",
            "a",
            "--keep",
            "1",
            "-f",
            "--json",
        ],
    );
    assert_eq!(purged, serde_json::json!({"stream": "S", "purged": 3}));
    assert_eq!(messages(&server, "S"), 3);
    // Below sequence 5: message 4 (b) goes; 5 (b) and 6 (a) stay.
    let out = natskit(&server, &["stream", "purge", "S", "--seq", "5", "-f"])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "Purged 1 message from stream \"S\"\n"
    );
    assert_eq!(
        json_doc(&server, &["stream", "get", "S", "5", "--json"])["subject"],
        "b"
    );
    let all = json_doc(&server, &["stream", "purge", "S", "--force", "--json"]);
    assert_eq!(all["purged"], 2);
    assert_eq!(messages(&server, "S"), 0);

    // rm refuses without --force in the same way, and the stream stays.
    let refused = failure(&server, &["stream", "rm", "S"]);
    assert_eq!(
        refused,
        "error: refusing to delete stream \"S\" with all its messages and consumers without \
         --force (-f): standard input is not a terminal to ask on"
    );
    assert_eq!(ok(&server, &["stream", "ls", "--names"]), "S\n");
}

/// Runs `natskit <args>` on a terminal (util-linux `script`), answers `answer` once it asks
/// `[y/N]`, and returns whether it succeeded and what the terminal showed.
fn answer_on_terminal(args: &str, answer: &str) -> (bool, String) {
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &format!("{BIN} {args}"), "/dev/null"])
        .env("XDG_CONFIG_HOME", NO_CONFIG)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in CONNECTION_ENV {
        cmd.env_remove(name);
    }
    let mut child = cmd.spawn().expect("run util-linux script");
    let mut stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 || tx.send(chunk[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    while !String::from_utf8_lossy(&seen).contains("[y/N]") {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(bytes) => seen.extend(bytes),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("no question in time: {:?}", String::from_utf8_lossy(&seen));
            }
        }
    }
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(answer.as_bytes()).expect("answer");
    // The command ends once answered; the reader stops at the end of the output.
    while let Ok(bytes) = rx.recv_timeout(PATIENCE) {
        seen.extend(bytes);
    }
    drop(stdin);
    let status = child.wait().expect("wait for script");
    (
        status.success(),
        String::from_utf8_lossy(&seen).into_owned(),
    )
}

#[test]
fn rm_and_purge_ask_on_a_terminal() {
    let server = js_server();
    ok(&server, &["stream", "add", "S", "--subjects", "s"]);
    js_publish(&server, &[("s", b"1", &[]), ("s", b"2", &[])]);
    let url = server.url();

    let (done, shown) = answer_on_terminal(&format!("stream purge S --keep 1 -s {url}"), "n\n");
    assert!(!done, "{shown}");
    assert!(
        shown.contains("Purge the messages but the last 1 from stream \"S\"? [y/N] ")
            && shown.contains("error: not confirmed; nothing was changed"),
        "{shown}"
    );
    assert_eq!(messages(&server, "S"), 2);
    let (done, shown) = answer_on_terminal(&format!("stream purge S --keep 1 -s {url}"), "y\n");
    assert!(
        done && shown.contains("Purged 1 message from stream \"S\""),
        "{shown}"
    );
    assert_eq!(messages(&server, "S"), 1);

    let (done, shown) = answer_on_terminal(&format!("stream rm S -s {url}"), "yes\n");
    assert!(done && shown.contains("Deleted stream \"S\""), "{shown}");
    assert_eq!(ok(&server, &["stream", "ls", "--names"]), "");
}
