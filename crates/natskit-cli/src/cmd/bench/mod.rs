//! `natskit bench`: throughput and latency of publish, subscribe and request.
//!
//! ```text
//! natskit bench pub    [SUBJECT] [-c CLIENTS] [-n MSGS | -d DURATION] [--size BYTES]
//! natskit bench sub    [SUBJECT] [-c CLIENTS] [-n MSGS | -d DURATION]
//! natskit bench pubsub [SUBJECT] [-c CLIENTS] [--subs N] [-n MSGS | -d DURATION] [--size BYTES]
//! natskit bench req    [SUBJECT] [-c CLIENTS] [--responders N | --external] [-n MSGS | -d DURATION] [--size BYTES]
//!                      [--json] [--csv FILE|-]
//! ```
//!
//! Every client has its own connection. `--msgs` is shared among the senders (publishers,
//! requesters); each subscriber expects every message. What is timed, per client:
//! - publisher: first publish until a flush round trip returns (the server has every message);
//! - subscriber: first message to last; lost = messages sent (or `--msgs`) minus received;
//! - requester: first request to last answer, one request out at a time.
//!
//! Aggregates add up the clients of a role over the span from the earliest start to the
//! latest end. Latency, in an HDR histogram per client (merged for the aggregate):
//! - publisher: round trips of flushes sent one at a time (at most one a millisecond) while
//!   publishing, and the final flush: how long the server takes to take in what was queued
//!   ahead of them, so a publisher flooding the server sees tens of milliseconds;
//! - subscriber: publish to receive, from the wall-clock send time that 1 in 64 payloads of
//!   at least 8 bytes carry (see `payload`), so it works across processes on one machine;
//! - requester: every request, from sending it to its answer.
//!
//! # Layout
//! - `args`: flags and the size parser; `control`: stop signal, counters, progress bar;
//!   `session`: what a run's clients share, and connecting, spawning and collecting them.
//! - `pubsub`, `req`: the scenarios; `publish`, `receive`: one publisher, one subscriber.
//! - `payload`: payloads and their send times; `stats`: figures per client and aggregated;
//!   `report`: tables, CSV and JSON; `units`: how numbers are written.

mod args;
mod control;
mod payload;
mod publish;
mod pubsub;
mod receive;
mod report;
mod req;
mod session;
mod stats;
mod units;

use std::io::{IsTerminal, Write};
use std::time::Duration;

use bytes::Bytes;
use clap::{Args, Subcommand};
use natskit_proto::subject::{validate_publish, validate_subscribe};

use self::args::{parse_subs, Amount, LoadArgs, OutputArgs, SizeArgs, SubjectArgs};
use self::control::{Counter, Stop};
use self::report::Report;
use self::session::Session;
use crate::connect::ConnectArgs;
use crate::error::CliError;

/// Messages when `--msgs` and `--duration` are not given.
const DEFAULT_MSGS: u64 = 100_000;
/// Requests when `--msgs` and `--duration` are not given (one at a time, so fewer).
const DEFAULT_REQUESTS: u64 = 10_000;
/// How long `sub` waits after its last message before it counts the rest as lost.
const DEFAULT_IDLE: Duration = Duration::from_secs(2);
/// How long each request waits for its answer by default.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// `natskit bench --help`'s examples.
const EXAMPLES: &str = "\
Examples:
  natskit bench pub bench.data --msgs 1000000 --size 16          # publish throughput
  natskit bench pubsub bench.data --clients 2 --subs 2 --size 1KiB
  natskit bench sub bench.data --msgs 500000 &                   # a subscriber in one process,
  natskit bench pub bench.data --msgs 500000                     #   publishers in another
  natskit bench req svc.bench --clients 8 --duration 10s         # built-in responders
  natskit bench req svc.echo --external --json                   # a running service, as JSON
  natskit bench pub bench.data --clients 4 --csv results.csv     # one CSV row per client";

/// `natskit bench pub --help`'s examples.
const PUB_EXAMPLES: &str = "\
Examples:
  natskit bench pub bench.data --msgs 1000000 --size 16
  natskit bench pub bench.data --clients 4 --duration 10s --json";

/// `natskit bench sub --help`'s examples.
const SUB_EXAMPLES: &str = "\
Each subscriber waits for --msgs messages, or until --duration is over. With --msgs, once
messages stop coming it waits --timeout (default 2s) after the last one, then counts what did
not come as lost.

Examples:
  natskit bench sub bench.data --msgs 500000 &
  natskit bench pub bench.data --msgs 500000";

/// `natskit bench pubsub --help`'s examples.
const PUBSUB_EXAMPLES: &str = "\
Examples:
  natskit bench pubsub bench.data --msgs 1000000 --size 128
  natskit bench pubsub bench.data --clients 2 --subs 4 --csv -";

/// `natskit bench req --help`'s examples.
const REQ_EXAMPLES: &str = "\
Each request waits --timeout (default 5s) for its answer; a request that gets none ends the run
with an error.

Examples:
  natskit bench req svc.bench --clients 8 --responders 2 --msgs 50000
  natskit reply svc.echo --echo & natskit bench req svc.echo --external";

/// Arguments of `natskit bench`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct BenchArgs {
    /// What to measure.
    #[command(subcommand)]
    pub mode: Mode,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// The benchmarks.
#[derive(Debug, Subcommand)]
pub enum Mode {
    /// Publish as fast as the server takes it; timed until a flush round trip returns.
    #[command(name = "pub", after_help = PUB_EXAMPLES)]
    Pub(PubArgs),
    /// Count the messages on a subject (start it before the publishers); timed from the
    /// first message to the last.
    #[command(after_help = SUB_EXAMPLES)]
    Sub(SubArgs),
    /// Publishers and subscribers in one process; every subscriber should get every message.
    #[command(after_help = PUBSUB_EXAMPLES)]
    Pubsub(PubsubArgs),
    /// Requests, one at a time per client, to built-in echo responders or a running service.
    #[command(after_help = REQ_EXAMPLES)]
    Req(ReqArgs),
}

/// Arguments of `natskit bench pub`.
#[derive(Debug, Args)]
pub struct PubArgs {
    #[command(flatten)]
    subject: SubjectArgs,
    #[command(flatten)]
    load: LoadArgs,
    #[command(flatten)]
    size: SizeArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Arguments of `natskit bench sub`: `--clients` subscribers, each waiting for `--msgs`.
#[derive(Debug, Args)]
pub struct SubArgs {
    #[command(flatten)]
    subject: SubjectArgs,
    #[command(flatten)]
    load: LoadArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Arguments of `natskit bench pubsub`.
#[derive(Debug, Args)]
pub struct PubsubArgs {
    #[command(flatten)]
    subject: SubjectArgs,
    #[command(flatten)]
    load: LoadArgs,
    /// Subscribers, each on its own connection; each should get every message.
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_subs)]
    subs: usize,
    #[command(flatten)]
    size: SizeArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Arguments of `natskit bench req`.
#[derive(Debug, Args)]
pub struct ReqArgs {
    #[command(flatten)]
    subject: SubjectArgs,
    #[command(flatten)]
    load: LoadArgs,
    /// Built-in echo responders, each on its own connection, in the queue group
    /// "natskit-bench".
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_subs)]
    responders: usize,
    /// No built-in responders: send the requests to a service that is already running.
    #[arg(long, visible_alias = "no-responder", conflicts_with = "responders")]
    external: bool,
    #[command(flatten)]
    size: SizeArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Runs the benchmark and prints its results.
pub async fn run(args: BenchArgs) -> Result<(), CliError> {
    let BenchArgs { mode, connect } = args;
    let output = match &mode {
        Mode::Pub(a) => &a.output,
        Mode::Sub(a) => &a.output,
        Mode::Pubsub(a) => &a.output,
        Mode::Req(a) => &a.output,
    }
    .clone();
    if output.json && output.csv_to_stdout() {
        return Err(CliError::msg(
            "--json and --csv - both write to standard output; give --csv a file",
        ));
    }
    let session = Session {
        show_progress: std::io::stderr().is_terminal() && !output.machine_stdout(),
        connect,
        stop: Stop::new(),
        counter: Counter::default(),
    };
    let report = match mode {
        Mode::Pub(a) => bench_pub(&session, a).await?,
        Mode::Sub(a) => bench_sub(&session, a).await?,
        Mode::Pubsub(a) => bench_pubsub(&session, a).await?,
        Mode::Req(a) => bench_req(&session, a).await?,
    };
    write_report(&report, &output)
}

/// `natskit bench pub`.
async fn bench_pub(session: &Session, a: PubArgs) -> Result<Report, CliError> {
    let subject = a.subject.subject();
    let amount = a.load.amount(DEFAULT_MSGS);
    check_publish(subject, a.load.clients, amount)?;
    let clients = pubsub::run_pub(session, subject, a.load.clients, amount, a.size.size).await?;
    let setup = format!(
        "pub on {subject:?}: {}, {}",
        plural(a.load.clients, "publisher"),
        describe(amount, "msgs", a.size.size)
    );
    Ok(Report::new(
        "pub",
        subject,
        Some(a.size.size),
        setup,
        &clients,
    ))
}

/// `natskit bench sub`.
async fn bench_sub(session: &Session, a: SubArgs) -> Result<Report, CliError> {
    let subject = a.subject.subject();
    validate_subscribe(subject).map_err(|e| CliError::msg(e.to_string()))?;
    let amount = a.load.amount(DEFAULT_MSGS);
    let idle = session.connect.timeout_or(DEFAULT_IDLE);
    let clients = pubsub::run_sub(session, subject, a.load.clients, amount, idle).await?;
    let setup = format!(
        "sub on {subject:?}: {}, {}",
        plural(a.load.clients, "subscriber"),
        match amount {
            Amount::Msgs(n) => format!("{} msgs each", units::count(n)),
            Amount::Duration(d) => format!("for {}", units::duration(d)),
        }
    );
    Ok(Report::new("sub", subject, None, setup, &clients))
}

/// `natskit bench pubsub`.
async fn bench_pubsub(session: &Session, a: PubsubArgs) -> Result<Report, CliError> {
    let subject = a.subject.subject();
    let amount = a.load.amount(DEFAULT_MSGS);
    check_publish(subject, a.load.clients, amount)?;
    let (clients, subs, size) = (a.load.clients, a.subs, a.size.size);
    let results = pubsub::run_pubsub(session, subject, clients, subs, amount, size).await?;
    let setup = format!(
        "pubsub on {subject:?}: {}, {}, {}",
        plural(clients, "publisher"),
        plural(subs, "subscriber"),
        describe(amount, "msgs", size)
    );
    Ok(Report::new("pubsub", subject, Some(size), setup, &results))
}

/// `natskit bench req`.
async fn bench_req(session: &Session, a: ReqArgs) -> Result<Report, CliError> {
    let subject = a.subject.subject();
    let amount = a.load.amount(DEFAULT_REQUESTS);
    check_publish(subject, a.load.clients, amount)?;
    let requests = req::Requests {
        subject: subject.into(),
        payload: Bytes::from(vec![0u8; a.size.size]),
        timeout: session.connect.timeout_or(DEFAULT_REQUEST_TIMEOUT),
    };
    let responders = if a.external { 0 } else { a.responders };
    let clients = req::run_req(session, requests, a.load.clients, responders, amount).await?;
    let answered_by = match responders {
        0 => "a running service".to_owned(),
        n => plural(n, "built-in responder"),
    };
    let setup = format!(
        "req on {subject:?}: {}, {answered_by}, {}",
        plural(a.load.clients, "requester"),
        describe(amount, "requests", a.size.size)
    );
    Ok(Report::new(
        "req",
        subject,
        Some(a.size.size),
        setup,
        &clients,
    ))
}

/// Checks a subject for publishing, and that every sender gets at least one message.
fn check_publish(subject: &str, clients: usize, amount: Amount) -> Result<(), CliError> {
    validate_publish(subject).map_err(|e| CliError::msg(e.to_string()))?;
    match amount {
        Amount::Msgs(n) if n < clients as u64 => Err(CliError::msg(format!(
            "--msgs {n} is fewer than --clients {clients}: each client needs at least one"
        ))),
        _ => Ok(()),
    }
}

/// Prints the tables (or JSON, or CSV on standard output) and writes a CSV file if asked.
fn write_report(report: &Report, output: &OutputArgs) -> Result<(), CliError> {
    let stdout_text = if output.json {
        report.json()
    } else if output.csv_to_stdout() {
        report.csv()
    } else {
        report.human()
    };
    if let Some(path) = output.csv.as_ref().filter(|_| !output.csv_to_stdout()) {
        std::fs::write(path, report.csv())
            .map_err(|e| CliError::msg(format!("writing {}: {e}", path.display())))?;
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(stdout_text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::io("writing to standard output", e))
}

/// `1 publisher`, `3 publishers`.
fn plural(n: usize, what: &str) -> String {
    match n {
        1 => format!("1 {what}"),
        n => format!("{} {what}s", units::count(n as u64)),
    }
}

/// `100,000 msgs of 16 B` or `msgs of 16 B for 2.00 s`.
fn describe(amount: Amount, what: &str, size: usize) -> String {
    let size = units::size(size);
    match amount {
        Amount::Msgs(n) => format!("{} {what} of {size}", units::count(n)),
        Amount::Duration(d) => format!("{what} of {size} for {}", units::duration(d)),
    }
}
