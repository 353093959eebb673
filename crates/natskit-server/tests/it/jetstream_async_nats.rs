//! async-nats's JetStream, KV and object-store clients, a client nobody here wrote, through the
//! same scenarios against nats-server 2.10 `-js` and the embedded broker: the expected results
//! are written once and must hold on both. Every wait is bounded by PATIENCE.

use std::future::Future;
use std::time::Duration;

use async_nats::jetstream::consumer::{pull, AckPolicy, PullConsumer};
use async_nats::jetstream::kv::{self, Operation};
use async_nats::jetstream::stream::{self, RetentionPolicy};
use async_nats::jetstream::{self, object_store, Context, ErrorCode, Message};
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use tokio::io::AsyncReadExt;

use crate::js_backends::on_both_brokers;
use crate::support::PATIENCE;

on_both_brokers!(
    stream_publish_and_pull,
    redelivery_after_ack_wait,
    work_queue_retention,
    kv_bucket,
    object_store_bucket,
);

/// `fut`, failing the test with `what` when it takes longer than PATIENCE.
async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out after {PATIENCE:?} waiting for {what}"))
}

/// A JetStream context on a fresh async-nats connection to `url`.
async fn context(url: &str) -> Context {
    let client = within("async-nats to connect", async_nats::connect(url))
        .await
        .expect("async-nats connects");
    jetstream::new(client)
}

/// Publishes `payload` on `subject` and waits for the PubAck: (stream, sequence, duplicate).
async fn publish(js: &Context, subject: &str, payload: &'static str) -> (String, u64, bool) {
    let ack = within("a PubAck", async {
        js.publish(subject.to_owned(), Bytes::from(payload))
            .await
            .expect("publish")
            .await
            .expect("PubAck")
    })
    .await;
    (ack.stream, ack.sequence, ack.duplicate)
}

/// Exactly `n` messages from one pull request that waits up to `expires` for them.
async fn pull(consumer: &PullConsumer, n: usize, expires: Duration) -> Vec<Message> {
    let batch = consumer
        .batch()
        .max_messages(n)
        .expires(expires)
        .messages()
        .await
        .expect("pull request");
    let msgs: Vec<Message> = within("a pulled batch", batch.try_collect())
        .await
        .expect("pulled messages");
    assert_eq!(msgs.len(), n, "a pull for {n} messages got {}", msgs.len());
    msgs
}

/// (stream sequence, consumer sequence, delivery count, subject, payload) of each message.
fn seen(msgs: &[Message]) -> Vec<(u64, u64, i64, String, Bytes)> {
    msgs.iter()
        .map(|m| {
            let info = m.info().expect("a JetStream message");
            (
                info.stream_sequence,
                info.consumer_sequence,
                info.delivered,
                m.subject.to_string(),
                m.payload.clone(),
            )
        })
        .collect()
}

/// Acknowledges every message; the last one waits for the broker's confirmation, and since a
/// connection's acks are handled in order, the ones before it are in too.
async fn ack_all(msgs: &[Message]) {
    let (last, rest) = msgs.split_last().expect("messages to ack");
    for m in rest {
        m.ack().await.expect("ack");
    }
    within("the confirmed ack", last.double_ack())
        .await
        .expect("double ack");
}

/// A durable pull consumer with explicit acks.
fn durable(name: &str, ack_wait: Duration) -> pull::Config {
    pull::Config {
        durable_name: Some(name.to_owned()),
        ack_policy: AckPolicy::Explicit,
        ack_wait,
        ..Default::default()
    }
}

const ORDERS: [(&str, &str); 6] = [
    ("orders.eu", "one"),
    ("orders.us", "two"),
    ("orders.eu", ""),
    ("orders.asia", "four"),
    ("orders.us", "five \u{2713}"),
    ("orders.eu", "six"),
];

/// Stream create, publish with acks, a durable pull consumer reading in batches with acks.
async fn stream_publish_and_pull(url: String) {
    let js = context(&url).await;
    let stream = js
        .create_stream(stream::Config {
            name: "ORDERS".into(),
            subjects: vec!["orders.>".into()],
            ..Default::default()
        })
        .await
        .expect("create stream");
    for (i, (subject, payload)) in ORDERS.iter().enumerate() {
        let ack = publish(&js, subject, payload).await;
        assert_eq!(ack, ("ORDERS".to_owned(), i as u64 + 1, false));
    }
    let state = js
        .get_stream("ORDERS")
        .await
        .unwrap()
        .cached_info()
        .state
        .clone();
    assert_eq!(
        (state.messages, state.first_sequence, state.last_sequence),
        (6, 1, 6)
    );

    let consumer: PullConsumer = stream
        .create_consumer(durable("reader", Duration::from_secs(30)))
        .await
        .expect("create consumer");
    let mut got = Vec::new();
    for n in [4, 2] {
        let msgs = pull(&consumer, n, Duration::from_secs(5)).await;
        got.extend(seen(&msgs));
        ack_all(&msgs).await;
    }
    let want: Vec<_> = ORDERS
        .iter()
        .enumerate()
        .map(|(i, (s, p))| {
            (
                i as u64 + 1,
                i as u64 + 1,
                1,
                s.to_string(),
                Bytes::from(*p),
            )
        })
        .collect();
    assert_eq!(got, want);

    let mut consumer = consumer;
    let info = consumer.info().await.expect("consumer info");
    assert_eq!(
        (
            info.ack_floor.stream_sequence,
            info.num_ack_pending,
            info.num_pending
        ),
        (6, 0, 0)
    );
    // Acked messages stay in a limits stream.
    let mut stream = stream;
    assert_eq!(stream.info().await.unwrap().state.messages, 6);
}

/// Nothing acked: after ack_wait the same messages come again, counted as redelivered.
async fn redelivery_after_ack_wait(url: String) {
    let js = context(&url).await;
    let stream = js
        .create_stream(stream::Config {
            name: "JOBS".into(),
            subjects: vec!["jobs.*".into()],
            ..Default::default()
        })
        .await
        .expect("create stream");
    for (i, payload) in ["a", "b", "c"].into_iter().enumerate() {
        assert_eq!(
            publish(&js, &format!("jobs.{i}"), payload).await.1,
            i as u64 + 1
        );
    }
    let mut consumer: PullConsumer = stream
        .create_consumer(durable("slow", Duration::from_secs(1)))
        .await
        .expect("create consumer");

    let first = seen(&pull(&consumer, 3, Duration::from_secs(5)).await);
    let firsts: Vec<_> = first.iter().map(|m| (m.0, m.1, m.2)).collect();
    assert_eq!(firsts, [(1, 1, 1), (2, 2, 1), (3, 3, 1)]);

    // This pull outlasts ack_wait: the broker redelivers into it.
    let again = pull(&consumer, 3, Duration::from_secs(5)).await;
    let agains: Vec<_> = seen(&again).iter().map(|m| (m.0, m.1, m.2)).collect();
    assert_eq!(agains, [(1, 4, 2), (2, 5, 2), (3, 6, 2)]);
    let payloads: Vec<_> = seen(&again).into_iter().map(|m| m.4).collect();
    assert_eq!(payloads, ["a", "b", "c"]);
    let info = consumer.info().await.expect("consumer info");
    assert_eq!((info.num_ack_pending, info.num_redelivered), (3, 3));

    ack_all(&again).await;
    let info = consumer.info().await.expect("consumer info");
    assert_eq!(
        (
            info.ack_floor.stream_sequence,
            info.num_ack_pending,
            info.num_redelivered
        ),
        (3, 0, 0)
    );
}

/// Work-queue retention: an acked message leaves the stream, and only one unfiltered consumer
/// may read it.
async fn work_queue_retention(url: String) {
    let js = context(&url).await;
    let mut stream = js
        .create_stream(stream::Config {
            name: "WORK".into(),
            subjects: vec!["work.>".into()],
            retention: RetentionPolicy::WorkQueue,
            ..Default::default()
        })
        .await
        .expect("create stream");
    for i in 0..5u64 {
        assert_eq!(publish(&js, "work.item", "job").await.1, i + 1);
    }
    let consumer: PullConsumer = stream
        .create_consumer(durable("workers", Duration::from_secs(30)))
        .await
        .expect("create the first consumer");
    let refused = stream
        .create_consumer::<pull::Config>(durable("others", Duration::from_secs(30)))
        .await
        .expect_err("a second unfiltered consumer on a work queue");
    match refused.kind() {
        stream::ConsumerErrorKind::JetStream(e) => {
            assert_eq!(
                e.error_code(),
                ErrorCode::CONSUMER_WQ_MULTIPLE_UNFILTERED,
                "{e}"
            )
        }
        other => panic!("expected the broker's refusal, got {other:?}"),
    }

    let msgs = pull(&consumer, 5, Duration::from_secs(5)).await;
    // Pulled but not acked: still stored.
    assert_eq!(stream.info().await.unwrap().state.messages, 5);
    ack_all(&msgs[..3]).await;
    let state = stream.info().await.unwrap().state.clone();
    assert_eq!((state.messages, state.first_sequence), (2, 4));
    ack_all(&msgs[3..]).await;
    let state = stream.info().await.unwrap().state.clone();
    assert_eq!(
        (state.messages, state.first_sequence, state.last_sequence),
        (0, 6, 5)
    );

    // With the first consumer gone, another unfiltered one may take its place.
    stream
        .delete_consumer("workers")
        .await
        .expect("delete consumer");
    stream
        .create_consumer::<pull::Config>(durable("others", Duration::from_secs(30)))
        .await
        .expect("the replacement consumer");
}

/// The next entry of a KV watch, as (key, value, revision, operation).
async fn next_change(watch: &mut kv::Watch) -> (String, Bytes, u64, Operation) {
    let entry = within("a KV watch entry", watch.next())
        .await
        .expect("the watch goes on")
        .expect("a watch entry");
    (entry.key, entry.value, entry.revision, entry.operation)
}

/// KV: put / get / create / update / delete / purge, history, keys and watches.
async fn kv_bucket(url: String) {
    let js = context(&url).await;
    let kv = js
        .create_key_value(kv::Config {
            bucket: "settings".into(),
            history: 5,
            ..Default::default()
        })
        .await
        .expect("create bucket");

    assert_eq!(kv.put("color", "red".into()).await.unwrap(), 1);
    assert_eq!(kv.get("color").await.unwrap(), Some(Bytes::from("red")));
    assert_eq!(kv.get("missing").await.unwrap(), None);
    let entry = kv.entry("color").await.unwrap().expect("an entry");
    assert_eq!((entry.revision, entry.operation), (1, Operation::Put));

    // create: only when the key has no value.
    assert_eq!(kv.create("size", "L".into()).await.unwrap(), 2);
    let exists = kv
        .create("size", "XL".into())
        .await
        .expect_err("create over a value");
    assert_eq!(exists.kind(), kv::CreateErrorKind::AlreadyExists);
    assert_eq!(kv.get("size").await.unwrap(), Some(Bytes::from("L")));

    // update: only with the key's last revision.
    assert_eq!(kv.update("color", "green".into(), 1).await.unwrap(), 3);
    let stale = kv
        .update("color", "blue".into(), 1)
        .await
        .expect_err("update with a stale revision");
    assert_eq!(stale.kind(), kv::UpdateErrorKind::WrongLastRevision);
    assert_eq!(kv.get("color").await.unwrap(), Some(Bytes::from("green")));

    // delete leaves a marker; create works again on a deleted key.
    kv.delete("size").await.unwrap();
    assert_eq!(kv.get("size").await.unwrap(), None);
    assert_eq!(kv.create("size", "M".into()).await.unwrap(), 5);

    // purge drops the key's history but its own marker.
    for v in ["1", "2", "3"] {
        kv.put("tmp", Bytes::from(v)).await.unwrap();
    }
    kv.purge("tmp").await.unwrap();
    assert_eq!(kv.get("tmp").await.unwrap(), None);
    let purged: Vec<_> = within(
        "tmp's history",
        kv.history("tmp").await.unwrap().try_collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    let purged: Vec<_> = purged
        .into_iter()
        .map(|e| (e.revision, e.operation))
        .collect();
    assert_eq!(purged, [(9, Operation::Purge)]);

    let history: Vec<_> = within(
        "color's history",
        kv.history("color").await.unwrap().try_collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    let history: Vec<_> = history
        .into_iter()
        .map(|e| (e.value, e.revision, e.operation))
        .collect();
    assert_eq!(
        history,
        [
            ("red".into(), 1, Operation::Put),
            ("green".into(), 3, Operation::Put)
        ]
    );
    let size: Vec<_> = within(
        "size's history",
        kv.history("size").await.unwrap().try_collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    let size: Vec<_> = size
        .into_iter()
        .map(|e| (e.revision, e.operation))
        .collect();
    assert_eq!(
        size,
        [
            (2, Operation::Put),
            (4, Operation::Delete),
            (5, Operation::Put)
        ]
    );

    let mut keys: Vec<String> = within("the keys", kv.keys().await.unwrap().try_collect())
        .await
        .unwrap();
    keys.sort();
    assert_eq!(keys, ["color", "size"]);

    // A watch with history starts at the key's latest entry; a plain watch sees only later ones.
    let mut color = kv.watch_with_history("color").await.unwrap();
    assert_eq!(
        next_change(&mut color).await,
        ("color".into(), "green".into(), 3, Operation::Put)
    );
    let mut all = kv.watch_all().await.unwrap();
    kv.put("color", "blue".into()).await.unwrap();
    kv.put("shape", "round".into()).await.unwrap();
    kv.delete("shape").await.unwrap();
    assert_eq!(
        next_change(&mut color).await,
        ("color".into(), "blue".into(), 10, Operation::Put)
    );
    assert_eq!(
        next_change(&mut all).await,
        ("color".into(), "blue".into(), 10, Operation::Put)
    );
    assert_eq!(
        next_change(&mut all).await,
        ("shape".into(), "round".into(), 11, Operation::Put)
    );
    assert_eq!(
        next_change(&mut all).await,
        ("shape".into(), Bytes::new(), 12, Operation::Delete)
    );
}

/// The (name, size) of each object `bucket` lists, by name.
async fn listed(bucket: &object_store::ObjectStore) -> Vec<(String, usize)> {
    let list = bucket.list().await.expect("list");
    let infos: Vec<_> = within("the object list", list.try_collect::<Vec<_>>())
        .await
        .expect("listed objects");
    let mut names: Vec<_> = infos.into_iter().map(|i| (i.name, i.size)).collect();
    names.sort();
    names
}

/// A deterministic object body that does not repeat every chunk.
fn body(size: usize) -> Vec<u8> {
    (0..size).map(|k| ((k * 7 + k / 251) % 256) as u8).collect()
}

/// Object store: a multi-chunk object and a small one put, read back byte-equal, listed, and one
/// deleted (its chunks purged from the bucket's stream).
async fn object_store_bucket(url: String) {
    let js = context(&url).await;
    let bucket = js
        .create_object_store(object_store::Config {
            bucket: "files".into(),
            ..Default::default()
        })
        .await
        .expect("create object store");

    // 300 KiB and a byte in 64 KiB chunks: five chunks.
    let big = body(300 * 1024 + 1);
    let meta = object_store::ObjectMetadata {
        name: "dir/big.bin".into(),
        chunk_size: Some(64 * 1024),
        ..Default::default()
    };
    let info = bucket
        .put(meta, &mut big.as_slice())
        .await
        .expect("put big");
    assert_eq!(
        (info.size, info.chunks, info.deleted),
        (big.len(), 5, false)
    );
    let small = b"hello, objects".to_vec();
    let info = bucket
        .put("small.txt", &mut small.as_slice())
        .await
        .expect("put small");
    assert_eq!((info.size, info.chunks), (small.len(), 1));

    for (name, want) in [("dir/big.bin", &big), ("small.txt", &small)] {
        let mut object = bucket.get(name).await.expect("get");
        let mut data = Vec::new();
        // async-nats checks the digest once the whole object is read.
        within("the object's data", object.read_to_end(&mut data))
            .await
            .expect("read the object");
        assert!(
            data == *want,
            "{name}: {} bytes read back differ",
            data.len()
        );
    }

    assert_eq!(
        listed(&bucket).await,
        [
            ("dir/big.bin".to_owned(), big.len()),
            ("small.txt".to_owned(), small.len())
        ]
    );

    bucket.delete("small.txt").await.expect("delete");
    let gone = bucket.get("small.txt").await.expect_err("a deleted object");
    assert_eq!(gone.kind(), object_store::GetErrorKind::NotFound);
    assert_eq!(
        listed(&bucket).await,
        [("dir/big.bin".to_owned(), big.len())]
    );
    // Left: big's five chunks and meta, and small's meta marking it deleted.
    let mut stream = js.get_stream("OBJ_files").await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 7);
}
