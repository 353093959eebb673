//! `--brokers --only js`: JetStream in the embedded broker (`natskit server --jetstream`)
//! beside nats-server 2.10 `-js`, both with file storage in a fresh store directory, the same
//! natskit client, in the same run: synchronous publish p50, asynchronous publish (window
//! 4,000), pull consume with acks, KV get p50 (direct get), and the broker's RSS holding 100
//! streams of 10,000 messages (minus its RSS with JetStream idle). 128 B messages.

use std::time::Instant;

use bytes::Bytes;
use hdrhistogram::Histogram;

use crate::broker_process::{Broker, Kind};
use crate::jetstream::{filled_stream, natskit_async, natskit_pull, natskit_sync, WINDOW};
use crate::procfs::rss_kib;
use crate::report::{Better, Comparison};

/// Sizes of the JetStream rows (`--quick` divides them by 10).
pub struct JsSizes {
    sync_publish: u64,
    async_publish: u64,
    consume: u64,
    kv_gets: u64,
    streams: u64,
    per_stream: u64,
}

impl JsSizes {
    /// The sizes, or a tenth with `quick`.
    pub fn new(quick: bool) -> Self {
        let scale = if quick { 10 } else { 1 };
        JsSizes {
            sync_publish: 5_000 / scale,
            async_publish: 100_000 / scale,
            consume: 100_000 / scale,
            kv_gets: 5_000 / scale,
            streams: 100,
            per_stream: 10_000 / scale,
        }
    }
}

/// The JetStream rows.
pub struct JsRows {
    sync_p50: Comparison,
    async_rate: Comparison,
    pull_rate: Comparison,
    kv_p50: Comparison,
    rss: Comparison,
}

impl JsRows {
    pub fn new() -> Self {
        use Better::{Higher, Lower};
        JsRows {
            sync_p50: Comparison::new("JetStream sync publish p50 (file)", "us", Lower),
            async_rate: Comparison::new(
                "JetStream async publish (file, window 4000)",
                "msgs/s",
                Higher,
            ),
            pull_rate: Comparison::new("JetStream pull consume with ack (file)", "msgs/s", Higher),
            kv_p50: Comparison::new("KV get p50 (direct get)", "us", Lower),
            rss: Comparison::new("RSS added by 100 streams x 10,000 msgs", "MiB", Lower),
        }
    }

    pub fn all(self) -> Vec<Comparison> {
        vec![
            self.sync_p50,
            self.async_rate,
            self.pull_rate,
            self.kv_p50,
            self.rss,
        ]
    }
}

fn push(row: &mut Comparison, kind: Kind, value: f64) {
    match kind {
        Kind::Embedded => row.embedded.push(value),
        Kind::NatsServer => row.nats.push(value),
    }
}

/// Measures every JetStream row on `broker` (started with JetStream).
pub async fn measure(
    broker: &Broker,
    kind: Kind,
    sizes: &JsSizes,
    rows: &mut JsRows,
) -> Result<(), String> {
    let name = kind.name();
    let client = natskit::connect(&broker.url())
        .await
        .map_err(|e| e.to_string())?;
    let js = natskit::jetstream::new(client.clone()).with_max_publishes_in_flight(WINDOW);
    let idle = rss_kib(broker.pid()).map_err(|e| e.to_string())?;

    let p50 = natskit_sync(&js, sizes.sync_publish).await;
    push(&mut rows.sync_p50, kind, p50);
    let rate = natskit_async(&js, sizes.async_publish).await;
    push(&mut rows.async_rate, kind, rate);
    let pulled = natskit_pull(&js, sizes.consume).await;
    push(&mut rows.pull_rate, kind, pulled);
    let kv = kv_get_p50(&js, sizes.kv_gets).await;
    push(&mut rows.kv_p50, kind, kv);
    println!(
        "  {name:<11}  js: sync p50 {p50:.1} us, async {:.0} msgs/s, pull+ack {:.0} msgs/s, kv get p50 {kv:.1} us",
        rate, pulled
    );
    for i in 0..sizes.streams {
        filled_stream(&js, &format!("RSS{i}"), sizes.per_stream).await;
    }
    let held = rss_kib(broker.pid()).map_err(|e| e.to_string())?;
    let added = held.saturating_sub(idle) as f64 / 1024.0;
    push(&mut rows.rss, kind, added);
    println!(
        "  {name:<11}  js: {} streams x {} msgs: RSS {:.1} MiB (+{added:.1} MiB)",
        sizes.streams,
        sizes.per_stream,
        held as f64 / 1024.0
    );
    for i in 0..sizes.streams {
        let _ = js.delete_stream(&format!("RSS{i}")).await;
    }
    client.close().await.map_err(|e| e.to_string())
}

/// p50 of `count` KV gets of one key, in microseconds.
async fn kv_get_p50(js: &natskit::jetstream::Context, count: u64) -> f64 {
    let kv = js
        .create_key_value(natskit::jetstream::kv::KvConfig::new("BENCHKV"))
        .await
        .expect("bucket");
    kv.put("key", Bytes::from_static(&[b'v'; 128]))
        .await
        .expect("put");
    let mut latencies = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("bounds");
    for _ in 0..count {
        let start = Instant::now();
        let value = kv.get("key").await.expect("get");
        assert!(value.is_some(), "the key is there");
        let _ = latencies.record(start.elapsed().as_nanos() as u64);
    }
    let _ = js.delete_key_value("BENCHKV").await;
    latencies.value_at_quantile(0.5) as f64 / 1000.0
}
