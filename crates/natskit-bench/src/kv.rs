//! The `--kv` mode: natskit's key-value store beside async-nats's against one nats-server 2.10
//! `-js` with file storage, run after run:
//!
//! - KV put p50: one put at a time, each awaiting its acknowledgement, 128-byte values;
//! - KV get p50: one get at a time of the same key (direct get for both);
//! - watch: a bucket of distinct keys filled beforehand (untimed), then a watch of the latest
//!   value of each, timed until every key has come.
//!
//! Each contender gets fresh buckets, made and filled through natskit, deleted after. The put and
//! get also run on a raw socket after the clients (`raw_js.rs`): the floor of their round trip.

use std::time::Instant;

use bytes::Bytes;
use futures_util::StreamExt;
use hdrhistogram::Histogram;

use crate::js_bench::JsBench;
use crate::report::{self, Figure};

const VALUE: &[u8] = &[b'v'; 128];
/// The in-flight window used to fill the watch buckets.
const FILL_WINDOW: usize = 4000;

struct Counts {
    ops: u64,
    watch: u64,
}

/// Runs the KV scenarios `runs` times, printing each run and the medians.
pub fn run(runs: usize, quick: bool, wants: impl Fn(&str) -> bool) -> Result<(), String> {
    let bench = JsBench::start()?;
    let scale = if quick { 10 } else { 1 };
    let counts = Counts {
        ops: 10_000 / scale,
        watch: 100_000 / scale,
    };
    let mut put_p50 = Figure::new("KV put p50", "us");
    let mut get_p50 = Figure::new("KV get p50", "us");
    let mut watch_rate = Figure::new("KV watch (latest of each key)", "msgs/s");
    let url = &bench.url;
    println!("nats-server 2.10 -js (file storage) at {url}; {runs} run(s), 128 B values");
    for run in 1..=runs {
        println!("run {run}:");
        bench.runtime.block_on(async {
            let n = natskit::connect(url).await.map_err(|e| e.to_string())?;
            let a = async_nats::connect(url).await.map_err(|e| e.to_string())?;
            let njs = natskit::jetstream::new(n.clone());
            let ajs = async_nats::jetstream::new(a.clone());
            let (c, b) = (&counts, &bench);
            // The round trips take turns going first, run by run, so neither client has the
            // better place in the order throughout.
            let natskit_first = run % 2 == 1;
            if wants("put") {
                let (nf, af) = (
                    natskit_ops(&njs, c.ops, Op::Put),
                    async_nats_ops(&ajs, &njs, c.ops, Op::Put),
                );
                b.side_by_side_in_order(&mut put_p50, "KV put p50", nf, af, natskit_first)
                    .await;
                fresh_bucket(&njs, "BKVR").await;
                let (addr, ops) = (b.addr(), c.ops);
                let raw = move || crate::raw_js::round_trip_p50(&addr, "$KV.BKVR.key", VALUE, ops);
                b.raw_ceiling(&mut put_p50, "KV put p50", raw).await;
                let _ = njs.delete_key_value("BKVR").await;
            }
            if wants("get") {
                let (nf, af) = (
                    natskit_ops(&njs, c.ops, Op::Get),
                    async_nats_ops(&ajs, &njs, c.ops, Op::Get),
                );
                b.side_by_side_in_order(&mut get_p50, "KV get p50", nf, af, natskit_first)
                    .await;
                let kv = fresh_bucket(&njs, "BKVR").await;
                kv.put("key", Bytes::from_static(VALUE))
                    .await
                    .map_err(|e| e.to_string())?;
                let (addr, ops) = (b.addr(), c.ops);
                let raw = move || {
                    let get = "$JS.API.DIRECT.GET.KV_BKVR.$KV.BKVR.key";
                    crate::raw_js::round_trip_p50(&addr, get, b"", ops)
                };
                b.raw_ceiling(&mut get_p50, "KV get p50", raw).await;
                let _ = njs.delete_key_value("BKVR").await;
            }
            if wants("watch") {
                let (nf, af) = (
                    natskit_watch(&njs, c.watch),
                    async_nats_watch(&ajs, &njs, c.watch),
                );
                b.side_by_side(&mut watch_rate, "KV watch", nf, af).await;
            }
            n.close().await.map_err(|e| e.to_string())?;
            a.drain().await.map_err(|e| e.to_string())?;
            Ok::<(), String>(())
        })?;
    }
    let figures: Vec<Figure> = [put_p50, get_p50, watch_rate]
        .into_iter()
        .filter(|f| !f.natskit.is_empty())
        .collect();
    report::print_table(&figures, runs);
    bench.stop()
}

/// Which operation a latency run times.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Put,
    Get,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("histogram bounds")
}

fn p50(histogram: &Histogram<u64>) -> f64 {
    histogram.value_at_quantile(0.5) as f64 / 1000.0
}

/// A fresh file bucket `name` (through natskit, whichever client measures).
async fn fresh_bucket(
    js: &natskit::jetstream::Context,
    name: &str,
) -> natskit::jetstream::kv::Store {
    let _ = js.delete_key_value(name).await;
    js.create_key_value(natskit::jetstream::kv::KvConfig::new(name))
        .await
        .expect("create the bucket")
}

/// Bucket `name` with `count` distinct keys `k<i>`, written with asynchronous publishes.
async fn filled_bucket(js: &natskit::jetstream::Context, name: &str, count: u64) {
    fresh_bucket(js, name).await;
    let mut acks = Vec::with_capacity(FILL_WINDOW);
    for i in 0..count {
        acks.push(
            js.publish_async(format!("$KV.{name}.k{i}"), Bytes::from_static(VALUE))
                .await
                .expect("publish"),
        );
        if acks.len() == FILL_WINDOW {
            for ack in acks.drain(..) {
                ack.await.expect("ack");
            }
        }
    }
    for ack in acks {
        ack.await.expect("ack");
    }
}

/// The p50 of `count` puts, or of `count` gets of one key, one at a time.
async fn natskit_ops(js: &natskit::jetstream::Context, count: u64, op: Op) -> f64 {
    let kv = fresh_bucket(js, "BKVN").await;
    kv.put("key", Bytes::from_static(VALUE)).await.expect("put");
    let mut latencies = histogram();
    crate::js_bench::timing_starts();
    for _ in 0..count {
        let start = Instant::now();
        match op {
            Op::Put => drop(kv.put("key", Bytes::from_static(VALUE)).await.expect("put")),
            Op::Get => drop(kv.get("key").await.expect("get").expect("a value")),
        }
        let _ = latencies.record(start.elapsed().as_nanos() as u64);
    }
    let _ = js.delete_key_value("BKVN").await;
    p50(&latencies)
}

async fn async_nats_ops(
    js: &async_nats::jetstream::Context,
    setup: &natskit::jetstream::Context,
    count: u64,
    op: Op,
) -> f64 {
    fresh_bucket(setup, "BKVA").await;
    let kv = js.get_key_value("BKVA").await.expect("bucket");
    kv.put("key", Bytes::from_static(VALUE)).await.expect("put");
    let mut latencies = histogram();
    crate::js_bench::timing_starts();
    for _ in 0..count {
        let start = Instant::now();
        match op {
            Op::Put => drop(kv.put("key", Bytes::from_static(VALUE)).await.expect("put")),
            Op::Get => drop(kv.get("key").await.expect("get").expect("a value")),
        }
        let _ = latencies.record(start.elapsed().as_nanos() as u64);
    }
    let _ = setup.delete_key_value("BKVA").await;
    p50(&latencies)
}

async fn natskit_watch(js: &natskit::jetstream::Context, count: u64) -> f64 {
    filled_bucket(js, "BWN", count).await;
    let kv = js.key_value("BWN").await.expect("bucket");
    crate::js_bench::timing_starts();
    let start = Instant::now();
    let mut watch = kv.watch_all().await.expect("watch");
    let mut seen = 0;
    while seen < count {
        match watch.next().await.expect("open").expect("event") {
            natskit::jetstream::kv::WatchEvent::Entry(_) => seen += 1,
            natskit::jetstream::kv::WatchEvent::EndOfInitial => {}
        }
    }
    let rate = report::rate(count, start.elapsed());
    drop(watch);
    let _ = js.delete_key_value("BWN").await;
    rate
}

async fn async_nats_watch(
    js: &async_nats::jetstream::Context,
    setup: &natskit::jetstream::Context,
    count: u64,
) -> f64 {
    filled_bucket(setup, "BWA", count).await;
    let kv = js.get_key_value("BWA").await.expect("bucket");
    crate::js_bench::timing_starts();
    let start = Instant::now();
    // The latest value of each key, as natskit's default watch.
    let mut watch = kv.watch_with_history(">").await.expect("watch");
    for _ in 0..count {
        watch.next().await.expect("open").expect("entry");
    }
    let rate = report::rate(count, start.elapsed());
    drop(watch);
    let _ = setup.delete_key_value("BWA").await;
    rate
}
