//! `natskit server ping [EXPECT]`: every server's name and how long its answer took.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::Source;
use crate::clock::short_duration;
use crate::error::CliError;

/// How long answers are awaited when `--timeout` is not given.
const WAIT: Duration = Duration::from_secs(5);

const HELP: &str = "\
Examples:
  natskit server ping --user sys --password sys   # each server of the cluster, then a summary
  natskit server ping 3                           # an error unless 3 servers answer
  natskit server ping --monitor http://127.0.0.1:8222   # one server, through its monitoring port

The answers come from $SYS.REQ.SERVER.PING, which only the system account's users reach. The
wait ends when as many servers answered as the first says are active (or EXPECT), else at
--timeout (5s).";

/// Arguments of `natskit server ping`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct PingArgs {
    /// How many servers must answer; fewer is an error.
    #[arg(value_parser = crate::cmd::parse_count)]
    pub expect: Option<u64>,

    /// Print each server's id before its name.
    #[arg(long)]
    pub id: bool,

    /// Where the figures come from.
    #[command(flatten)]
    pub source: Source,
}

/// Runs `natskit server ping`.
pub async fn run(args: PingArgs) -> Result<(), CliError> {
    let wait = args.source.connect.timeout_or(WAIT);
    let servers = args.source.summaries(args.expect, wait).await?;
    let mut out = std::io::stdout().lock();
    let width = servers.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let write = |out: &mut std::io::StdoutLock<'_>, line: String| {
        writeln!(out, "{line}").map_err(|e| CliError::io("writing to standard output", e))
    };
    for server in &servers {
        let id = if args.id {
            format!("{} ", server.id)
        } else {
            String::new()
        };
        let rtt = short_duration(server.rtt);
        write(&mut out, format!("{id}{:<width$}  rtt {rtt}", server.name))?;
    }
    let rtts: Vec<Duration> = servers.iter().map(|s| s.rtt).collect();
    let min = rtts.iter().min().copied().unwrap_or_default();
    let max = rtts.iter().max().copied().unwrap_or_default();
    let avg = rtts.iter().sum::<Duration>() / u32::try_from(rtts.len().max(1)).unwrap_or(1);
    write(
        &mut out,
        format!(
            "\n{} answered; rtt min {} avg {} max {}",
            plural(servers.len()),
            short_duration(min),
            short_duration(avg),
            short_duration(max)
        ),
    )?;
    super::check_expected(args.expect, servers.len(), wait)
}

/// "1 server" or "3 servers".
pub fn plural(n: usize) -> String {
    if n == 1 {
        "1 server".to_owned()
    } else {
        format!("{n} servers")
    }
}
