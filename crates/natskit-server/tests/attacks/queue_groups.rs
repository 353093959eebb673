//! Issue 23, finding 5: 60,000 queue groups on one subject cost 6.7 s to subscribe and 6.2 s
//! per publish (the groups were found by a linear search, per subscription and per group),
//! stalling other clients; nats-server takes milliseconds.

use std::time::{Duration, Instant};

use natskit_server::Server;

use crate::support::{alone, client_runtime, Backend, Bystander, Raw, BYSTANDER_P99, PATIENCE};

const GROUPS: usize = 60_000;
/// Publishes at the least, and round trips the bystander measures at the least.
const MIN_PUBLISHES: usize = 3;
const MIN_SAMPLES: usize = 100;
/// The longest nats-server may take to answer the publisher (ours: see the assertion). It took
/// 17-20 s alone and past 60 s once with a test suite running beside it.
const NATS_SERVER_PUBLISH: Duration = Duration::from_secs(120);

#[test]
fn sixty_thousand_queue_groups_on_one_subject_cost_little_and_stall_nobody() {
    let _alone = alone();
    let backends = Backend::both(Server::builder(), "");
    let clients = client_runtime();
    for backend in &backends {
        let name = backend.name();
        clients.block_on(async {
            let quiet = r#"{"verbose":false,"pedantic":false}"#;
            let mut subscriber = Raw::connect(backend.addr(), quiet).await;
            let subs: String = (1..=GROUPS)
                .map(|g| format!("SUB work g{g} {g}\r\n"))
                .collect();
            let start = Instant::now();
            subscriber.send(subs.as_bytes()).await;
            tokio::time::timeout(PATIENCE, subscriber.sync())
                .await
                .expect("the groups were set up in time");
            let subscribing = start.elapsed();
            // Drains the subscriber, counting bytes (each publish brings one message per group)
            // until it has what the publishes sent, once their number is known.
            let per_publish: usize = (1..=GROUPS)
                .map(|g| format!("MSG work {g} 2\r\nhi\r\n").len())
                .sum();
            let (expect, expected) = tokio::sync::watch::channel(usize::MAX);
            let drain = subscriber.count_bytes_until(expected);

            // Publishes until the bystander has measured enough round trips.
            let bystander = Bystander::start(backend.addr());
            // nats-server 2.9 has taken 17-20 s to answer this publisher's PING after its first
            // publish (while serving the bystander at once): it gets that long.
            let mut publisher = Raw::connect(backend.addr(), quiet)
                .await
                .with_patience(NATS_SERVER_PUBLISH);
            let (mut slowest, mut published) = (Duration::ZERO, 0);
            while published < MIN_PUBLISHES || bystander.samples() < MIN_SAMPLES {
                let start = Instant::now();
                publisher.send(b"PUB work 2\r\nhi\r\n").await;
                publisher.sync().await;
                slowest = slowest.max(start.elapsed());
                published += 1;
            }
            expect.send(per_publish * published).unwrap();
            let received = tokio::time::timeout(PATIENCE, drain)
                .await
                .expect("every message arrived in time")
                .unwrap();
            let latency = bystander.finish();
            let p99 = latency.p99;
            eprintln!(
                "{name}: {GROUPS} groups subscribed in {subscribing:?}; slowest of {published} publishes {slowest:?}; \
                 {latency}"
            );
            // nats-server may add a PING of its own.
            assert!(received >= per_publish * published, "{name}: one member of each group got each");
            assert!(subscribing < Duration::from_secs(5), "{name}: subscribing took {subscribing:?}");
            // nats-server 2.9 holds this publisher's PONG for seconds (in our runs) while it
            // delivers, without holding anyone else: the publish time is ours to bound only.
            if backend.server().is_some() {
                assert!(slowest < Duration::from_secs(1), "{name}: a publish took {slowest:?}");
            }
            assert!(p99 < BYSTANDER_P99, "{name}: the bystander's PING p99 was {p99:?}");
        });
    }
}
