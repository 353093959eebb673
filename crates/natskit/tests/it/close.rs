//! Closing: what was accepted is delivered, everything waiting ends with a clear error.

use std::time::Duration;

use natskit::{
    ConnectOptions, Event, FlushError, PublishError, Request, RequestError, SubscribeError,
};

use crate::support::{client, drain_to_end, next, server, wait_for_event};

#[tokio::test]
async fn close_delivers_everything_accepted_before_it() {
    let server = server();
    let receiver = client(&server).await;
    let mut sub = receiver.subscribe("last.words").await.unwrap();
    receiver.flush().await.unwrap();
    let sender = client(&server).await;
    for i in 0..10_000 {
        sender.publish("last.words", format!("{i}")).await.unwrap();
    }
    sender.close().await.unwrap();
    for i in 0..10_000 {
        assert_eq!(next(&mut sub).await.payload, format!("{i}"));
    }
}

#[tokio::test]
async fn close_fails_waiting_requests_and_ends_streams() {
    let server = server();
    let client = client(&server).await;
    let mut sub = client.subscribe("svc.never").await.unwrap();
    client.flush().await.unwrap();
    let pending = {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .send_request(
                    "svc.never",
                    Request::new("?").timeout(Duration::from_secs(30)),
                )
                .await
        })
    };
    // The request reached the (silent) subscriber, so it is in flight.
    next(&mut sub).await;
    client.close().await.unwrap();
    let err = pending.await.unwrap().unwrap_err();
    assert_eq!(
        err,
        RequestError::Closed {
            subject: "svc.never".into()
        }
    );
    assert!(drain_to_end(&mut sub).await.is_empty());
}

#[tokio::test]
async fn everything_after_close_is_refused() {
    let server = server();
    let client = client(&server).await;
    let mut events = client.events();
    client.close().await.unwrap();
    assert!(client.is_closed());
    assert_eq!(
        client.publish("x", "y").await.unwrap_err(),
        PublishError::Closed
    );
    assert_eq!(
        client.subscribe("x").await.unwrap_err(),
        SubscribeError::Closed
    );
    assert_eq!(client.flush().await.unwrap_err(), FlushError::Closed);
    assert!(matches!(
        client.request("x", "y").await.unwrap_err(),
        RequestError::Publish(PublishError::Closed)
    ));
    let closed = wait_for_event(&mut events, |e| matches!(e, Event::Closed { .. })).await;
    assert_eq!(
        closed,
        Event::Closed {
            reason: "closed by the client".into()
        }
    );
    // Closing twice is harmless.
    client.close().await.unwrap();
}

#[tokio::test]
async fn flush_is_a_real_round_trip_and_rtt_measures_it() {
    let server = server();
    let client = client(&server).await;
    let sub = client.subscribe("flushed").await.unwrap();
    client.publish("flushed", "x").await.unwrap();
    client.flush().await.unwrap();
    // The server processed the publish before answering PING, and sent us the message first.
    assert_eq!(sub.pending_messages(), 1);
    let rtt = client.rtt().await.unwrap();
    assert!(
        rtt > Duration::ZERO && rtt < Duration::from_secs(5),
        "{rtt:?}"
    );
}

#[tokio::test]
async fn server_going_away_closes_a_client_that_does_not_reconnect() {
    let mut server = server();
    let client = ConnectOptions::new()
        .reconnect(false)
        .connect(&server.url())
        .await
        .unwrap();
    let mut events = client.events();
    server.stop().unwrap();
    let event = wait_for_event(&mut events, |e| matches!(e, Event::Disconnected { .. })).await;
    assert_eq!(
        event,
        Event::Disconnected {
            reason: "the server closed the connection".into()
        }
    );
    wait_for_event(&mut events, |e| matches!(e, Event::Closed { .. })).await;
}

/// Every operation's future is `Send`, so it runs in `tokio::spawn` on a multi-threaded
/// runtime (this test does not compile otherwise). `close` once held a lock guard across an
/// await and could not be spawned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_runs_in_a_spawned_task() {
    let server = server();
    let first = client(&server).await;
    let second = client(&server).await;
    let (a, b) = (first.clone(), second.clone());
    tokio::spawn(async move {
        let mut sub = a.subscribe("spawned").await.unwrap();
        let mut queue = a.queue_subscribe("spawned.q", "g").await.unwrap();
        a.flush().await.unwrap();
        a.publish("spawned", "x").await.unwrap();
        assert_eq!(next(&mut sub).await.payload, "x");
        a.rtt().await.unwrap();
        let err = a.request("nobody.home", "x").await.unwrap_err();
        assert!(matches!(err, RequestError::NoResponders { .. }), "{err:?}");
        queue.drain().await.unwrap();
        a.close().await.unwrap();
        b.drain().await.unwrap();
    })
    .await
    .expect("the spawned task ran to the end");
    assert!(first.is_closed() && second.is_closed());
}
