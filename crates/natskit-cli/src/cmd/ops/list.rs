//! `natskit server list [EXPECT]`: a table of the servers, with totals.

use std::io::Write;
use std::time::Duration;

use clap::Args;

use super::ping::plural;
use super::summary::{bytes, Summary};
use super::Source;
use crate::clock::short_duration;
use crate::error::CliError;
use crate::table::columns;

/// How long answers are awaited when `--timeout` is not given.
const WAIT: Duration = Duration::from_secs(5);

const HELP: &str = "\
Examples:
  natskit server list --user sys --password sys       # every server of the cluster
  natskit server list 3 --user sys --password sys     # an error unless 3 servers answer
  natskit server list --monitor http://a:8222 --monitor http://b:8222
  natskit server ls --json                            # one JSON document

Columns: name, host, version, JetStream, connections, subscriptions, slow consumers, memory,
CPU (percent of one core) and the time the answer took; rows by name.";

/// Arguments of `natskit server list`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct ListArgs {
    /// How many servers must answer; fewer is an error.
    #[arg(value_parser = crate::cmd::parse_count)]
    pub expect: Option<u64>,

    /// Print a JSON array instead of the table.
    #[arg(long, short = 'j')]
    pub json: bool,

    /// Where the figures come from.
    #[command(flatten)]
    pub source: Source,
}

/// Runs `natskit server list`.
pub async fn run(args: ListArgs) -> Result<(), CliError> {
    let wait = args.source.connect.timeout_or(WAIT);
    let mut servers = args.source.summaries(args.expect, wait).await?;
    servers.sort_by(|a, b| a.name.cmp(&b.name));
    let text = if args.json {
        serde_json::to_string_pretty(&servers).unwrap_or_default() + "\n"
    } else {
        table(&servers)
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::io("writing to standard output", e))?;
    super::check_expected(args.expect, servers.len(), wait)
}

/// The table and its totals line.
fn table(servers: &[Summary]) -> String {
    let mut rows = vec![[
        "Name", "Host", "Version", "JS", "Conns", "Subs", "Slow", "Memory", "CPU %", "RTT",
    ]
    .map(str::to_owned)
    .to_vec()];
    for s in servers {
        rows.push(vec![
            s.name.clone(),
            s.host.clone(),
            s.version.clone(),
            if s.jetstream { "yes" } else { "no" }.to_owned(),
            s.connections.to_string(),
            s.subscriptions.to_string(),
            s.slow_consumers.to_string(),
            bytes(s.memory),
            format!("{:.0}", s.cpu),
            short_duration(s.rtt),
        ]);
    }
    let mut text = columns(&rows, |c| c >= 4);
    let connections: u64 = servers.iter().map(|s| s.connections).sum();
    let subscriptions: u64 = servers.iter().map(|s| s.subscriptions).sum();
    text.push_str(&format!(
        "\n{}, {connections} connections, {subscriptions} subscriptions\n",
        plural(servers.len())
    ));
    text
}
