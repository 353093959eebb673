use futures_util::StreamExt;

use crate::support::*;

#[tokio::test]
async fn natskit_publishes_and_receives() {
    let server = broker().await;
    let client = natskit::connect(&server.client_url()).await.unwrap();
    let mut sub = client.subscribe("greet.*").await.unwrap();
    client.publish("greet.joe", "hello").await.unwrap();
    let msg = tokio::time::timeout(PATIENCE, sub.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&msg.payload[..], b"hello");
    assert_eq!(msg.subject.as_str(), "greet.joe");
    client.close().await.unwrap();
    server.shutdown().await;
}
