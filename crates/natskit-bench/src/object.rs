//! The `--obj` mode: natskit's object store beside async-nats's against one nats-server 2.10
//! `-js` with file storage, run after run: one 64 MiB object put (from memory), then got back
//! (into memory), in MB/s. Each contender gets its own bucket, made and deleted through
//! natskit; both use their default chunk size (128 KiB). The gets take turns going first
//! (natskit in odd runs, async-nats in even ones): the first get after the puts is the slower.

use std::time::Instant;

use bytes::Bytes;
use tokio::io::AsyncReadExt;

use crate::js_bench::JsBench;
use crate::report::{self, Figure};

const MIB: usize = 1024 * 1024;

/// Runs the object scenarios `runs` times, printing each run and the medians.
pub fn run(runs: usize, quick: bool) -> Result<(), String> {
    let bench = JsBench::start()?;
    let size = if quick { 8 * MIB } else { 64 * MIB };
    // Not all one byte, so nothing along the way can make it smaller.
    let data = Bytes::from((0..size).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    let mut put = Figure::new("object put", "MB/s");
    let mut get = Figure::new("object get", "MB/s");
    let url = &bench.url;
    println!(
        "nats-server 2.10 -js (file storage) at {url}; {runs} run(s), one object of {} MiB",
        size / MIB
    );
    for run in 1..=runs {
        println!("run {run}:");
        bench.runtime.block_on(async {
            let n = natskit::connect(url).await.map_err(|e| e.to_string())?;
            let a = async_nats::connect(url).await.map_err(|e| e.to_string())?;
            let njs = natskit::jetstream::new(n.clone());
            let ajs = async_nats::jetstream::new(a.clone());
            fresh_bucket(&njs, "BOBJN").await;
            fresh_bucket(&njs, "BOBJA").await;
            let theirs = ajs
                .get_object_store("BOBJA")
                .await
                .map_err(|e| e.to_string())?;
            let ours = njs.object_store("BOBJN").await.map_err(|e| e.to_string())?;
            let nf = async {
                let start = Instant::now();
                ours.put_bytes("blob", data.clone()).await.expect("put");
                mb_per_s(size, start)
            };
            let af = async {
                let start = Instant::now();
                theirs.put("blob", &mut data.as_ref()).await.expect("put");
                mb_per_s(size, start)
            };
            bench.side_by_side(&mut put, "object put", nf, af).await;
            let nf = async {
                let start = Instant::now();
                let got = ours.get_bytes("blob").await.expect("get");
                assert_eq!(got.len(), size);
                mb_per_s(size, start)
            };
            let af = async {
                let start = Instant::now();
                let mut object = theirs.get("blob").await.expect("get");
                let mut got = Vec::with_capacity(size);
                object.read_to_end(&mut got).await.expect("read");
                assert_eq!(got.len(), size);
                mb_per_s(size, start)
            };
            // Whichever get comes first, right after the puts, is slower (the server is still
            // busy with them): the order alternates run by run.
            let natskit_first = run % 2 == 1;
            bench
                .side_by_side_in_order(&mut get, "object get", nf, af, natskit_first)
                .await;
            for bucket in ["BOBJN", "BOBJA"] {
                let _ = njs.delete_object_store(bucket).await;
            }
            n.close().await.map_err(|e| e.to_string())?;
            a.drain().await.map_err(|e| e.to_string())?;
            Ok::<(), String>(())
        })?;
    }
    report::print_table(&[put, get], runs);
    bench.stop()
}

fn mb_per_s(size: usize, start: Instant) -> f64 {
    size as f64 / 1e6 / start.elapsed().as_secs_f64()
}

async fn fresh_bucket(js: &natskit::jetstream::Context, name: &str) {
    let _ = js.delete_object_store(name).await;
    js.create_object_store(natskit::jetstream::object::ObjectStoreConfig::new(name))
        .await
        .expect("create the bucket");
}
