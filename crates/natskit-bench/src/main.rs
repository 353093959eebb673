//! natskit-bench: natskit, async-nats, nats.c and nats.go side by side against the same
//! nats-server, with a raw socket as the ceiling, in one run, rounds interleaved. Prints medians
//! of several runs and natskit's ratio to the best other client.
//!
//! ```text
//! cargo run --release -p natskit-bench -- [--runs 3] [--quick] [--only publish,pubsub,request,concurrent] [--server URL]
//! ```
//!
//! Without `--server`, a nats-server is started on a free loopback port and stopped at the end.
//! `--server-cpu N` pins it (in `--brokers` each broker, in `--jetstream`, `--kv` and `--obj` their
//! nats-server) to CPU N: see
//! `procfs::pin_server` for why.
//!
//! `--cli` puts `natskit bench` (the command line tool, built with `cargo build --release -p
//! natskit-cli`) beside natskit-bench's own natskit and async-nats figures, same scenarios, same
//! server, run after run (see `cli.rs`):
//!
//! ```text
//! cargo run --release -p natskit-bench -- --cli [--runs 5] [--quick] [--only publish,pubsub,request] [--server URL]
//! ```
//!
//! `--brokers` compares brokers instead: the embedded broker (`natskit server`, built with
//! `cargo build --release -p natskit-cli`) against nats-server, both as their own processes,
//! with natskit as the client (see `brokers.rs`):
//!
//! ```text
//! cargo run --release -p natskit-bench -- --brokers [--runs 3] [--quick] [--only publish,pubsub,request,memory,ws,js]
//! ```
//!
//! `--jetstream` compares the two clients' JetStream against nats-server 2.10 `-js` with file
//! storage (see `jetstream.rs`):
//!
//! ```text
//! cargo run --release -p natskit-bench -- --jetstream [--runs 5] [--quick] [--only sync,async,pull,ordered]
//! ```
//!
//! `--kv` compares their key-value stores the same way (see `kv.rs`):
//!
//! ```text
//! cargo run --release -p natskit-bench -- --kv [--runs 5] [--quick] [--only put,get,watch]
//! ```
//!
//! `--obj` puts and gets one 64 MiB object through each client's object store:
//!
//! ```text
//! cargo run --release -p natskit-bench -- --obj [--runs 5] [--quick]
//! ```
//!
//! `--reconnect` stops nats-server for a second under natskit and async-nats clients and
//! measures how soon each is back, then does the same to 1,000 clients of each (see
//! `reconnect.rs`):
//!
//! ```text
//! cargo run --release -p natskit-bench -- --reconnect [--runs 5] [--quick]
//! ```
//!
//! # Layout
//! - `contenders`, `scenarios`, `raw`: the clients, the scenarios, the raw-socket ceiling;
//!   `raw_js`: the same ceiling for the JetStream and KV scenarios.
//! - `foreign`: the nats.c and nats.go contenders, programs of ours built by the bench (`cc`
//!   against Debian's libnats-dev, `go` against Debian's nats.go source) and run per scenario.
//! - `cli`: the `--cli` mode, `natskit bench` beside the scenarios above.
//! - `brokers`: the `--brokers` mode; `broker_process`: starting and stopping each broker;
//!   `memory`: the 10,000-connection memory scenario; `procfs`: RSS and CPU time from /proc.
//! - `jetstream`: the `--jetstream` mode; `kv`: the `--kv` mode; `object`: the `--obj` mode; `js_bench`: the server,
//!   runtime and side-by-side measurement they share.
//! - `reconnect`: the `--reconnect` mode.
//! - `report`: medians and tables.

mod broker_process;
mod brokers;
mod cli;
mod contenders;
mod foreign;
mod jetstream;
mod js_bench;
mod js_brokers;
mod kv;
mod memory;
mod object;
mod procfs;
mod raw;
mod raw_js;
mod reconnect;
mod report;
mod scenarios;

use procfs::{CpuMeter, IoMeter};
use report::{median, Figure};
use scenarios::Room;

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
    brokers: bool,
    cli: bool,
    jetstream: bool,
    kv: bool,
    obj: bool,
    reconnect: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        runs: 3,
        quick: false,
        only: Vec::new(),
        server: None,
        brokers: false,
        cli: false,
        jetstream: false,
        kv: false,
        obj: false,
        reconnect: false,
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
            "--brokers" => args.brokers = true,
            "--cli" => args.cli = true,
            "--jetstream" => args.jetstream = true,
            "--kv" => args.kv = true,
            "--obj" => args.obj = true,
            "--reconnect" => args.reconnect = true,
            "--only" => {
                args.only = it
                    .next()
                    .ok_or("--only takes a list")?
                    .split(',')
                    .map(str::to_owned)
                    .collect()
            }
            "--server" => args.server = Some(it.next().ok_or("--server takes a URL")?),
            "--server-cpu" => procfs::set_server_cpu(
                it.next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--server-cpu takes a CPU number")?,
            ),
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
    if args.brokers {
        if let Err(e) = brokers::run(args.runs, args.quick, &args.only) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.reconnect {
        if let Err(e) = reconnect::run(args.runs, args.quick) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.obj {
        if let Err(e) = object::run(args.runs, args.quick) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.kv {
        let wants = |name: &str| args.only.is_empty() || args.only.iter().any(|o| o == name);
        if let Err(e) = kv::run(args.runs, args.quick, wants) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    if args.jetstream {
        let wants = |name: &str| args.only.is_empty() || args.only.iter().any(|o| o == name);
        if let Err(e) = jetstream::run(args.runs, args.quick, wants) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }
    let server = match &args.server {
        Some(_) => None,
        None => match natskit_test::NatsServer::start() {
            Ok(server) => {
                if let Err(e) = server.pid().map_or(Ok(()), procfs::pin_server) {
                    eprintln!("error: {e}");
                    std::process::exit(1);
                }
                Some(server)
            }
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
    if args.cli {
        let counts = cli::Counts {
            publish: counts.publish,
            pubsub: counts.pubsub,
            requests: counts.sequential,
        };
        if let Err(e) = cli::run(&runtime, &url, args.runs, &counts, wants) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        return;
    }

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
    // CPU use of the server and of this process during each measurement, to see which side
    // limits a figure.
    let (pids, names) = match server.as_ref().and_then(|s| s.pid()) {
        Some(pid) => (vec![pid, std::process::id()], vec!["nats-server", "bench"]),
        None => (vec![std::process::id()], vec!["bench"]),
    };
    let meter = || CpuMeter::start(&pids);
    // The nats.c and nats.go programs run as their own processes: only the server is metered.
    let server_pid: Vec<u32> = server.as_ref().and_then(|s| s.pid()).into_iter().collect();
    let server_meter = || CpuMeter::start(&server_pid);
    // The server's read calls during a publish run: how many messages each of its reads took,
    // which is how a client's write sizes show in the server's work.
    let server_reads = || IoMeter::start(&server_pid);
    let per_read = |io: &IoMeter, count: u64| match io.calls().first() {
        Some(&(reads, _)) => format!(
            ", {:.0} msgs/server read",
            count as f64 / reads.max(1) as f64
        ),
        None => String::new(),
    };
    let programs = foreign::Program::build_all();
    // Runs `scenario` with each program; `record` keeps its figures and says them for the run's line.
    // A failed run is said and left out.
    let run_foreign = |scenario: foreign::Scenario,
                       count: u64,
                       line: &mut String,
                       record: &mut dyn FnMut(
        foreign::Kind,
        &foreign::Figures,
    ) -> Result<String, String>| {
        for program in &programs {
            let (cpu, io) = (server_meter(), server_reads());
            let result = program.run(scenario, &url, count).and_then(|figures| {
                let shown = record(program.kind, &figures)?;
                // The program's own CPU use, which it measures while timed.
                let own = figures.get("cpu_pct").map_or(String::new(), |pct| {
                    format!(", {} {pct:.0}%", program.kind.name())
                });
                Ok((shown, own))
            });
            match result {
                Ok((shown, own)) => {
                    let reads = match scenario {
                        foreign::Scenario::Publish => per_read(&io, count),
                        _ => String::new(),
                    };
                    line.push_str(&format!(
                        "  {} {shown} ({}{own}{reads})",
                        program.kind.name(),
                        cpu.summary(&["nats-server"])
                    ))
                }
                Err(e) => println!("  {e}"),
            }
        }
    };
    for run in 1..=args.runs {
        println!("run {run}:");
        runtime.block_on(async {
            if wants("publish") {
                let (cpu, io) = (meter(), server_reads());
                let d = raw::publish(&addr, counts.publish).expect("raw publish");
                publish.raw.push(report::rate(counts.publish, d));
                let raw_cpu = cpu.summary(&names) + &per_read(&io, counts.publish);
                let (cpu, io) = (meter(), server_reads());
                publish.natskit.push(scenarios::publish::<natskit::Client>(&url, counts.publish).await);
                let natskit_cpu = cpu.summary(&names) + &per_read(&io, counts.publish);
                let (cpu, io) = (meter(), server_reads());
                publish.async_nats.push(scenarios::publish::<async_nats::Client>(&url, counts.publish).await);
                let async_cpu = cpu.summary(&names) + &per_read(&io, counts.publish);
                let mut line = String::new();
                run_foreign(foreign::Scenario::Publish, counts.publish, &mut line, &mut |kind, figures| {
                    let rate = figures.get("rate")?;
                    publish.foreign(kind).push(rate);
                    Ok(format!("{rate:>10.0}"))
                });
                println!("  publish        natskit {:>10.0} ({natskit_cpu})  async-nats {:>10.0} ({async_cpu}){line}  raw {:>10.0} ({raw_cpu}) msgs/s", last(&publish.natskit), last(&publish.async_nats), last(&publish.raw));
            }
            if wants("pubsub") {
                let cpu = meter();
                let n = scenarios::pubsub::<natskit::Client>(&url, counts.pubsub, 1, Room::Default).await;
                let natskit_cpu = cpu.summary(&names);
                let cpu = meter();
                let a = scenarios::pubsub::<async_nats::Client>(&url, counts.pubsub, 1, Room::Default).await;
                let async_cpu = cpu.summary(&names);
                pubsub.natskit.push(n.rate);
                pubsub.async_nats.push(a.rate);
                lost.natskit.push(n.lost as f64);
                lost.async_nats.push(a.lost as f64);
                let mut line = String::new();
                run_foreign(foreign::Scenario::PubSub, counts.pubsub, &mut line, &mut |kind, figures| {
                    let (rate, missing) = (figures.get("rate")?, figures.get("lost")?);
                    pubsub.foreign(kind).push(rate);
                    lost.foreign(kind).push(missing);
                    Ok(format!("{rate:>10.0} (lost {missing})"))
                });
                println!("  pub/sub        natskit {:>10.0} (lost {}; {natskit_cpu})  async-nats {:>10.0} (lost {}; {async_cpu}){line} msgs/s", n.rate, n.lost, a.rate, a.lost);
            }
            if wants("request") {
                let cpu = meter();
                let responder = raw::spawn_responder(&addr, "bench.rawreq", counts.sequential).expect("raw responder");
                let raw_latencies = raw::sequential_requests(&addr, "bench.rawreq", counts.sequential).expect("raw requests");
                let _ = responder.join();
                let raw_cpu = cpu.summary(&names);
                let (raw50, raw99) = percentiles(raw_latencies);
                p50.raw.push(raw50);
                p99.raw.push(raw99);
                let cpu = meter();
                let (n50, n99) = scenarios::sequential_requests::<natskit::Client>(&url, counts.sequential).await;
                let natskit_cpu = cpu.summary(&names);
                let cpu = meter();
                let (a50, a99) = scenarios::sequential_requests::<async_nats::Client>(&url, counts.sequential).await;
                let async_cpu = cpu.summary(&names);
                p50.natskit.push(n50);
                p99.natskit.push(n99);
                p50.async_nats.push(a50);
                p99.async_nats.push(a99);
                let mut line = String::new();
                run_foreign(foreign::Scenario::Request, counts.sequential, &mut line, &mut |kind, figures| {
                    let (f50, f99) = (figures.get("p50_us")?, figures.get("p99_us")?);
                    p50.foreign(kind).push(f50);
                    p99.foreign(kind).push(f99);
                    Ok(format!("{f50:.1}/{f99:.1}"))
                });
                println!("  requests p50/p99 us  natskit {n50:.1}/{n99:.1} ({natskit_cpu})  async-nats {a50:.1}/{a99:.1} ({async_cpu}){line}  raw {raw50:.1}/{raw99:.1} ({raw_cpu})");
            }
            if wants("concurrent") {
                let cpu = meter();
                let n = scenarios::concurrent_requests::<natskit::Client>(&url, 64, counts.concurrent).await;
                let natskit_cpu = cpu.summary(&names);
                let cpu = meter();
                let a = scenarios::concurrent_requests::<async_nats::Client>(&url, 64, counts.concurrent).await;
                let async_cpu = cpu.summary(&names);
                concurrent.natskit.push(n);
                concurrent.async_nats.push(a);
                let mut line = String::new();
                run_foreign(foreign::Scenario::Concurrent { requesters: 64 }, counts.concurrent, &mut line, &mut |kind, figures| {
                    let rate = figures.get("rate")?;
                    concurrent.foreign(kind).push(rate);
                    Ok(format!("{rate:>10.0}"))
                });
                println!("  64 requesters  natskit {n:>10.0} ({natskit_cpu})  async-nats {a:>10.0} ({async_cpu}){line} req/s");
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
