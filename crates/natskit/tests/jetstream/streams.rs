//! Streams: create, info, update, delete, get-or-create, names, list, purge; names and
//! configurations that are refused.

use std::collections::BTreeMap;
use std::time::Duration;

use natskit::jetstream::{
    ApiError, DiscardPolicy, InvalidName, JetStreamError, Purge, RetentionPolicy, StorageType,
    StreamConfig,
};

use crate::support::{err_code, start};

fn memory(name: &str, subjects: &[&str]) -> StreamConfig {
    StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new(name).subjects(subjects.iter().copied())
    }
}

#[tokio::test]
async fn create_info_update_delete() {
    let t = start().await;
    let config = StreamConfig {
        description: "orders of all regions".into(),
        max_msgs: 10,
        max_age: Duration::from_secs(3600),
        discard: DiscardPolicy::New,
        metadata: BTreeMap::from([("owner".into(), "shop".into())]),
        ..memory("ORDERS", &["orders.>"])
    };
    let created = t.js.create_stream(config.clone()).await.unwrap();
    assert_eq!(created.config.name, "ORDERS");
    assert_eq!(created.config.subjects, ["orders.>"]);
    assert_eq!(created.config.max_msgs, 10);
    assert_eq!(created.config.max_age, Duration::from_secs(3600));
    assert_eq!(created.config.discard, DiscardPolicy::New);
    assert_eq!(created.config.storage, StorageType::Memory);
    assert_eq!(created.config.metadata["owner"], "shop");
    // Zero values were left to the server: its defaults came back.
    assert_eq!(created.config.max_bytes, -1);
    assert_eq!(created.config.num_replicas, 1);
    assert_eq!(created.config.duplicate_window, Duration::from_secs(120));
    assert_eq!(created.config.retention, RetentionPolicy::Limits);
    assert_eq!(created.state.messages, 0);
    // Every field nats-server 2.10 sends is one StreamConfig knows.
    assert!(
        created.config.extra.is_empty(),
        "{:?}",
        created.config.extra
    );

    // The same configuration again is no error.
    t.js.create_stream(config.clone()).await.unwrap();

    t.js.publish("orders.1", "one").await.unwrap();
    let info = t.js.stream_info("ORDERS").await.unwrap();
    assert_eq!((info.state.messages, info.state.last_seq), (1, 1));
    assert!(!info.created.is_empty());

    let updated =
        t.js.update_stream(StreamConfig {
            max_msgs: 20,
            ..info.config
        })
        .await
        .unwrap();
    assert_eq!(updated.config.max_msgs, 20);
    assert_eq!(
        t.js.stream_info("ORDERS").await.unwrap().config.max_msgs,
        20
    );

    t.js.delete_stream("ORDERS").await.unwrap();
    let not_found = (404, ApiError::STREAM_NOT_FOUND);
    assert_eq!(err_code(t.js.stream_info("ORDERS").await), not_found);
    assert_eq!(err_code(t.js.delete_stream("ORDERS").await), not_found);
    assert_eq!(err_code(t.js.update_stream(config).await), not_found);
    t.stop().await;
}

#[tokio::test]
async fn configurations_the_server_refuses_are_typed_api_errors() {
    let t = start().await;
    t.js.create_stream(memory("FIRST", &["shared.>"]))
        .await
        .unwrap();

    // Same name, another configuration.
    assert_eq!(
        err_code(t.js.create_stream(memory("FIRST", &["other.>"])).await),
        (400, ApiError::STREAM_NAME_IN_USE)
    );
    // Subjects another stream captures.
    assert_eq!(
        err_code(t.js.create_stream(memory("SECOND", &["shared.a"])).await),
        (400, ApiError::STREAM_SUBJECT_OVERLAP)
    );
    // Storage cannot change.
    let err =
        t.js.update_stream(StreamConfig {
            storage: StorageType::File,
            ..memory("FIRST", &["shared.>"])
        })
        .await
        .unwrap_err();
    let api = err.api_error().expect("an API error");
    assert!(api.description.contains("storage"), "{api}");
    t.stop().await;
}

#[tokio::test]
async fn invalid_stream_names_fail_before_any_request() {
    let t = start().await;
    let sent_before = t.client.statistics().out_messages;
    for name in [
        "",
        "a.b",
        "all*",
        "all>",
        "two words",
        "dir/name",
        "back\\slash",
    ] {
        let err = t.js.create_stream(memory(name, &["x"])).await.unwrap_err();
        assert!(
            matches!(&err, JetStreamError::InvalidName(InvalidName { name: n, kind: "stream", .. }) if n == name),
            "{name:?}: {err:?}"
        );
        assert!(matches!(
            t.js.stream_info(name).await,
            Err(JetStreamError::InvalidName(_))
        ));
        assert!(matches!(
            t.js.delete_stream(name).await,
            Err(JetStreamError::InvalidName(_))
        ));
        assert!(matches!(
            t.js.purge_stream(name, Purge::all()).await,
            Err(JetStreamError::InvalidName(_))
        ));
        assert!(matches!(
            t.js.get_message(name, 1).await,
            Err(JetStreamError::InvalidName(_))
        ));
        assert!(matches!(
            t.js.direct_get(name, 1).await,
            Err(natskit::jetstream::DirectGetError::InvalidName(_))
        ));
    }
    let err = t.js.stream_info("a.b").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid stream name \"a.b\": it contains '.'"
    );
    assert_eq!(
        t.client.statistics().out_messages,
        sent_before,
        "nothing was sent"
    );
    t.stop().await;
}

#[tokio::test]
async fn get_or_create_creates_once_then_returns_what_exists() {
    let t = start().await;
    let created =
        t.js.get_or_create_stream(memory("GOC", &["goc.a"]))
            .await
            .unwrap();
    assert_eq!(created.config.subjects, ["goc.a"]);
    t.js.publish("goc.a", "x").await.unwrap();
    // Another configuration: the existing stream comes back unchanged.
    let existing =
        t.js.get_or_create_stream(memory("GOC", &["goc.b"]))
            .await
            .unwrap();
    assert_eq!(existing.config.subjects, ["goc.a"]);
    assert_eq!(existing.state.messages, 1);
    t.stop().await;
}

#[tokio::test]
async fn names_with_a_subject_filter_and_list() {
    let t = start().await;
    assert!(t.js.stream_names(None).await.unwrap().is_empty());
    assert!(t.js.streams().await.unwrap().is_empty());
    t.js.create_stream(memory("EU", &["orders.eu.*"]))
        .await
        .unwrap();
    t.js.create_stream(memory("US", &["orders.us.*"]))
        .await
        .unwrap();
    t.js.create_stream(memory("LOGS", &["logs.>"]))
        .await
        .unwrap();

    let mut all = t.js.stream_names(None).await.unwrap();
    all.sort();
    assert_eq!(all, ["EU", "LOGS", "US"]);
    assert_eq!(
        t.js.stream_names(Some("orders.eu.7")).await.unwrap(),
        ["EU"]
    );
    let mut orders = t.js.stream_names(Some("orders.>")).await.unwrap();
    orders.sort();
    assert_eq!(orders, ["EU", "US"]);
    assert!(t.js.stream_names(Some("nothing")).await.unwrap().is_empty());

    let mut listed: Vec<_> =
        t.js.streams()
            .await
            .unwrap()
            .into_iter()
            .map(|info| (info.config.name, info.config.subjects))
            .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            ("EU".to_string(), vec!["orders.eu.*".to_string()]),
            ("LOGS".to_string(), vec!["logs.>".to_string()]),
            ("US".to_string(), vec!["orders.us.*".to_string()]),
        ]
    );
    t.stop().await;
}

#[tokio::test]
async fn names_and_list_read_every_page() {
    // The server answers a list 256 streams at a time (names 1024): 300 take two pages.
    const STREAMS: usize = 300;
    let t = start().await;
    for i in 0..STREAMS {
        let name = format!("S{i:03}");
        let subject = format!("page.{i}");
        t.js.create_stream(memory(&name, &[subject.as_str()]))
            .await
            .unwrap();
    }
    let listed = t.js.streams().await.unwrap();
    assert_eq!(listed.len(), STREAMS);
    let mut names: Vec<_> = listed.into_iter().map(|i| i.config.name).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), STREAMS, "every stream once");
    assert_eq!(t.js.stream_names(None).await.unwrap().len(), STREAMS);
    assert_eq!(
        t.js.stream_names(Some("page.*")).await.unwrap().len(),
        STREAMS
    );
    t.stop().await;
}

#[tokio::test]
async fn purge_all_by_subject_keeping_some_and_below_a_sequence() {
    let t = start().await;
    t.js.create_stream(memory("P", &["p.*"])).await.unwrap();
    for subject in ["p.a", "p.b", "p.a", "p.b", "p.a", "p.b", "p.a", "p.b"] {
        t.js.publish(subject, "x").await.unwrap();
    }
    // Sequences 1..=8: p.a at 1 3 5 7, p.b at 2 4 6 8.
    assert_eq!(
        t.js.purge_stream("P", Purge::all().filter("p.a").keep(1))
            .await
            .unwrap(),
        3
    );
    let state = t.js.stream_info("P").await.unwrap().state;
    assert_eq!(state.messages, 5);
    assert_eq!(t.js.get_last_message("P", "p.a").await.unwrap().sequence, 7);

    // Below sequence 5: p.b 2 and 4 go.
    assert_eq!(
        t.js.purge_stream("P", Purge::all().sequence(5))
            .await
            .unwrap(),
        2
    );
    let state = t.js.stream_info("P").await.unwrap().state;
    assert_eq!((state.messages, state.first_seq), (3, 6));

    // All but the last.
    assert_eq!(
        t.js.purge_stream("P", Purge::all().keep(1)).await.unwrap(),
        2
    );
    assert_eq!(t.js.stream_info("P").await.unwrap().state.messages, 1);

    assert_eq!(t.js.purge_stream("P", Purge::all()).await.unwrap(), 1);
    let state = t.js.stream_info("P").await.unwrap().state;
    assert_eq!((state.messages, state.first_seq), (0, 9));

    // keep and sequence together are refused by the server.
    let err =
        t.js.purge_stream("P", Purge::all().keep(1).sequence(3))
            .await
            .unwrap_err();
    assert!(err.api_error().is_some(), "{err:?}");
    assert_eq!(
        err_code(t.js.purge_stream("NONE", Purge::all()).await),
        (404, ApiError::STREAM_NOT_FOUND)
    );
    t.stop().await;
}

#[tokio::test]
async fn stream_info_details_count_subjects_and_list_deleted_messages() {
    let t = crate::support::start().await;
    let config = natskit::jetstream::StreamConfig {
        storage: natskit::jetstream::StorageType::Memory,
        ..natskit::jetstream::StreamConfig::new("DETAILS").subjects(["det.>"])
    };
    t.js.create_stream(config).await.unwrap();
    for subject in ["det.a.1", "det.a.2", "det.a.2", "det.b.1"] {
        t.js.publish(subject, "x").await.unwrap();
    }
    t.js.delete_message("DETAILS", 2).await.unwrap();
    let plain = t.js.stream_info("DETAILS").await.unwrap();
    assert!(plain.state.subjects.is_empty() && plain.state.deleted.is_empty());
    let details = natskit::jetstream::StreamInfoDetails::default()
        .subjects("det.a.>")
        .deleted();
    let info = t.js.stream_info_with("DETAILS", details).await.unwrap();
    let subjects: Vec<(&str, u64)> = info
        .state
        .subjects
        .iter()
        .map(|(s, n)| (s.as_str(), *n))
        .collect();
    assert_eq!(subjects, [("det.a.1", 1), ("det.a.2", 1)]);
    assert_eq!(info.state.deleted, [2]);
    t.stop().await;
}
