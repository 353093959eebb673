//! An endpoint that falls behind leaves requests in its subscription, where the client's pending
//! limits apply; and the time a request waits to be read is not processing time.

use std::time::Duration;

use futures_util::StreamExt;
use natskit::Event;
use natskit_micro::Service;

use crate::support::{bounded, client, server};

#[tokio::test]
async fn an_unread_stream_reaches_the_subscriptions_pending_limit() {
    let server = server();
    let client = natskit::ConnectOptions::new()
        .pending_limits(5, 1 << 20)
        .connect(&server.url())
        .await
        .unwrap();
    let mut events = client.events();
    let service = Service::builder("behind", "1.0.0")
        .start(&client)
        .await
        .unwrap();
    let endpoint = service.endpoint("slow").await.unwrap();
    client.flush().await.unwrap();

    // Nobody reads the stream: it holds 64 requests, the subscription 5 more, and the rest
    // are dropped as a slow consumer's. Sent 5 at a time, each batch in the subscription
    // before the next is sent: a subscription emptied as fast as it fills (into an unbounded
    // stream, say) would not overflow.
    let requester = natskit::connect(&server.url()).await.unwrap();
    for batch in 0..30 {
        for i in 0..5 {
            requester
                .publish_with_reply("slow", "answers.none", format!("{batch}.{i}"))
                .await
                .unwrap();
        }
        requester.flush().await.unwrap();
        client.flush().await.unwrap(); // the batch has reached the service's subscription
    }
    let slow = bounded("a slow consumer event", async {
        while let Some(event) = events.next().await {
            if let Event::SlowConsumer { subject, .. } = event {
                return subject;
            }
        }
        panic!("the events ended");
    })
    .await;
    assert_eq!(slow, "slow");
    drop(endpoint);
    bounded("stop", service.stop()).await;
}

#[tokio::test]
async fn time_waiting_in_the_stream_is_not_processing_time() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("waiting", "1.0.0")
        .start(&client)
        .await
        .unwrap();
    let mut endpoint = service.endpoint("later").await.unwrap();
    client.flush().await.unwrap();

    let requester = natskit::connect(&server.url()).await.unwrap();
    let mut answers = requester.subscribe("answers.later").await.unwrap();
    requester
        .publish_with_reply("later", "answers.later", "")
        .await
        .unwrap();
    requester.flush().await.unwrap();
    client.flush().await.unwrap(); // the request has reached the service's connection

    // The request waits, unread, well past what reading and answering it takes.
    let waited = Duration::from_millis(300);
    tokio::time::sleep(waited).await;
    let request = bounded("the request", endpoint.next()).await.unwrap();
    request.respond("done").await.unwrap();
    drop(request); // stop waits for every request to be dropped
    bounded("the answer", answers.next()).await.unwrap();

    let stats = &service.stats().endpoints[0];
    assert_eq!(stats.num_requests, 1);
    assert!(
        Duration::from_nanos(stats.processing_time) < waited,
        "{:?}",
        Duration::from_nanos(stats.processing_time)
    );
    drop(endpoint);
    bounded("stop", service.stop()).await;
}
