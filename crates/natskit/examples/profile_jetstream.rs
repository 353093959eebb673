//! natskit's JetStream asynchronous publish and pull consume alone in a process, for a
//! profiler (perf, callgrind) to count: `COUNT` publishes with `WINDOW` acknowledgements in
//! flight into a fresh stream, then the same messages read back through a durable pull consumer,
//! each acked. Needs a nats-server with JetStream (`nats-server -js`). Not a benchmark
//! (`natskit-bench --jetstream` is): it prints its figures only to show the run was whole.
//!
//! ```text
//! cargo build --release -p natskit --example profile_jetstream
//! perf record -g target/release/examples/profile_jetstream nats://127.0.0.1:4222 200000 4000
//! ```
//!
//! With `PROFILE_PUBLISH_ONLY` set in the environment it stops after the publishes.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use natskit::jetstream::{Consume, ConsumerConfig, StreamConfig};

mod support;

const STREAM: &str = "PROFILE_JS";
const PAYLOAD: &[u8] = &[b'j'; 128];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(count), Some(window)) = (
        args.get(1),
        args.get(2).and_then(|n| n.parse::<u64>().ok()),
        args.get(3).and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: profile_jetstream URL COUNT WINDOW");
        std::process::exit(2);
    };
    let runtime = support::bench_runtime();
    println!("{}", runtime.block_on(run(url.clone(), count, window)));
}

async fn run(url: String, count: u64, window: usize) -> String {
    let client = natskit::connect(&url).await.expect("connect");
    let js = natskit::jetstream::new(client).with_max_publishes_in_flight(window);
    let _ = js.delete_stream(STREAM).await;
    js.create_stream(StreamConfig::new(STREAM).subjects([format!("{STREAM}.>")]))
        .await
        .expect("create the stream");
    let subject = format!("{STREAM}.x");
    let started = Instant::now();
    let mut acks = VecDeque::with_capacity(window);
    for _ in 0..count {
        while acks.len() >= window {
            let ack: natskit::jetstream::PubAckFuture = acks.pop_front().expect("one");
            ack.await.expect("ack");
        }
        let ack = js.publish_async(subject.as_str(), Bytes::from_static(PAYLOAD));
        acks.push_back(ack.await.expect("publish"));
    }
    for ack in acks {
        ack.await.expect("ack");
    }
    let published = count as f64 / started.elapsed().as_secs_f64();
    if std::env::var_os("PROFILE_PUBLISH_ONLY").is_some() {
        let _ = js.delete_stream(STREAM).await;
        return format!("published {published:.0} msgs/s");
    }
    let consumer = js
        .create_pull_consumer(STREAM, ConsumerConfig::durable("profile"))
        .await
        .expect("consumer");
    let started = Instant::now();
    let mut messages = consumer
        .consume(Consume::default().max_messages(500))
        .await
        .expect("consume");
    for _ in 0..count {
        let msg = messages.next().await.expect("open").expect("message");
        msg.ack().await.expect("ack");
    }
    let consumed = count as f64 / started.elapsed().as_secs_f64();
    drop(messages);
    let _ = js.delete_stream(STREAM).await;
    format!("published {published:.0} msgs/s, consumed with acks {consumed:.0} msgs/s")
}
