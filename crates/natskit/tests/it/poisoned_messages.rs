//! A publisher's message that the client cannot read (a bad header block, a subject that is not
//! UTF-8) is forwarded by the server as sent. The subscriber drops that one message, counts it
//! and reports it, and keeps its connection and every message after it.

use std::time::Duration;

use natskit::Event;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{next, server, wait_for_event, TestServer, PATIENCE};

/// Header blocks that do not parse: no `NATS/1.0` line, garbage, a status out of range, a line
/// without a colon, a status line without its line end.
const BAD_HEADER_BLOCKS: &[&[u8]] = &[
    b"Foo: bar\r\n\r\n",
    b"\x01\x02garbage\r\n\r\n",
    b"NATS/1.0 9999\r\n\r\n",
    b"NATS/1.0\r\nno colon here\r\n\r\n",
    b"NATS/1.0 503",
];

/// A publisher on a raw socket, which can send what no client library would.
struct RawPublisher {
    stream: TcpStream,
}

impl RawPublisher {
    async fn connect(server: &TestServer) -> RawPublisher {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        let mut info = [0u8; 4096];
        let n = stream.read(&mut info).await.unwrap();
        assert!(info[..n].starts_with(b"INFO "), "no INFO");
        stream
            .write_all(b"CONNECT {\"verbose\":false,\"headers\":true,\"pedantic\":false}\r\n")
            .await
            .unwrap();
        RawPublisher { stream }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// `HPUB subject` with `block` as its header block and `payload` after it.
    async fn hpub(&mut self, subject: &str, block: &[u8], payload: &[u8]) {
        let mut frame = format!(
            "HPUB {subject} {} {}\r\n",
            block.len(),
            block.len() + payload.len()
        )
        .into_bytes();
        frame.extend_from_slice(block);
        frame.extend_from_slice(payload);
        frame.extend_from_slice(b"\r\n");
        self.send(&frame).await;
    }

    /// A PING answered: everything sent before it has been routed.
    async fn sync(&mut self) {
        self.send(b"PING\r\n").await;
        let mut said = Vec::new();
        let mut chunk = [0u8; 1024];
        tokio::time::timeout(PATIENCE, async {
            while !said.windows(6).any(|w| w == b"PONG\r\n") {
                let n = self.stream.read(&mut chunk).await.unwrap();
                assert!(n > 0, "the server closed the publisher: {said:?}");
                said.extend_from_slice(&chunk[..n]);
            }
        })
        .await
        .expect("PONG");
    }
}

#[tokio::test]
async fn every_message_after_a_bad_header_block_reaches_the_subscriber() {
    let server = server();
    let client = natskit::connect(&server.url()).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("poison.>").await.unwrap();
    client.flush().await.unwrap();
    let mut publisher = RawPublisher::connect(&server).await;
    for (i, block) in BAD_HEADER_BLOCKS.iter().enumerate() {
        publisher.hpub("poison.bad", block, b"bad").await;
        for j in 0..4 {
            publisher
                .send(format!("PUB poison.ok 3\r\n{i}:{j}\r\n").as_bytes())
                .await;
        }
    }
    publisher.sync().await;
    for i in 0..BAD_HEADER_BLOCKS.len() {
        for j in 0..4 {
            let msg = next(&mut sub).await;
            assert_eq!(msg.payload, format!("{i}:{j}"));
        }
    }
    let event = wait_for_event(&mut events, |e| matches!(e, Event::MalformedMessage { .. })).await;
    let Event::MalformedMessage {
        sid,
        subject,
        reason,
    } = event
    else {
        unreachable!()
    };
    assert_eq!((sid, subject.as_deref()), (sub.sid(), Some("poison.>")));
    assert!(reason.contains("header"), "{reason}");
    let stats = client.statistics();
    assert_eq!(stats.malformed_messages, BAD_HEADER_BLOCKS.len() as u64);
    assert_eq!(stats.reconnects, 0, "the connection was kept");
}

#[tokio::test]
async fn every_message_after_a_subject_that_is_not_utf8_reaches_the_subscriber() {
    let server = server();
    let client = natskit::connect(&server.url()).await.unwrap();
    let mut sub = client.subscribe("poison.>").await.unwrap();
    client.flush().await.unwrap();
    let mut publisher = RawPublisher::connect(&server).await;
    publisher.send(b"PUB poison.\xff\xfe 3\r\nbad\r\n").await;
    publisher
        .send(b"PUB poison.ok _INBOX.\xc3\x28 3\r\nbad\r\n")
        .await;
    for i in 0..20 {
        publisher
            .send(format!("PUB poison.ok 2\r\n{i:02}\r\n").as_bytes())
            .await;
    }
    publisher.sync().await;
    for i in 0..20 {
        assert_eq!(next(&mut sub).await.payload, format!("{i:02}"));
    }
    let stats = client.statistics();
    assert_eq!(stats.malformed_messages, 2);
    assert_eq!(stats.reconnects, 0, "the connection was kept");
    assert!(
        tokio::time::timeout(
            Duration::from_millis(50),
            futures_util::StreamExt::next(&mut sub)
        )
        .await
        .is_err(),
        "nothing else arrives"
    );
}
