//! Key-value buckets shared with clients nobody here wrote: nats-py (its `kv_write` and
//! `kv_read` scenarios) and async-nats, each writing what natskit reads and watches, and reading
//! what natskit wrote.
//!
//! The contract (mirrored in scripts/foreign/nats_py_scenarios.py, "Key-value"): history
//! [`HISTORY`]; `k.<i>` = [`value`]`(i)` for each of [`KEYS`] keys, then `k.1` again with
//! " again" added, then `k.3` deleted and `k.5` purged.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures_util::StreamExt;
use natskit::jetstream::kv::{Operation, Store, WatchEvent};

use crate::support::{start, PATIENCE};

const HISTORY: i64 = 5;
const KEYS: u64 = 10;
/// The buckets nats-py writes and reads (`KV_BUCKET_PY`, `KV_BUCKET_RS`).
const FROM_PY: &str = "PYKV";
const FOR_PY: &str = "RSKV";

/// The first value of `k.<i>` (`kv_value` in the script).
fn value(i: u64) -> Bytes {
    if i % 2 == 1 {
        Bytes::from((0..=255u8).collect::<Vec<u8>>())
    } else {
        Bytes::from(format!("value {i} \u{2713}"))
    }
}

/// What `k.<i>` holds at the end; `None` for the deleted and purged keys (`kv_latest`).
fn latest(i: u64) -> Option<Bytes> {
    match i {
        1 => Some(Bytes::from([&value(1)[..], b" again"].concat())),
        3 | 5 => None,
        _ => Some(value(i)),
    }
}

async fn write_with_natskit(kv: &Store) {
    for i in 0..KEYS {
        assert_eq!(kv.put(&format!("k.{i}"), value(i)).await.unwrap(), i + 1);
    }
    kv.put("k.1", latest(1).unwrap()).await.unwrap();
    kv.delete("k.3").await.unwrap();
    kv.purge("k.5").await.unwrap();
}

/// Checks a bucket written by the contract, through natskit: gets, history, keys and a watch.
async fn check_with_natskit(kv: &Store) {
    for i in 0..KEYS {
        assert_eq!(kv.get(&format!("k.{i}")).await.unwrap(), latest(i), "k.{i}");
    }
    let history: Vec<Bytes> = kv
        .history("k.1")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.value)
        .collect();
    assert_eq!(history, [value(1), latest(1).unwrap()]);
    let purged = kv.history("k.5").await.unwrap();
    assert_eq!(purged.len(), 1);
    assert_eq!(purged[0].operation, Operation::Purge);
    let mut keys = kv.keys().await.unwrap();
    keys.sort();
    let want: Vec<String> = (0..KEYS)
        .filter(|&i| latest(i).is_some())
        .map(|i| format!("k.{i}"))
        .collect();
    assert_eq!(keys, want);

    let mut watch = kv.watch_all().await.unwrap();
    let mut seen = BTreeMap::new();
    loop {
        let event = tokio::time::timeout(PATIENCE, watch.next())
            .await
            .expect("watch event in time")
            .expect("the watch goes on")
            .unwrap();
        match event {
            WatchEvent::Entry(entry) => {
                seen.insert(entry.key.clone(), entry);
            }
            WatchEvent::EndOfInitial => break,
        }
    }
    assert_eq!(seen.len() as u64, KEYS, "{:?}", seen.keys());
    for i in 0..KEYS {
        let entry = &seen[&format!("k.{i}")];
        match latest(i) {
            Some(v) => assert_eq!((entry.operation, &entry.value), (Operation::Put, &v)),
            None => assert_ne!(entry.operation, Operation::Put, "k.{i}"),
        }
    }
}

#[tokio::test]
async fn a_bucket_nats_py_wrote_is_read_and_watched_by_natskit() {
    let t = start().await;
    crate::support::run_nats_py(&t, "kv_write").await;
    let kv = t.js.key_value(FROM_PY).await.unwrap();
    // nats-py makes buckets without direct get: natskit reads through the message get API.
    let stream = t.js.stream_info("KV_PYKV").await.unwrap();
    assert!(!stream.config.allow_direct);
    check_with_natskit(&kv).await;
    t.stop().await;
}

#[tokio::test]
async fn a_bucket_natskit_wrote_is_read_and_watched_by_nats_py() {
    let t = start().await;
    let kv =
        t.js.create_key_value(natskit::jetstream::kv::KvConfig {
            history: HISTORY,
            ..natskit::jetstream::kv::KvConfig::new(FOR_PY)
        })
        .await
        .unwrap();
    write_with_natskit(&kv).await;
    crate::support::run_nats_py(&t, "kv_read").await;
    t.stop().await;
}

#[tokio::test]
async fn a_bucket_async_nats_wrote_is_read_and_watched_by_natskit() {
    let t = start().await;
    let client = async_nats::connect(t.server.url()).await.unwrap();
    let js = async_nats::jetstream::new(client.clone());
    let theirs = js
        .create_key_value(async_nats::jetstream::kv::Config {
            bucket: "ANKV".into(),
            history: HISTORY,
            ..Default::default()
        })
        .await
        .unwrap();
    for i in 0..KEYS {
        theirs.put(format!("k.{i}"), value(i)).await.unwrap();
    }
    theirs.put("k.1", latest(1).unwrap()).await.unwrap();
    theirs.delete("k.3").await.unwrap();
    theirs.purge("k.5").await.unwrap();
    let kv = t.js.key_value("ANKV").await.unwrap();
    check_with_natskit(&kv).await;
    client.drain().await.unwrap();
    t.stop().await;
}

#[tokio::test]
async fn a_bucket_natskit_wrote_is_read_and_watched_by_async_nats() {
    let t = start().await;
    let kv =
        t.js.create_key_value(natskit::jetstream::kv::KvConfig {
            history: HISTORY,
            ..natskit::jetstream::kv::KvConfig::new("NKV")
        })
        .await
        .unwrap();
    write_with_natskit(&kv).await;

    let client = async_nats::connect(t.server.url()).await.unwrap();
    let js = async_nats::jetstream::new(client.clone());
    let theirs = js.get_key_value("NKV").await.unwrap();
    for i in 0..KEYS {
        assert_eq!(
            theirs.get(format!("k.{i}")).await.unwrap(),
            latest(i),
            "k.{i}"
        );
    }
    let history: Vec<Bytes> = theirs
        .history("k.1")
        .await
        .unwrap()
        .map(|e| e.unwrap().value)
        .collect()
        .await;
    assert_eq!(history, [value(1), latest(1).unwrap()]);
    let mut keys: Vec<String> = theirs
        .keys()
        .await
        .unwrap()
        .map(|k| k.unwrap())
        .collect()
        .await;
    keys.sort();
    assert_eq!(keys.len(), 8, "{keys:?}");
    // async-nats's watch of the latest values: every key once, as natskit left it.
    let mut watch = theirs.watch_with_history(">").await.unwrap();
    let mut seen = BTreeMap::new();
    while seen.len() < KEYS as usize {
        let entry = tokio::time::timeout(PATIENCE, watch.next())
            .await
            .expect("async-nats watch entry in time")
            .expect("the watch goes on")
            .unwrap();
        seen.insert(entry.key.clone(), (entry.operation, entry.value));
    }
    for i in 0..KEYS {
        let (operation, value) = &seen[&format!("k.{i}")];
        match latest(i) {
            Some(v) => assert_eq!(
                (operation, value),
                (&async_nats::jetstream::kv::Operation::Put, &v)
            ),
            None => assert_ne!(operation, &async_nats::jetstream::kv::Operation::Put),
        }
    }
    client.drain().await.unwrap();
    t.stop().await;
}
