//! Where the embedded broker used to part from nats-server 2.9.10 on the wire (issue 23,
//! finding 8): each test sends the same bytes to nats-server and to the embedded broker and
//! asserts the same answer and the same fate of the connection on both.

use natskit_server::{Permissions, Rule, Server, ServerBuilder, User};

use crate::backends::{get, Backend};

/// A CONNECT that asks for no acknowledgements.
const QUIET: &str = r#"{"verbose":false,"pedantic":false,"headers":true}"#;

/// Everything a broker sends back after its INFO when `connect` (if any) and then `steps` are
/// sent, and whether it closed the connection. Reading stops at a close or once the answer
/// ends with a PONG, so steps that keep the connection end with a PING.
async fn outcome(backend: &Backend, connect: Option<&str>, steps: &[u8]) -> (Vec<u8>, bool) {
    let mut raw = backend.raw().await;
    raw.clear();
    let mut bytes = connect
        .map(|json| format!("CONNECT {json}\r\n").into_bytes())
        .unwrap_or_default();
    bytes.extend_from_slice(steps);
    raw.send(bytes).await;
    let closed = raw.read_until_closed_or(Some("PONG\r\n")).await;
    (raw.seen, closed)
}

/// Runs `steps` on nats-server (`config`) and the embedded broker (`builder`) and asserts that
/// both answer `said`, byte for byte, and close the connection exactly when `closes`.
async fn same_on_both(
    config: Option<&str>,
    builder: ServerBuilder,
    connect: Option<&str>,
    steps: &[u8],
    said: impl AsRef<[u8]>,
    closes: bool,
) {
    // Compared escaped, so that bytes that are not UTF-8 count and show in a failure.
    let said = said.as_ref().escape_ascii().to_string();
    for backend in Backend::both(config, builder).await {
        let (got, closed) = outcome(&backend, connect, steps).await;
        let got = got.escape_ascii().to_string();
        assert_eq!((got, closed), (said.clone(), closes), "{}", backend.name());
        backend.stop().await;
    }
}

#[tokio::test]
async fn subjects_that_are_not_utf8_are_routed_as_bytes() {
    // nats-server takes any bytes as a subject, reply subject or queue name and matches them
    // as bytes: a literal, a wildcard and a queue subscription each get their message, and a
    // reply subject is passed through as sent. Each publish matches one subscription, so the
    // order of deliveries is the same on both.
    same_on_both(
        None,
        Server::builder(),
        Some(r#"{"verbose":true,"pedantic":false}"#),
        b"SUB a\xff.b 1\r\nSUB w\xff.* 2\r\nSUB c q\xfe 3\r\n\
          PUB a\xff.b r\xfd 2\r\nhi\r\nPUB w\xff.x 1\r\nx\r\nPUB c 1\r\ny\r\n\
          PUB nobody\xfe 0\r\n\r\nPING\r\n",
        b"+OK\r\n+OK\r\n+OK\r\n+OK\r\n\
          +OK\r\nMSG a\xff.b 1 r\xfd 2\r\nhi\r\n\
          +OK\r\nMSG w\xff.x 2 1\r\nx\r\n\
          +OK\r\nMSG c 3 1\r\ny\r\n\
          +OK\r\nPONG\r\n",
        false,
    )
    .await;
}

#[tokio::test]
async fn a_refused_subject_that_is_not_utf8_is_quoted_as_nats_server_quotes_it() {
    let config = "authorization { users = [ { user: u, password: p, \
                  permissions: { publish: { allow: [\"ok\"] }, \
                  subscribe: { allow: [\"ok\"] } } } ] }";
    let user = User::new("u", "p").permissions(
        Permissions::default()
            .publish(Rule::allow(["ok"]))
            .subscribe(Rule::allow(["ok"])),
    );
    same_on_both(
        Some(config),
        Server::builder().add_user(user),
        Some(r#"{"verbose":false,"user":"u","pass":"p"}"#),
        b"SUB a\xff\"b q\xfe 1\r\nPUB a\xff 0\r\n\r\nPING\r\n",
        b"-ERR 'Permissions Violation for Subscription to \"a\\xff\\\"b\" using queue \"q\\xfe\"'\r\n\
          -ERR 'Permissions Violation for Publish to \"a\\xff\"'\r\nPONG\r\n",
        false,
    )
    .await;
}

#[tokio::test]
async fn sub_and_unsub_without_a_blank_after_their_name_are_unknown_operations() {
    for steps in [&b"SUB\r\nPING\r\n"[..], b"UNSUB\r\nPING\r\n"] {
        same_on_both(
            None,
            Server::builder(),
            Some(QUIET),
            steps,
            "-ERR 'Unknown Protocol Operation'\r\n",
            true,
        )
        .await;
    }
    // With the blank but no arguments: a silent close on both.
    same_on_both(
        None,
        Server::builder(),
        Some(QUIET),
        b"SUB \r\nPING\r\n",
        "",
        true,
    )
    .await;
}

#[tokio::test]
async fn a_repeated_connect_key_counts_its_last_value() {
    same_on_both(
        None,
        Server::builder(),
        Some(r#"{"verbose":false,"verbose":true,"name":"a","name":"b"}"#),
        b"PING\r\n",
        "+OK\r\nPONG\r\n",
        false,
    )
    .await;
}

#[tokio::test]
async fn a_connect_that_is_not_an_object_is_refused_even_with_the_right_credentials() {
    let config = "authorization { user: u, password: p }";
    for json in [r#"[false,false,false,"u","p"]"#, "[]", "1"] {
        same_on_both(
            Some(config),
            Server::builder().user("u", "p"),
            Some(json),
            b"PING\r\n",
            "",
            true,
        )
        .await;
    }
    // null reads as an empty object: without credentials, refused for those.
    same_on_both(
        Some(config),
        Server::builder().user("u", "p"),
        Some("null"),
        b"PING\r\n",
        "-ERR 'Authorization Violation'\r\n",
        true,
    )
    .await;
}

#[tokio::test]
async fn an_info_from_a_client_is_ignored_when_it_is_a_json_object() {
    same_on_both(
        None,
        Server::builder(),
        Some(QUIET),
        b"INFO {\"server_id\":\"x\"}\r\nINFO null\r\nPING\r\n",
        "PONG\r\n",
        false,
    )
    .await;
    for steps in [&b"INFO garbage\r\nPING\r\n"[..], b"INFO [1]\r\nPING\r\n"] {
        same_on_both(None, Server::builder(), Some(QUIET), steps, "", true).await;
    }
}

#[tokio::test]
async fn a_refused_queue_subscription_names_its_queue() {
    let config = "authorization { users = [ { user: u, password: p, \
                  permissions: { subscribe: { deny: [\"secret\"] } } } ] }";
    let user = User::new("u", "p")
        .permissions(Permissions::default().subscribe(Rule::default().deny(["secret"])));
    same_on_both(
        Some(config),
        Server::builder().add_user(user),
        Some(r#"{"verbose":false,"user":"u","pass":"p"}"#),
        b"SUB secret q 1\r\nSUB secret 2\r\nPING\r\n",
        "-ERR 'Permissions Violation for Subscription to \"secret\" using queue \"q\"'\r\n\
         -ERR 'Permissions Violation for Subscription to \"secret\"'\r\nPONG\r\n",
        false,
    )
    .await;
}

#[tokio::test]
async fn a_line_that_is_no_operation_is_refused_before_its_end_arrives() {
    // nats-server reads the operation's name first: no line end is waited for.
    for steps in [vec![b'x'; 10 * 1024], b"PUX".to_vec(), b"SUBX a 1".to_vec()] {
        same_on_both(
            None,
            Server::builder(),
            Some(QUIET),
            &steps,
            "-ERR 'Unknown Protocol Operation'\r\n",
            true,
        )
        .await;
    }
    // A known operation with an overlong argument is a control line error.
    let mut long_pub = b"PUB ".to_vec();
    long_pub.extend(vec![b'a'; 10 * 1024]);
    same_on_both(
        None,
        Server::builder(),
        Some(QUIET),
        &long_pub,
        "-ERR 'maximum control line exceeded'\r\n",
        true,
    )
    .await;
}

#[tokio::test]
async fn sids_are_any_token_kept_as_sent() {
    // nats-server keys a connection's subscriptions by the sid's bytes: `abc` and `a\xffb` are
    // sids, `01` and `1` are two; each MSG carries the sid as it was sent. An UNSUB max it
    // does not read as a count (a letter, a sign, ten digits) ends the subscription at once.
    same_on_both(
        None,
        Server::builder(),
        Some(r#"{"verbose":false,"pedantic":false,"headers":true}"#),
        b"SUB a abc\r\nSUB b q a\xffb\r\nSUB c 01\r\nSUB c 1\r\nUNSUB 1\r\n\
          SUB d 2\r\nUNSUB 2 x\r\nSUB e 3\r\nUNSUB 3 1234567890\r\nSUB f 4\r\nUNSUB 4 -1\r\n\
          SUB g 5\r\nUNSUB 5 123456789\r\nUNSUB abc 2\r\n\
          PUB a 1\r\n1\r\nPUB b 1\r\n2\r\nPUB c 1\r\n3\r\nPUB d 1\r\n4\r\nPUB e 1\r\n5\r\n\
          PUB f 1\r\n6\r\nPUB g 1\r\n7\r\nHPUB a 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPUB a 1\r\n8\r\n\
          PING\r\n",
        b"MSG a abc 1\r\n1\r\nMSG b a\xffb 1\r\n2\r\nMSG c 01 1\r\n3\r\nMSG g 5 1\r\n7\r\n\
          HMSG a abc 12 14\r\nNATS/1.0\r\n\r\nhi\r\nPONG\r\n",
        false,
    )
    .await;
}

#[tokio::test]
async fn connz_lists_sids_as_text() {
    for backend in Backend::both(None, Server::builder()).await {
        let mut raw = backend.raw().await;
        raw.send(format!("CONNECT {QUIET}\r\nSUB a abc\r\nPING\r\n"))
            .await;
        raw.read_until("PONG\r\n").await;
        let (status, body) = get(backend.http_addr(), "/connz?subs=detail").await;
        assert_eq!(status, 200, "{}: {body}", backend.name());
        let connz: serde_json::Value = serde_json::from_str(&body).unwrap();
        let detail = &connz["connections"][0]["subscriptions_list_detail"][0];
        assert_eq!(detail["sid"], "abc", "{}: {body}", backend.name());
        backend.stop().await;
    }
}
