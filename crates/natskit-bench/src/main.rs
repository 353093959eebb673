//! natskit-bench: natskit and async-nats side by side against the same nats-server, with a raw
//! socket as the ceiling, in one run. Prints medians of several runs and the ratios.
//!
//! ```text
//! cargo run --release -p natskit-bench -- [--runs 3] [--quick] [--only publish,pubsub,request,concurrent] [--server URL]
//! ```
//!
//! Without `--server`, a nats-server is started on a free loopback port and stopped at the end.

mod contenders;
mod raw;
mod report;
mod scenarios;

use report::{median, Figure};

/// Message counts of the issue (`--quick` divides them by 10).
struct Counts {
    publish: u64,
    pubsub: u64,
    sequential: u64,
    concurrent: u64,
}

struct Args {
    runs: usize,
    quick: bool,
    only: Vec<String>,
    server: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        runs: 3,
        quick: false,
        only: Vec::new(),
        server: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => {
                args.runs = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--runs takes a number")?
            }
            "--quick" => args.quick = true,
            "--only" => {
                args.only = it
                    .next()
                    .ok_or("--only takes a list")?
                    .split(',')
                    .map(str::to_owned)
                    .collect()
            }
            "--server" => args.server = Some(it.next().ok_or("--server takes a URL")?),
            // cargo bench passes --bench; ignore it.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let server = match &args.server {
        Some(_) => None,
        None => match natskit_test::NatsServer::start() {
            Ok(server) => Some(server),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        },
    };
    let url = args
        .server
        .clone()
        .unwrap_or_else(|| server.as_ref().map(|s| s.url()).unwrap_or_default());
    let addr = url.trim_start_matches("nats://").to_owned();
    let scale = if args.quick { 10 } else { 1 };
    let counts = Counts {
        publish: 2_000_000 / scale,
        pubsub: 1_000_000 / scale,
        sequential: 20_000 / scale,
        concurrent: 100_000 / scale,
    };
    let wants = |name: &str| args.only.is_empty() || args.only.iter().any(|o| o == name);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");

    let mut publish = Figure::new("publish 16 B", "msgs/s");
    let mut pubsub = Figure::new("pub/sub 16 B", "msgs/s");
    let mut lost = Figure::new("pub/sub messages lost", "msgs");
    let mut p50 = Figure::new("sequential request p50", "us");
    let mut p99 = Figure::new("sequential request p99", "us");
    let mut concurrent = Figure::new("64 requesters, 2 queue responders", "req/s");

    println!(
        "server {url}; {} run(s){}",
        args.runs,
        if args.quick {
            " (quick: counts / 10)"
        } else {
            ""
        }
    );
    for run in 1..=args.runs {
        println!("run {run}:");
        runtime.block_on(async {
            if wants("publish") {
                let d = raw::publish(&addr, counts.publish).expect("raw publish");
                publish.raw.push(report::rate(counts.publish, d));
                publish.natskit.push(scenarios::publish::<natskit::Client>(&url, counts.publish).await);
                publish.async_nats.push(scenarios::publish::<async_nats::Client>(&url, counts.publish).await);
                println!("  publish        natskit {:>10.0}  async-nats {:>10.0}  raw {:>10.0} msgs/s", last(&publish.natskit), last(&publish.async_nats), last(&publish.raw));
            }
            if wants("pubsub") {
                let n = scenarios::pubsub::<natskit::Client>(&url, counts.pubsub).await;
                let a = scenarios::pubsub::<async_nats::Client>(&url, counts.pubsub).await;
                pubsub.natskit.push(n.rate);
                pubsub.async_nats.push(a.rate);
                lost.natskit.push(n.lost as f64);
                lost.async_nats.push(a.lost as f64);
                println!("  pub/sub        natskit {:>10.0} (lost {})  async-nats {:>10.0} (lost {}) msgs/s", n.rate, n.lost, a.rate, a.lost);
            }
            if wants("request") {
                let responder = raw::spawn_responder(addr.clone(), "bench.rawreq", counts.sequential);
                let raw_latencies = raw::sequential_requests(&addr, "bench.rawreq", counts.sequential).expect("raw requests");
                let _ = responder.join();
                let (raw50, raw99) = percentiles(raw_latencies);
                p50.raw.push(raw50);
                p99.raw.push(raw99);
                let (n50, n99) = scenarios::sequential_requests::<natskit::Client>(&url, counts.sequential).await;
                let (a50, a99) = scenarios::sequential_requests::<async_nats::Client>(&url, counts.sequential).await;
                p50.natskit.push(n50);
                p99.natskit.push(n99);
                p50.async_nats.push(a50);
                p99.async_nats.push(a99);
                println!("  requests p50/p99 us  natskit {n50:.1}/{n99:.1}  async-nats {a50:.1}/{a99:.1}  raw {raw50:.1}/{raw99:.1}");
            }
            if wants("concurrent") {
                let n = scenarios::concurrent_requests::<natskit::Client>(&url, 64, counts.concurrent).await;
                let a = scenarios::concurrent_requests::<async_nats::Client>(&url, 64, counts.concurrent).await;
                concurrent.natskit.push(n);
                concurrent.async_nats.push(a);
                println!("  64 requesters  natskit {n:>10.0}  async-nats {a:>10.0} req/s");
            }
        });
    }
    let figures: Vec<Figure> = [publish, pubsub, lost, p50, p99, concurrent]
        .into_iter()
        .filter(|f| !f.natskit.is_empty())
        .collect();
    report::print_table(&figures, args.runs);
    if let Some(f) = figures.iter().find(|f| f.name == "publish 16 B") {
        println!(
            "\npublish: natskit at {:.2}x of the raw-socket ceiling",
            median(&f.natskit) / median(&f.raw)
        );
    }
    drop(runtime);
    drop(server);
}

fn last(values: &[f64]) -> f64 {
    values.last().copied().unwrap_or(f64::NAN)
}

fn percentiles(mut latencies: Vec<f64>) -> (f64, f64) {
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99))
}
