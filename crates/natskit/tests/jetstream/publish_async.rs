//! Asynchronous publish: acknowledgements awaited later, the in-flight window, and what a
//! reconnect does to acknowledgements in flight.

use std::time::Duration;

use natskit::jetstream::{self, Publish, PublishError, StorageType, StreamConfig};
use natskit::{ConnectOptions, RequestError};
use natskit_test::FaultProxy;

use crate::support::{builder, start, PATIENCE};

fn memory(name: &str, subject: &str) -> StreamConfig {
    StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new(name).subjects([subject])
    }
}

#[tokio::test]
async fn asynchronous_publishes_are_acknowledged_in_sequence() {
    let t = start().await;
    t.js.create_stream(memory("ASYNC", "async.>"))
        .await
        .unwrap();
    let mut acks = Vec::new();
    for n in 0..500 {
        acks.push(
            t.js.publish_async("async.x", format!("m{n}"))
                .await
                .unwrap(),
        );
    }
    for (n, ack) in acks.into_iter().enumerate() {
        let ack = tokio::time::timeout(PATIENCE, ack).await.unwrap().unwrap();
        assert_eq!((ack.stream.as_str(), ack.seq), ("ASYNC", n as u64 + 1));
    }
    assert_eq!(t.js.stream_info("ASYNC").await.unwrap().state.messages, 500);
    t.stop().await;
}

#[tokio::test]
async fn a_slot_is_freed_when_its_ack_arrives_even_if_nobody_awaits_it() {
    let t = start().await;
    t.js.create_stream(memory("WINDOW", "window.>"))
        .await
        .unwrap();
    let js = t.js.clone().with_max_publishes_in_flight(2);
    // Ten publishes through a window of two, none of their futures awaited meanwhile: this
    // would stall at the third if a slot waited for its future to be read.
    let publishing = async {
        let mut acks = Vec::new();
        for n in 0..10 {
            acks.push(js.publish_async("window.x", format!("m{n}")).await.unwrap());
        }
        acks
    };
    let acks = tokio::time::timeout(PATIENCE, publishing)
        .await
        .expect("the window frees slots as acknowledgements arrive");
    for ack in acks {
        ack.await.unwrap();
    }
    t.stop().await;
}

#[tokio::test]
async fn a_full_window_waits_for_an_acknowledgement() {
    let mut server = builder().start().unwrap();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let client = natskit::connect(&proxy.url()).await.unwrap();
    let js = jetstream::new(client.clone()).with_max_publishes_in_flight(1);
    js.create_stream(memory("FULL", "full.>")).await.unwrap();

    proxy.black_hole(); // no acknowledgement comes back
    let first = js.publish_async("full.x", "1").await.unwrap();
    let second =
        tokio::time::timeout(Duration::from_millis(300), js.publish_async("full.x", "2")).await;
    assert!(
        second.is_err(),
        "the only slot is taken until the first acknowledgement"
    );
    drop(first); // giving up on it frees its slot
    let second = tokio::time::timeout(PATIENCE, js.publish_async("full.x", "2"))
        .await
        .expect("a slot is free again")
        .unwrap();
    drop(second);
    proxy.heal();
    client.close().await.ok();
    server.stop().unwrap();
}

#[tokio::test]
async fn a_publish_sent_before_a_reconnect_fails_as_disconnected_and_its_message_id_makes_the_retry_safe(
) {
    let mut server = builder().start().unwrap();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let client = ConnectOptions::new()
        .reconnect_delay(natskit::ReconnectDelay::custom(|_| {
            Duration::from_millis(20)
        }))
        .flush_timeout(Duration::from_millis(300))
        .connect(&proxy.url())
        .await
        .unwrap();
    let js = jetstream::new(client.clone());
    js.create_stream(memory("RECONNECT", "reconnect.>"))
        .await
        .unwrap();

    proxy.black_hole(); // the publish goes out, but neither it nor its ack gets through
    let lost = js
        .send_publish_async("reconnect.x", Publish::new("a").message_id("a-1"))
        .await
        .unwrap();
    // Its flush cannot be answered through the partition; by its timeout the publish before it
    // has long been written.
    assert!(client.flush().await.is_err());
    proxy.heal();
    proxy.reset(); // the client reconnects through the healed proxy
    let outcome = tokio::time::timeout(PATIENCE, lost).await.unwrap();
    assert!(
        matches!(
            outcome,
            Err(PublishError::Request(RequestError::Disconnected { .. }))
        ),
        "{outcome:?}"
    );
    // Stored or not, sending it again with its message id keeps one copy.
    for _ in 0..2 {
        let ack = js
            .send_publish("reconnect.x", Publish::new("a").message_id("a-1"))
            .await
            .unwrap();
        assert_eq!(ack.seq, 1);
    }
    assert_eq!(js.stream_info("RECONNECT").await.unwrap().state.messages, 1);
    client.close().await.ok();
    server.stop().unwrap();
}

#[tokio::test]
async fn a_server_restart_during_asynchronous_publishing_loses_nothing_acknowledged() {
    let mut t = crate::support::start().await;
    // File storage: the stream outlives the restart.
    t.js.create_stream(StreamConfig::new("RESTART").subjects(["restart.>"]))
        .await
        .unwrap();
    let js = t.js.clone().with_max_publishes_in_flight(64);
    let mut outcomes = Vec::new();
    for n in 0..400u32 {
        if n == 200 {
            // As an operator restarts it, while acknowledgements are in flight.
            t.server.restart_gracefully().unwrap();
        }
        let publish = Publish::new(format!("m{n}")).message_id(format!("id-{n}"));
        outcomes.push(js.send_publish_async("restart.x", publish).await);
    }
    let mut acked = Vec::new();
    for (n, outcome) in outcomes.into_iter().enumerate() {
        let result = match outcome {
            Ok(ack) => tokio::time::timeout(PATIENCE, ack)
                .await
                .expect("every acknowledgement settles: acked or failed, never hanging"),
            Err(e) => Err(e),
        };
        match result {
            Ok(ack) => acked.push((n, ack.seq)),
            // Sent before the restart and not acknowledged: a typed failure, to be retried.
            Err(PublishError::Request(RequestError::Disconnected { .. })) => {}
            Err(other) => panic!("publish {n}: {other:?}"),
        }
    }
    assert!(acked.len() >= 200, "only {} acknowledged", acked.len());
    // Every acknowledged message is in the stream, with the payload it was sent with.
    for (n, seq) in &acked {
        let stored = t.js.get_message("RESTART", *seq).await.unwrap();
        assert_eq!(stored.payload, format!("m{n}"), "#{seq}");
    }
    t.stop().await;
}
