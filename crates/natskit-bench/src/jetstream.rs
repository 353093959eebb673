//! The `--jetstream` mode: natskit's JetStream beside async-nats's against one nats-server 2.10
//! `-js` with file storage, run after run, 128-byte messages:
//!
//! - synchronous publish: one publish at a time, each awaiting its acknowledgement (p50);
//! - asynchronous publish: acknowledgements awaited later, both clients with the same in-flight
//!   window (4,000), timed until the last acknowledgement is in;
//! - pull consume with ack: a durable pull consumer over a filled stream, each message acked,
//!   both with a buffer of 500 messages;
//! - ordered consume: an ordered pull consumer over the same kind of stream.
//!
//! The three throughput scenarios also run a raw socket after the clients (`raw_js.rs`): the
//! ceiling the server allows any client.
//!
//! Each contender gets a fresh stream for each scenario, so neither reads what the other
//! wrote, and the streams are deleted after. Streams are made and filled through natskit for
//! both (not timed).

use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use hdrhistogram::Histogram;

use crate::js_bench::JsBench;
use crate::raw_js::Consumer::{Durable, Ordered};
use crate::report::{self, Figure};

/// The in-flight window of both clients' asynchronous publishes.
pub(crate) const WINDOW: usize = 4000;
/// The consume buffer of both clients.
const BATCH: u64 = 500;
const PAYLOAD: &[u8] = &[b'j'; 128];

struct Counts {
    sync_publish: u64,
    async_publish: u64,
    consume: u64,
}

/// Runs the JetStream scenarios `runs` times, printing each run and the medians.
pub fn run(runs: usize, quick: bool, wants: impl Fn(&str) -> bool) -> Result<(), String> {
    let bench = JsBench::start()?;
    let scale = if quick { 10 } else { 1 };
    let counts = Counts {
        sync_publish: 10_000 / scale,
        async_publish: 200_000 / scale,
        consume: 200_000 / scale,
    };
    let mut sync_p50 = Figure::new("JetStream sync publish p50", "us");
    let mut async_rate = Figure::new("JetStream async publish (window 4000)", "msgs/s");
    let mut pull_rate = Figure::new("JetStream pull consume with ack", "msgs/s");
    let mut ordered_rate = Figure::new("JetStream ordered consume", "msgs/s");
    let url = &bench.url;
    println!("nats-server 2.10 -js (file storage) at {url}; {runs} run(s), 128 B messages");
    for run in 1..=runs {
        println!("run {run}:");
        bench.runtime.block_on(async {
            let n = natskit::connect(url).await.map_err(|e| e.to_string())?;
            let a = async_nats::connect(url).await.map_err(|e| e.to_string())?;
            let njs = natskit::jetstream::new(n.clone()).with_max_publishes_in_flight(WINDOW);
            let ajs = async_nats::jetstream::ContextBuilder::new()
                .max_ack_inflight(WINDOW)
                .backpressure_on_inflight(true)
                .build(a.clone());
            let (c, b) = (&counts, &bench);
            let (c_async, c_consume) = (c.async_publish, c.consume);
            if wants("sync") {
                let (nf, af) = (
                    natskit_sync(&njs, c.sync_publish),
                    async_nats_sync(&ajs, &njs, c.sync_publish),
                );
                b.side_by_side(&mut sync_p50, "sync publish p50", nf, af)
                    .await;
            }
            if wants("async") {
                let (nf, af) = (
                    natskit_async(&njs, c.async_publish),
                    async_nats_async(&ajs, &njs, c.async_publish),
                );
                b.side_by_side(&mut async_rate, "async publish", nf, af)
                    .await;
                fresh_stream(&njs, "BASYNCR").await;
                let addr = b.addr();
                let raw = move || {
                    crate::raw_js::async_publish(
                        &addr,
                        "BASYNCR.x",
                        PAYLOAD,
                        c_async,
                        WINDOW as u64,
                    )
                };
                b.raw_ceiling(&mut async_rate, "async publish", raw).await;
                let _ = njs.delete_stream("BASYNCR").await;
            }
            if wants("pull") {
                let (nf, af) = (
                    natskit_pull(&njs, c.consume),
                    async_nats_pull(&ajs, &njs, c.consume),
                );
                b.side_by_side(&mut pull_rate, "pull consume+ack", nf, af)
                    .await;
                filled_stream(&njs, "BPULLR", c.consume).await;
                njs.create_pull_consumer(
                    "BPULLR",
                    natskit::jetstream::ConsumerConfig::durable("bench"),
                )
                .await
                .map_err(|e| e.to_string())?;
                let addr = b.addr();
                let raw = move || {
                    crate::raw_js::pull_consume(&addr, "BPULLR", Durable("bench"), c_consume, BATCH)
                };
                b.raw_ceiling(&mut pull_rate, "pull consume+ack", raw).await;
                let _ = njs.delete_stream("BPULLR").await;
            }
            if wants("ordered") {
                let (nf, af) = (
                    natskit_ordered(&njs, c.consume),
                    async_nats_ordered(&ajs, &njs, c.consume),
                );
                b.side_by_side(&mut ordered_rate, "ordered consume", nf, af)
                    .await;
                // Its consumer is made on its clock, as the clients make theirs.
                filled_stream(&njs, "BORDR", c.consume).await;
                let addr = b.addr();
                let raw = move || {
                    crate::raw_js::pull_consume(&addr, "BORDR", Ordered("raw"), c_consume, BATCH)
                };
                b.raw_ceiling(&mut ordered_rate, "ordered consume", raw)
                    .await;
                let _ = njs.delete_stream("BORDR").await;
            }
            n.close().await.map_err(|e| e.to_string())?;
            a.drain().await.map_err(|e| e.to_string())?;
            Ok::<(), String>(())
        })?;
    }
    let figures: Vec<Figure> = [sync_p50, async_rate, pull_rate, ordered_rate]
        .into_iter()
        .filter(|f| !f.natskit.is_empty())
        .collect();
    report::print_table(&figures, runs);
    bench.stop()
}

/// A fresh file stream `name` on `name.>`, made through natskit whichever client measures.
async fn fresh_stream(js: &natskit::jetstream::Context, name: &str) {
    let _ = js.delete_stream(name).await;
    js.create_stream(natskit::jetstream::StreamConfig::new(name).subjects([format!("{name}.>")]))
        .await
        .expect("create the stream");
}

/// Fills stream `name` with `count` messages (asynchronous publishes).
pub(crate) async fn filled_stream(js: &natskit::jetstream::Context, name: &str, count: u64) {
    fresh_stream(js, name).await;
    let subject = format!("{name}.x");
    let mut acks = Vec::with_capacity(WINDOW);
    for _ in 0..count {
        acks.push(
            js.publish_async(subject.clone(), Bytes::from_static(PAYLOAD))
                .await
                .expect("publish"),
        );
        if acks.len() == WINDOW {
            for ack in acks.drain(..) {
                ack.await.expect("ack");
            }
        }
    }
    for ack in acks {
        ack.await.expect("ack");
    }
}

fn p50(histogram: &Histogram<u64>) -> f64 {
    histogram.value_at_quantile(0.5) as f64 / 1000.0
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("histogram bounds")
}

pub(crate) async fn natskit_sync(js: &natskit::jetstream::Context, count: u64) -> f64 {
    fresh_stream(js, "BSYNCN").await;
    let mut latencies = histogram();
    crate::js_bench::timing_starts();
    for _ in 0..count {
        let start = Instant::now();
        js.publish("BSYNCN.x", Bytes::from_static(PAYLOAD))
            .await
            .expect("publish");
        let _ = latencies.record(start.elapsed().as_nanos() as u64);
    }
    let _ = js.delete_stream("BSYNCN").await;
    p50(&latencies)
}

async fn async_nats_sync(
    js: &async_nats::jetstream::Context,
    setup: &natskit::jetstream::Context,
    count: u64,
) -> f64 {
    fresh_stream(setup, "BSYNCA").await;
    let mut latencies = histogram();
    crate::js_bench::timing_starts();
    for _ in 0..count {
        let start = Instant::now();
        js.publish("BSYNCA.x", Bytes::from_static(PAYLOAD))
            .await
            .expect("publish")
            .await
            .expect("ack");
        let _ = latencies.record(start.elapsed().as_nanos() as u64);
    }
    let _ = setup.delete_stream("BSYNCA").await;
    p50(&latencies)
}

pub(crate) async fn natskit_async(js: &natskit::jetstream::Context, count: u64) -> f64 {
    fresh_stream(js, "BASYNCN").await;
    crate::js_bench::timing_starts();
    let start = Instant::now();
    let mut acks = std::collections::VecDeque::with_capacity(WINDOW);
    for _ in 0..count {
        // The window holds publishes back; reading acks as they come keeps memory flat.
        while acks.len() >= WINDOW {
            let ack: natskit::jetstream::PubAckFuture = acks.pop_front().expect("one");
            ack.await.expect("ack");
        }
        acks.push_back(
            js.publish_async("BASYNCN.x", Bytes::from_static(PAYLOAD))
                .await
                .expect("publish"),
        );
    }
    for ack in acks {
        ack.await.expect("ack");
    }
    let rate = report::rate(count, start.elapsed());
    let _ = js.delete_stream("BASYNCN").await;
    rate
}

async fn async_nats_async(
    js: &async_nats::jetstream::Context,
    setup: &natskit::jetstream::Context,
    count: u64,
) -> f64 {
    fresh_stream(setup, "BASYNCA").await;
    crate::js_bench::timing_starts();
    let start = Instant::now();
    let mut acks = std::collections::VecDeque::with_capacity(WINDOW);
    for _ in 0..count {
        while acks.len() >= WINDOW {
            let ack: async_nats::jetstream::context::PublishAckFuture =
                acks.pop_front().expect("one");
            ack.await.expect("ack");
        }
        acks.push_back(
            js.publish("BASYNCA.x", Bytes::from_static(PAYLOAD))
                .await
                .expect("publish"),
        );
    }
    for ack in acks {
        ack.await.expect("ack");
    }
    let rate = report::rate(count, start.elapsed());
    let _ = setup.delete_stream("BASYNCA").await;
    rate
}

pub(crate) async fn natskit_pull(js: &natskit::jetstream::Context, count: u64) -> f64 {
    use natskit::jetstream::{Consume, ConsumerConfig};
    filled_stream(js, "BPULLN", count).await;
    let consumer = js
        .create_pull_consumer("BPULLN", ConsumerConfig::durable("bench"))
        .await
        .expect("consumer");
    crate::js_bench::timing_starts();
    let start = Instant::now();
    let mut messages = consumer
        .consume(Consume::default().max_messages(BATCH))
        .await
        .expect("consume");
    for _ in 0..count {
        let msg = messages.next().await.expect("open").expect("message");
        msg.ack().await.expect("ack");
    }
    let rate = report::rate(count, start.elapsed());
    drop(messages);
    let _ = js.delete_stream("BPULLN").await;
    rate
}

async fn async_nats_pull(
    js: &async_nats::jetstream::Context,
    setup: &natskit::jetstream::Context,
    count: u64,
) -> f64 {
    use async_nats::jetstream::consumer::pull;
    filled_stream(setup, "BPULLA", count).await;
    let stream = js.get_stream("BPULLA").await.expect("stream");
    let consumer = stream
        .create_consumer(pull::Config {
            durable_name: Some("bench".into()),
            ..Default::default()
        })
        .await
        .expect("consumer");
    crate::js_bench::timing_starts();
    let start = Instant::now();
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(BATCH as usize)
        .messages()
        .await
        .expect("consume");
    for _ in 0..count {
        let msg = messages.next().await.expect("open").expect("message");
        msg.ack().await.expect("ack");
    }
    let rate = report::rate(count, start.elapsed());
    drop(messages);
    let _ = setup.delete_stream("BPULLA").await;
    rate
}

async fn natskit_ordered(js: &natskit::jetstream::Context, count: u64) -> f64 {
    use natskit::jetstream::{Consume, OrderedConfig};
    filled_stream(js, "BORDN", count).await;
    crate::js_bench::timing_starts();
    let start = Instant::now();
    let mut messages = js
        .ordered_consumer("BORDN", OrderedConfig::default())
        .expect("name")
        .consume(Consume::default().max_messages(BATCH))
        .await
        .expect("consume");
    for _ in 0..count {
        messages.next().await.expect("open").expect("message");
    }
    let rate = report::rate(count, start.elapsed());
    drop(messages);
    let _ = js.delete_stream("BORDN").await;
    rate
}

async fn async_nats_ordered(
    js: &async_nats::jetstream::Context,
    setup: &natskit::jetstream::Context,
    count: u64,
) -> f64 {
    use async_nats::jetstream::consumer::pull;
    filled_stream(setup, "BORDA", count).await;
    let stream = js.get_stream("BORDA").await.expect("stream");
    crate::js_bench::timing_starts();
    let start = Instant::now();
    let consumer = stream
        .create_consumer(pull::OrderedConfig::default())
        .await
        .expect("consumer");
    let mut messages = consumer.messages().await.expect("consume");
    for _ in 0..count {
        messages.next().await.expect("open").expect("message");
    }
    let rate = report::rate(count, start.elapsed());
    drop(messages);
    let _ = setup.delete_stream("BORDA").await;
    rate
}
