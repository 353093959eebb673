//! One of natskit's hot paths, alone in a process, for a profiler (callgrind, perf) to count:
//! 16-byte publishes, a publisher and a subscriber, sequential requests to an echo responder, or
//! 64 requesters sharing two queue responders (natskit-bench's "64 requesters").
//! Not a benchmark (natskit-bench is): it prints its figure only to show the run was whole.
//!
//! ```text
//! cargo build --release -p natskit --example profile_paths
//! valgrind --tool=callgrind target/release/examples/profile_paths pub nats://127.0.0.1:4222 200000
//! valgrind --tool=callgrind target/release/examples/profile_paths sub nats://127.0.0.1:4222 200000
//! valgrind --tool=callgrind target/release/examples/profile_paths req nats://127.0.0.1:4222 20000
//! perf record -g target/release/examples/profile_paths conc nats://127.0.0.1:4222 500000
//! ```

use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;

mod support;

const PAYLOAD: &[u8] = b"0123456789abcdef";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(path), Some(url), Some(count)) = (
        args.get(1),
        args.get(2),
        args.get(3).and_then(|n| n.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: profile_paths pub|sub|req|conc URL COUNT");
        std::process::exit(2);
    };
    let runtime = support::bench_runtime();
    let url = url.clone();
    let shown = match path.as_str() {
        "pub" => runtime.block_on(publish(url, count)),
        "sub" => runtime.block_on(pub_sub(url, count)),
        "req" => runtime.block_on(requests(url, count)),
        "conc" => runtime.block_on(concurrent_requests(url, count)),
        other => {
            eprintln!("unknown path {other:?}: pub, sub, req or conc");
            std::process::exit(2);
        }
    };
    println!("{path}: {shown}");
}

/// `count` publishes, then a flush.
async fn publish(url: String, count: u64) -> String {
    let client = natskit::connect(&url).await.expect("connect");
    tokio::spawn(async move {
        let started = Instant::now();
        for _ in 0..count {
            client
                .publish("bench.pub", Bytes::from_static(PAYLOAD))
                .await
                .expect("publish");
        }
        client.flush().await.expect("flush");
        format!(
            "{:.0} msgs/s",
            count as f64 / started.elapsed().as_secs_f64()
        )
    })
    .await
    .expect("publisher")
}

/// `count` messages from one connection to a subscriber on another.
async fn pub_sub(url: String, count: u64) -> String {
    let subscriber = natskit::connect(&url).await.expect("connect");
    let mut messages = subscriber.subscribe("bench.ps").await.expect("subscribe");
    subscriber.flush().await.expect("flush");
    let counter = tokio::spawn(async move {
        let mut received = 0u64;
        while received < count && messages.next().await.is_some() {
            received += 1;
        }
        received
    });
    let publisher = natskit::connect(&url).await.expect("connect");
    tokio::spawn(async move {
        for _ in 0..count {
            publisher
                .publish("bench.ps", Bytes::from_static(PAYLOAD))
                .await
                .expect("publish");
        }
        publisher.flush().await.expect("flush");
    })
    .await
    .expect("publisher");
    format!("{} of {count} received", counter.await.expect("counter"))
}

/// `count` sequential requests to an echo responder on another connection.
async fn requests(url: String, count: u64) -> String {
    echo_responder(&url, "bench.req", None).await;
    let client = natskit::connect(&url).await.expect("connect");
    tokio::spawn(async move {
        let started = Instant::now();
        for _ in 0..count {
            client
                .request("bench.req", Bytes::from_static(PAYLOAD))
                .await
                .expect("request");
        }
        format!(
            "{:.1} us a request",
            started.elapsed().as_secs_f64() * 1e6 / count as f64
        )
    })
    .await
    .expect("requester")
}

/// Echoes every request on `subject` (in queue group `queue`, if given) back to its sender.
async fn echo_responder(url: &str, subject: &str, queue: Option<&str>) {
    let responder = natskit::connect(url).await.expect("connect");
    let mut requests = match queue {
        Some(queue) => responder.queue_subscribe(subject, queue).await,
        None => responder.subscribe(subject).await,
    }
    .expect("subscribe");
    responder.flush().await.expect("flush");
    tokio::spawn(async move {
        let _connection = responder;
        while let Some(request) = requests.next().await {
            let payload = request.payload.clone();
            if request.respond(payload).await.is_err() {
                break;
            }
        }
    });
}

/// 64 tasks on one connection share `count` requests over two queue responders.
async fn concurrent_requests(url: String, count: u64) -> String {
    for _ in 0..2 {
        echo_responder(&url, "bench.qreq", Some("echo")).await;
    }
    let client = natskit::connect(&url).await.expect("connect");
    let per_task = count / 64;
    let started = Instant::now();
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    client
                        .request("bench.qreq", Bytes::from_static(PAYLOAD))
                        .await
                        .expect("request");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("requester");
    }
    format!(
        "{:.0} requests/s",
        (per_task * 64) as f64 / started.elapsed().as_secs_f64()
    )
}
