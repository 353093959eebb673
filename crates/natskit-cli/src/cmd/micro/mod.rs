//! `natskit micro ls|info|stats|ping`: find services that speak the NATS service API and show
//! their info and stats, as `nats micro` does.

mod render;

use std::time::Duration;

use clap::{Args, Subcommand};
use natskit_micro::{Discovery, InfoResponse, StatsResponse, Verb};
use serde::Serialize;

use crate::connect::ConnectArgs;
use crate::error::CliError;

/// How long answers are gathered when `--timeout` is not given.
const GATHER_TIME: Duration = Duration::from_secs(1);

/// The help's examples.
const EXAMPLES: &str = "\
Examples:
  natskit micro ls                                 # every service instance that answers in 1s
  natskit micro ls orders --timeout 3s             # only \"orders\", gathering for 3s
  natskit micro info orders                        # endpoints and metadata, per instance
  natskit micro stats orders 0bT2x3k9              # one instance's counters
  natskit micro ping --json                        # who answered, as JSON lines
  natskit micro ls --context prod                  # on the server of a saved context";

/// Arguments of `natskit micro`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct MicroArgs {
    #[command(subcommand)]
    action: Action,

    /// Print the services' JSON documents, one a line, instead of tables.
    #[arg(long, global = true)]
    json: bool,

    /// `--timeout` is how long answers are gathered (default 1s): every instance answers, so
    /// all wait this long.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// What `natskit micro` does.
#[derive(Debug, Subcommand)]
enum Action {
    /// List the running service instances (all, or those of one name).
    Ls {
        /// Only services with this name.
        name: Option<String>,
    },
    /// Show a service's description, metadata and endpoints, per instance.
    Info {
        /// The service's name.
        name: String,
        /// Only the instance with this id.
        id: Option<String>,
    },
    /// Show a service's counters per endpoint, per instance.
    Stats {
        /// The service's name.
        name: String,
        /// Only the instance with this id.
        id: Option<String>,
    },
    /// Ping the service instances (all, or those of one name) and list who answered.
    Ping {
        /// Only services with this name.
        name: Option<String>,
    },
}

/// Asks, then prints what the instances answered, sorted by name, then id.
pub async fn run(args: MicroArgs) -> Result<(), CliError> {
    let client = args.connect.connect().await?;
    let gather_time = args.connect.timeout_or(GATHER_TIME);
    let discovery = Discovery::new(&client).timeout(gather_time);
    let failed = |e: natskit_micro::Error| CliError::msg(format!("discovery failed: {e}"));
    let mut out = Vec::new();
    let shown = match args.action {
        Action::Ls { name } => {
            let mut infos = discovery.info(name.as_deref()).await.map_err(failed)?;
            infos.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
            emit(&mut out, args.json, &infos, render::ls)?
        }
        Action::Info { name, id } => {
            // With an id, `ask` stops at that instance's answer.
            let mut infos: Vec<InfoResponse> = discovery
                .ask(Verb::Info, Some(&name), id.as_deref())
                .await
                .map_err(failed)?;
            infos.sort_by(|a, b| a.id.cmp(&b.id));
            emit(&mut out, args.json, &infos, render::info)?
        }
        Action::Stats { name, id } => {
            let mut stats: Vec<StatsResponse> = discovery
                .ask(Verb::Stats, Some(&name), id.as_deref())
                .await
                .map_err(failed)?;
            stats.sort_by(|a, b| a.id.cmp(&b.id));
            emit(&mut out, args.json, &stats, render::stats)?
        }
        Action::Ping { name } => {
            let mut pings = discovery.ping(name.as_deref()).await.map_err(failed)?;
            pings.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
            emit(&mut out, args.json, &pings, render::ping)?
        }
    };
    crate::output::print(&out)?;
    note!(
        "{shown} service instance{} answered within {:?}",
        if shown == 1 { "" } else { "s" },
        gather_time
    );
    client.close().await?;
    Ok(())
}

/// Writes `documents` as JSON lines or through `table`; returns how many there were.
fn emit<T: Serialize>(
    out: &mut Vec<u8>,
    json: bool,
    documents: &[T],
    table: fn(&[T]) -> String,
) -> Result<usize, CliError> {
    if json {
        for document in documents {
            let line = serde_json::to_string(document)
                .map_err(|e| CliError::msg(format!("cannot encode JSON: {e}")))?;
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    } else if !documents.is_empty() {
        out.extend_from_slice(table(documents).as_bytes());
    }
    Ok(documents.len())
}
