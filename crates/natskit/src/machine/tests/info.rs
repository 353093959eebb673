//! INFO updates: servers announced, lame duck mode, max_payload and headers support.

use std::time::Instant;

use bytes::Bytes;
use natskit_proto::HeaderMap;

use super::*;
use crate::PublishError;

fn info_line(json: &str) -> String {
    format!("INFO {json}\r\n")
}

#[test]
fn announced_servers_join_the_pool_and_are_reported() {
    let mut m = connected(Instant::now());
    input(
        &mut m,
        &info_line(r#"{"max_payload":1024,"headers":true,"connect_urls":["c:4222","a:4222"]}"#),
    );
    assert_eq!(
        events(&mut m),
        [Event::ServersDiscovered {
            servers: vec!["nats://c:4222".into()]
        }]
    );
    assert_eq!(
        m.servers(),
        ["nats://a:4222", "nats://b:4222", "nats://c:4222"]
    );
}

#[test]
fn announced_servers_are_ignored_when_told_to() {
    let mut config = config();
    config.reconnect.use_discovered = false;
    let mut m = connected_with(config, Instant::now());
    input(&mut m, &info_line(r#"{"connect_urls":["c:4222"]}"#));
    assert!(events(&mut m).is_empty());
    assert_eq!(m.servers().len(), 2);
}

#[test]
fn lame_duck_mode_leaves_for_another_server() {
    let mut m = connected(Instant::now());
    input(&mut m, &info_line(r#"{"ldm":true}"#));
    assert_eq!(events(&mut m), [Event::LameDuckMode]);
    assert_eq!(
        m.take_leave().as_deref(),
        Some("the server entered lame duck mode")
    );
}

#[test]
fn lame_duck_mode_with_no_other_server_stays() {
    let mut m = machine_for("nats://a:4222", config());
    let attempt = m.next_attempt().expect("a server");
    m.connected(attempt.index, info(), Instant::now());
    effects(&mut m);
    input(&mut m, &info_line(r#"{"ldm":true}"#));
    assert_eq!(events(&mut m), [Event::LameDuckMode]);
    assert_eq!(m.take_leave(), None, "nowhere else to go");
}

#[test]
fn a_new_max_payload_applies_to_the_next_publish() {
    let mut m = connected(Instant::now());
    input(&mut m, &info_line(r#"{"max_payload":4,"headers":true}"#));
    assert_eq!(
        publish(&mut m, "a", "12345"),
        Err(PublishError::TooLarge {
            size: 5,
            max_payload: 4
        })
    );
    assert_eq!(m.info().max_payload, 4);
}

#[test]
fn headers_are_refused_by_a_server_without_them() {
    let mut m = connected(Instant::now());
    input(
        &mut m,
        &info_line(r#"{"max_payload":1024,"headers":false}"#),
    );
    let mut headers = HeaderMap::new();
    headers.insert("K", "v").expect("valid header");
    assert_eq!(
        m.publish("a", None, Some(&headers), &Bytes::new()),
        Err(PublishError::HeadersNotSupported)
    );
}

#[test]
fn the_servers_error_is_reported() {
    let mut m = connected(Instant::now());
    input(
        &mut m,
        "-ERR 'Permissions Violation for Publish to \"x\"'\r\n",
    );
    assert_eq!(
        events(&mut m),
        [Event::ServerError(
            "Permissions Violation for Publish to \"x\"".into()
        )]
    );
}

#[test]
fn garbage_from_the_server_is_a_protocol_error() {
    let mut m = connected(Instant::now());
    let mut buf = bytes::BytesMut::from("HELLO there\r\n");
    assert!(m.handle_input(&mut buf).is_err());
}

#[test]
fn a_message_split_across_reads_is_delivered_once_whole() {
    let mut m = connected(Instant::now());
    m.subscribe("a", None).expect("valid");
    let mut buf = bytes::BytesMut::from("MSG a 1 5\r\nhe");
    m.handle_input(&mut buf).expect("valid so far");
    assert!(effects(&mut m).is_empty());
    buf.extend_from_slice(b"llo\r\n");
    m.handle_input(&mut buf).expect("valid");
    assert_eq!(deliveries(&effects(&mut m)), ["1:hello"]);
}

#[test]
fn a_large_read_is_handled_a_chunk_at_a_time() {
    let mut config = config();
    config.pending.messages = 1000;
    config.pending.bytes = 1 << 20;
    let mut m = connected_with(config, Instant::now());
    m.subscribe("a", None).expect("valid");
    let chunk = super::super::INPUT_CHUNK;
    let mut buf = bytes::BytesMut::from("MSG a 1 1\r\nx\r\n".repeat(chunk + 10).as_str());
    assert!(
        m.handle_input(&mut buf).expect("valid"),
        "stopped at the chunk"
    );
    assert_eq!(deliveries(&effects(&mut m)).len(), chunk);
    assert!(
        !m.handle_input(&mut buf).expect("valid"),
        "the rest, and done"
    );
    assert_eq!(deliveries(&effects(&mut m)).len(), 10);
    assert!(buf.is_empty());
}
