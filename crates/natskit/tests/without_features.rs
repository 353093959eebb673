//! A build without the optional features, asked for them: each request fails with
//! `ConnectError::FeatureDisabled` naming the feature, and the core client still works.
//! Run with `cargo test -p natskit --no-default-features --test without_features` (`make test`
//! does); with the features on, this file compiles to nothing.
#![cfg(not(any(feature = "tls", feature = "nkeys", feature = "websocket")))]
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use natskit::{ConnectError, ConnectOptions};
use natskit_test::{ScriptedServer, Step};

/// The feature and the words of a `FeatureDisabled` error; anything else fails the test.
fn disabled(result: Result<natskit::Client, ConnectError>) -> (&'static str, String) {
    match result {
        Err(error @ ConnectError::FeatureDisabled { feature, .. }) => (feature, error.to_string()),
        Err(other) => panic!("expected FeatureDisabled, got {other:?}"),
        Ok(_) => panic!("connected without the feature"),
    }
}

#[tokio::test]
async fn urls_that_need_a_left_out_feature_are_refused_before_dialing() {
    // Port 1: nothing listens there, so any other error would be an I/O one.
    let (feature, text) = disabled(natskit::connect("tls://127.0.0.1:1").await);
    assert_eq!(feature, "tls");
    assert!(
        text.contains("tls://127.0.0.1:1") && text.contains("`tls` Cargo feature"),
        "{text}"
    );
    assert_eq!(
        disabled(natskit::connect("ws://127.0.0.1:1").await).0,
        "websocket"
    );
    assert_eq!(
        disabled(natskit::connect("nats://127.0.0.1:1,wss://127.0.0.1:1").await).0,
        "websocket"
    );
}

#[tokio::test]
async fn options_that_need_a_left_out_feature_are_refused() {
    let url = "nats://127.0.0.1:1";
    let tls = ConnectOptions::new().require_tls(true).connect(url).await;
    assert_eq!(disabled(tls).0, "tls");
    let seed = ConnectOptions::new().nkey("SUAM").connect(url).await;
    let (feature, text) = disabled(seed);
    assert_eq!(feature, "nkeys");
    assert!(text.contains("nkey"), "{text}");
    let creds = ConnectOptions::new()
        .credentials_file("app.creds")
        .connect(url)
        .await;
    assert_eq!(disabled(creds).0, "nkeys");
}

#[tokio::test]
async fn a_server_that_requires_tls_is_refused_with_the_feature_named() {
    let info = "INFO {\"server_id\":\"S\",\"version\":\"2.10.0\",\"proto\":1,\"max_payload\":1048576,\"tls_required\":true}\r\n";
    let server = ScriptedServer::start([Step::send(info), Step::Hang]).unwrap();
    let (feature, text) = disabled(natskit::connect(&server.url()).await);
    assert_eq!(feature, "tls");
    assert!(text.contains("requires TLS"), "{text}");
}

#[tokio::test]
async fn the_core_client_works_without_the_features() {
    let server = natskit_server::Server::builder()
        .port(0)
        .start()
        .await
        .unwrap();
    let client = natskit::connect(&server.client_url()).await.unwrap();
    let mut sub = client.subscribe("core").await.unwrap();
    client.publish("core", "still here").await.unwrap();
    let message = tokio::time::timeout(
        Duration::from_secs(5),
        futures_util::StreamExt::next(&mut sub),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(&message.payload[..], b"still here");
    client.close().await.unwrap();
    server.shutdown().await;
}
