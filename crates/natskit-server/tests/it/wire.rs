//! The wire, byte for byte, as nats-server 2.9 writes it (each expectation was read off a real
//! nats-server).

use natskit_server::Server;

use crate::support::*;

const QUIET: &str = r#"{"verbose":false,"pedantic":false,"headers":true,"no_responders":true}"#;

#[tokio::test]
async fn info_announces_what_clients_need() {
    let server = broker_with(Server::builder().name("embedded")).await;
    let raw = Raw::connect(&server).await;
    let line = raw.text();
    let json: serde_json::Value =
        serde_json::from_str(line.trim_start_matches("INFO ").trim()).unwrap();
    assert_eq!(json["server_name"], "embedded");
    assert_eq!(json["server_id"], server.id());
    assert_eq!(json["proto"], 1);
    assert_eq!(json["headers"], true);
    assert_eq!(json["max_payload"], 1024 * 1024);
    assert_eq!(json["port"], server.addr().port());
    assert!(json["client_id"].as_u64().unwrap() > 0);
    assert!(json.get("auth_required").is_none());
}

#[tokio::test]
async fn verbose_mode_acknowledges_every_operation() {
    let server = broker().await;
    let mut raw = Raw::connect(&server).await;
    raw.clear();
    raw.send("CONNECT {\"verbose\":true}\r\nSUB foo 1\r\nPUB foo 2\r\nhi\r\nUNSUB 1\r\nUNSUB 99\r\nPING\r\n")
        .await;
    raw.read_until("PONG\r\n").await;
    assert_eq!(
        raw.text(),
        "+OK\r\n+OK\r\n+OK\r\nMSG foo 1 2\r\nhi\r\n+OK\r\n+OK\r\nPONG\r\n"
    );
}

#[tokio::test]
async fn no_responders_answers_on_the_requesters_own_reply_subscription() {
    let server = broker().await;
    let mut raw = Raw::connect_with(&server, QUIET).await;
    raw.clear();
    raw.send("SUB _INBOX.z 6\r\nSUB _INBOX.> 7\r\nPUB req.nobody _INBOX.x.1 2\r\nhi\r\nPING\r\n")
        .await;
    raw.read_until("PONG\r\n").await;
    assert_eq!(
        raw.text(),
        "HMSG _INBOX.x.1 7 16 16\r\nNATS/1.0 503\r\n\r\n\r\nPONG\r\n"
    );
    // Without no_responders, nothing comes back.
    let mut quiet = Raw::connect_with(&server, r#"{"verbose":false,"headers":true}"#).await;
    quiet.clear();
    quiet
        .send("SUB _INBOX.> 1\r\nPUB req.nobody _INBOX.y 2\r\nhi\r\nPING\r\n")
        .await;
    quiet.read_until("PONG\r\n").await;
    assert_eq!(quiet.text(), "PONG\r\n");
}

#[tokio::test]
async fn echo_off_keeps_a_connections_own_messages_away() {
    let server = broker().await;
    let mut raw = Raw::connect_with(&server, r#"{"verbose":false,"echo":false}"#).await;
    raw.clear();
    raw.send("SUB foo 1\r\nPUB foo 1\r\na\r\nPING\r\n").await;
    raw.read_until("PONG\r\n").await;
    assert_eq!(raw.text(), "PONG\r\n");
}

#[tokio::test]
async fn unsubscribe_after_a_count_counts_what_was_delivered_before() {
    let server = broker().await;
    let mut raw = Raw::connect_with(&server, QUIET).await;
    raw.clear();
    raw.send(
        "SUB foo 1\r\nPUB foo 1\r\na\r\nUNSUB 1 2\r\nPUB foo 1\r\nb\r\nPUB foo 1\r\nc\r\nPING\r\n",
    )
    .await;
    raw.read_until("PONG\r\n").await;
    assert_eq!(
        raw.text(),
        "MSG foo 1 1\r\na\r\nMSG foo 1 1\r\nb\r\nPONG\r\n"
    );
    assert_eq!(server.stats().subscriptions, 0);
    // A reused live sid keeps the first subscription.
    raw.clear();
    raw.send("SUB foo 2\r\nSUB bar 2\r\nPUB bar 1\r\nx\r\nPUB foo 1\r\ny\r\nPING\r\n")
        .await;
    raw.read_until("PONG\r\n").await;
    assert_eq!(raw.text(), "MSG foo 2 1\r\ny\r\nPONG\r\n");
}

#[tokio::test]
async fn headers_are_forwarded_byte_for_byte_and_stripped_for_clients_without_them() {
    let server = broker().await;
    let mut with = Raw::connect_with(&server, QUIET).await;
    let mut without = Raw::connect_with(&server, r#"{"verbose":false}"#).await;
    with.send("SUB h 1\r\nPING\r\n").await;
    without.send("SUB h 9\r\nPING\r\n").await;
    with.read_until("PONG\r\nPONG\r\n").await;
    without.read_until("PONG\r\nPONG\r\n").await;
    with.clear();
    without.clear();
    let block = "NATS/1.0  \r\nA :  b \r\nA: c\r\n\r\n";
    with.send(format!(
        "HPUB h r {} {}\r\n{block}hi\r\nPING\r\n",
        block.len(),
        block.len() + 2
    ))
    .await;
    with.read_until("PONG\r\n").await;
    assert_eq!(
        with.text(),
        format!(
            "HMSG h 1 r {} {}\r\n{block}hi\r\nPONG\r\n",
            block.len(),
            block.len() + 2
        )
    );
    without.read_until("hi\r\n").await;
    assert_eq!(without.text(), "MSG h 9 r 2\r\nhi\r\n");
}

#[tokio::test]
async fn invalid_subjects_are_refused_and_the_connection_stays() {
    let server = broker().await;
    let mut raw = Raw::connect_with(&server, QUIET).await;
    raw.clear();
    raw.send("SUB foo..bar 1\r\nSUB foo.>.bar 2\r\nPING\r\n")
        .await;
    raw.read_until("PONG\r\n").await;
    assert_eq!(
        raw.text(),
        "-ERR 'Invalid Subject'\r\n-ERR 'Invalid Subject'\r\nPONG\r\n"
    );
    assert_eq!(server.stats().subscriptions, 0);
    // Pedantic: a wildcard publish is refused with a text, then routed all the same.
    let mut pedantic = Raw::connect_with(&server, r#"{"verbose":false,"pedantic":true}"#).await;
    pedantic.clear();
    pedantic
        .send("SUB > 1\r\nPUB foo.* 1\r\nx\r\nPING\r\n")
        .await;
    pedantic.read_until("PONG\r\n").await;
    assert_eq!(
        pedantic.text(),
        "-ERR 'Invalid Publish Subject'\r\nMSG foo.* 1 1\r\nx\r\nPONG\r\n"
    );
}

#[tokio::test]
async fn subscription_and_connection_limits_use_nats_server_texts() {
    let server = broker_with(Server::builder().max_subscriptions(2).max_connections(2)).await;
    let mut raw = Raw::connect_with(&server, QUIET).await;
    raw.clear();
    raw.send("SUB a 1\r\nSUB b 2\r\nSUB c 3\r\nUNSUB 1\r\nSUB c 3\r\nPING\r\n")
        .await;
    raw.read_until("PONG\r\n").await;
    assert_eq!(
        raw.text(),
        "-ERR 'maximum subscriptions exceeded'\r\nPONG\r\n"
    );
    assert_eq!(server.stats().subscriptions, 2);
    let _second = Raw::connect_with(&server, QUIET).await;
    let mut third = Raw::connect(&server).await;
    let said = third.read_to_end().await;
    assert!(
        said.ends_with("} \r\n-ERR 'maximum connections exceeded'\r\n")
            || said.ends_with("}\r\n-ERR 'maximum connections exceeded'\r\n"),
        "{said:?}"
    );
}

#[tokio::test]
async fn queue_groups_give_each_message_to_one_member() {
    let server = broker().await;
    let mut members = Vec::new();
    for sid in 1..=3 {
        let mut m = Raw::connect_with(&server, QUIET).await;
        m.send(format!("SUB work workers {sid}\r\nPING\r\n")).await;
        m.read_until("PONG\r\nPONG\r\n").await;
        m.clear();
        members.push(m);
    }
    let mut publisher = Raw::connect_with(&server, QUIET).await;
    let mut burst = String::new();
    for _ in 0..300 {
        burst.push_str("PUB work 1\r\nx\r\n");
    }
    publisher.send(format!("{burst}PING\r\n")).await;
    publisher.read_until("PONG\r\nPONG\r\n").await;
    let mut counts = Vec::new();
    for m in &mut members {
        m.send("PING\r\n").await;
        m.read_until("PONG\r\n").await;
        counts.push(m.text().matches("MSG work").count());
    }
    assert_eq!(counts.iter().sum::<usize>(), 300, "{counts:?}");
    assert!(counts.iter().all(|&n| n > 30), "spread: {counts:?}");
}

#[tokio::test]
async fn subjects_with_empty_tokens_reach_nobody() {
    let server = broker().await;
    let mut raw = Raw::connect_with(&server, QUIET).await;
    raw.clear();
    raw.send("SUB > 1\r\nPUB foo..bar 1\r\na\r\nPUB .foo 1\r\nb\r\nPUB foo. 1\r\nc\r\nPUB ok 1\r\nd\r\nPING\r\n")
        .await;
    raw.read_until("PONG\r\n").await;
    assert_eq!(raw.text(), "MSG ok 1 1\r\nd\r\nPONG\r\n");
}

#[tokio::test]
async fn an_empty_connect_means_verbose_and_pedantic_as_with_nats_server() {
    let server = broker().await;
    let mut raw = Raw::connect(&server).await;
    raw.clear();
    raw.send("CONNECT {}\r\nPUB foo.* 1\r\nx\r\nPING\r\n").await;
    raw.read_until("PONG\r\n").await;
    assert_eq!(
        raw.text(),
        "+OK\r\n-ERR 'Invalid Publish Subject'\r\n+OK\r\nPONG\r\n"
    );
}

#[tokio::test]
async fn an_unknown_protocol_level_is_refused_with_nats_server_text() {
    let server = broker().await;
    for level in ["2", "-1"] {
        let mut raw = Raw::connect(&server).await;
        raw.send(format!("CONNECT {{\"protocol\":{level}}}\r\n"))
            .await;
        let said = raw.read_to_end().await;
        assert!(
            said.ends_with("-ERR 'invalid client protocol'\r\n"),
            "{level}: {said:?}"
        );
    }
}
