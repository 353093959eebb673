//! nats-py and natskit on the two sides of one JetStream stream: nats-py publishes and natskit
//! consumes with acknowledgements, then the other way round.
//!
//! The Python side is the `js_publish` and `js_consume` scenarios of
//! scripts/foreign/nats_py_scenarios.py, run to completion through `natskit_test::NatsPy` (one
//! Python process, killed if it outlives its timeout). The script and this file share a contract,
//! written out in the script's "JetStream" section and mirrored by the helpers below: the stream
//! [`STREAM`] on `pyjs.>`, message `i` of a side on `pyjs.<side>.<i>` as stream sequence `i + 1`,
//! with [`payload`]`(i)` and [`stored_headers`]`(i, side)`. natskit creates the stream in both
//! tests; each test has a server of its own, so the fixed names cannot collide.

use futures_util::StreamExt;
use natskit::jetstream::{
    Consume, ConsumerConfig, Fetch, Message, Publish, StorageType, StreamConfig,
};
use natskit::HeaderMap;

use crate::consumers::collect;
use crate::support::{start, Js, PATIENCE};

/// The stream both scenarios use (`JS_STREAM` in the script).
const STREAM: &str = "PYJS";
/// Messages per side (`JS_MESSAGES`).
const MESSAGES: u64 = 100;
/// The durable consumer `js_consume` makes (`JS_PY_CONSUMER`).
const PY_CONSUMER: &str = "nats-py";

/// Message `i`'s payload (`js_payload` in the script): text, every byte value, empty, protocol
/// look-alikes with UTF-8, and every 25th one 64 KiB.
fn payload(i: u64) -> Vec<u8> {
    if i % 25 == 24 {
        return (0..64 * 1024u64).map(|k| ((k + i) % 251) as u8).collect();
    }
    match i % 4 {
        0 => format!("job {i}").into_bytes(),
        1 => (0..256u64).map(|k| ((i + k) % 256) as u8).collect(),
        2 => Vec::new(),
        _ => format!("job {i}\r\nPUB fake 1\r\n \u{2713}").into_bytes(),
    }
}

/// The headers message `i` is published with, besides the message id and expected stream
/// (`js_headers` in the script, less `Nats-Msg-Id`).
fn own_headers(i: u64, side: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("X-Index", i.to_string()).unwrap();
    headers.insert("X-Source", side).unwrap();
    headers
        .insert("X-Text", "gr\u{fc}\u{df}e \u{2713} a:b")
        .unwrap();
    headers
}

/// Every header message `i` is stored and delivered with, sorted (`js_stored_headers`).
fn stored_headers(i: u64, side: &str) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = own_headers(i, side)
        .iter()
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    all.push(("Nats-Msg-Id".into(), format!("{side}-{i}")));
    all.push(("Nats-Expected-Stream".into(), STREAM.into()));
    all.sort();
    all
}

/// The stream the script expects: created empty by natskit.
async fn create_stream(t: &Js) {
    let config = StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new(STREAM).subjects(["pyjs.>"])
    };
    t.js.create_stream(config).await.unwrap();
}

/// Checks one message nats-py stored against the contract, and records its stream sequence
/// (failing on a second delivery of one).
fn check_from_nats_py(msg: &Message, seen: &mut Vec<u64>) {
    let info = msg.info().unwrap();
    let seq = info.stream_sequence;
    assert!(
        !seen.contains(&seq),
        "stream sequence {seq} delivered twice"
    );
    seen.push(seq);
    assert!((1..=MESSAGES).contains(&seq), "unexpected sequence {seq}");
    assert_eq!(
        (info.stream.as_str(), info.consumer.as_str(), info.delivered),
        (STREAM, "natskit", 1),
        "seq {seq}: {info:?}"
    );
    assert!(!info.is_redelivery());
    let i = seq - 1;
    assert_eq!(msg.subject.as_str(), format!("pyjs.py.{i}"));
    assert!(
        msg.payload == payload(i),
        "seq {seq}: payload of {} bytes {:?}, expected {} bytes",
        msg.payload.len(),
        &msg.payload[..msg.payload.len().min(40)],
        payload(i).len()
    );
    let mut headers: Vec<(String, String)> = msg
        .headers
        .as_ref()
        .map(|h| {
            h.iter()
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect()
        })
        .unwrap_or_default();
    headers.sort();
    assert_eq!(headers, stored_headers(i, "py"), "seq {seq}: headers");
}

#[tokio::test]
async fn nats_py_publishes_and_natskit_consumes_every_message_once_with_acks() {
    let t = start().await;
    create_stream(&t).await;
    let consumer =
        t.js.create_pull_consumer(
            STREAM,
            ConsumerConfig {
                filter_subject: "pyjs.py.>".into(),
                ..ConsumerConfig::durable("natskit")
            },
        )
        .await
        .unwrap();

    // nats-py stores its messages (checking each PubAck) and exits.
    crate::support::run_nats_py(&t, "js_publish").await;
    let state = t.js.stream_info(STREAM).await.unwrap().state;
    assert_eq!((state.messages, state.last_seq), (MESSAGES, MESSAGES));

    let mut seen = Vec::new();
    // A first batch through fetch, acknowledged without waiting, the last one confirmed.
    let batch = collect(consumer.fetch(Fetch::messages(30)).await.unwrap()).await;
    assert_eq!(batch.len(), 30);
    for (n, msg) in batch.iter().enumerate() {
        check_from_nats_py(msg, &mut seen);
        if n + 1 == batch.len() {
            msg.double_ack().await.unwrap();
        } else {
            msg.ack().await.unwrap();
        }
    }

    // The rest through consume, a small buffer refilled as it goes; every other message
    // confirmed, the last one included.
    let mut messages = consumer
        .consume(Consume::default().max_messages(16))
        .await
        .unwrap();
    while (seen.len() as u64) < MESSAGES {
        let msg = tokio::time::timeout(PATIENCE, messages.next())
            .await
            .unwrap_or_else(|_| panic!("only {} of {MESSAGES} messages in time", seen.len()))
            .expect("the consume goes on")
            .expect("a message, not an error");
        check_from_nats_py(&msg, &mut seen);
        if msg.info().unwrap().stream_sequence % 2 == 0 {
            msg.double_ack().await.unwrap();
        } else {
            msg.ack().await.unwrap();
        }
    }
    drop(messages);
    // In order, too: one consumer, no redeliveries.
    assert_eq!(seen, (1..=MESSAGES).collect::<Vec<_>>());

    // The last acknowledgement was confirmed, and the server handles one connection's
    // acknowledgements in order: the floor is at the end.
    let info = consumer.info().await.unwrap();
    assert_eq!(info.ack_floor.stream_seq, MESSAGES, "{info:?}");
    assert_eq!(info.delivered.stream_seq, MESSAGES, "{info:?}");
    assert_eq!(
        (info.num_ack_pending, info.num_pending, info.num_redelivered),
        (0, 0, 0),
        "{info:?}"
    );
    // Nothing else to deliver: the duplicate nats-py sent was not stored.
    let rest = collect(consumer.fetch(Fetch::messages(10).no_wait()).await.unwrap()).await;
    assert!(rest.is_empty(), "{rest:?}");
    t.stop().await;
}

#[tokio::test]
async fn natskit_publishes_and_nats_py_consumes_every_message_with_acks() {
    let t = start().await;
    create_stream(&t).await;
    let publish = |i: u64| {
        Publish::new(payload(i))
            .headers(own_headers(i, "rs"))
            .message_id(format!("rs-{i}"))
            .expected_stream(STREAM)
    };

    // The first half one acknowledgement at a time, the second half all in flight at once.
    let half = MESSAGES / 2;
    for i in 0..half {
        let ack =
            t.js.send_publish(format!("pyjs.rs.{i}"), publish(i))
                .await
                .unwrap();
        assert_eq!(
            (ack.stream.as_str(), ack.seq, ack.duplicate),
            (STREAM, i + 1, false)
        );
    }
    let mut in_flight = Vec::new();
    for i in half..MESSAGES {
        let ack =
            t.js.send_publish_async(format!("pyjs.rs.{i}"), publish(i))
                .await
                .unwrap();
        in_flight.push((i, ack));
    }
    for (i, ack) in in_flight {
        let ack = tokio::time::timeout(PATIENCE, ack).await.unwrap().unwrap();
        assert_eq!(
            (ack.stream.as_str(), ack.seq, ack.duplicate),
            (STREAM, i + 1, false)
        );
    }
    // A message id seen before: acknowledged as the duplicate it is, not stored.
    let again = t.js.send_publish("pyjs.rs.0", publish(0)).await.unwrap();
    assert_eq!((again.seq, again.duplicate), (1, true));
    assert_eq!(
        t.js.stream_info(STREAM).await.unwrap().state.messages,
        MESSAGES
    );

    // nats-py reads them all with a durable pull consumer, checks each and acknowledges it.
    crate::support::run_nats_py(&t, "js_consume").await;

    // What nats-py left behind, seen from natskit.
    let info = t.js.consumer_info(STREAM, PY_CONSUMER).await.unwrap();
    assert_eq!(info.config.filter_subject, "pyjs.rs.>");
    assert_eq!(info.ack_floor.stream_seq, MESSAGES, "{info:?}");
    assert_eq!((info.num_ack_pending, info.num_pending), (0, 0), "{info:?}");
    t.stop().await;
}
