//! `natskit consumer add|ls|info|rm|next` against nats-server 2.10 with JetStream: the
//! configuration the flags make, listings, and taking messages with and without
//! acknowledging them.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use natskit_test::NatsServer;
use serde_json::json;

use crate::support::{
    failure, js_publish, js_server, json_doc, json_lines, natskit, ok, JsMessage,
};

/// A JetStream server with stream ORDERS on `orders.>` holding `count` messages
/// `orders.<n>` with payload `order <n>`, n from 1.
fn orders(count: usize) -> NatsServer {
    let server = js_server();
    ok(
        &server,
        &["stream", "add", "ORDERS", "--subjects", "orders.>"],
    );
    let subjects: Vec<String> = (1..=count).map(|n| format!("orders.{n}")).collect();
    let payloads: Vec<String> = (1..=count).map(|n| format!("order {n}")).collect();
    let messages: Vec<JsMessage<'_>> = subjects
        .iter()
        .zip(&payloads)
        .map(|(s, p)| (s.as_str(), p.as_bytes(), &[][..]))
        .collect();
    js_publish(&server, &messages);
    server
}

/// `consumer info ORDERS <name> --json`.
fn info(server: &NatsServer, name: &str) -> serde_json::Value {
    json_doc(server, &["consumer", "info", "ORDERS", name, "--json"])
}

#[test]
fn add_pull_and_push_then_ls_info_and_rm() {
    let server = orders(0);
    let pull = json_doc(
        &server,
        &[
            "consumer",
            "add",
            "ORDERS",
            "billing",
            "--pull",
            "--filter",
            "orders.eu.>",
            "--filter",
            "orders.us.>",
            "--deliver",
            "last_per_subject",
            "--ack",
            "all",
            "--wait",
            "10s",
            "--max-deliver",
            "5",
            "--max-pending",
            "50",
            "--max-waiting",
            "16",
            "--replay",
            "original",
            "--backoff",
            "1s,5s",
            "--inactive-threshold",
            "1h",
            "--headers-only",
            "--description",
            "the billing job",
            "--json",
        ],
    );
    assert_eq!(pull["stream_name"], "ORDERS");
    assert_eq!(pull["name"], "billing");
    let config = &pull["config"];
    assert_eq!(config["durable_name"], "billing");
    assert_eq!(
        config["filter_subjects"],
        json!(["orders.eu.>", "orders.us.>"])
    );
    assert_eq!(config["deliver_policy"], "last_per_subject");
    assert_eq!(config["ack_policy"], "all");
    assert_eq!(config["max_deliver"], 5);
    assert_eq!(config["max_ack_pending"], 50);
    assert_eq!(config["max_waiting"], 16);
    assert_eq!(config["replay_policy"], "original");
    assert_eq!(
        config["backoff"],
        json!([1_000_000_000u64, 5_000_000_000u64])
    );
    assert_eq!(config["inactive_threshold"], 3_600_000_000_000u64);
    assert_eq!(config["headers_only"], true);
    assert_eq!(config["description"], "the billing job");
    assert!(config.get("deliver_subject").is_none(), "{config}");

    let push = ok(
        &server,
        &[
            "consumer",
            "add",
            "ORDERS",
            "audit",
            "--push",
            "--target",
            "audit.orders",
            "--deliver-group",
            "auditors",
            "--deliver",
            "new",
            "--ack",
            "none",
            "--filter",
            "orders.eu.>",
        ],
    );
    assert!(
        push.starts_with("Consumer audit on stream ORDERS (created "),
        "{push}"
    );
    for line in [
        "Type:               push",
        "Target:             audit.orders",
        "Deliver group:      auditors",
        "Filter:             orders.eu.>",
        "Deliver:            new",
        "Ack:                none",
    ] {
        assert!(push.contains(line), "{line:?} in {push}");
    }
    let audit = info(&server, "audit");
    assert_eq!(audit["config"]["deliver_subject"], "audit.orders");

    let table = ok(&server, &["consumer", "ls", "ORDERS"]);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "NAME",
            "TYPE",
            "FILTER",
            "ACK",
            "PENDING",
            "ACK",
            "PENDING",
            "REDELIVERED",
            "LAST",
            "DELIVERED"
        ]
    );
    assert_eq!(
        rows[1],
        ["audit", "push", "orders.eu.>", "none", "0", "0", "0", "-"]
    );
    assert_eq!(
        rows[2],
        [
            "billing",
            "pull",
            "orders.eu.>,orders.us.>",
            "all",
            "0",
            "0",
            "0",
            "-"
        ]
    );
    assert_eq!(
        ok(&server, &["consumer", "ls", "ORDERS", "--names"]),
        "audit\nbilling\n"
    );
    let listed = json_lines(&ok(&server, &["consumer", "ls", "ORDERS", "--json"]));
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["config"]["ack_policy"], "all");

    let text = ok(&server, &["consumer", "info", "ORDERS", "billing"]);
    for line in [
        "Consumer billing on stream ORDERS (created ",
        "Description:        the billing job",
        "Type:               pull",
        "Max waiting pulls:  16",
        "Deliver:            last per subject",
        "Backoff:            1s, 5s",
        "Inactive threshold: 1h",
        "Last delivered:     -",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }

    let out = natskit(&server, &["consumer", "rm", "ORDERS", "audit", "-f"])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "Deleted consumer \"audit\" of stream \"ORDERS\"\n"
    );
    assert_eq!(
        failure(&server, &["consumer", "info", "ORDERS", "audit"]),
        "error: consumer \"audit\" of stream \"ORDERS\" not found"
    );
    let refused = failure(&server, &["consumer", "rm", "ORDERS", "billing"]);
    assert_eq!(
        refused,
        "error: refusing to delete consumer \"billing\" of stream \"ORDERS\" without \
         --force (-f): standard input is not a terminal to ask on"
    );
    assert_eq!(
        ok(&server, &["consumer", "ls", "ORDERS", "-n"]),
        "billing\n"
    );
}

#[test]
fn next_acknowledges_each_message_unless_no_ack() {
    let server = orders(3);
    ok(&server, &["consumer", "add", "ORDERS", "work"]);

    let out = natskit(
        &server,
        &["consumer", "next", "ORDERS", "work", "--count", "2"],
    )
    .assert()
    .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert_eq!(
        stdout,
        "[#1] Received on \"orders.1\" (stream sequence 1, delivery 1, 2 pending)\norder 1\n\n\
         [#2] Received on \"orders.2\" (stream sequence 2, delivery 1, 1 pending)\norder 2\n\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "Acknowledged 2 messages\n"
    );
    // The acknowledgements were confirmed before the command ended.
    let state = info(&server, "work");
    assert_eq!(state["ack_floor"]["stream_seq"], 2);
    assert_eq!(state["num_ack_pending"], 0);
    assert_eq!(state["num_pending"], 1);

    let out = natskit(
        &server,
        &["consumer", "next", "ORDERS", "work", "--no-ack", "--json"],
    )
    .assert()
    .success();
    let documents = json_lines(&String::from_utf8_lossy(&out.get_output().stdout));
    assert_eq!(documents.len(), 1);
    let msg = &documents[0];
    assert_eq!(msg["stream"], "ORDERS");
    assert_eq!(msg["consumer"], "work");
    assert_eq!(msg["subject"], "orders.3");
    assert_eq!(msg["stream_seq"], 3);
    assert_eq!(msg["consumer_seq"], 3);
    assert_eq!(msg["delivered"], 1);
    assert_eq!(msg["pending"], 0);
    assert_eq!(msg["payload"], "order 3");
    assert_eq!(msg["headers"], json!({}));
    assert!(msg["published"].as_str().unwrap().ends_with('Z'));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        stderr.starts_with("Left 1 message unacknowledged: consumer \"work\" of stream \"ORDERS\""),
        "{stderr}"
    );
    let state = info(&server, "work");
    assert_eq!(state["num_ack_pending"], 1);
    assert_eq!(state["ack_floor"]["stream_seq"], 2);

    // Message 3 waits for its acknowledgement (ack wait 30s): nothing to take now.
    assert_eq!(
        failure(
            &server,
            &["consumer", "next", "ORDERS", "work", "--wait", "200ms"]
        ),
        "error: no message from consumer \"work\" of stream \"ORDERS\" within 200ms"
    );
}

#[test]
fn next_takes_what_comes_within_the_wait_and_raw_prints_payloads() {
    let server = orders(2);
    ok(
        &server,
        &["consumer", "add", "ORDERS", "all", "--ack", "none"],
    );
    let out = natskit(
        &server,
        &[
            "consumer", "next", "ORDERS", "all", "-c", "3", "--wait", "300ms", "--raw",
        ],
    )
    .assert()
    .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        "order 1\norder 2\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "warning: 2 of 3 messages came within 300ms\n"
    );
    assert_eq!(info(&server, "all")["num_pending"], 0);
}

#[test]
fn deliver_from_a_sequence_or_a_time() {
    let server = orders(3);
    ok(
        &server,
        &["consumer", "add", "ORDERS", "from2", "--deliver", "2"],
    );
    let from2 = json_doc(&server, &["consumer", "next", "ORDERS", "from2", "--json"]);
    assert_eq!(from2["stream_seq"], 2);

    let config = json_doc(
        &server,
        &[
            "consumer",
            "add",
            "ORDERS",
            "since",
            "--deliver",
            "2020-01-01T00:00:00Z",
            "--json",
        ],
    )["config"]
        .clone();
    assert_eq!(config["deliver_policy"], "by_start_time");
    assert_eq!(config["opt_start_time"], "2020-01-01T00:00:00Z");
    let since = json_doc(&server, &["consumer", "next", "ORDERS", "since", "--json"]);
    assert_eq!(since["stream_seq"], 1);

    // An hour ago: all three are younger.
    let hour = json_doc(
        &server,
        &[
            "consumer",
            "add",
            "ORDERS",
            "hour",
            "--deliver",
            "1h",
            "--json",
        ],
    );
    assert_eq!(hour["config"]["deliver_policy"], "by_start_time");
    assert_eq!(hour["num_pending"], 3);

    ok(
        &server,
        &["consumer", "add", "ORDERS", "latest", "--deliver", "last"],
    );
    let latest = json_doc(&server, &["consumer", "next", "ORDERS", "latest", "--json"]);
    assert_eq!(latest["stream_seq"], 3);
}

#[test]
fn next_refuses_a_push_consumer() {
    let server = orders(1);
    ok(
        &server,
        &[
            "consumer",
            "add",
            "ORDERS",
            "pushed",
            "--target",
            "out.orders",
        ],
    );
    assert_eq!(
        failure(&server, &["consumer", "next", "ORDERS", "pushed"]),
        "error: consumer \"pushed\" of stream \"ORDERS\" is a push consumer: 'natskit sub' on \
         its target subject reads it"
    );
}
