//! `--brokers`: the embedded broker (natskit-server, run as `natskit server`) against
//! nats-server, in one run, with the same client (natskit) and on the same cores. Both brokers
//! run as their own processes on loopback, so both pay the same socket costs; each run starts
//! fresh ones, and the order alternates between runs so neither always goes first.
//!
//! - publish: 2,000,000 x 16 B from one client, timed until a flush round trip returns.
//! - pub/sub: 1,000,000 x 16 B to 1 and to 4 subscriber connections; the rate is what each
//!   subscriber received per second (all received / subscribers / time from the first publish
//!   to the last message at the last subscriber); the subscribers' client holds every message
//!   unread if need be, so only the broker can lose any (lost = published x subscribers -
//!   received).
//! - requests: 20,000 sequential requests to a natskit responder, p50 and p99.
//! - memory: the broker's RSS holding 10,000 connections x 10 subscriptions, minus its RSS at
//!   idle start (a fresh process, see `memory.rs`).
//! - ws: pub/sub to 1 subscriber and the request p50 as above, over `ws://` and over `nats://`
//!   to the same broker, started with a WebSocket listener (nats-server 2.10, whose WebSocket
//!   listener 2.9 also has, but the issue measures 2.10). A broker without a WebSocket
//!   listener is left out of these rows.
//!
//! Each line also gives the CPU use of the broker process and of this benchmark (the client
//! side) during the scenario, to see which side was the bottleneck.

use crate::broker_process::{natskit_binary, Broker, Kind};
use crate::memory;
use crate::procfs::{CpuMeter, IoMeter};
use crate::report::{self, median, Better, Comparison};
use crate::scenarios::{self, Room};

/// Sizes of the issue (`--quick` divides them by 10).
struct Sizes {
    publish: u64,
    pubsub: u64,
    requests: u64,
    conns: usize,
    subs_each: usize,
}

/// Every figure of the comparison.
struct Rows {
    publish: Comparison,
    pubsub1: Comparison,
    lost1: Comparison,
    pubsub4: Comparison,
    lost4: Comparison,
    p50: Comparison,
    p99: Comparison,
    idle: Comparison,
    added: Comparison,
    tcp_pubsub: Comparison,
    ws_pubsub: Comparison,
    tcp_p50: Comparison,
    ws_p50: Comparison,
}

impl Rows {
    fn new() -> Self {
        use Better::{Higher, Lower};
        Rows {
            publish: Comparison::new("publish 16 B (ingest)", "msgs/s", Higher),
            pubsub1: Comparison::new("pub/sub 16 B, 1 subscriber", "msgs/s", Higher),
            lost1: Comparison::new("  lost (1 subscriber)", "msgs", Lower),
            pubsub4: Comparison::new(
                "pub/sub 16 B, 4 subscribers (per subscriber)",
                "msgs/s",
                Higher,
            ),
            lost4: Comparison::new("  lost (4 subscribers, all copies)", "msgs", Lower),
            p50: Comparison::new("sequential request p50", "us", Lower),
            p99: Comparison::new("sequential request p99", "us", Lower),
            idle: Comparison::new("broker RSS at idle", "MiB", Lower),
            added: Comparison::new("RSS added by the connections and subs", "MiB", Lower),
            tcp_pubsub: Comparison::new("ws broker: pub/sub 16 B x1, nats://", "msgs/s", Higher),
            ws_pubsub: Comparison::new("ws broker: pub/sub 16 B x1, ws://", "msgs/s", Higher),
            tcp_p50: Comparison::new("ws broker: request p50, nats://", "us", Lower),
            ws_p50: Comparison::new("ws broker: request p50, ws://", "us", Lower),
        }
    }

    fn all(self) -> Vec<Comparison> {
        [
            self.publish,
            self.pubsub1,
            self.lost1,
            self.pubsub4,
            self.lost4,
            self.p50,
            self.p99,
            self.idle,
            self.added,
            self.tcp_pubsub,
            self.ws_pubsub,
            self.tcp_p50,
            self.ws_p50,
        ]
        .into_iter()
        .filter(|row| !row.embedded.is_empty() || !row.nats.is_empty())
        .collect()
    }
}

fn push(row: &mut Comparison, kind: Kind, value: f64) {
    match kind {
        Kind::Embedded => row.embedded.push(value),
        Kind::NatsServer => row.nats.push(value),
    }
}

/// Runs the comparison `runs` times and prints the table. `only` picks scenarios (`publish`,
/// `pubsub`, `request`, `memory`, `ws`, `js`); empty means all.
pub fn run(runs: usize, quick: bool, only: &[String]) -> Result<(), String> {
    let natskit = natskit_binary()?;
    let scale: u64 = if quick { 10 } else { 1 };
    let sizes = Sizes {
        publish: 2_000_000 / scale,
        pubsub: 1_000_000 / scale,
        requests: 20_000 / scale,
        conns: 10_000 / scale as usize,
        subs_each: 10,
    };
    let wants = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    if wants("memory") {
        raise_open_files(sizes.conns)?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    println!(
        "embedded broker ({}) vs nats-server, natskit client; {runs} run(s){}",
        natskit.display(),
        if quick { " (quick: sizes / 10)" } else { "" }
    );
    println!("cpu = percent of one core used by the broker process / by this benchmark (client side) during the scenario");
    let mut rows = Rows::new();
    let js_sizes = crate::js_brokers::JsSizes::new(quick);
    let mut js_rows = crate::js_brokers::JsRows::new();
    for run in 1..=runs {
        println!("run {run}:");
        let order = if run % 2 == 1 {
            [Kind::NatsServer, Kind::Embedded]
        } else {
            [Kind::Embedded, Kind::NatsServer]
        };
        for kind in order {
            if wants("publish") || wants("pubsub") || wants("request") {
                let broker = Broker::start(kind, &natskit)?;
                runtime.block_on(traffic(&broker, kind, &sizes, &wants, &mut rows));
            }
            if wants("ws") {
                match Broker::start_with_websocket(kind, &natskit) {
                    Ok(broker) => runtime.block_on(websocket(&broker, kind, &sizes, &mut rows)),
                    Err(why) => println!("  {:<11}  ws: skipped: {why}", kind.name()),
                }
            }
            if wants("js") {
                let broker = Broker::start_with_jetstream(kind, &natskit)?;
                runtime.block_on(crate::js_brokers::measure(
                    &broker,
                    kind,
                    &js_sizes,
                    &mut js_rows,
                ))?;
            }
            if wants("memory") {
                let broker = Broker::start(kind, &natskit)?;
                let held = memory::held_subscriptions(
                    broker.pid(),
                    &broker.addr(),
                    sizes.conns,
                    sizes.subs_each,
                )
                .map_err(|e| format!("{} memory scenario: {e}", kind.name()))?;
                push(&mut rows.idle, kind, held.idle_kib as f64 / 1024.0);
                push(&mut rows.added, kind, held.added_mib());
                println!(
                    "  {:<11}  memory: idle {:.1} MiB, with {} conns x {} subs {:.1} MiB (+{:.1} MiB, {:.0} B per subscription)",
                    kind.name(),
                    held.idle_kib as f64 / 1024.0,
                    sizes.conns,
                    sizes.subs_each,
                    held.loaded_kib as f64 / 1024.0,
                    held.added_mib(),
                    held.added_mib() * 1024.0 * 1024.0 / (sizes.conns * sizes.subs_each) as f64
                );
            }
        }
    }
    let mut rows = rows.all();
    rows.extend(js_rows.all());
    rows.retain(|row| !row.embedded.is_empty() || !row.nats.is_empty());
    report::print_broker_table(&rows, runs);
    print_targets(&rows);
    Ok(())
}

/// The throughput and latency scenarios against one broker.
async fn traffic(
    broker: &Broker,
    kind: Kind,
    sizes: &Sizes,
    wants: &impl Fn(&str) -> bool,
    rows: &mut Rows,
) {
    let url = broker.url();
    let pids = [broker.pid(), std::process::id()];
    let name = kind.name();
    if wants("publish") {
        let cpu = CpuMeter::start(&pids);
        let rate = scenarios::publish::<natskit::Client>(&url, sizes.publish).await;
        push(&mut rows.publish, kind, rate);
        println!(
            "  {name:<11}  publish {:>7.3} M msgs/s{}",
            rate / 1e6,
            cpu_note(&cpu)
        );
    }
    if wants("pubsub") {
        for (subscribers, rate_row, lost_row) in [
            (1, &mut rows.pubsub1, &mut rows.lost1),
            (4, &mut rows.pubsub4, &mut rows.lost4),
        ] {
            let cpu = CpuMeter::start(&pids);
            let io = IoMeter::start(&pids[..1]);
            let result = scenarios::pubsub::<natskit::Client>(
                &url,
                sizes.pubsub,
                subscribers,
                Room::Everything,
            )
            .await;
            push(rate_row, kind, result.rate);
            push(lost_row, kind, result.lost as f64);
            println!(
                "  {name:<11}  pub/sub x{subscribers} {:>7.3} M msgs/s per subscriber ({:.3} M delivered/s), lost {}{}{}",
                result.rate / 1e6,
                result.rate * subscribers as f64 / 1e6,
                result.lost,
                cpu_note(&cpu),
                io_note(&io, sizes.pubsub * subscribers as u64)
            );
        }
    }
    if wants("request") {
        let cpu = CpuMeter::start(&pids);
        let (p50, p99) =
            scenarios::sequential_requests::<natskit::Client>(&url, sizes.requests).await;
        push(&mut rows.p50, kind, p50);
        push(&mut rows.p99, kind, p99);
        println!(
            "  {name:<11}  requests p50 {p50:.1} us, p99 {p99:.1} us{}",
            cpu_note(&cpu)
        );
    }
}

/// Pub/sub to one subscriber and sequential requests over `nats://` and `ws://` to the same
/// broker.
async fn websocket(broker: &Broker, kind: Kind, sizes: &Sizes, rows: &mut Rows) {
    let Some(ws_url) = broker.ws_url() else {
        return;
    };
    let pids = [broker.pid(), std::process::id()];
    let name = kind.name();
    for (scheme, url, pubsub_row, p50_row) in [
        (
            "nats://",
            broker.url(),
            &mut rows.tcp_pubsub,
            &mut rows.tcp_p50,
        ),
        ("ws://", ws_url, &mut rows.ws_pubsub, &mut rows.ws_p50),
    ] {
        let cpu = CpuMeter::start(&pids);
        let result =
            scenarios::pubsub::<natskit::Client>(&url, sizes.pubsub, 1, Room::Everything).await;
        push(pubsub_row, kind, result.rate);
        println!(
            "  {name:<11}  {scheme:<7} pub/sub x1 {:>7.3} M msgs/s, lost {}{}",
            result.rate / 1e6,
            result.lost,
            cpu_note(&cpu)
        );
        let (p50, p99) =
            scenarios::sequential_requests::<natskit::Client>(&url, sizes.requests).await;
        push(p50_row, kind, p50);
        println!("  {name:<11}  {scheme:<7} requests p50 {p50:.1} us, p99 {p99:.1} us");
    }
}

fn cpu_note(cpu: &CpuMeter) -> String {
    format!("  ({})", cpu.summary(&["broker", "bench"]))
}

/// How many of `delivered` messages the broker wrote per write call: the batching its
/// subscribers got. (`/proc` counts `write` and `writev`, which both brokers use, but not
/// `recv`, so the bench's own reads are not counted.)
fn io_note(io: &IoMeter, delivered: u64) -> String {
    match io.calls().first() {
        Some(&(_, writes)) => format!(
            "  ({:.0} msgs per broker write)",
            delivered as f64 / writes.max(1) as f64
        ),
        None => String::new(),
    }
}

/// Each held connection is a file descriptor here and in the broker (which inherits the limit):
/// raise the soft limit to the hard one.
pub(crate) fn raise_open_files(conns: usize) -> Result<(), String> {
    let limit = rlimit::increase_nofile_limit(u64::MAX)
        .map_err(|e| format!("raising the open-file limit: {e}"))?;
    let needed = conns as u64 + 1_000;
    if limit < needed {
        return Err(format!(
            "the open-file limit is {limit} (hard limit); the memory scenario needs about {needed}: raise it (ulimit -Hn) or use --quick"
        ));
    }
    Ok(())
}

/// The targets, met or not.
fn print_targets(rows: &[Comparison]) {
    println!();
    for row in rows {
        let (e, n) = (median(&row.embedded), median(&row.nats));
        if e.is_nan() || n.is_nan() || n == 0.0 {
            continue;
        }
        let ratio = e / n;
        let target = match (row.better, row.unit) {
            (Better::Higher, "msgs/s") => Some((ratio >= 1.0, "at least 1.0x nats-server")),
            _ if row.name == "sequential request p50" || row.name.contains(" p50") => {
                Some((ratio <= 1.0, "at most nats-server's p50"))
            }
            _ => None,
        };
        if let Some((met, what)) = target {
            println!(
                "target {what}: {} {:.2}x -> {}",
                row.name.trim(),
                ratio,
                if met { "met" } else { "NOT met" }
            );
        }
    }
}
