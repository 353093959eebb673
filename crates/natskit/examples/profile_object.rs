//! natskit's object store get alone in a process, for a profiler (perf, callgrind) to count:
//! one object put once, then got back `GETS` times into memory. Needs a nats-server with
//! JetStream (`nats-server -js`). Not a benchmark (`natskit-bench --obj` is): it prints its
//! figure only to show the run was whole.
//!
//! ```text
//! cargo build --release -p natskit --example profile_object
//! perf stat -e page-faults target/release/examples/profile_object nats://127.0.0.1:4222 64 5
//! ```

use std::time::Instant;

use bytes::Bytes;
use natskit::jetstream::object::ObjectStoreConfig;

mod support;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(mib), Some(gets)) = (
        args.get(1),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
        args.get(3).and_then(|n| n.parse::<u32>().ok()),
    ) else {
        eprintln!("usage: profile_object URL MIB GETS");
        std::process::exit(2);
    };
    let runtime = support::bench_runtime();
    let shown = runtime.block_on(gets_of(url.clone(), mib << 20, gets));
    println!("{shown}");
}

/// Puts one object of `size` bytes, then gets it `gets` times.
async fn gets_of(url: String, size: usize, gets: u32) -> String {
    let client = natskit::connect(&url).await.expect("connect");
    let js = natskit::jetstream::new(client);
    let _ = js.delete_object_store("PROFILE_OBJ").await;
    let store = js
        .create_object_store(ObjectStoreConfig::new("PROFILE_OBJ"))
        .await
        .expect("create the bucket");
    let data = Bytes::from((0..size).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    store.put_bytes("blob", data).await.expect("put");
    let started = Instant::now();
    let mut each = Vec::with_capacity(gets as usize);
    for _ in 0..gets {
        let get_started = Instant::now();
        let got = store.get_bytes("blob").await.expect("get");
        assert_eq!(got.len(), size);
        each.push(format!(
            "{:.0}",
            size as f64 / get_started.elapsed().as_secs_f64() / 1e6
        ));
    }
    let mb_per_s = (size as f64 * f64::from(gets)) / started.elapsed().as_secs_f64() / 1e6;
    let _ = js.delete_object_store("PROFILE_OBJ").await;
    format!(
        "{gets} gets of {} MiB: {mb_per_s:.0} MB/s (each: {})",
        size >> 20,
        each.join(" ")
    )
}
