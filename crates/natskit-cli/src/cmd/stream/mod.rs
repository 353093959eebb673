//! `natskit stream add|ls|info|rm|purge|get`: JetStream streams, with the `nats` CLI's words
//! and flags where it has them.

mod add;
mod get;
mod info;
mod ls;
mod purge;
mod render;
mod rm;

use clap::{Args, Subcommand};

use crate::error::CliError;
use crate::js::JsArgs;

/// The help's examples.
const EXAMPLES: &str = "\
Examples:
  natskit stream add ORDERS --subjects 'orders.>' --storage file --max-age 24h
  natskit stream add JOBS --subjects 'jobs.*' --retention work --discard new --max-msgs 10000
  natskit stream ls                                # a table; --names for names only
  natskit stream info ORDERS --json                # the server's info, one JSON document
  natskit stream get ORDERS 1                      # the message with sequence 1
  natskit stream get ORDERS --last-for orders.eu.7 # the last message on a subject
  natskit stream purge ORDERS --subject 'orders.test.>' --keep 10 -f
  natskit stream rm ORDERS -f

rm and purge ask first on a terminal; elsewhere they need --force (-f).";

/// Arguments of `natskit stream`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct StreamArgs {
    #[command(subcommand)]
    action: Action,

    /// Where and how to connect.
    #[command(flatten)]
    js: JsArgs,
}

/// What `natskit stream` does.
#[derive(Debug, Subcommand)]
enum Action {
    /// Create a stream and print its info.
    #[command(visible_alias = "create")]
    Add(Box<add::AddArgs>),
    /// List the streams with their message counts.
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Show a stream's configuration and state.
    Info(info::InfoArgs),
    /// Delete a stream and all its messages.
    #[command(visible_alias = "delete")]
    Rm(rm::RmArgs),
    /// Remove messages from a stream: all, those on a subject, or all but the last few.
    Purge(purge::PurgeArgs),
    /// Print one message of a stream, by sequence or the last on a subject.
    Get(get::GetArgs),
}

/// Runs the stream action.
pub async fn run(args: StreamArgs) -> Result<(), CliError> {
    match args.action {
        Action::Add(add) => add::run(*add, &args.js).await,
        Action::Ls(ls) => ls::run(ls, &args.js).await,
        Action::Info(info) => info::run(info, &args.js).await,
        Action::Rm(rm) => rm::run(rm, &args.js).await,
        Action::Purge(purge) => purge::run(purge, &args.js).await,
        Action::Get(get) => get::run(get, &args.js).await,
    }
}
