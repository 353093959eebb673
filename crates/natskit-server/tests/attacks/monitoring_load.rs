//! Monitoring under load (issue 23, contained attacks): `/varz` and `/subsz` asked again and
//! again while a publisher floods a subscriber. The answers come, the flood is delivered
//! whole, and another client's PINGs keep their latency. (`/connz` under load: connz_load in
//! the `it` target.)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use natskit_server::Server;

use crate::support::{
    alone, client_runtime, http_get, Backend, Bystander, Raw, BYSTANDER_P99, PATIENCE,
};

/// Requests of each endpoint at the least, and round trips the bystander measures at the least.
const MIN_ROUNDS: usize = 300;
const MIN_SAMPLES: usize = 100;
const PAYLOAD: usize = 128;
/// Messages per write; the publisher waits for its PONG after each, so it floods at the
/// broker's pace.
const PER_WRITE: usize = 200;

#[test]
fn varz_and_subsz_under_a_flood_stall_nobody() {
    let _alone = alone();
    let backends = Backend::both_monitored(Server::builder(), "");
    let clients = client_runtime();
    let quiet = r#"{"verbose":false,"pedantic":false}"#;
    let payload = "x".repeat(PAYLOAD);
    let per_message = format!("MSG flood 1 {PAYLOAD}\r\n{payload}\r\n").len();
    for backend in &backends {
        let name = backend.name();
        clients.block_on(async {
            let mut reader = Raw::connect(backend.addr(), quiet).await;
            reader.send(b"SUB flood 1\r\n").await;
            reader.sync().await;
            let (expect, expected) = tokio::sync::watch::channel(usize::MAX);
            let reading = reader.count_bytes_until(expected);

            let stop = Arc::new(AtomicBool::new(false));
            let mut publisher = Raw::connect(backend.addr(), quiet).await;
            let batch = format!("PUB flood {PAYLOAD}\r\n{payload}\r\n").repeat(PER_WRITE);
            let stopped = stop.clone();
            let flooding = tokio::spawn(async move {
                let mut published = 0;
                while !stopped.load(Ordering::Relaxed) {
                    publisher.send(batch.as_bytes()).await;
                    publisher.sync().await;
                    published += PER_WRITE;
                }
                published
            });

            let bystander = Bystander::start(backend.addr());
            let (start, mut slowest, mut rounds) = (Instant::now(), Duration::ZERO, 0);
            while rounds < MIN_ROUNDS || bystander.samples() < MIN_SAMPLES {
                rounds += 1;
                for target in ["/varz", "/subsz"] {
                    let asked = Instant::now();
                    let (status, body) = http_get(backend.http_addr(), target).await;
                    slowest = slowest.max(asked.elapsed());
                    assert_eq!(status, 200, "{name}: {target}: {body}");
                }
            }
            let took = start.elapsed();
            let latency = bystander.finish();
            stop.store(true, Ordering::Relaxed);
            let published = flooding.await.unwrap();
            expect.send(published * per_message).unwrap();
            let received = tokio::time::timeout(PATIENCE, reading)
                .await
                .expect("the flood arrived in time")
                .unwrap();
            eprintln!(
                "{name}: {rounds} x /varz and /subsz in {took:?} (slowest {slowest:?}) during a flood \
                 of {published} messages; {latency}"
            );
            assert_eq!(received, published * per_message, "{name}: the flood arrived whole");
            assert!(latency.p99 < BYSTANDER_P99, "{name}: {latency}");
        });
    }
}
