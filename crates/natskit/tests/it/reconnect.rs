//! Reconnecting to one server: a restart, the reconnect buffer, wrong credentials,
//! auto-unsubscribe counts, requests and flushes caught by a disconnect. (Clusters: failover.rs.)
//!
//! These tests run on a multi-threaded runtime: stopping and starting nats-server blocks the
//! test's thread, and the connection task must go on meanwhile.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use natskit::{
    Client, ConnectOptions, ConnectionState, Event, FlushError, PublishError, ReconnectDelay,
    RequestError,
};

use crate::support::{drain_to_end, next, server, server_on_port, wait_for_event, Setup, PATIENCE};

/// Quick, fixed reconnect delays keep the tests short.
pub(crate) fn quick_reconnects() -> ConnectOptions {
    ConnectOptions::new().reconnect_delay(ReconnectDelay::custom(|_| Duration::from_millis(50)))
}

async fn wait_for_state(client: &Client, wanted: ConnectionState) {
    let mut state = client.connection_state();
    tokio::time::timeout(PATIENCE, state.wait_for(|s| *s == wanted))
        .await
        .expect("the state within the patience window")
        .expect("the client is alive");
}

fn number(i: u32) -> Bytes {
    Bytes::from(i.to_string())
}

fn numbers(messages: &[natskit::Message]) -> Vec<u32> {
    messages
        .iter()
        .map(|m| std::str::from_utf8(&m.payload).unwrap().parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_during_an_outage_arrive_exactly_once_after_a_restart() {
    let mut server = server();
    let client = quick_reconnects().connect(&server.url()).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("outage.>").await.unwrap();
    for i in 0..100 {
        client.publish("outage.before", number(i)).await.unwrap();
    }
    client.flush().await.unwrap();

    server.stop().unwrap();
    wait_for_state(&client, ConnectionState::Reconnecting).await;
    for i in 100..200 {
        client.publish("outage.during", number(i)).await.unwrap();
    }
    server.start_again().unwrap();
    wait_for_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    for i in 200..300 {
        client.publish("outage.after", number(i)).await.unwrap();
    }
    client.flush().await.unwrap();

    let mut got = Vec::new();
    while got.len() < 300 {
        got.push(next(&mut sub).await);
    }
    assert_eq!(numbers(&got), (0..300).collect::<Vec<_>>());
    assert!(
        tokio::time::timeout(Duration::from_millis(200), sub.next())
            .await
            .is_err(),
        "nothing arrives twice"
    );
    assert_eq!(client.statistics().reconnects, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_separate_subscriber_receives_again_without_user_code() {
    let mut server = server();
    let subscriber = quick_reconnects().connect(&server.url()).await.unwrap();
    let publisher = quick_reconnects().connect(&server.url()).await.unwrap();
    let mut sub = subscriber.subscribe("again").await.unwrap();
    subscriber.flush().await.unwrap();
    publisher.publish("again", "one").await.unwrap();
    assert_eq!(next(&mut sub).await.payload, "one");

    // Events, not the state: right after the restart a client may not have noticed the drop
    // yet, and its state would still read Connected from before.
    let mut subscriber_events = subscriber.events();
    let mut publisher_events = publisher.events();
    server.restart().unwrap();
    wait_for_event(&mut subscriber_events, |e| {
        matches!(e, Event::Reconnected { .. })
    })
    .await;
    wait_for_event(&mut publisher_events, |e| {
        matches!(e, Event::Reconnected { .. })
    })
    .await;
    // The subscriber's SUB went out before anything else on its new connection; a flush
    // makes sure the server has it before the publisher sends.
    subscriber.flush().await.unwrap();
    publisher.publish("again", "two").await.unwrap();
    assert_eq!(next(&mut sub).await.payload, "two");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_reconnect_buffer_fails_at_once_and_the_rest_arrive_in_order() {
    let mut server = server();
    let client = quick_reconnects()
        .reconnect_buffer(4096)
        .connect(&server.url())
        .await
        .unwrap();
    let mut sub = client.subscribe("buffered").await.unwrap();
    client.flush().await.unwrap();
    server.stop().unwrap();
    wait_for_state(&client, ConnectionState::Reconnecting).await;

    let payload = Bytes::from(vec![b'x'; 100]);
    let mut accepted = 0u32;
    let error = loop {
        let started = Instant::now();
        match client
            .publish("buffered", [number(accepted), payload.clone()].concat())
            .await
        {
            Ok(()) => accepted += 1,
            Err(e) => {
                assert!(
                    started.elapsed() < Duration::from_millis(100),
                    "the error comes at once"
                );
                break e;
            }
        }
        assert!(accepted < 1000, "the buffer never filled");
    };
    assert_eq!(error, PublishError::ReconnectBufferFull { limit: 4096 });
    assert_eq!(
        error.to_string(),
        "disconnected, and the reconnect buffer of 4096 bytes is full"
    );
    assert!(
        accepted >= 20,
        "about 4096 / 120 messages fit, got {accepted}"
    );

    server.start_again().unwrap();
    wait_for_state(&client, ConnectionState::Connected).await;
    client.flush().await.unwrap();
    for i in 0..accepted {
        let msg = next(&mut sub).await;
        assert!(msg.payload.starts_with(i.to_string().as_bytes()));
        assert_eq!(msg.payload.len(), i.to_string().len() + 100, "message {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_unsubscribe_survives_a_reconnect_with_the_right_remaining_count() {
    let mut server = server();
    let client = quick_reconnects().connect(&server.url()).await.unwrap();
    let mut sub = client.subscribe("limited").await.unwrap();
    sub.unsubscribe_after(10);
    client.flush().await.unwrap();
    for i in 0..4 {
        client.publish("limited", number(i)).await.unwrap();
    }
    for _ in 0..4 {
        next(&mut sub).await;
    }

    let mut events = client.events();
    server.restart().unwrap();
    wait_for_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    for i in 4..20 {
        client.publish("limited", number(i)).await.unwrap();
    }
    client.flush().await.unwrap();
    let rest = drain_to_end(&mut sub).await;
    assert_eq!(numbers(&rest), (4..10).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_end_with_a_clear_error_after_two_attempts() {
    let mut open = server();
    let port = open.port();
    let client = quick_reconnects().connect(&open.url()).await.unwrap();
    let mut events = client.events();
    open.stop().unwrap();
    // The same port now asks for a password the client does not have.
    let _guarded = server_on_port(port, Setup::User("alice", "s3cret"));

    let started = Instant::now();
    let mut attempts = 0;
    let reason = tokio::time::timeout(PATIENCE, async {
        loop {
            match events.next().await.expect("events until Closed") {
                Event::Reconnecting { .. } => attempts += 1,
                Event::Closed { reason } => return reason,
                _ => {}
            }
        }
    })
    .await
    .expect("the client gives up");
    // One attempt after the disconnect finds the server gone or refusing, then the same
    // authorization error twice ends it: no endless retrying.
    assert!((2..=3).contains(&attempts), "{attempts} attempts");
    assert!(
        reason.contains("no server left") && reason.contains("Authorization Violation"),
        "{reason}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(client.is_closed());
    assert_eq!(
        client.publish("any", "thing").await,
        Err(PublishError::Closed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_sent_before_a_disconnect_fail_fast() {
    let mut server = server();
    let client = quick_reconnects().connect(&server.url()).await.unwrap();
    // A subscriber that never answers: the request stays in flight.
    let _silent = client.subscribe("silent").await.unwrap();
    client.flush().await.unwrap();
    let requester = client.clone();
    let request = tokio::spawn(async move { requester.request("silent", "hello?").await });
    while client.requests_in_flight() == 0 {
        tokio::task::yield_now().await;
    }
    client.flush().await.unwrap(); // the request is on the server
    let started = Instant::now();
    server.stop().unwrap();
    let result = request.await.unwrap();
    assert_eq!(
        result.unwrap_err(),
        RequestError::Disconnected {
            subject: "silent".into()
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "well before the 10 s timeout"
    );
    assert_eq!(client.requests_in_flight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_works_while_disconnected() {
    let mut server = server();
    let client = quick_reconnects().connect(&server.url()).await.unwrap();
    server.stop().unwrap();
    wait_for_state(&client, ConnectionState::Reconnecting).await;
    client.publish("lost", "on close").await.unwrap();
    let started = Instant::now();
    assert_eq!(client.close().await, Err(FlushError::Disconnected));
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(client.is_closed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_reconnect_keeps_subscriptions() {
    let server = server();
    let client = quick_reconnects().connect(&server.url()).await.unwrap();
    let mut events = client.events();
    let mut sub = client.subscribe("forced").await.unwrap();
    client.force_reconnect();
    let event = wait_for_event(&mut events, |e| matches!(e, Event::Disconnected { .. })).await;
    assert_eq!(
        event,
        Event::Disconnected {
            reason: "reconnect forced by the client".into()
        }
    );
    wait_for_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await;
    client.publish("forced", "still here").await.unwrap();
    assert_eq!(next(&mut sub).await.payload, "still here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_limit_on_attempts_closes_the_client_with_the_reason() {
    let mut server = server();
    let client = quick_reconnects()
        .max_reconnects(Some(3))
        .connect(&server.url())
        .await
        .unwrap();
    let mut events = client.events();
    server.stop().unwrap();
    let Event::Closed { reason } =
        wait_for_event(&mut events, |e| matches!(e, Event::Closed { .. })).await
    else {
        unreachable!()
    };
    assert!(
        reason.starts_with("gave up after 3 reconnect attempts; last error:"),
        "{reason}"
    );
    assert!(client.is_closed());
}
