//! `$JS.API.INFO`, and where the API is: no JetStream, domains, prefixes.

use std::time::{Duration, Instant};

use natskit::jetstream::{self, JetStreamError, StorageType, StreamConfig};
use natskit_test::NatsServer;

use crate::support::{builder, start, start_with};

#[tokio::test]
async fn account_info_counts_streams_and_api_calls() {
    let t = start().await;
    let before = t.js.account_info().await.unwrap();
    assert_eq!((before.streams, before.consumers), (0, 0));
    assert_eq!(before.limits.max_streams, -1, "{before:?}");
    assert_eq!(before.domain, None);

    let config = StreamConfig {
        storage: StorageType::Memory,
        ..StreamConfig::new("COUNTED").subjects(["counted"])
    };
    t.js.create_stream(config).await.unwrap();
    t.js.publish("counted", "x").await.unwrap();
    let after = t.js.account_info().await.unwrap();
    assert_eq!(after.streams, 1);
    assert!(after.memory > 0, "{after:?}");
    assert!(after.api.total > before.api.total, "{after:?}");
    t.stop().await;
}

#[tokio::test]
async fn without_jetstream_the_api_is_unavailable_at_once() {
    let mut server = NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().unwrap())
        .start()
        .unwrap();
    let client = natskit::connect(&server.url()).await.unwrap();
    let js = jetstream::new(client.clone());
    let started = Instant::now();
    let err = js.account_info().await.unwrap_err();
    assert_eq!(
        err,
        JetStreamError::Unavailable {
            subject: "$JS.API.INFO".into()
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    client.close().await.unwrap();
    server.stop().unwrap();
}

#[tokio::test]
async fn a_domain_or_prefix_reaches_the_servers_domain_and_a_wrong_one_is_unavailable() {
    let t = start_with(builder().with_config("jetstream { domain: hub }\n")).await;
    let by_domain = t.js.clone().with_domain("hub");
    assert_eq!(by_domain.prefix(), "$JS.hub.API");
    let info = by_domain.account_info().await.unwrap();
    assert_eq!(info.domain.as_deref(), Some("hub"));

    let by_prefix = t.js.clone().with_prefix("$JS.hub.API.");
    by_prefix
        .create_stream(StreamConfig::new("IN_HUB").subjects(["hub.>"]))
        .await
        .unwrap();
    assert_eq!(
        by_domain.stream_names(None).await.unwrap(),
        ["IN_HUB".to_string()]
    );
    let ack = t.js.publish("hub.1", "x").await.unwrap();
    assert_eq!(ack.domain.as_deref(), Some("hub"));

    let elsewhere = t.js.clone().with_domain("elsewhere");
    assert_eq!(
        elsewhere.account_info().await.unwrap_err(),
        JetStreamError::Unavailable {
            subject: "$JS.elsewhere.API.INFO".into()
        }
    );
    t.stop().await;
}
