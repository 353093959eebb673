//! Key-value buckets against nats-server: buckets, every key operation, reads through direct
//! and message get, and the watch's guarantees (marker, no replay, no gap, restarts).

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use natskit::jetstream::kv::{
    Entry, KvConfig, KvError, Operation, Store, Watch, WatchEvent, WatchOptions,
};
use natskit::jetstream::{Context, StorageType, StreamConfig};

use crate::support::{reconnected, start, PATIENCE};

async fn memory_bucket(js: &Context, name: &str, history: i64) -> Store {
    js.create_key_value(KvConfig {
        history,
        storage: StorageType::Memory,
        ..KvConfig::new(name)
    })
    .await
    .unwrap()
}

/// The next watch event, in time.
async fn next(watch: &mut Watch) -> WatchEvent {
    tokio::time::timeout(PATIENCE, watch.next())
        .await
        .expect("a watch event in time")
        .expect("the watch goes on")
        .expect("an event, not an error")
}

/// The next entry, skipping nothing: a marker here fails the test.
async fn next_entry(watch: &mut Watch) -> Entry {
    match next(watch).await {
        WatchEvent::Entry(entry) => entry,
        WatchEvent::EndOfInitial => panic!("expected an entry, got the marker"),
    }
}

fn text(entry: &Entry) -> String {
    String::from_utf8_lossy(&entry.value).into_owned()
}

#[tokio::test]
async fn buckets_are_created_listed_read_fresh_updated_and_deleted() {
    let t = start().await;
    let kv =
        t.js.create_key_value(KvConfig {
            history: 3,
            ttl: Duration::from_secs(3600),
            description: "settings".into(),
            ..KvConfig::new("settings")
        })
        .await
        .unwrap();
    let stream = t.js.stream_info("KV_settings").await.unwrap().config;
    assert_eq!(stream.subjects, ["$KV.settings.>"]);
    assert!(stream.allow_direct && stream.allow_rollup_hdrs && stream.deny_delete);
    assert_eq!(stream.max_msgs_per_subject, 3);
    assert_eq!(stream.duplicate_window, Duration::from_secs(120));

    let empty = kv.status().await.unwrap();
    assert_eq!(
        (empty.values, empty.history, empty.ttl),
        (0, 3, Duration::from_secs(3600))
    );
    kv.put("a", "1").await.unwrap();
    // Read fresh: the write shows at once.
    assert_eq!(kv.status().await.unwrap().values, 1);

    memory_bucket(&t.js, "other", 1).await;
    let mut names = t.js.key_value_names().await.unwrap();
    names.sort();
    assert_eq!(names, ["other", "settings"]);
    assert_eq!(t.js.key_value_statuses().await.unwrap().len(), 2);

    let updated =
        t.js.update_key_value(KvConfig {
            history: 10,
            ttl: Duration::from_secs(3600),
            ..KvConfig::new("settings")
        })
        .await
        .unwrap();
    assert_eq!(updated.status().await.unwrap().history, 10);

    t.js.delete_key_value("settings").await.unwrap();
    assert_eq!(
        t.js.key_value("settings").await.unwrap_err(),
        KvError::BucketNotFound {
            bucket: "settings".into()
        }
    );
    t.stop().await;
}

#[tokio::test]
async fn bad_bucket_names_keys_and_configurations_are_refused_before_sending() {
    let t = start().await;
    for bad in ["", "a.b", "a b", "a*", "ü"] {
        assert!(
            matches!(
                t.js.create_key_value(KvConfig::new(bad)).await,
                Err(KvError::InvalidName(_))
            ),
            "{bad:?}"
        );
    }
    let too_long = KvConfig {
        history: 65,
        ..KvConfig::new("b")
    };
    let e = t.js.create_key_value(too_long).await.unwrap_err();
    assert!(e.to_string().contains("history must be 1 to 64"), "{e}");
    let kv = memory_bucket(&t.js, "b", 1).await;
    for bad in ["", ".a", "a.", "a..b", "a b", "a*", "a>"] {
        assert!(
            matches!(kv.put(bad, "x").await, Err(KvError::InvalidName(_))),
            "{bad:?}"
        );
        assert!(
            matches!(kv.get(bad).await, Err(KvError::InvalidName(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        kv.watch("a.>.b").await,
        Err(KvError::InvalidName(_))
    ));
    t.stop().await;
}

#[tokio::test]
async fn values_are_put_read_by_revision_deleted_and_purged() {
    let t = start().await;
    let kv = memory_bucket(&t.js, "ops", 5).await;
    assert_eq!(
        kv.get("k").await.unwrap(),
        None,
        "never written: None, not an error"
    );
    let r1 = kv.put("k", "one").await.unwrap();
    let r2 = kv.put("k", "two").await.unwrap();
    assert_eq!(kv.get("k").await.unwrap(), Some(Bytes::from("two")));
    let entry = kv.entry("k").await.unwrap().unwrap();
    assert_eq!(
        (entry.key.as_str(), entry.revision, entry.operation),
        ("k", r2, Operation::Put)
    );
    assert_eq!(text(&kv.entry_at("k", r1).await.unwrap().unwrap()), "one");
    kv.put("other", "x").await.unwrap();
    assert_eq!(
        kv.entry_at("k", r2 + 1).await.unwrap(),
        None,
        "another key's revision"
    );

    kv.delete("k").await.unwrap();
    assert_eq!(kv.get("k").await.unwrap(), None);
    let history = kv.history("k").await.unwrap();
    let ops: Vec<Operation> = history.iter().map(|e| e.operation).collect();
    assert_eq!(ops, [Operation::Put, Operation::Put, Operation::Delete]);
    assert_eq!(history.last().unwrap().delta, 0);

    kv.purge("k").await.unwrap();
    let history = kv.history("k").await.unwrap();
    assert_eq!(history.len(), 1, "a purge leaves only itself");
    assert_eq!(history[0].operation, Operation::Purge);
    assert!(kv.history("never").await.unwrap().is_empty());
    t.stop().await;
}

#[tokio::test]
async fn create_and_update_are_compare_and_set() {
    let t = start().await;
    let kv = memory_bucket(&t.js, "cas", 5).await;
    let r1 = kv.create("lock", "a").await.unwrap();
    assert_eq!(
        kv.create("lock", "b").await.unwrap_err(),
        KvError::KeyExists {
            key: "lock".into(),
            revision: r1
        }
    );
    let r2 = kv.update("lock", "c", r1).await.unwrap();
    match kv.update("lock", "d", r1).await {
        Err(KvError::WrongRevision { key, expected, .. }) => {
            assert_eq!((key.as_str(), expected), ("lock", r1))
        }
        other => panic!("expected WrongRevision, got {other:?}"),
    }
    assert_eq!(kv.get("lock").await.unwrap(), Some(Bytes::from("c")));
    // After a delete or a purge the key may be created again.
    kv.delete("lock").await.unwrap();
    let r3 = kv.create("lock", "e").await.unwrap();
    assert!(r3 > r2);
    kv.purge("lock").await.unwrap();
    kv.create("lock", "f").await.unwrap();
    assert_eq!(kv.get("lock").await.unwrap(), Some(Bytes::from("f")));
    t.stop().await;
}

#[tokio::test]
async fn reads_work_through_message_get_when_the_bucket_has_no_direct_get() {
    let t = start().await;
    // As nats-py makes a bucket: without allow_direct.
    let config = StreamConfig {
        allow_direct: false,
        ..KvConfig {
            storage: StorageType::Memory,
            history: 3,
            ..KvConfig::new("legacy")
        }
        .stream_config()
    };
    t.js.create_stream(config).await.unwrap();
    let kv = t.js.key_value("legacy").await.unwrap();
    let r1 = kv.put("k", "v1").await.unwrap();
    kv.put("k", "v2").await.unwrap();
    assert_eq!(kv.get("k").await.unwrap(), Some(Bytes::from("v2")));
    assert_eq!(text(&kv.entry_at("k", r1).await.unwrap().unwrap()), "v1");
    assert_eq!(kv.get("missing").await.unwrap(), None);
    kv.delete("k").await.unwrap();
    assert_eq!(kv.get("k").await.unwrap(), None);
    t.stop().await;
}

#[tokio::test]
async fn keys_list_what_has_a_value_and_purge_deletes_cleans_up() {
    let t = start().await;
    let kv = memory_bucket(&t.js, "keys", 5).await;
    assert!(
        kv.keys().await.unwrap().is_empty(),
        "an empty bucket has no keys"
    );
    for key in ["device.a", "device.b", "user.x"] {
        kv.put(key, "v").await.unwrap();
        kv.put(key, "w").await.unwrap();
    }
    kv.delete("device.b").await.unwrap();
    assert_eq!(kv.keys().await.unwrap(), ["device.a", "user.x"]);
    assert_eq!(kv.keys_matching("device.*").await.unwrap(), ["device.a"]);

    // Deleted just now: not older than an hour, so its delete marker stays.
    assert_eq!(
        kv.purge_deletes(Duration::from_secs(3600)).await.unwrap(),
        1
    );
    assert_eq!(kv.history("device.b").await.unwrap().len(), 1);
    // Older than zero: removed entirely.
    kv.purge_deletes(Duration::ZERO).await.unwrap();
    assert!(kv.history("device.b").await.unwrap().is_empty());
    t.stop().await;
}

#[tokio::test]
async fn a_value_over_a_limit_is_refused_naming_the_limit() {
    let t = start().await;
    let kv =
        t.js.create_key_value(KvConfig {
            max_value_size: 16,
            storage: StorageType::Memory,
            ..KvConfig::new("small")
        })
        .await
        .unwrap();
    let e = kv.put("k", vec![0u8; 17]).await.unwrap_err();
    assert_eq!(
        e,
        KvError::ValueTooLarge {
            size: 17,
            limit: 16,
            limit_name: "bucket's max_value_size"
        }
    );
    assert!(e.to_string().contains("max_value_size of 16 bytes"), "{e}");
    let huge = memory_bucket(&t.js, "huge", 1).await;
    let max_payload = t.client.server_info().max_payload;
    let e = huge.put("k", vec![0u8; max_payload + 1]).await.unwrap_err();
    assert!(e.to_string().contains("server's max_payload"), "{e}");
    assert_eq!(kv.status().await.unwrap().values, 0, "nothing was stored");
    t.stop().await;
}

#[tokio::test]
async fn a_watch_sends_the_latest_of_each_key_then_the_marker_then_changes() {
    let t = start().await;
    let kv = memory_bucket(&t.js, "w", 5).await;
    kv.put("a", "a1").await.unwrap();
    kv.put("a", "a2").await.unwrap();
    kv.put("b", "b1").await.unwrap();
    kv.delete("b").await.unwrap();
    let mut watch = kv.watch_all().await.unwrap();
    let first = next_entry(&mut watch).await;
    assert_eq!((first.key.as_str(), text(&first).as_str()), ("a", "a2"));
    let second = next_entry(&mut watch).await;
    assert_eq!(
        (second.key.as_str(), second.operation),
        ("b", Operation::Delete)
    );
    assert_eq!(next(&mut watch).await, WatchEvent::EndOfInitial);
    kv.put("c", "c1").await.unwrap();
    assert_eq!(text(&next_entry(&mut watch).await), "c1");
    t.stop().await;
}

#[tokio::test]
async fn the_marker_comes_at_once_for_an_empty_bucket_and_for_updates_only() {
    let t = start().await;
    let kv = memory_bucket(&t.js, "e", 1).await;
    let mut empty = kv.watch_all().await.unwrap();
    assert_eq!(next(&mut empty).await, WatchEvent::EndOfInitial);
    kv.put("k", "old").await.unwrap();
    assert_eq!(text(&next_entry(&mut empty).await), "old");

    let mut updates = kv
        .watch_with(">", WatchOptions::default().updates_only())
        .await
        .unwrap();
    assert_eq!(next(&mut updates).await, WatchEvent::EndOfInitial);
    kv.put("k", "new").await.unwrap();
    assert_eq!(
        text(&next_entry(&mut updates).await),
        "new",
        "not the old value"
    );
    t.stop().await;
}

#[tokio::test]
async fn watch_options_history_ignore_deletes_and_meta_only() {
    let t = start().await;
    let kv = memory_bucket(&t.js, "o", 5).await;
    kv.put("k", "v1").await.unwrap();
    kv.put("k", "v2").await.unwrap();
    kv.delete("k").await.unwrap();
    kv.put("j", "j1").await.unwrap();

    let mut history = kv
        .watch_with(">", WatchOptions::default().include_history())
        .await
        .unwrap();
    let mut seen = Vec::new();
    while let WatchEvent::Entry(e) = next(&mut history).await {
        seen.push((e.key, e.operation));
    }
    assert_eq!(seen.len(), 4, "{seen:?}");

    let mut puts = kv
        .watch_with(">", WatchOptions::default().ignore_deletes())
        .await
        .unwrap();
    let only = next_entry(&mut puts).await;
    assert_eq!((only.key.as_str(), only.operation), ("j", Operation::Put));
    assert_eq!(next(&mut puts).await, WatchEvent::EndOfInitial);

    let mut meta = kv
        .watch_with("j", WatchOptions::default().meta_only())
        .await
        .unwrap();
    let entry = next_entry(&mut meta).await;
    assert_eq!(entry.key, "j");
    assert!(entry.value.is_empty(), "no value with meta_only");
    t.stop().await;
}

#[tokio::test]
async fn a_watch_goes_on_after_a_server_restart_without_gap_or_replay() {
    let mut t = start().await;
    // History 5, so "after-1" is still stored when the watch comes back for it.
    let kv =
        t.js.create_key_value(KvConfig {
            history: 5,
            ..KvConfig::new("durable")
        })
        .await
        .unwrap();
    kv.put("k", "before").await.unwrap();
    let mut watch = kv.watch_all().await.unwrap();
    assert_eq!(text(&next_entry(&mut watch).await), "before");
    assert_eq!(next(&mut watch).await, WatchEvent::EndOfInitial);
    let mut events = t.client.events();
    t.server.restart_gracefully().unwrap();
    reconnected(&mut events).await;
    kv.put("k", "after-1").await.unwrap();
    kv.put("k", "after-2").await.unwrap();
    // The watch's consumer died with the server: it is made again after the last revision
    // sent, so "before" does not come again and nothing after it is missed.
    assert_eq!(text(&next_entry(&mut watch).await), "after-1");
    assert_eq!(text(&next_entry(&mut watch).await), "after-2");
    t.stop().await;
}

#[tokio::test]
async fn a_watch_whose_consumer_is_deleted_resumes_after_the_last_revision() {
    let t = start().await;
    let kv = memory_bucket(&t.js, "lost", 5).await;
    kv.put("k", "v1").await.unwrap();
    let quick = WatchOptions::default().heartbeat(Duration::from_millis(300));
    let mut watch = kv.watch_with(">", quick).await.unwrap();
    assert_eq!(text(&next_entry(&mut watch).await), "v1");
    assert_eq!(next(&mut watch).await, WatchEvent::EndOfInitial);
    for name in t.js.consumer_names("KV_lost").await.unwrap() {
        t.js.delete_consumer("KV_lost", &name).await.unwrap();
    }
    kv.put("k", "v2").await.unwrap();
    assert_eq!(
        text(&next_entry(&mut watch).await),
        "v2",
        "no replay of v1, no gap"
    );
    t.stop().await;
}

#[tokio::test]
async fn features_of_2_11_are_refused_before_sending_on_2_10() {
    let t = start().await;
    let markers = KvConfig {
        ttl: Duration::from_secs(60),
        limit_marker_ttl: Duration::from_secs(5),
        ..KvConfig::new("markers")
    };
    let e = t.js.create_key_value(markers).await.unwrap_err();
    assert_eq!(
        e,
        KvError::Unsupported {
            feature: "limit markers (limit_marker_ttl)",
            needs: 1,
            server: 0
        }
    );
    assert!(
        t.js.key_value_names().await.unwrap().is_empty(),
        "no bucket made"
    );
    let kv = memory_bucket(&t.js, "plain", 1).await;
    let e = kv
        .create_with_ttl("k", "v", Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            KvError::Publish(natskit::jetstream::PublishError::Unsupported { .. })
        ),
        "{e:?}"
    );
    assert_eq!(kv.get("k").await.unwrap(), None);
    t.stop().await;
}
