//! Ordered consumers against nats-server, pulled and pushed: everything once and in order,
//! recovery when the consumer underneath is deleted or lost with a server restart, and a
//! "new messages only" reader that never replays the stream after a reset.

use std::time::Duration;

use futures_util::StreamExt;
use natskit::jetstream::{
    Consume, ConsumeError, Context, DeliverPolicy, OrderedConfig, OrderedMessages, StorageType,
    StreamConfig,
};

use crate::support::{start, PATIENCE};

fn memory(name: &str, subject: &str) -> StreamConfig {
    StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new(name).subjects([subject])
    }
}

/// Pulled with quick heartbeats, or pushed with quick heartbeats.
#[derive(Debug, Clone, Copy)]
enum How {
    Pull,
    Push,
}

const HOWS: [How; 2] = [How::Pull, How::Push];
const HEARTBEAT: Duration = Duration::from_millis(300);

async fn open(js: &Context, stream: &str, config: OrderedConfig, how: How) -> OrderedMessages {
    let config = OrderedConfig {
        heartbeat: HEARTBEAT,
        ..config
    };
    let reader = js.ordered_consumer(stream, config).unwrap();
    match how {
        How::Pull => reader
            .consume(
                Consume::default()
                    .max_messages(20)
                    .expires(Duration::from_secs(1))
                    .heartbeat(HEARTBEAT),
            )
            .await
            .unwrap(),
        How::Push => reader.push_messages().await.unwrap(),
    }
}

/// The next message's stream sequence and payload; warnings are allowed, not terminal errors.
async fn next(messages: &mut OrderedMessages) -> (u64, String) {
    loop {
        let item = tokio::time::timeout(PATIENCE, messages.next())
            .await
            .expect("a message in time")
            .expect("the stream goes on");
        match item {
            Ok(msg) => {
                let seq = msg.info().unwrap().stream_sequence;
                return (seq, String::from_utf8_lossy(&msg.payload).into_owned());
            }
            Err(e) => assert!(!e.is_terminal(), "{e}"),
        }
    }
}

async fn publish(js: &Context, subject: &str, n: std::ops::Range<u32>) {
    for i in n {
        js.publish(subject.to_owned(), format!("m{i}"))
            .await
            .unwrap();
    }
}

/// The one consumer of `stream` (the ordered reader's current one).
async fn current_consumer(js: &Context, stream: &str) -> String {
    let names = js.consumer_names(stream).await.unwrap();
    assert_eq!(names.len(), 1, "{names:?}");
    names.into_iter().next().unwrap()
}

#[tokio::test]
async fn an_ordered_consumer_reads_everything_in_order_pulled_or_pushed() {
    let t = start().await;
    t.js.create_stream(memory("O", "o.>")).await.unwrap();
    publish(&t.js, "o.a", 0..50).await;
    publish(&t.js, "o.b", 50..60).await;
    for how in HOWS {
        let filtered = OrderedConfig {
            filter_subjects: vec!["o.a".into()],
            ..OrderedConfig::default()
        };
        let mut messages = open(&t.js, "O", filtered, how).await;
        for i in 0..50 {
            assert_eq!(
                next(&mut messages).await,
                (i as u64 + 1, format!("m{i}")),
                "{how:?}"
            );
        }
    }
    t.stop().await;
}

#[tokio::test]
async fn a_deleted_consumer_is_made_anew_from_the_next_sequence() {
    let t = start().await;
    t.js.create_stream(memory("R", "r.>")).await.unwrap();
    publish(&t.js, "r.x", 0..10).await;
    for how in HOWS {
        let mut messages = open(&t.js, "R", OrderedConfig::default(), how).await;
        for i in 0..5 {
            assert_eq!(next(&mut messages).await.0, i + 1, "{how:?}");
        }
        let first = current_consumer(&t.js, "R").await;
        // Whatever the reader had buffered of the old consumer is delivered or dropped; either
        // way the sequence goes on from 6 without a gap or a repeat.
        t.js.delete_consumer("R", &first).await.unwrap();
        for i in 5..10 {
            assert_eq!(next(&mut messages).await.0, i + 1, "{how:?}");
        }
        drop(messages);
        // Leave no consumer behind for the next round.
        for name in t.js.consumer_names("R").await.unwrap() {
            let _ = t.js.delete_consumer("R", &name).await;
        }
    }
    t.stop().await;
}

#[tokio::test]
async fn a_new_messages_only_reader_never_replays_the_stream_after_a_reset() {
    let t = start().await;
    t.js.create_stream(memory("N", "n.>")).await.unwrap();
    publish(&t.js, "n.x", 0..3).await;
    for how in HOWS {
        let only_new = OrderedConfig {
            deliver_policy: DeliverPolicy::New,
            ..OrderedConfig::default()
        };
        let mut messages = open(&t.js, "N", only_new, how).await;
        let first = current_consumer(&t.js, "N").await;
        t.js.delete_consumer("N", &first).await.unwrap();
        // Wait for the reader to have made its next consumer (it notices by the 409 or by the
        // missing heartbeats), reading meanwhile so it can notice.
        let second = tokio::time::timeout(PATIENCE, async {
            loop {
                tokio::select! {
                    item = messages.next() => {
                        let item = item.expect("the stream goes on");
                        if let Ok(msg) = item {
                            panic!("{how:?}: nothing new was published, got {:?}", msg.payload);
                        }
                    }
                    _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                }
                let names = t.js.consumer_names("N").await.unwrap();
                if let [name] = names.as_slice() {
                    if *name != first {
                        return name.clone();
                    }
                }
            }
        })
        .await
        .expect("a new consumer is made");
        let info = t.js.consumer_info("N", &second).await.unwrap();
        assert_eq!(info.config.deliver_policy, DeliverPolicy::New, "{how:?}");
        t.js.publish("n.x", "fresh").await.unwrap();
        let (_, payload) = next(&mut messages).await;
        assert_eq!(payload, "fresh", "{how:?}: the history was replayed");
        drop(messages);
        let _ = t.js.delete_consumer("N", &second).await;
    }
    t.stop().await;
}

#[tokio::test]
async fn an_ordered_consumer_goes_on_after_a_server_restart() {
    let mut t = start().await;
    t.js.create_stream(StreamConfig::new("S").subjects(["s.x"]))
        .await
        .unwrap();
    let mut stored = 0;
    for how in HOWS {
        publish(&t.js, "s.x", 0..10).await;
        stored += 10;
        let mut messages = open(&t.js, "S", OrderedConfig::default(), how).await;
        for seq in 1..=stored {
            assert_eq!(next(&mut messages).await.0, seq, "{how:?}");
        }
        // Its consumer is ephemeral and in memory: the restart loses it. What comes after was
        // published after the restart, so it can only come through a new consumer.
        let mut events = t.client.events();
        t.server.restart_gracefully().unwrap();
        crate::support::reconnected(&mut events).await;
        publish(&t.js, "s.x", 0..10).await;
        stored += 10;
        for seq in stored - 9..=stored {
            assert_eq!(next(&mut messages).await.0, seq, "{how:?}");
        }
    }
    t.stop().await;
}

#[tokio::test]
async fn an_ordered_consumer_on_a_deleted_stream_ends() {
    let t = start().await;
    t.js.create_stream(memory("D", "d.>")).await.unwrap();
    assert!(t
        .js
        .ordered_consumer("bad.name", OrderedConfig::default())
        .is_err());
    let missing =
        t.js.ordered_consumer("MISSING", OrderedConfig::default())
            .unwrap();
    assert!(missing.messages().await.is_err(), "no stream, no reader");
    let mut messages = open(&t.js, "D", OrderedConfig::default(), How::Pull).await;
    t.js.delete_stream("D").await.unwrap();
    let end = tokio::time::timeout(PATIENCE, async {
        loop {
            match messages.next().await {
                Some(Err(e)) if e.is_terminal() => return Some(e),
                Some(_) => continue,
                None => return None,
            }
        }
    })
    .await
    .expect("it ends");
    assert!(
        matches!(end, Some(ConsumeError::OrderedFailed(_))),
        "{end:?}"
    );
    t.stop().await;
}
