//! Consumer management: create, update, info, delete, names, list; every deliver policy; bad
//! names and configurations refused with the reason.

use std::collections::BTreeMap;
use std::time::Duration;

use natskit::jetstream::{
    AckPolicy, ApiError, ConsumerConfig, DeliverPolicy, Fetch, JetStreamError, ReplayPolicy,
    StorageType, StreamConfig,
};

use crate::support::{err_code, start, PATIENCE};

fn memory(name: &str, subject: &str) -> StreamConfig {
    StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new(name).subjects([subject])
    }
}

#[tokio::test]
async fn a_durable_consumer_is_created_read_listed_updated_and_deleted() {
    let t = start().await;
    t.js.create_stream(memory("C", "c.>")).await.unwrap();
    let config = ConsumerConfig {
        description: "billing worker".into(),
        filter_subjects: vec!["c.a".into(), "c.b.>".into()],
        ack_wait: Duration::from_secs(7),
        max_deliver: 4,
        backoff: vec![Duration::from_secs(1), Duration::from_secs(2)],
        max_ack_pending: 20,
        replay_policy: ReplayPolicy::Instant,
        inactive_threshold: Duration::from_secs(3600),
        metadata: BTreeMap::from([("team".into(), "billing".into())]),
        ..ConsumerConfig::durable("billing")
    };
    let created = t.js.create_consumer("C", config.clone()).await.unwrap();
    assert_eq!(
        (created.stream_name.as_str(), created.name.as_str()),
        ("C", "billing")
    );
    let c = &created.config;
    assert_eq!(c.filter_subjects, ["c.a", "c.b.>"]);
    // With a backoff, the server makes its first step the ack_wait.
    assert_eq!(
        (c.ack_wait, c.max_deliver, c.max_ack_pending),
        (Duration::from_secs(1), 4, 20)
    );
    assert_eq!(c.backoff, config.backoff);
    assert_eq!(c.inactive_threshold, Duration::from_secs(3600));
    assert_eq!(c.metadata.get("team").map(String::as_str), Some("billing"));
    assert_eq!(c.ack_policy, AckPolicy::Explicit);

    // The same configuration again is not an error; another one is.
    t.js.create_consumer("C", config.clone()).await.unwrap();
    let changed = ConsumerConfig {
        max_ack_pending: 99,
        ..config.clone()
    };
    assert_eq!(
        err_code(t.js.create_consumer("C", changed.clone()).await).1,
        ApiError::CONSUMER_ALREADY_EXISTS
    );
    let updated = t.js.update_consumer("C", changed).await.unwrap();
    assert_eq!(updated.config.max_ack_pending, 99);

    let info = t.js.consumer_info("C", "billing").await.unwrap();
    assert_eq!(info.config.max_ack_pending, 99);
    assert_eq!(t.js.consumer_names("C").await.unwrap(), ["billing"]);
    let listed = t.js.consumers("C").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "billing");

    t.js.delete_consumer("C", "billing").await.unwrap();
    assert_eq!(
        err_code(t.js.consumer_info("C", "billing").await).1,
        ApiError::CONSUMER_NOT_FOUND
    );
    assert_eq!(
        err_code(t.js.delete_consumer("C", "billing").await).1,
        ApiError::CONSUMER_NOT_FOUND
    );
    t.stop().await;
}

#[tokio::test]
async fn updating_a_consumer_that_does_not_exist_is_refused() {
    let t = start().await;
    t.js.create_stream(memory("U", "u.>")).await.unwrap();
    assert_eq!(
        err_code(
            t.js.update_consumer("U", ConsumerConfig::durable("ghost"))
                .await
        )
        .1,
        ApiError::CONSUMER_DOES_NOT_EXIST
    );
    // create_or_update makes it.
    t.js.create_or_update_consumer("U", ConsumerConfig::durable("ghost"))
        .await
        .unwrap();
    t.stop().await;
}

#[tokio::test]
async fn an_ephemeral_consumer_is_named_by_the_server() {
    let t = start().await;
    t.js.create_stream(memory("E", "e.>")).await.unwrap();
    let info =
        t.js.create_consumer("E", ConsumerConfig::default())
            .await
            .unwrap();
    assert!(!info.name.is_empty());
    assert!(info.config.durable_name.is_empty());
    assert_eq!(t.js.consumer_names("E").await.unwrap(), [info.name]);
    t.stop().await;
}

#[tokio::test]
async fn each_deliver_policy_starts_where_it_says() {
    let t = start().await;
    t.js.create_stream(memory("D", "d.>")).await.unwrap();
    for (subject, body) in [("d.a", "a1"), ("d.b", "b1"), ("d.a", "a2")] {
        t.js.publish(subject, body).await.unwrap();
    }
    let cases: Vec<(DeliverPolicy, Vec<&str>)> = vec![
        (DeliverPolicy::All, vec!["a1", "b1", "a2"]),
        (DeliverPolicy::Last, vec!["a2"]),
        (DeliverPolicy::New, vec![]),
        (DeliverPolicy::ByStartSequence(2), vec!["b1", "a2"]),
        (DeliverPolicy::LastPerSubject, vec!["b1", "a2"]),
        (
            DeliverPolicy::by_start_time(std::time::SystemTime::UNIX_EPOCH),
            vec!["a1", "b1", "a2"],
        ),
    ];
    for (n, (policy, expected)) in cases.into_iter().enumerate() {
        let consumer =
            t.js.create_pull_consumer(
                "D",
                ConsumerConfig {
                    deliver_policy: policy.clone(),
                    ack_policy: AckPolicy::None,
                    // Last per subject needs a filter (2.10).
                    filter_subject: "d.>".into(),
                    ..ConsumerConfig::durable(format!("p{n}"))
                },
            )
            .await
            .unwrap();
        let read_back = &consumer.cached_info().config.deliver_policy;
        match (&policy, read_back) {
            // The server writes the time its own way.
            (DeliverPolicy::ByStartTime(_), DeliverPolicy::ByStartTime(_)) => {}
            _ => assert_eq!(read_back, &policy),
        }
        let batch = consumer.fetch(Fetch::messages(10).no_wait()).await.unwrap();
        let got: Vec<String> = collect(batch)
            .await
            .into_iter()
            .map(|m| String::from_utf8_lossy(&m.payload).into_owned())
            .collect();
        assert_eq!(got, expected, "{policy:?}");
    }
    t.stop().await;
}

#[tokio::test]
async fn bad_names_are_refused_before_anything_is_sent() {
    let t = start().await;
    for bad in ["", "a.b", "a*", "a>", "a b"] {
        let e =
            t.js.create_consumer("S", ConsumerConfig::durable(bad))
                .await;
        if bad.is_empty() {
            // No name: an ephemeral consumer on a stream that does not exist.
            assert_eq!(err_code(e).1, ApiError::STREAM_NOT_FOUND);
            continue;
        }
        match e {
            Err(JetStreamError::InvalidName(n)) => {
                assert_eq!((n.kind, n.name.as_str()), ("consumer", bad))
            }
            other => panic!("{bad:?}: {other:?}"),
        }
        assert!(matches!(
            t.js.consumer_info("S", bad).await,
            Err(JetStreamError::InvalidName(_))
        ));
    }
    let mixed = ConsumerConfig {
        name: "one".into(),
        ..ConsumerConfig::durable("two")
    };
    let e = t.js.create_consumer("S", mixed).await.unwrap_err();
    assert!(e.to_string().contains("differ"), "{e}");
    t.stop().await;
}

#[tokio::test]
async fn a_configuration_the_server_refuses_comes_back_with_its_reason() {
    let t = start().await;
    t.js.create_stream(memory("R", "r.>")).await.unwrap();
    // More backoff steps than deliveries.
    let outside = ConsumerConfig {
        max_deliver: 2,
        backoff: vec![Duration::from_secs(1); 3],
        ..ConsumerConfig::durable("x")
    };
    let e = t.js.create_consumer("R", outside).await.unwrap_err();
    let api = e
        .api_error()
        .unwrap_or_else(|| panic!("an API error: {e:?}"));
    assert_eq!(api.code, 400);
    assert!(!api.description.is_empty(), "{api:?}");
    // A pull consumer with a deliver subject is refused by the client.
    let push = ConsumerConfig {
        deliver_subject: "deliver.here".into(),
        ..ConsumerConfig::durable("y")
    };
    assert!(matches!(
        t.js.create_pull_consumer("R", push).await,
        Err(JetStreamError::InvalidConfig { .. })
    ));
    t.stop().await;
}

/// Every message of a finished batch, failing on any error.
pub async fn collect(batch: natskit::jetstream::Batch) -> Vec<natskit::jetstream::Message> {
    use futures_util::StreamExt;
    let items: Vec<_> = tokio::time::timeout(PATIENCE, batch.collect::<Vec<_>>())
        .await
        .expect("the batch ends");
    items.into_iter().map(|m| m.expect("a message")).collect()
}
