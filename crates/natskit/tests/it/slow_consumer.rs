//! Pending limits: a subscriber that does not read loses new messages, counted, with one
//! slow-consumer event per episode, and nobody else is held up.

use natskit::{ConnectOptions, Event};

use crate::support::{next, server, wait_for_event};

#[tokio::test]
async fn over_the_limit_messages_are_dropped_counted_and_reported_once() {
    let server = server();
    let client = ConnectOptions::new()
        .pending_limits(10, 1024 * 1024)
        .connect(&server.url())
        .await
        .unwrap();
    let mut events = client.events();
    let mut slow = client.subscribe("firehose").await.unwrap();
    let mut fast = client.subscribe("other").await.unwrap();
    for i in 0..100 {
        client.publish("firehose", format!("{i}")).await.unwrap();
    }
    client.publish("other", "still flowing").await.unwrap();
    client.flush().await.unwrap();
    assert_eq!(next(&mut fast).await.payload, "still flowing");
    assert_eq!(slow.pending_messages(), 10);
    assert_eq!(slow.dropped(), 90);
    let event = wait_for_event(&mut events, |e| matches!(e, Event::SlowConsumer { .. })).await;
    assert_eq!(
        event,
        Event::SlowConsumer {
            sid: slow.sid(),
            subject: "firehose".into()
        }
    );

    // Reading catches up and ends the episode; a new overflow is a new episode, one event more.
    for i in 0..10 {
        assert_eq!(next(&mut slow).await.payload, format!("{i}"));
    }
    for i in 0..20 {
        client
            .publish("firehose", format!("again {i}"))
            .await
            .unwrap();
    }
    client.flush().await.unwrap();
    assert_eq!(slow.dropped(), 100);
    let mut slow_events = 0;
    client.publish("marker", "").await.unwrap();
    client.close().await.unwrap();
    while let Some(event) = futures_util::StreamExt::next(&mut events).await {
        if matches!(event, Event::SlowConsumer { .. }) {
            slow_events += 1;
        }
        if matches!(event, Event::Closed { .. }) {
            break;
        }
    }
    assert_eq!(
        slow_events, 1,
        "exactly one more event for the second episode"
    );
}

#[tokio::test]
async fn byte_limit_applies_too() {
    let server = server();
    let client = ConnectOptions::new()
        .pending_limits(1_000_000, 3_000)
        .connect(&server.url())
        .await
        .unwrap();
    let slow = client.subscribe("bytes").await.unwrap();
    for _ in 0..10 {
        client.publish("bytes", vec![0u8; 1000]).await.unwrap();
    }
    client.flush().await.unwrap();
    assert_eq!(
        slow.pending_messages(),
        2,
        "two 1,000-byte messages (with their subject and bookkeeping) fit in 3,000 bytes"
    );
    assert_eq!(slow.dropped(), 8);
}

#[test]
fn default_limits_are_documented_values() {
    assert_eq!(natskit::DEFAULT_PENDING_MESSAGES, 500_000);
    assert_eq!(natskit::DEFAULT_PENDING_BYTES, 128 * 1024 * 1024);
}
