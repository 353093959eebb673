//! Stop answers the requests in flight, then the service has left its queue group.

use futures_util::StreamExt;
use natskit::RequestError;
use natskit_micro::{Discovery, Service};
use std::time::Duration;

use crate::support::{bounded, client, held, server};

#[tokio::test]
async fn stop_answers_requests_in_flight_then_leaves_the_queue_group() {
    let server = server();
    let mut held = held(&server, "stoppable").await;
    let (service, requester) = (held.service.clone(), held.requester.clone());
    let in_flight = held.hold_one().await;

    let stopping = tokio::spawn({
        let service = service.clone();
        async move { service.stop().await }
    });
    let done = tokio::spawn({
        let service = service.clone();
        async move { service.done().await }
    });
    // Once the drain is visible (the server no longer routes to the endpoint), stop still
    // cannot finish while the handler holds its request.
    let probes = bounded("the endpoint to drain", async {
        let mut probes = 0;
        loop {
            match requester.request("hold", "probe").await {
                Err(RequestError::NoResponders { .. }) => return probes,
                Ok(answer) => assert_eq!(&answer.payload[..], b"probe"),
                Err(e) => panic!("probe failed: {e}"),
            }
            probes += 1;
        }
    })
    .await;
    assert!(!stopping.is_finished() && !done.is_finished());
    assert!(!service.is_stopped());

    held.open.send_replace(true);
    let answer = bounded("the answer in flight", in_flight)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&answer.payload[..], b"answered");
    bounded("stop", stopping).await.unwrap();
    bounded("done", done).await.unwrap();
    assert!(service.is_stopped());
    assert_eq!(service.stats().endpoints[0].num_requests, 1 + probes);

    // Gone from the queue group and from discovery.
    let after = requester.request("hold", "").await;
    assert!(
        matches!(after, Err(RequestError::NoResponders { .. })),
        "{after:?}"
    );
    let found = Discovery::new(&requester)
        .timeout(Duration::from_millis(300))
        .ping(Some("stoppable"))
        .await
        .unwrap();
    assert!(found.is_empty());
}

#[tokio::test]
async fn stop_delivers_requests_already_sent_to_a_stream_then_ends_it() {
    let server = server();
    let client = client(&server).await;
    let service = Service::builder("drainer", "1.0.0")
        .start(&client)
        .await
        .unwrap();
    let mut endpoint = service.endpoint("queue").await.unwrap();
    client.flush().await.unwrap(); // the server has the subscription before others ask

    // Five requests reach the server (the flush returns after it has routed them) before
    // anyone reads the stream.
    let requester = natskit::connect(&server.url()).await.unwrap();
    let mut answers = requester.subscribe("answers.drain").await.unwrap();
    for i in 0..5 {
        requester
            .publish_with_reply("queue", "answers.drain", format!("{i}"))
            .await
            .unwrap();
    }
    requester.flush().await.unwrap();

    let stopping = tokio::spawn({
        let service = service.clone();
        async move { service.stop().await }
    });
    // The stream still delivers what was sent before stop, then ends.
    let mut answered = 0;
    while let Some(request) = bounded("the next request", endpoint.next()).await {
        request.respond(format!("{answered} done")).await.unwrap();
        answered += 1;
    }
    assert_eq!(answered, 5);
    bounded("stop", stopping).await.unwrap();
    for _ in 0..5 {
        bounded("an answer", answers.next()).await.unwrap();
    }
    assert_eq!(service.stats().endpoints[0].num_requests, 5);
}

#[tokio::test]
async fn a_cancelled_stop_still_stops_the_service() {
    let server = server();
    let mut held = held(&server, "cancelled").await;
    let service = held.service.clone();
    let in_flight = held.hold_one().await;

    // The handler holds its request: this stop cannot finish, and is given up (dropped).
    let gave_up = tokio::time::timeout(Duration::from_millis(50), service.stop()).await;
    assert!(gave_up.is_err());
    assert!(!service.is_stopped());

    held.open.send_replace(true);
    let answer = bounded("the answer in flight", in_flight)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&answer.payload[..], b"answered");
    bounded("done after a cancelled stop", service.done()).await;
    assert!(service.is_stopped());
    bounded("a later stop", service.stop()).await;
}
