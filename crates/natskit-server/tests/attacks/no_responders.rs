//! Issue 23, finding 5: no-responder requests from a connection holding a million
//! subscriptions cost the broker a walk of all of them per request (8.8 s for 300) and held
//! another client's PING as long; nats-server answers at once.

use std::time::{Duration, Instant};

use natskit_server::Server;

use crate::support::{alone, client_runtime, count, Backend, Bystander, Raw, BYSTANDER_P99};

const SUBSCRIPTIONS: usize = 1_000_000;
const REQUESTS: usize = 300;
/// SUBs per write: big writes, so setting up a million takes seconds, not minutes.
const SUBS_PER_WRITE: usize = 20_000;
/// Bursts of requests at the least, and round trips the bystander measures at the least.
const MIN_BURSTS: usize = 5;
const MIN_SAMPLES: usize = 100;

#[test]
fn no_responder_requests_from_a_connection_with_a_million_subscriptions_stall_nobody() {
    let _alone = alone();
    let backends = Backend::both(Server::builder(), "");
    let clients = client_runtime();
    for backend in &backends {
        let name = backend.name();
        clients.block_on(async {
            let connect =
                r#"{"verbose":false,"pedantic":false,"headers":true,"no_responders":true}"#;
            let mut requester = Raw::connect(backend.addr(), connect).await;
            let before = backend.resident();
            let start = Instant::now();
            let mut batch = String::new();
            for sid in 1..=SUBSCRIPTIONS {
                batch.push_str(&format!("SUB _INBOX.attack.{sid} {sid}\r\n"));
                if sid % SUBS_PER_WRITE == 0 || sid == SUBSCRIPTIONS {
                    requester.send(batch.as_bytes()).await;
                    batch.clear();
                }
            }
            requester.sync().await;
            let took = start.elapsed();
            // For the embedded broker this includes what the requester's writes left
            // allocated in this process: an upper bound.
            let per_subscription = backend.resident().saturating_sub(before) / SUBSCRIPTIONS;
            eprintln!(
                "{name}: {SUBSCRIPTIONS} subscriptions in {took:?}, {per_subscription} B of resident \
                 memory each"
            );

            // Bursts of requests until the bystander has measured enough round trips.
            let bystander = Bystander::start(backend.addr());
            let requests: String = (0..REQUESTS)
                .map(|i| {
                    let reply = SUBSCRIPTIONS / 2 + i;
                    format!("PUB nobody.home _INBOX.attack.{reply} 0\r\n\r\n")
                })
                .collect();
            let (mut slowest, mut bursts) = (Duration::ZERO, 0);
            while bursts < MIN_BURSTS || bystander.samples() < MIN_SAMPLES {
                let start = Instant::now();
                requester.send(requests.as_bytes()).await;
                let answers = requester.sync().await;
                slowest = slowest.max(start.elapsed());
                bursts += 1;
                assert_eq!(
                    count(&answers, b"NATS/1.0 503"),
                    REQUESTS,
                    "{name}: every request answered"
                );
            }
            let latency = bystander.finish();
            let p99 = latency.p99;
            eprintln!(
                "{name}: {bursts} bursts of {REQUESTS} no-responder requests, the slowest answered \
                 in {slowest:?}; {latency}"
            );
            assert!(
                slowest < Duration::from_secs(1),
                "{name}: a burst took {slowest:?}"
            );
            assert!(
                p99 < BYSTANDER_P99,
                "{name}: the bystander's PING p99 was {p99:?}"
            );
        });
    }
}
