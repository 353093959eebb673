//! Hostile and broken clients: each is disconnected with nats-server's text (or silently where
//! nats-server is silent) while a well-behaved client keeps its traffic.

use std::time::Duration;

use futures_util::StreamExt;
use natskit_server::Server;

use crate::support::*;

/// A natskit publisher and subscriber that must keep working next to the offender.
struct Bystander {
    client: natskit::Client,
    sub: natskit::Subscriber,
}

impl Bystander {
    async fn join(server: &Server) -> Bystander {
        let client = natskit::connect(&server.client_url()).await.unwrap();
        let sub = client.subscribe("bystander").await.unwrap();
        client.flush().await.unwrap();
        Bystander { client, sub }
    }

    /// Publishes `n` messages and receives every one, in order.
    async fn still_works(&mut self, n: u32) {
        for i in 0..n {
            self.client
                .publish("bystander", i.to_string())
                .await
                .unwrap();
        }
        for i in 0..n {
            let msg = tokio::time::timeout(PATIENCE, self.sub.next())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(msg.payload, i.to_string());
        }
    }
}

#[tokio::test]
async fn garbage_bytes_get_unknown_protocol_operation_and_a_close() {
    let server = broker().await;
    let mut bystander = Bystander::join(&server).await;
    let mut raw = Raw::connect(&server).await;
    raw.send(b"\x00\xff\x13garbage\r\n").await;
    let said = raw.read_to_end().await;
    assert!(
        said.ends_with("-ERR 'Unknown Protocol Operation'\r\n"),
        "{said:?}"
    );
    bystander.still_works(100).await;
}

#[tokio::test]
async fn a_control_line_over_the_limit_is_refused_before_its_end_arrives() {
    let server = broker().await;
    let mut bystander = Bystander::join(&server).await;
    let mut raw = Raw::connect_with(&server, "{}").await;
    // No line end at all: the broker must not wait for one.
    raw.send(format!("PUB {}", "a".repeat(5000))).await;
    let said = raw.read_to_end().await;
    assert!(
        said.ends_with("-ERR 'maximum control line exceeded'\r\n"),
        "{said:?}"
    );
    bystander.still_works(100).await;
}

#[tokio::test]
async fn a_payload_over_max_payload_is_refused_when_announced() {
    let server = broker_with(Server::builder().max_payload(1024)).await;
    let mut bystander = Bystander::join(&server).await;
    let mut raw = Raw::connect(&server).await;
    assert!(
        raw.text().contains("\"max_payload\":1024"),
        "{}",
        raw.text()
    );
    raw.send("CONNECT {\"verbose\":false}\r\nPUB big 1025\r\n")
        .await;
    let said = raw.read_to_end().await;
    assert!(
        said.ends_with("-ERR 'Maximum Payload Violation'\r\n"),
        "{said:?}"
    );
    // Exactly max_payload is fine.
    let mut ok = Raw::connect_with(&server, "{\"verbose\":false}").await;
    ok.send(format!("PUB big 1024\r\n{}\r\nPING\r\n", "x".repeat(1024)))
        .await;
    ok.read_until("PONG\r\nPONG\r\n").await;
    bystander.still_works(100).await;
}

#[tokio::test]
async fn a_client_that_never_sends_connect_is_timed_out_when_auth_is_required() {
    let server = broker_with(
        Server::builder()
            .token("s3cret")
            .auth_timeout(Duration::from_millis(300)),
    )
    .await;
    let mut raw = Raw::connect(&server).await;
    assert!(raw.text().contains("\"auth_required\":true"));
    let said = raw.read_to_end().await;
    assert!(
        said.ends_with("-ERR 'Authentication Timeout'\r\n"),
        "{said:?}"
    );
    let client = natskit::ConnectOptions::new()
        .token("s3cret")
        .connect(&server.client_url())
        .await
        .unwrap();
    client.flush().await.unwrap();
}

#[tokio::test]
async fn a_silent_client_without_auth_is_found_stale_by_pings() {
    let server = broker_with(Server::builder().ping(Duration::from_millis(100), 2)).await;
    let mut bystander = Bystander::join(&server).await;
    let mut raw = Raw::connect(&server).await;
    let said = raw.read_to_end().await;
    assert!(
        said.ends_with("PING\r\nPING\r\n-ERR 'Stale Connection'\r\n"),
        "{said:?}"
    );
    // natskit answers the broker's PINGs, so it stays.
    bystander.still_works(10).await;
}

#[tokio::test]
async fn wrong_credentials_get_authorization_violation() {
    let server = broker_with(Server::builder().user("alice", "wonderland")).await;
    let mut raw = Raw::connect(&server).await;
    raw.send("CONNECT {\"user\":\"alice\",\"pass\":\"nope\"}\r\n")
        .await;
    assert!(raw
        .read_to_end()
        .await
        .ends_with("-ERR 'Authorization Violation'\r\n"));
    // Anything but CONNECT first is a violation too when auth is required.
    let mut raw = Raw::connect(&server).await;
    raw.send("PING\r\n").await;
    assert!(raw
        .read_to_end()
        .await
        .ends_with("-ERR 'Authorization Violation'\r\n"));
    let err = natskit::ConnectOptions::new()
        .user_and_password("alice", "nope")
        .reconnect(false)
        .connect(&server.client_url())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Authorization Violation"), "{err}");
    connect_as(&server, "alice", "wonderland").await;
}

#[tokio::test]
async fn malformed_arguments_close_silently_as_nats_server_does() {
    let server = broker().await;
    for bad in [
        "PUB foo abc\r\n",
        "SUB foo\r\n",
        "CONNECT {not json}\r\n",
        "PUB foo 3\r\nabcXY",
    ] {
        let mut raw = Raw::connect(&server).await;
        raw.send(bad).await;
        let said = raw.read_to_end().await;
        let after_info = &said[said.find("\r\n").unwrap() + 2..];
        let expected = if bad.ends_with("XY") {
            "-ERR 'Unknown Protocol Operation'\r\n"
        } else {
            ""
        };
        assert_eq!(after_info, expected, "for {bad:?}");
    }
}

#[tokio::test]
async fn a_consumer_that_stops_reading_is_disconnected_and_others_keep_their_traffic() {
    let server = broker_with(Server::builder().max_pending(256 * 1024)).await;
    // The slow one subscribes and then never reads.
    let mut slow = Raw::connect_with(&server, "{\"verbose\":false}").await;
    slow.send("SUB firehose 1\r\nPING\r\n").await;
    slow.read_until("PONG\r\nPONG\r\n").await;

    let publisher = natskit::connect(&server.client_url()).await.unwrap();
    let reader = natskit::connect(&server.client_url()).await.unwrap();
    let mut fast = reader.subscribe("firehose").await.unwrap();
    reader.flush().await.unwrap();
    let total = 20_000u32; // 20 MB of 1 KiB messages: far more than socket buffers hold
    let payload = bytes::Bytes::from(vec![b'x'; 1024]);
    let receiving = tokio::spawn(async move {
        let mut n = 0;
        while n < total {
            tokio::time::timeout(PATIENCE, fast.next())
                .await
                .unwrap()
                .unwrap();
            n += 1;
        }
        n
    });
    for _ in 0..total {
        publisher
            .publish("firehose", payload.clone())
            .await
            .unwrap();
    }
    publisher.flush().await.unwrap();
    assert_eq!(
        receiving.await.unwrap(),
        total,
        "the reading subscriber got everything"
    );
    assert_eq!(server.stats().slow_consumers, 1);
    // The slow one was closed without an -ERR: what it reads is whole MSGs, then EOF.
    let said = slow.read_to_end().await;
    assert!(!said.contains("-ERR"));
    // It got far less than was published: max_pending plus what the kernel's socket buffers
    // held when it stopped reading.
    let published = total as usize * 1024;
    assert!(
        said.len() < published / 2,
        "{} of {published} bytes",
        said.len()
    );
}

#[tokio::test]
async fn a_client_dropping_200_000_subscriptions_at_once_does_not_stall_the_broker() {
    let server = broker().await;
    let mut bystander = Bystander::join(&server).await;
    let mut hog = Raw::connect_with(&server, r#"{"verbose":false}"#).await;
    let mut subs = String::with_capacity(200_000 * 16);
    for sid in 1..=200_000 {
        subs.push_str(&format!("SUB foo {sid}\r\n"));
    }
    hog.send(format!("{subs}PING\r\n")).await;
    hog.read_until("PONG\r\nPONG\r\n").await;
    assert_eq!(server.stats().subscriptions, 200_001);
    drop(hog);
    // Removal is constant time per subscription; a quadratic one would take minutes here.
    bystander.still_works(10).await;
    tokio::time::timeout(PATIENCE, async {
        while server.stats().subscriptions != 1 {
            tokio::task::yield_now().await;
        }
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn connect_gets_no_longer_line_than_other_operations() {
    let server = broker().await;
    let mut raw = Raw::connect(&server).await;
    raw.send(format!("CONNECT {{\"name\":\"{}\"}}\r\n", "n".repeat(5000)))
        .await;
    let said = raw.read_to_end().await;
    assert!(
        said.ends_with("-ERR 'maximum control line exceeded'\r\n"),
        "{said:?}"
    );
}
