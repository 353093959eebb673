//! Bad input is refused with a typed error before anything is written.

use bytes::Bytes;
use natskit::{HeaderMap, PublishError, SubscribeError};

use crate::support::{client, next, server, server_with, Setup};

#[tokio::test]
async fn invalid_publish_subjects_are_refused() {
    let server = server();
    let client = client(&server).await;
    for bad in [
        "", "a..b", "a.", ".a", "a b", "a\tb", "a\r\nb", "a.*", "a.>",
    ] {
        let err = client.publish(bad, "x").await.unwrap_err();
        assert!(
            matches!(err, PublishError::InvalidSubject(_)),
            "{bad:?}: {err:?}"
        );
    }
    let err = client
        .publish_with_reply("ok", "bad reply", "x")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid reply subject \"bad reply\": it contains whitespace or a control character"
    );
    // The connection is unharmed: nothing was sent.
    let mut sub = client.subscribe("ok").await.unwrap();
    client.publish("ok", "fine").await.unwrap();
    assert_eq!(next(&mut sub).await.payload, "fine");
    assert_eq!(client.statistics().out_messages, 1);
}

#[tokio::test]
async fn invalid_subscriptions_are_refused() {
    let server = server();
    let client = client(&server).await;
    for bad in ["", "a..b", "a.>.b", "a b"] {
        let err = client.subscribe(bad).await.unwrap_err();
        assert!(
            matches!(err, SubscribeError::Invalid(_)),
            "{bad:?}: {err:?}"
        );
    }
    let err = client.queue_subscribe("ok", "two words").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid queue group \"two words\": it contains whitespace or a control character"
    );
}

#[tokio::test]
async fn payload_over_max_payload_is_refused_with_sizes() {
    let server = server_with(Setup::MaxPayload(1024));
    let client = client(&server).await;
    assert_eq!(client.server_info().max_payload, 1024);
    client
        .publish("fits", Bytes::from(vec![0u8; 1024]))
        .await
        .unwrap();
    let err = client
        .publish("big", Bytes::from(vec![0u8; 1025]))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        PublishError::TooLarge {
            size: 1025,
            max_payload: 1024
        }
    );
    assert_eq!(
        err.to_string(),
        "message of 1025 bytes exceeds the server's max_payload of 1024 bytes"
    );
}

#[tokio::test]
async fn headers_count_towards_max_payload() {
    let server = server_with(Setup::MaxPayload(1024));
    let client = client(&server).await;
    let mut headers = HeaderMap::new();
    headers.insert("Big", "x".repeat(100)).unwrap();
    let err = client
        .publish_with_headers("h", None, &headers, Bytes::from(vec![0u8; 1000]))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PublishError::TooLarge { size, .. } if size == 1000 + headers.encoded_len()),
        "{err:?}"
    );
    // The connection survives: the server never saw the oversized message.
    client.flush().await.unwrap();
}
