//! The network breaking under a running client, through natskit-test's fault proxy: a
//! partition that closes nothing, and a soak with the connection cut every few seconds.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use natskit::{ConnectOptions, ConnectionState, Event, PublishError, ReconnectDelay};
use natskit_test::FaultProxy;

use crate::support::{next, server, wait_for_event, PATIENCE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_is_detected_within_two_ping_intervals_plus_a_second_and_the_client_moves_on() {
    let server = server();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let ping_interval = Duration::from_millis(300);
    let client = ConnectOptions::new()
        .ping_interval(ping_interval)
        .max_pings_outstanding(2)
        .connection_timeout(Duration::from_millis(500))
        .no_randomize()
        .connect(&format!("{},{}", proxy.url(), server.url()))
        .await
        .unwrap();
    assert_eq!(client.server_address(), proxy.url());
    let mut events = client.events();
    let mut sub = client.subscribe("partition").await.unwrap();
    client.flush().await.unwrap();

    proxy.black_hole();
    let started = Instant::now();
    let event = wait_for_event(&mut events, |e| matches!(e, Event::Disconnected { .. })).await;
    let detected = started.elapsed();
    assert_eq!(
        event,
        Event::Disconnected {
            reason: "stale connection: the server did not answer PING".into()
        }
    );
    assert!(
        detected <= 2 * ping_interval + Duration::from_secs(1),
        "detected after {detected:?}"
    );
    let Event::Reconnected { server: now } =
        wait_for_event(&mut events, |e| matches!(e, Event::Reconnected { .. })).await
    else {
        unreachable!()
    };
    assert_eq!(now, server.url(), "moved on to the server reached directly");
    client.publish("partition", "healed").await.unwrap();
    assert_eq!(next(&mut sub).await.payload, "healed");
}

/// How long the soak runs; `make test` keeps it well under its 60 s budget.
const SOAK: Duration = Duration::from_secs(20);
/// Time between two cuts.
const CUT_EVERY: Duration = Duration::from_secs(2);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_with_the_connection_cut_every_few_seconds_delivers_everything_accepted() {
    let server = server();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    // Subscribers on the server itself, the publisher through the proxy that keeps cutting it.
    let mut subscribers = Vec::new();
    for _ in 0..2 {
        // They read only once the soak is over: room for every message it can send.
        let client = ConnectOptions::new()
            .pending_limits(1_000_000, 1 << 30)
            .connect(&server.url())
            .await
            .unwrap();
        let sub = client.subscribe("soak").await.unwrap();
        client.flush().await.unwrap();
        subscribers.push((client, sub));
    }
    let publisher = ConnectOptions::new()
        .reconnect_delay(ReconnectDelay::custom(|_| Duration::from_millis(20)))
        .connect(&proxy.url())
        .await
        .unwrap();

    let started = Instant::now();
    let mut accepted = 0u64;
    let mut refused = 0u64;
    let mut cuts = 0u64;
    let mut next_cut = started + CUT_EVERY;
    let mut seq = 0u64;
    let mut ticker = tokio::time::interval(Duration::from_millis(5));
    while started.elapsed() < SOAK {
        ticker.tick().await;
        if Instant::now() >= next_cut {
            proxy.cut();
            cuts += 1;
            next_cut += CUT_EVERY;
        }
        for _ in 0..100 {
            match publisher.publish("soak", seq.to_string()).await {
                Ok(()) => accepted += 1,
                Err(PublishError::ReconnectBufferFull { .. }) => refused += 1,
                Err(e) => panic!("publish failed: {e}"),
            }
            seq += 1;
        }
    }
    // The last cut may not have been noticed yet: flush until the server confirms.
    tokio::time::timeout(PATIENCE, async {
        while let Err(e) = publisher.flush().await {
            assert_eq!(e, natskit::FlushError::Disconnected);
            let mut state = publisher.connection_state();
            let _ = state.wait_for(|s| *s == ConnectionState::Connected).await;
        }
    })
    .await
    .expect("the publisher reconnects and flushes");
    let reconnects = publisher.statistics().reconnects;

    for (i, (_client, sub)) in subscribers.iter_mut().enumerate() {
        let mut seen = BTreeSet::new();
        let mut last = None;
        while (seen.len() as u64) < accepted {
            let msg = tokio::time::timeout(PATIENCE, sub.next())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "subscriber {i}: {} of {accepted} after waiting; {cuts} cuts",
                        seen.len()
                    )
                })
                .unwrap();
            let n: u64 = std::str::from_utf8(&msg.payload).unwrap().parse().unwrap();
            assert!(
                last < Some(n),
                "subscriber {i}: {n} after {last:?}: order or duplicate"
            );
            last = Some(n);
            seen.insert(n);
        }
        assert!(
            tokio::time::timeout(Duration::from_millis(200), sub.next())
                .await
                .is_err(),
            "subscriber {i}: more than accepted"
        );
    }
    eprintln!(
        "soak: {:?}, {cuts} cuts, {reconnects} reconnects, {accepted} publishes accepted and \
         delivered to each of 2 subscribers, {refused} refused (reconnect buffer full)",
        SOAK
    );
    assert!(
        cuts >= 5 && reconnects >= cuts,
        "{cuts} cuts, {reconnects} reconnects"
    );
}
