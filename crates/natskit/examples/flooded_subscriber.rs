//! A subscriber flooded at the default limits: a publisher on a second connection sends
//! 1,000,000 16-byte messages as fast as it can, in the same two-worker runtime as
//! natskit-bench's pub/sub scenario, and the subscriber counts them. Prints what arrived, what
//! the client dropped as a slow consumer, the most messages it ever held unread (sampled every
//! 1,000), and the events seen. Not a benchmark: it shows whether a flood is taken losslessly.
//!
//! ```text
//! cargo build --release -p natskit --example flooded_subscriber
//! target/release/examples/flooded_subscriber nats://127.0.0.1:4222
//! ```

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;

mod support;

const COUNT: u64 = 1_000_000;

fn main() {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: flooded_subscriber URL");
        std::process::exit(2);
    };
    let runtime = support::bench_runtime();
    runtime.block_on(flood(url));
}

async fn flood(url: String) {
    let subscriber = natskit::connect(&url).await.expect("connect");
    let mut events = subscriber.events();
    let mut sub = subscriber.subscribe("flood").await.expect("subscribe");
    subscriber.flush().await.expect("flush");
    let counter = tokio::spawn(async move {
        let (mut received, mut most_pending) = (0, 0);
        // Two quiet seconds end the count: what has not come by then was lost.
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(2), sub.next()).await {
            received += 1;
            if received % 1_000 == 0 {
                most_pending = most_pending.max(sub.pending_messages());
            }
            if received == COUNT {
                break;
            }
        }
        (received, sub.dropped(), most_pending)
    });
    let publisher = natskit::connect(&url).await.expect("connect");
    let started = Instant::now();
    tokio::spawn(async move {
        let payload = Bytes::from_static(b"0123456789abcdef");
        for _ in 0..COUNT {
            publisher
                .publish("flood", payload.clone())
                .await
                .expect("publish");
        }
        publisher.flush().await.expect("flush");
    })
    .await
    .expect("publisher task");
    let (received, dropped, most_pending) = counter.await.expect("counter task");
    let mut seen = Vec::new();
    while let Ok(Some(event)) = tokio::time::timeout(Duration::from_millis(10), events.next()).await
    {
        seen.push(format!("{event:?}"));
    }
    println!(
        "received {received} of {COUNT}, dropped {dropped}, at most {most_pending} unread, in {:?}; events: {}",
        started.elapsed(),
        seen.join(", ")
    );
}
