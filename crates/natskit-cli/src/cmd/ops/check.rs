//! `natskit server check connection`: connect, measure a PING round trip and a request to
//! ourselves, and judge each against warning and critical limits, in the Nagios plugin format
//! (`OK Connection ... | perfdata`) with its statuses: 0 OK, 1 WARNING, 2 CRITICAL.

use std::io::Write;
use std::time::Duration;

use clap::{Args, Subcommand};
use futures_util::StreamExt;
use tokio::time::Instant;

use crate::connect::ConnectArgs;
use crate::duration::parse_duration;
use crate::error::CliError;

/// How long the round trips may take when `--timeout` is not given.
const WAIT: Duration = Duration::from_secs(5);

/// Arguments of `natskit server check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The check to run.
    #[command(subcommand)]
    pub check: Check,
}

/// The checks.
#[derive(Debug, Subcommand)]
pub enum Check {
    /// Connect, time a round trip to the server and a request to ourselves.
    #[command(visible_alias = "conn", after_help = CONNECTION_HELP)]
    Connection(ConnectionArgs),
}

const CONNECTION_HELP: &str = "\
Examples:
  natskit server check connection                     # OK Connection ... | connect_time=...
  natskit server check connection --rtt-warn 5ms --rtt-critical 50ms -s nats://a:4222

One line on standard output: the status, what was measured, then Nagios performance data.
Exit status: 0 OK, 1 WARNING (a time above its -warn), 2 CRITICAL (above its -critical, or no
connection at all).";

/// Arguments of `natskit server check connection`.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// Connecting slower than this is a warning.
    #[arg(long, default_value = "500ms", value_parser = parse_duration)]
    pub connect_warn: Duration,
    /// Connecting slower than this is critical.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub connect_critical: Duration,
    /// A PING round trip slower than this is a warning.
    #[arg(long, default_value = "500ms", value_parser = parse_duration)]
    pub rtt_warn: Duration,
    /// A PING round trip slower than this is critical.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub rtt_critical: Duration,
    /// A request to ourselves slower than this is a warning.
    #[arg(long, default_value = "500ms", value_parser = parse_duration)]
    pub req_warn: Duration,
    /// A request to ourselves slower than this is critical.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub req_critical: Duration,

    /// Where and how to connect.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// A verdict, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Ok,
    Warning,
    Critical,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::Warning => "WARNING",
            Status::Critical => "CRITICAL",
        }
    }
}

/// One measurement against its limits.
struct Measure {
    name: &'static str,
    what: &'static str,
    took: Duration,
    warn: Duration,
    critical: Duration,
}

impl Measure {
    fn status(&self) -> Status {
        if self.took > self.critical {
            Status::Critical
        } else if self.took > self.warn {
            Status::Warning
        } else {
            Status::Ok
        }
    }
}

/// Runs `natskit server check ...`.
pub async fn run(args: CheckArgs) -> Result<(), CliError> {
    match args.check {
        Check::Connection(args) => connection(args).await,
    }
}

async fn connection(args: ConnectionArgs) -> Result<(), CliError> {
    let (status, line) = match measure(&args).await {
        Ok(measures) => verdict(&measures),
        Err(e) => (Status::Critical, format!("CRITICAL Connection {e}")),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").map_err(|e| CliError::io("writing to standard output", e))?;
    match status {
        Status::Ok => Ok(()),
        Status::Warning => Err(CliError::Status(1)),
        Status::Critical => Err(CliError::Status(2)),
    }
}

/// Connects, then times a PING and a request answered by our own subscription.
async fn measure(args: &ConnectionArgs) -> Result<Vec<Measure>, CliError> {
    let wait = args.connect.timeout_or(WAIT);
    let start = Instant::now();
    let client = args.connect.connect().await?;
    let connect = start.elapsed();
    let rtt = tokio::time::timeout(wait, client.rtt())
        .await
        .map_err(|_| CliError::msg("no PONG in time"))?
        .map_err(|e| CliError::msg(format!("round trip failed: {e}")))?;
    let subject = client.new_inbox();
    let mut responder = client
        .subscribe(&subject)
        .await
        .map_err(|e| CliError::msg(format!("subscribing: {e}")))?;
    let answering = client.clone();
    let answer = tokio::spawn(async move {
        if let Some(question) = responder.next().await {
            if let Some(reply) = question.reply {
                let _ = answering.publish(reply.as_str(), "ok").await;
            }
        }
    });
    client
        .flush()
        .await
        .map_err(|e| CliError::msg(format!("flushing: {e}")))?;
    let asked = Instant::now();
    let request = client
        .send_request(&subject, natskit::Request::new("check").timeout(wait))
        .await;
    answer.abort();
    request.map_err(|e| CliError::msg(format!("request to ourselves failed: {e}")))?;
    let request = asked.elapsed();
    let _ = client.close().await;
    Ok(vec![
        Measure {
            name: "connect_time",
            what: "connected in",
            took: connect,
            warn: args.connect_warn,
            critical: args.connect_critical,
        },
        Measure {
            name: "rtt",
            what: "rtt",
            took: rtt,
            warn: args.rtt_warn,
            critical: args.rtt_critical,
        },
        Measure {
            name: "request_time",
            what: "request answered in",
            took: request,
            warn: args.req_warn,
            critical: args.req_critical,
        },
    ])
}

/// The worst status and the Nagios line: `OK Connection OK:connected in 1.2ms ... | perfdata`.
fn verdict(measures: &[Measure]) -> (Status, String) {
    let worst = measures
        .iter()
        .map(Measure::status)
        .max()
        .unwrap_or(Status::Ok);
    let parts: Vec<String> = measures
        .iter()
        .map(|m| {
            let word = match m.status() {
                Status::Ok => "OK",
                Status::Warning => "WARN",
                Status::Critical => "CRIT",
            };
            format!("{word}:{} {}", m.what, crate::clock::short_duration(m.took))
        })
        .collect();
    let perf: Vec<String> = measures
        .iter()
        .map(|m| {
            format!(
                "{}={:.4}s;{};{}",
                m.name,
                m.took.as_secs_f64(),
                m.warn.as_secs_f64(),
                m.critical.as_secs_f64()
            )
        })
        .collect();
    let line = format!(
        "{} Connection {} | {}",
        worst.word(),
        parts.join(" "),
        perf.join(" ")
    );
    (worst, line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(took_ms: u64) -> Measure {
        Measure {
            name: "rtt",
            what: "rtt",
            took: Duration::from_millis(took_ms),
            warn: Duration::from_millis(10),
            critical: Duration::from_millis(20),
        }
    }

    #[test]
    fn the_worst_measure_decides_and_perfdata_has_the_limits() {
        assert_eq!(verdict(&[m(1), m(2)]).0, Status::Ok);
        assert_eq!(verdict(&[m(1), m(15)]).0, Status::Warning);
        let (status, line) = verdict(&[m(15), m(25)]);
        assert_eq!(status, Status::Critical);
        assert!(
            line.starts_with("CRITICAL Connection WARN:rtt 15.00ms CRIT:rtt 25.00ms | "),
            "{line}"
        );
        assert!(line.ends_with("rtt=0.0250s;0.01;0.02"), "{line}");
    }
}
