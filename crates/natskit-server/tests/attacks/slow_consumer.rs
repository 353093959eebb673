//! A slow consumer (issue 23, contained attacks): a subscriber that never reads while a
//! publisher floods its subject. Both brokers cut it once a megabyte waits for it (their
//! `max_pending`), count it in `/varz`, keep their memory near that bound instead of the
//! flood's size, and deliver the whole flood to a subscriber that reads.

use std::time::{Duration, Instant};

use natskit_server::Server;
use tokio::io::AsyncReadExt;

use crate::support::{
    alone, client_runtime, monitored_number, Backend, Bystander, Raw, BYSTANDER_P99, PATIENCE,
};

const MAX_PENDING: usize = 1 << 20;
const PAYLOAD: usize = 1024;
/// 32 MiB: far more than max_pending and the kernel's socket buffers together.
const MESSAGES: usize = 32 * 1024;
const PER_WRITE: usize = 256;
/// What the flood may add to the broker's resident memory at its peak (for the embedded
/// broker that includes this process's clients): half the flood's size. The embedded broker
/// grows by about 1 MiB; nats-server by 5-8 MiB in three runs here, and by 12.02 MiB once (a
/// CI run on 2026-12-04, over the 12 MiB this bound was then): its Go heap's own margin.
const MAX_GROWTH: usize = 16 << 20;

#[test]
fn a_subscriber_that_never_reads_is_cut_and_costs_no_more_than_its_pending_limit() {
    let _alone = alone();
    let builder = Server::builder()
        .max_pending(MAX_PENDING)
        .write_deadline(Duration::from_secs(1));
    let config = format!("max_pending: {MAX_PENDING}\nwrite_deadline: \"1s\"\n");
    let backends = Backend::both_monitored(builder, &config);
    let clients = client_runtime();
    let quiet = r#"{"verbose":false,"pedantic":false}"#;
    let payload = "x".repeat(PAYLOAD);
    let per_message = format!("MSG firehose 2 {PAYLOAD}\r\n{payload}\r\n").len();
    for backend in &backends {
        let name = backend.name();
        clients.block_on(async {
            let mut slow = Raw::connect(backend.addr(), quiet).await;
            slow.send(b"SUB firehose 1\r\n").await;
            slow.sync().await;
            // The reader counts bytes and keeps none, so that this process's memory is the
            // broker's.
            let mut reader = Raw::connect(backend.addr(), quiet).await;
            reader.send(b"SUB firehose 2\r\n").await;
            reader.sync().await;
            let mut stream = reader.into_stream();
            let reading = tokio::spawn(async move {
                let (mut received, mut chunk) = (0, vec![0u8; 256 * 1024]);
                while received < MESSAGES * per_message {
                    let n = stream.read(&mut chunk).await.unwrap();
                    assert!(n > 0, "the reading subscriber was disconnected");
                    received += n;
                }
                received
            });

            let bystander = Bystander::start(backend.addr());
            let mut publisher = Raw::connect(backend.addr(), quiet).await;
            let batch = format!("PUB firehose {PAYLOAD}\r\n{payload}\r\n").repeat(PER_WRITE);
            let before = backend.resident();
            let (start, mut peak) = (Instant::now(), before);
            for _ in 0..MESSAGES / PER_WRITE {
                publisher.send(batch.as_bytes()).await;
                peak = peak.max(backend.resident());
            }
            publisher.sync().await;
            let took = start.elapsed();
            let received = tokio::time::timeout(PATIENCE, reading)
                .await
                .expect("the reader got the flood in time")
                .unwrap();
            let (said, closed) = slow.answer().await;
            let cut = monitored_number(backend.http_addr(), "/varz", "slow_consumers").await;
            let latency = bystander.finish();
            let growth = peak.saturating_sub(before);
            eprintln!(
                "{name}: {MESSAGES} messages of {PAYLOAD} B in {took:?}; the slow consumer got {} KiB \
                 before the cut; peak resident growth {} KiB (max_pending {} KiB); {latency}",
                said.len() / 1024,
                growth / 1024,
                MAX_PENDING / 1024
            );
            assert_eq!(received, MESSAGES * per_message, "{name}: the reader got everything");
            assert!(closed, "{name}: the slow consumer was cut");
            assert!(said.len() < MESSAGES * per_message / 2, "{name}: it got {} B", said.len());
            assert_eq!(cut, 1, "{name}: slow_consumers in /varz");
            assert!(growth < MAX_GROWTH, "{name}: memory grew {growth} B");
            assert!(latency.p99 < BYSTANDER_P99, "{name}: {latency}");
        });
    }
}
