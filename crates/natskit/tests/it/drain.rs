//! Draining a subscription or the whole client: nothing already sent is lost, then the streams
//! end and (for the client) publishes are refused and the connection closes.

use std::time::Duration;

use natskit::{ConnectOptions, FlushError, PublishError};
use natskit_test::FaultProxy;

use crate::support::{client, drain_to_end, server};

fn numbers(messages: &[natskit::Message]) -> Vec<u32> {
    messages
        .iter()
        .map(|m| std::str::from_utf8(&m.payload).unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn subscriber_drain_delivers_everything_sent_before_the_stream_ends() {
    let server = server();
    let receiver = client(&server).await;
    let sender = client(&server).await;
    let mut sub = receiver.subscribe("drain.one").await.unwrap();
    receiver.flush().await.unwrap();
    for i in 0..10_000u32 {
        sender.publish("drain.one", i.to_string()).await.unwrap();
    }
    sender.flush().await.unwrap(); // the server has sent them all to the receiver
    sub.drain().await.unwrap();
    let all = drain_to_end(&mut sub).await;
    assert_eq!(numbers(&all), (0..10_000).collect::<Vec<_>>());
    // The subscription is gone at the server; the client goes on.
    sender.publish("drain.one", "late").await.unwrap();
    sender.flush().await.unwrap();
    assert!(!receiver.is_closed());
}

#[tokio::test]
async fn client_drain_delivers_everything_to_every_subscription_then_closes() {
    let server = server();
    let receiver = client(&server).await;
    let sender = client(&server).await;
    let mut first = receiver.subscribe("drain.a").await.unwrap();
    let mut second = receiver
        .queue_subscribe("drain.b", "workers")
        .await
        .unwrap();
    receiver.flush().await.unwrap();
    for i in 0..5_000u32 {
        sender.publish("drain.a", i.to_string()).await.unwrap();
        sender.publish("drain.b", i.to_string()).await.unwrap();
    }
    sender.flush().await.unwrap();
    receiver.drain().await.unwrap();
    assert!(receiver.is_closed());
    assert_eq!(
        numbers(&drain_to_end(&mut first).await),
        (0..5_000).collect::<Vec<_>>()
    );
    assert_eq!(
        numbers(&drain_to_end(&mut second).await),
        (0..5_000).collect::<Vec<_>>()
    );
    assert_eq!(
        receiver.publish("drain.a", "after").await,
        Err(PublishError::Closed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_during_a_client_drain_are_refused_with_a_clear_error() {
    let server = server();
    // 100 ms each way makes the drain's round trips slow enough to publish in between.
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let client = natskit::connect(&proxy.url()).await.unwrap();
    let _sub = client.subscribe("drain.slow").await.unwrap();
    proxy.set_latency(Duration::from_millis(100));
    let draining = client.clone();
    let drain = tokio::spawn(async move { draining.drain().await });
    let refused = loop {
        match client.publish("drain.slow", "during").await {
            Ok(()) => tokio::time::sleep(Duration::from_millis(10)).await,
            Err(e) => break e,
        }
    };
    assert_eq!(refused, PublishError::Draining);
    assert_eq!(refused.to_string(), "the connection is draining");
    drain.await.unwrap().unwrap();
    assert!(client.is_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drain_that_cannot_finish_times_out_and_closes_anyway() {
    let server = server();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let client = ConnectOptions::new()
        .drain_timeout(Duration::from_millis(300))
        .connect(&proxy.url())
        .await
        .unwrap();
    let mut sub = client.subscribe("drain.stuck").await.unwrap();
    proxy.black_hole();
    let started = std::time::Instant::now();
    assert_eq!(
        client.drain().await,
        Err(FlushError::TimedOut(Duration::from_millis(300)))
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(client.is_closed());
    assert!(drain_to_end(&mut sub).await.is_empty());
}
