//! `natskit consumer add|ls|info|rm|next`: JetStream consumers of a stream, with the `nats`
//! CLI's words and flags where it has them.

mod add;
mod info;
mod ls;
mod next;
mod render;
mod rm;

use clap::{Args, Subcommand};

use crate::error::CliError;
use crate::js::JsArgs;

/// The help's examples.
const EXAMPLES: &str = "\
Examples:
  natskit consumer add ORDERS billing --filter 'orders.eu.>' --deliver all --ack explicit
  natskit consumer add ORDERS audit --target audit.orders --deliver new --ack none  # push
  natskit consumer add ORDERS retry --max-deliver 5 --backoff 1s,5s,30s --wait 10s
  natskit consumer ls ORDERS                       # a table; --names for names only
  natskit consumer info ORDERS billing --json
  natskit consumer next ORDERS billing --count 10  # each acknowledged once printed
  natskit consumer next ORDERS billing --no-ack    # look without taking
  natskit consumer rm ORDERS billing -f

rm asks first on a terminal; elsewhere it needs --force (-f).";

/// Arguments of `natskit consumer`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ConsumerArgs {
    #[command(subcommand)]
    action: Action,

    /// Where and how to connect.
    #[command(flatten)]
    js: JsArgs,
}

/// What `natskit consumer` does.
#[derive(Debug, Subcommand)]
enum Action {
    /// Create a durable consumer on a stream and print its info.
    #[command(visible_alias = "create")]
    Add(Box<add::AddArgs>),
    /// List a stream's consumers with their progress.
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Show a consumer's configuration and progress.
    Info(info::InfoArgs),
    /// Delete a consumer.
    #[command(visible_alias = "delete")]
    Rm(rm::RmArgs),
    /// Take the next messages from a pull consumer, print them and acknowledge them.
    Next(next::NextArgs),
}

/// Runs the consumer action.
pub async fn run(args: ConsumerArgs) -> Result<(), CliError> {
    match args.action {
        Action::Add(add) => add::run(*add, &args.js).await,
        Action::Ls(ls) => ls::run(ls, &args.js).await,
        Action::Info(info) => info::run(info, &args.js).await,
        Action::Rm(rm) => rm::run(rm, &args.js).await,
        Action::Next(next) => next::run(next, &args.js).await,
    }
}
