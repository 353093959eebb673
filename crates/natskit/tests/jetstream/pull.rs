//! Pull consumers against nats-server: fetch, next, consume with refills, acknowledgements of
//! every kind, the statuses that end a pull, heartbeats, and recovery from a lost consumer,
//! a black-holed link, a cut connection and a server restart.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::StreamExt;
use natskit::jetstream::{
    AckError, Consume, ConsumeError, ConsumerConfig, Fetch, Message, Messages, PullConsumer,
    StorageType, StreamConfig,
};
use natskit::ConnectOptions;
use natskit_test::FaultProxy;

use crate::consumers::collect;
use crate::support::{start, Js, PATIENCE};

fn memory(name: &str, subject: &str) -> StreamConfig {
    StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new(name).subjects([subject])
    }
}

async fn with_messages(t: &Js, stream: &str, subject: &str, n: usize) {
    t.js.create_stream(memory(stream, &format!("{subject}.>")))
        .await
        .unwrap();
    for i in 0..n {
        t.js.publish(format!("{subject}.{i}"), format!("m{i}"))
            .await
            .unwrap();
    }
}

async fn next_message(messages: &mut Messages) -> Message {
    tokio::time::timeout(PATIENCE, messages.next())
        .await
        .expect("a message in time")
        .expect("the stream goes on")
        .expect("a message, not an error")
}

fn text(msg: &Message) -> String {
    String::from_utf8_lossy(&msg.payload).into_owned()
}

#[tokio::test]
async fn fetch_returns_the_batch_and_no_wait_returns_at_once_when_empty() {
    let t = start().await;
    with_messages(&t, "F", "f", 5).await;
    let consumer = pull_consumer(&t, "F", ConsumerConfig::durable("w")).await;
    let first = collect(consumer.fetch(Fetch::messages(3)).await.unwrap()).await;
    assert_eq!(
        first.iter().map(text).collect::<Vec<_>>(),
        ["m0", "m1", "m2"]
    );
    for msg in &first {
        msg.ack().await.unwrap();
    }
    // Asks for ten, two are there: no_wait ends the batch with them.
    let rest = collect(consumer.fetch(Fetch::messages(10).no_wait()).await.unwrap()).await;
    assert_eq!(rest.iter().map(text).collect::<Vec<_>>(), ["m3", "m4"]);
    // Nothing at all: an empty batch, long before the 30 s expiry.
    let started = std::time::Instant::now();
    let none = collect(consumer.fetch(Fetch::messages(10).no_wait()).await.unwrap()).await;
    assert!(none.is_empty());
    assert!(started.elapsed() < Duration::from_secs(5));
    t.stop().await;
}

#[tokio::test]
async fn fetch_with_expires_ends_when_the_server_says_the_request_expired() {
    let t = start().await;
    with_messages(&t, "X", "x", 1).await;
    let consumer = pull_consumer(&t, "X", ConsumerConfig::durable("w")).await;
    let batch = consumer
        .fetch(Fetch::messages(5).expires(Duration::from_millis(300)))
        .await
        .unwrap();
    let got = collect(batch).await;
    assert_eq!(got.len(), 1, "the one message, then the 408 ends it");
    t.stop().await;
}

#[tokio::test]
async fn fetch_by_bytes_stops_at_the_bytes_asked_for() {
    let t = start().await;
    with_messages(&t, "B", "b", 20).await;
    let consumer = pull_consumer(&t, "B", ConsumerConfig::durable("w")).await;
    // Each message is about 80 bytes as the server counts (subject, ack reply, payload).
    let batch = consumer
        .fetch(Fetch::bytes(300).expires(Duration::from_secs(1)))
        .await
        .unwrap();
    let got = collect(batch).await;
    assert!((1..20).contains(&got.len()), "{} messages", got.len());
    t.stop().await;
}

#[tokio::test]
async fn next_gets_one_message_or_none() {
    let t = start().await;
    with_messages(&t, "N", "n", 1).await;
    let consumer = pull_consumer(&t, "N", ConsumerConfig::durable("w")).await;
    let msg = consumer.next().await.unwrap().expect("one message");
    assert_eq!(text(&msg), "m0");
    msg.double_ack().await.unwrap();
    let none = consumer
        .next_within(Duration::from_millis(200))
        .await
        .unwrap();
    assert!(none.is_none());
    t.stop().await;
}

#[tokio::test]
async fn consume_refills_its_buffer_until_every_message_is_in() {
    let t = start().await;
    with_messages(&t, "W", "w", 200).await;
    for consume in [
        Consume::default().max_messages(10),
        Consume::default().max_messages(1),
        Consume::default().max_bytes(2_000),
    ] {
        let consumer = pull_consumer(&t, "W", ConsumerConfig::default()).await;
        let mut messages = consumer.consume(consume.clone()).await.unwrap();
        for i in 0..200 {
            let msg = next_message(&mut messages).await;
            assert_eq!(text(&msg), format!("m{i}"), "{consume:?}");
            msg.ack().await.unwrap();
        }
    }
    t.stop().await;
}

#[tokio::test]
async fn acknowledged_messages_leave_and_double_ack_is_confirmed_at_once() {
    let t = start().await;
    with_messages(&t, "A", "a", 3).await;
    let consumer = pull_consumer(&t, "A", ConsumerConfig::durable("w")).await;
    let batch = collect(consumer.fetch(Fetch::messages(3)).await.unwrap()).await;
    for msg in &batch {
        msg.double_ack().await.unwrap();
    }
    // Confirmed: the server has them, without any wait.
    let info = consumer.info().await.unwrap();
    assert_eq!((info.num_ack_pending, info.ack_floor.stream_seq), (0, 3));
    assert_eq!(
        batch[0].ack().await.unwrap_err(),
        AckError::AlreadyAcknowledged
    );
    t.stop().await;
}

#[tokio::test]
async fn nak_redelivers_marked_as_a_redelivery_and_term_never_does() {
    let t = start().await;
    with_messages(&t, "K", "k", 2).await;
    let consumer = pull_consumer(&t, "K", ConsumerConfig::durable("w")).await;
    let mut messages = consumer
        .consume(Consume::default().max_messages(5))
        .await
        .unwrap();
    let first = next_message(&mut messages).await;
    let info = first.info().unwrap();
    assert_eq!((info.stream.as_str(), info.consumer.as_str()), ("K", "w"));
    assert_eq!((info.stream_sequence, info.delivered), (1, 1));
    assert!(!info.is_redelivery());
    first.nak().await.unwrap();
    let second = next_message(&mut messages).await;
    second.term_with_reason("not wanted").await.unwrap();
    let again = next_message(&mut messages).await;
    let info = again.info().unwrap();
    assert_eq!((info.stream_sequence, info.delivered), (1, 2));
    assert!(info.is_redelivery());
    again.in_progress().await.unwrap();
    again.double_ack().await.unwrap();
    // m1 was terminated: nothing more comes.
    let state = consumer.info().await.unwrap();
    assert_eq!((state.num_ack_pending, state.num_pending), (0, 0));
    t.stop().await;
}

#[tokio::test]
async fn nak_with_delay_holds_the_redelivery_back() {
    let t = start().await;
    with_messages(&t, "L", "l", 1).await;
    let consumer = pull_consumer(&t, "L", ConsumerConfig::durable("w")).await;
    let msg = consumer.next().await.unwrap().unwrap();
    let delay = Duration::from_millis(700);
    let nakked = std::time::Instant::now();
    msg.nak_with_delay(delay).await.unwrap();
    let again = consumer.next().await.unwrap().expect("redelivered");
    assert!(nakked.elapsed() >= delay, "{:?}", nakked.elapsed());
    assert_eq!(again.info().unwrap().delivered, 2);
    t.stop().await;
}

#[tokio::test]
async fn an_ack_after_ack_wait_is_reported_as_late() {
    let t = start().await;
    with_messages(&t, "T", "t", 1).await;
    let consumer = pull_consumer(
        &t,
        "T",
        ConsumerConfig {
            ack_wait: Duration::from_secs(1),
            ..ConsumerConfig::durable("w")
        },
    )
    .await;
    let first = consumer.next().await.unwrap().unwrap();
    // The redelivery is the proof that ack_wait passed.
    let redelivered = consumer
        .next()
        .await
        .unwrap()
        .expect("redelivered after ack_wait");
    assert_eq!(redelivered.info().unwrap().delivered, 2);
    match first.ack().await {
        Err(AckError::AfterAckWait { ack_wait, elapsed }) => {
            assert_eq!(ack_wait, Duration::from_secs(1));
            assert!(elapsed > ack_wait);
        }
        other => panic!("expected a late ack, got {other:?}"),
    }
    redelivered.ack().await.unwrap();
    t.stop().await;
}

#[tokio::test]
async fn a_consumer_deleted_under_a_consume_ends_it_with_a_typed_error() {
    let t = start().await;
    with_messages(&t, "G", "g", 1).await;
    let consumer = pull_consumer(&t, "G", ConsumerConfig::durable("w")).await;
    let mut messages = consumer.messages().await.unwrap();
    next_message(&mut messages).await.ack().await.unwrap();
    t.js.delete_consumer("G", "w").await.unwrap();
    let end = tokio::time::timeout(PATIENCE, messages.next())
        .await
        .expect("the consume ends, it does not hang");
    match end {
        Some(Err(e)) => {
            assert_eq!(e, ConsumeError::ConsumerDeleted);
            assert!(e.is_terminal());
        }
        other => panic!("expected ConsumerDeleted, got {other:?}"),
    }
    assert!(messages.next().await.is_none(), "and then the stream ends");
    t.stop().await;
}

#[tokio::test]
async fn pulling_from_a_consumer_that_is_gone_says_so() {
    let t = start().await;
    with_messages(&t, "H", "h", 1).await;
    let consumer = pull_consumer(&t, "H", ConsumerConfig::durable("w")).await;
    t.js.delete_consumer("H", "w").await.unwrap();
    assert_eq!(
        consumer.next().await.unwrap_err(),
        ConsumeError::NoResponders
    );
    t.stop().await;
}

#[tokio::test]
async fn a_pull_larger_than_the_consumer_allows_is_refused_with_the_limit() {
    let t = start().await;
    with_messages(&t, "M", "m", 1).await;
    let consumer = pull_consumer(
        &t,
        "M",
        ConsumerConfig {
            max_batch: 5,
            ..ConsumerConfig::durable("w")
        },
    )
    .await;
    let mut messages = consumer
        .consume(Consume::default().max_messages(10))
        .await
        .unwrap();
    let end = tokio::time::timeout(PATIENCE, messages.next())
        .await
        .unwrap();
    match end {
        Some(Err(ConsumeError::Refused { description })) => {
            assert!(description.contains("MaxRequestBatch"), "{description}")
        }
        other => panic!("expected Refused, got {other:?}"),
    }
    assert!(messages.next().await.is_none());
    t.stop().await;
}

/// A pull consumer on `stream` of test `t`.
async fn pull_consumer(t: &Js, stream: &str, config: ConsumerConfig) -> PullConsumer {
    t.js.create_pull_consumer(stream, config).await.unwrap()
}

/// A durable consumer whose unacknowledged messages come again after two seconds.
fn short_ack_wait() -> ConsumerConfig {
    ConsumerConfig {
        ack_wait: Duration::from_secs(2),
        ..ConsumerConfig::durable("w")
    }
}

/// Reads until `want` distinct stream sequences are acknowledged; returns how many deliveries
/// were seen twice without the redelivery mark (must be none).
async fn ack_all(messages: &mut Messages, acked: &mut BTreeSet<u64>, want: usize) -> usize {
    let mut unmarked_repeats = 0;
    while acked.len() < want {
        let item = tokio::time::timeout(PATIENCE, messages.next())
            .await
            .expect("messages keep coming")
            .expect("the consume goes on");
        let msg = match item {
            Ok(msg) => msg,
            Err(warning) => {
                assert!(!warning.is_terminal(), "{warning}");
                continue;
            }
        };
        let info = msg.info().unwrap();
        if acked.contains(&info.stream_sequence) && !info.is_redelivery() {
            unmarked_repeats += 1;
        }
        if msg.double_ack().await.is_ok() {
            acked.insert(info.stream_sequence);
        }
    }
    unmarked_repeats
}

#[tokio::test]
async fn a_consume_survives_a_server_restart_losing_nothing_acknowledged() {
    let mut t = start().await;
    t.js.create_stream(StreamConfig::new("R").subjects(["r.>"]))
        .await
        .unwrap();
    for i in 0..100 {
        t.js.publish(format!("r.{i}"), "x").await.unwrap();
    }
    // A double ack cut off by the restart is not confirmed; its message comes again after
    // ack_wait, short here so that is within the test's patience.
    let consumer = pull_consumer(&t, "R", short_ack_wait()).await;
    let mut messages = consumer
        .consume(
            Consume::default()
                .max_messages(10)
                .expires(Duration::from_secs(2)),
        )
        .await
        .unwrap();
    let mut acked = BTreeSet::new();
    assert_eq!(ack_all(&mut messages, &mut acked, 50).await, 0);
    // As an operator restarts it (SIGTERM): the server writes the consumer's state first. A
    // SIGKILL loses the server's unwritten acknowledgements, which no client can make up for.
    t.server.restart_gracefully().unwrap();
    assert_eq!(ack_all(&mut messages, &mut acked, 100).await, 0);
    assert_eq!(acked, (1..=100).collect());
    let info = consumer.info().await.unwrap();
    assert_eq!(info.ack_floor.stream_seq, 100);
    t.stop().await;
}

#[tokio::test]
async fn a_consume_survives_a_cut_connection() {
    let t = start().await;
    with_messages(&t, "P", "p", 60).await;
    let proxy = FaultProxy::start(t.server.addr()).unwrap();
    let client = ConnectOptions::new().connect(&proxy.url()).await.unwrap();
    let js = natskit::jetstream::new(client.clone());
    let consumer: PullConsumer = js
        .create_pull_consumer("P", short_ack_wait())
        .await
        .unwrap();
    let mut messages = consumer
        .consume(Consume::default().max_messages(5))
        .await
        .unwrap();
    let mut acked = BTreeSet::new();
    assert_eq!(ack_all(&mut messages, &mut acked, 20).await, 0);
    proxy.reset();
    assert_eq!(ack_all(&mut messages, &mut acked, 60).await, 0);
    assert_eq!(acked, (1..=60).collect());
    client.close().await.unwrap();
    t.stop().await;
}

#[tokio::test]
async fn missed_heartbeats_are_reported_and_the_consume_recovers() {
    let t = start().await;
    with_messages(&t, "Q", "q", 1).await;
    let proxy = FaultProxy::start(t.server.addr()).unwrap();
    let client = ConnectOptions::new().connect(&proxy.url()).await.unwrap();
    let js = natskit::jetstream::new(client.clone());
    let consumer = js
        .create_pull_consumer("Q", ConsumerConfig::durable("w"))
        .await
        .unwrap();
    let heartbeat = Duration::from_millis(500);
    let mut messages = consumer
        .consume(
            Consume::default()
                .expires(Duration::from_secs(2))
                .heartbeat(heartbeat),
        )
        .await
        .unwrap();
    next_message(&mut messages).await.ack().await.unwrap();
    proxy.black_hole();
    let warning = tokio::time::timeout(PATIENCE, messages.next())
        .await
        .expect("a warning in time")
        .expect("the stream goes on");
    assert_eq!(
        warning.map(|m| text(&m)),
        Err(ConsumeError::MissedHeartbeats { heartbeat })
    );
    proxy.heal();
    t.js.publish("q.after", "after").await.unwrap();
    // Further missed heartbeats may be reported until a fresh pull gets through.
    loop {
        let item = tokio::time::timeout(PATIENCE, messages.next())
            .await
            .expect("the consume recovers")
            .expect("the stream goes on");
        match item {
            Ok(msg) => {
                assert_eq!(text(&msg), "after");
                break;
            }
            Err(e) => assert_eq!(e, ConsumeError::MissedHeartbeats { heartbeat }),
        }
    }
    client.close().await.unwrap();
    t.stop().await;
}

#[tokio::test]
async fn stop_delivers_what_was_asked_for_then_ends() {
    let t = start().await;
    with_messages(&t, "S", "s", 3).await;
    let consumer = pull_consumer(&t, "S", ConsumerConfig::durable("w")).await;
    let mut messages = consumer
        .consume(
            Consume::default()
                .max_messages(2)
                .expires(Duration::from_secs(1)),
        )
        .await
        .unwrap();
    let first = next_message(&mut messages).await;
    messages.stop();
    first.ack().await.unwrap();
    let mut rest = Vec::new();
    while let Some(item) = tokio::time::timeout(PATIENCE, messages.next())
        .await
        .unwrap()
    {
        rest.push(text(&item.unwrap()));
    }
    // At most what the outstanding requests had asked for; never all three after a stop at one.
    assert!(rest.len() <= 2, "{rest:?}");
    t.stop().await;
}

#[tokio::test]
async fn ack_policy_all_acknowledges_every_earlier_delivery_and_none_needs_no_ack() {
    use natskit::jetstream::AckPolicy;
    let t = start().await;
    with_messages(&t, "AP", "ap", 5).await;
    let all = pull_consumer(
        &t,
        "AP",
        ConsumerConfig {
            ack_policy: AckPolicy::All,
            ..ConsumerConfig::durable("all")
        },
    )
    .await;
    let batch = collect(all.fetch(Fetch::messages(5)).await.unwrap()).await;
    assert_eq!(all.info().await.unwrap().num_ack_pending, 5);
    // Only the fourth is acknowledged: the three before it go with it.
    batch[3].double_ack().await.unwrap();
    let info = all.info().await.unwrap();
    assert_eq!((info.ack_floor.stream_seq, info.num_ack_pending), (4, 1));

    let none = pull_consumer(
        &t,
        "AP",
        ConsumerConfig {
            ack_policy: AckPolicy::None,
            ..ConsumerConfig::durable("none")
        },
    )
    .await;
    let batch = collect(none.fetch(Fetch::messages(5)).await.unwrap()).await;
    assert_eq!(batch.len(), 5);
    let info = none.info().await.unwrap();
    assert_eq!((info.num_ack_pending, info.ack_floor.stream_seq), (0, 5));
    t.stop().await;
}

#[tokio::test]
async fn several_filter_subjects_deliver_only_theirs() {
    let t = start().await;
    t.js.create_stream(memory("FS", "fs.>")).await.unwrap();
    for subject in ["fs.a", "fs.b", "fs.c", "fs.a", "fs.c"] {
        t.js.publish(subject, subject).await.unwrap();
    }
    let consumer = pull_consumer(
        &t,
        "FS",
        ConsumerConfig {
            filter_subjects: vec!["fs.a".into(), "fs.c".into()],
            ..ConsumerConfig::durable("ac")
        },
    )
    .await;
    let got: Vec<String> = collect(consumer.fetch(Fetch::messages(10).no_wait()).await.unwrap())
        .await
        .iter()
        .map(|m| m.subject.to_string())
        .collect();
    assert_eq!(got, ["fs.a", "fs.c", "fs.a", "fs.c"]);
    t.stop().await;
}

#[tokio::test]
async fn replay_original_keeps_the_gaps_between_messages() {
    use natskit::jetstream::ReplayPolicy;
    let t = start().await;
    t.js.create_stream(memory("RP", "rp.>")).await.unwrap();
    t.js.publish("rp.x", "first").await.unwrap();
    let gap = Duration::from_millis(400);
    tokio::time::sleep(gap).await; // the gap under test, not a synchronisation
    t.js.publish("rp.x", "second").await.unwrap();
    let consumer = pull_consumer(
        &t,
        "RP",
        ConsumerConfig {
            replay_policy: ReplayPolicy::Original,
            ..ConsumerConfig::durable("orig")
        },
    )
    .await;
    let mut messages = consumer.messages().await.unwrap();
    next_message(&mut messages).await;
    let first_at = std::time::Instant::now();
    next_message(&mut messages).await;
    assert!(
        first_at.elapsed() >= gap - Duration::from_millis(100),
        "{:?}",
        first_at.elapsed()
    );
    t.stop().await;
}
