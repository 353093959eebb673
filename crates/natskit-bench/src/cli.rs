//! `--cli`: `natskit bench` (the command line tool, run as its own process with `--json`)
//! beside this benchmark's own natskit and async-nats figures for the same three scenarios, on
//! the same nats-server, one after the other in each run. The order turns from run to run, so
//! neither side always goes first on this noisy machine.
//!
//! | scenario | `natskit bench` command | natskit-bench scenario |
//! |---|---|---|
//! | publish | `pub -n 2000000 --size 16` | `publish`: 2,000,000 x 16 B, timed until a flush returns |
//! | pub/sub | `pubsub -n 1000000 --size 16` | `pubsub`: 1 publisher, 1 subscriber, 1,000,000 x 16 B |
//! | requests | `req -n 20000 --size 16` | `sequential_requests`: 20,000 requests to 1 echo responder |
//!
//! The pub/sub figure is what the subscriber received per second: `natskit bench` times it from
//! the first message to the last, natskit-bench from the first publish to the last message (a
//! difference of one delivery, well under 1 % of a run).

use std::process::Command;

use serde_json::Value;

use crate::report::{median, show, show_each};
use crate::scenarios::{self, Room};

/// Message counts of the three scenarios.
pub struct Counts {
    /// Publish.
    pub publish: u64,
    /// Pub/sub.
    pub pubsub: u64,
    /// Sequential requests.
    pub requests: u64,
}

/// One figure from the three sides, once per run.
struct Row {
    name: &'static str,
    unit: &'static str,
    cli: Vec<f64>,
    natskit: Vec<f64>,
    async_nats: Vec<f64>,
}

impl Row {
    fn new(name: &'static str, unit: &'static str) -> Self {
        Row {
            name,
            unit,
            cli: Vec::new(),
            natskit: Vec::new(),
            async_nats: Vec::new(),
        }
    }

    /// One run's figures, from `natskit bench`, natskit and async-nats.
    fn push(&mut self, cli: f64, natskit: f64, async_nats: f64) {
        self.cli.push(cli);
        self.natskit.push(natskit);
        self.async_nats.push(async_nats);
    }
}

/// Runs the comparison `runs` times against `url` and prints a table of medians.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    url: &str,
    runs: usize,
    counts: &Counts,
    wants: impl Fn(&str) -> bool,
) -> Result<(), String> {
    let natskit = crate::broker_process::natskit_binary()?;
    let cli = |args: &[String]| -> Result<Value, String> {
        let out = Command::new(&natskit)
            .arg("bench")
            .args(args)
            .args(["--json", "--server", url])
            .output()
            .map_err(|e| format!("running {}: {e}", natskit.display()))?;
        if !out.status.success() {
            return Err(format!(
                "natskit bench {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("natskit bench JSON: {e}"))
    };
    let mut publish = Row::new("publish 16 B", "msgs/s");
    let mut pubsub = Row::new("pub/sub 16 B (subscriber)", "msgs/s");
    let mut lost = Row::new("pub/sub messages lost", "msgs");
    let mut p50 = Row::new("sequential request p50", "us");
    let mut p99 = Row::new("sequential request p99", "us");
    println!(
        "natskit bench ({}) beside natskit-bench, server {url}; {runs} run(s)",
        natskit.display()
    );
    for run in 1..=runs {
        let cli_first = run % 2 == 1;
        println!(
            "run {run} ({} first):",
            if cli_first {
                "natskit bench"
            } else {
                "natskit-bench"
            }
        );
        if wants("publish") {
            let args = bench_args("pub", "bench.pub", counts.publish);
            let (figure, own) = both(
                cli_first,
                || field(&aggregate(&cli(&args)?, "pub")?, "msgs_per_sec"),
                || {
                    runtime.block_on(async {
                        (
                            scenarios::publish::<natskit::Client>(url, counts.publish).await,
                            scenarios::publish::<async_nats::Client>(url, counts.publish).await,
                        )
                    })
                },
            )?;
            println!("  publish   natskit bench {figure:>10.0}  natskit {:>10.0}  async-nats {:>10.0} msgs/s", own.0, own.1);
            publish.push(figure, own.0, own.1);
        }
        if wants("pubsub") {
            let args = bench_args("pubsub", "bench.ps", counts.pubsub);
            let ((rate, cli_lost), (n, a)) = both(
                cli_first,
                || {
                    let sub = aggregate(&cli(&args)?, "sub")?;
                    Ok((field(&sub, "msgs_per_sec")?, field(&sub, "lost")?))
                },
                || {
                    runtime.block_on(async {
                        (
                            scenarios::pubsub::<natskit::Client>(
                                url,
                                counts.pubsub,
                                1,
                                Room::Default,
                            )
                            .await,
                            scenarios::pubsub::<async_nats::Client>(
                                url,
                                counts.pubsub,
                                1,
                                Room::Default,
                            )
                            .await,
                        )
                    })
                },
            )?;
            println!("  pub/sub   natskit bench {rate:>10.0} (lost {cli_lost})  natskit {:>10.0} (lost {})  async-nats {:>10.0} (lost {}) msgs/s", n.rate, n.lost, a.rate, a.lost);
            pubsub.push(rate, n.rate, a.rate);
            lost.push(cli_lost, n.lost as f64, a.lost as f64);
        }
        if wants("request") {
            let args = bench_args("req", "bench.req", counts.requests);
            let ((c50, c99), ((n50, n99), (a50, a99))) = both(
                cli_first,
                || {
                    let req = aggregate(&cli(&args)?, "req")?;
                    let latency = req.get("latency_us").cloned().unwrap_or_default();
                    Ok((field(&latency, "p50")?, field(&latency, "p99")?))
                },
                || {
                    runtime.block_on(async {
                        (
                            scenarios::sequential_requests::<natskit::Client>(url, counts.requests)
                                .await,
                            scenarios::sequential_requests::<async_nats::Client>(
                                url,
                                counts.requests,
                            )
                            .await,
                        )
                    })
                },
            )?;
            println!("  requests p50/p99 us  natskit bench {c50:.1}/{c99:.1}  natskit {n50:.1}/{n99:.1}  async-nats {a50:.1}/{a99:.1}");
            p50.push(c50, n50, a50);
            p99.push(c99, n99, a99);
        }
    }
    let rows: Vec<Row> = [publish, pubsub, lost, p50, p99]
        .into_iter()
        .filter(|r| !r.cli.is_empty())
        .collect();
    print_table(&rows, runs);
    Ok(())
}

/// `natskit bench <mode> <subject> -n <count> --size 16`.
fn bench_args(mode: &str, subject: &str, count: u64) -> Vec<String> {
    [mode, subject, "-n", &count.to_string(), "--size", "16"]
        .map(String::from)
        .to_vec()
}

/// Runs both sides of one scenario, `natskit bench` (`cli`) first when `cli_first`, and
/// returns both figures; a failed `natskit bench` ends the comparison.
fn both<C, O>(
    cli_first: bool,
    cli: impl FnOnce() -> Result<C, String>,
    own: impl FnOnce() -> O,
) -> Result<(C, O), String> {
    if cli_first {
        let c = cli()?;
        Ok((c, own()))
    } else {
        let o = own();
        Ok((cli()?, o))
    }
}

/// The aggregate row of `role` in a `natskit bench --json` report.
fn aggregate(report: &Value, role: &str) -> Result<Value, String> {
    report["aggregate"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["role"] == role))
        .cloned()
        .ok_or_else(|| format!("no {role} aggregate in {report}"))
}

/// A number field of a JSON object.
fn field(object: &Value, name: &str) -> Result<f64, String> {
    object[name]
        .as_f64()
        .ok_or_else(|| format!("no number {name:?} in {object}"))
}

/// Medians, two ratios `natskit bench` / natskit-bench's natskit, and every run.
///
/// The ratio of the medians compares the two columns; the median of each run's ratio compares
/// the two sides run by run, back to back, so a slow or fast spell of the machine (which moves
/// both sides of a run together) cancels out.
fn print_table(rows: &[Row], runs: usize) {
    println!("\nMedians of {runs} run(s). Ratios = natskit bench / natskit-bench (natskit): 1.00x is agreement.\n");
    println!("| benchmark | natskit bench | natskit-bench: natskit | natskit-bench: async-nats | ratio of medians | median of run ratios | natskit bench runs | natskit runs |");
    println!("|---|---:|---:|---:|---:|---:|---|---|");
    for row in rows {
        let (c, n, a) = (
            median(&row.cli),
            median(&row.natskit),
            median(&row.async_nats),
        );
        let ratio = |c: f64, n: f64| {
            if n > 0.0 && c.is_finite() {
                Some(c / n)
            } else {
                None
            }
        };
        let show_ratio = |r: Option<f64>| r.map_or("-".into(), |r| format!("{r:.2}x"));
        let per_run: Vec<f64> = row
            .cli
            .iter()
            .zip(&row.natskit)
            .filter_map(|(&c, &n)| ratio(c, n))
            .collect();
        let run_ratio = (!per_run.is_empty()).then(|| median(&per_run));
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            row.name,
            show(c, row.unit),
            show(n, row.unit),
            show(a, row.unit),
            show_ratio(ratio(c, n)),
            show_ratio(run_ratio),
            show_each(&row.cli, row.unit),
            show_each(&row.natskit, row.unit)
        );
    }
}
