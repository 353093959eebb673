//! Monitoring never holds client traffic (issue 23, finding 5): while `/connz?subs=1` lists a
//! connection holding a million subscriptions, again and again, another client's PING round
//! trips stay short (99th percentile and longest), on nats-server and on the embedded broker
//! alike.

use std::time::{Duration, Instant};

use natskit_server::Server;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::backends::{http_get_within, Backend};

/// Subscriptions of the heavy connection.
const SUBSCRIPTIONS: usize = 1_000_000;
/// `/connz?subs=1` requests made while the bystander measures.
const REQUESTS: usize = 2;
/// The bound on the bystander's 99th percentile PING round trip.
const P99_BOUND: Duration = Duration::from_millis(50);
/// The bound on the bystander's longest PING round trip: a stall (the issue saw 0.7-2.4 s;
/// nats-server's longest here is 100-200 ms).
const STALL_BOUND: Duration = Duration::from_millis(500);
/// Upper bound for the subscribing and for each request.
const LOAD_PATIENCE: Duration = Duration::from_secs(60);

/// Opens a connection and makes it hold `n` subscriptions, sent in large batched writes; it is
/// returned once the broker has answered the PING behind them.
async fn heavy_connection(backend: &Backend, n: usize) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(backend.addr())
        .await
        .unwrap();
    stream
        .write_all(b"CONNECT {\"verbose\":false,\"pedantic\":false}\r\n")
        .await
        .unwrap();
    let mut batch = Vec::with_capacity(1 << 20);
    for sid in 1..=n {
        batch.extend_from_slice(format!("SUB load.{sid} {sid}\r\n").as_bytes());
        if batch.len() >= 1 << 20 {
            stream.write_all(&batch).await.unwrap();
            batch.clear();
        }
    }
    batch.extend_from_slice(b"PING\r\n");
    stream.write_all(&batch).await.unwrap();
    let mut seen = Vec::new();
    tokio::time::timeout(LOAD_PATIENCE, async {
        let mut chunk = [0u8; 4096];
        while !seen.ends_with(b"PONG\r\n") {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed: {:?}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&chunk[..n]);
        }
    })
    .await
    .expect("the subscriptions are taken");
    stream
}

/// The bystander's PING round trips (flushes) while `REQUESTS` `/connz?subs=1` are answered,
/// and how long the requests took.
async fn round_trips_under_connz(backend: &Backend) -> (Vec<Duration>, Duration) {
    let bystander = natskit::connect(&backend.client_url()).await.unwrap();
    bystander.flush().await.unwrap();
    let addr = backend.http_addr();
    let started = Instant::now();
    let requests = tokio::spawn(async move {
        for _ in 0..REQUESTS {
            let (status, body) = tokio::task::spawn_blocking(move || {
                http_get_within(addr, "/connz?subs=1", LOAD_PATIENCE)
            })
            .await
            .expect("/connz answers");
            assert_eq!(status, 200);
            assert!(body.contains("\"load.1\""));
        }
    });
    // PINGs back to back: a stall shows as one long round trip, hence the bound on the
    // longest one beside the percentile.
    let mut samples = Vec::new();
    while !requests.is_finished() {
        let sent = Instant::now();
        tokio::time::timeout(LOAD_PATIENCE, bystander.flush())
            .await
            .expect("PONG")
            .unwrap();
        samples.push(sent.elapsed());
    }
    requests.await.unwrap();
    (samples, started.elapsed())
}

/// The 99th percentile.
fn p99(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples[(samples.len() * 99 / 100).min(samples.len() - 1)]
}

// One runtime thread for the embedded broker and the bystander: monitoring must not hold
// client traffic even when no other worker could take it over.
#[tokio::test]
async fn connz_with_a_million_subscriptions_does_not_hold_other_clients() {
    for backend in Backend::both(None, Server::builder()).await {
        let loading = Instant::now();
        let heavy = heavy_connection(&backend, SUBSCRIPTIONS).await;
        let loaded = loading.elapsed();
        let (mut samples, took) = round_trips_under_connz(&backend).await;
        let p99 = p99(&mut samples);
        let max = samples.last().copied().unwrap_or_default();
        eprintln!(
            "{}: {SUBSCRIPTIONS} subscriptions in {loaded:?}; {REQUESTS} /connz?subs=1 in {took:?}; \
             bystander PING p99 {p99:?}, max {max:?} over {} round trips",
            backend.name(),
            samples.len()
        );
        assert!(samples.len() >= 20, "{}: too few samples", backend.name());
        assert!(p99 < P99_BOUND, "{}: PING p99 {p99:?}", backend.name());
        assert!(
            max < STALL_BOUND,
            "{}: a PING waited {max:?}",
            backend.name()
        );
        drop(heavy);
        backend.stop().await;
    }
}
