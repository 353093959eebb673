//! `natskit kv add|put|get|create|update|del|purge|history|keys|watch|ls|rm|status`:
//! JetStream key-value buckets and their keys, with the `nats` CLI's words and flags where it
//! has them.
//!
//! - One file per subcommand; `bucket`: opening a bucket; `value`: a value from the command
//!   line or standard input; `written`: what a write prints; `render`: entries, the history,
//!   the bucket list and a bucket's status as people read them.

mod add;
mod bucket;
mod create;
mod del;
mod get;
mod history;
mod keys;
mod ls;
mod purge;
mod put;
mod render;
mod rm;
mod status;
mod update;
mod value;
mod watch;
mod written;

use clap::{Args, Subcommand};

use crate::error::CliError;
use crate::js::JsArgs;

/// The help's examples.
const EXAMPLES: &str = "\
Examples:
  natskit kv add CONFIG --history 5 --ttl 24h --max-value-size 1KiB
  natskit kv put CONFIG mode eco                   # the value from stdin when left out
  natskit kv get CONFIG mode                       # --raw: the value alone, as stored
  natskit kv create CONFIG lock me                 # only if the key has no value
  natskit kv update CONFIG mode boost 3            # only if the key is at revision 3
  natskit kv history CONFIG mode
  natskit kv keys CONFIG 'device.*'
  natskit kv watch CONFIG 'device.>'               # the latest values, then each change
  natskit kv del CONFIG mode -f                    # purge: the key's history goes too
  natskit kv ls                                    # a table; --names for names only
  natskit kv status CONFIG --json
  natskit kv rm CONFIG -f

del, purge and rm ask first on a terminal; elsewhere they need --force (-f).";

/// Arguments of `natskit kv`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct KvArgs {
    #[command(subcommand)]
    action: Action,

    /// Where and how to connect.
    #[command(flatten)]
    js: JsArgs,
}

/// What `natskit kv` does.
#[derive(Debug, Subcommand)]
enum Action {
    /// Create a bucket and print its status.
    Add(add::AddArgs),
    /// Write a value to a key.
    Put(put::PutArgs),
    /// Print a key's value.
    Get(get::GetArgs),
    /// Write a value to a key only if the key has none.
    Create(create::CreateArgs),
    /// Write a value to a key only if the key is still at a revision.
    Update(update::UpdateArgs),
    /// Delete a key; its history stays (up to the bucket's history).
    Del(del::DelArgs),
    /// Purge a key: remove its history along with its value.
    Purge(purge::PurgeArgs),
    /// Print every value of a key still kept, oldest first.
    History(history::HistoryArgs),
    /// Print the keys that have a value.
    Keys(keys::KeysArgs),
    /// Print the latest values, then every change as it happens, until stopped.
    Watch(watch::WatchArgs),
    /// List the buckets with their sizes.
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Delete a bucket and all its keys.
    Rm(rm::RmArgs),
    /// Show a bucket's configuration and state.
    #[command(visible_alias = "info")]
    Status(status::StatusArgs),
}

/// Runs the kv action.
pub async fn run(args: KvArgs) -> Result<(), CliError> {
    let js = &args.js;
    match args.action {
        Action::Add(add) => add::run(add, js).await,
        Action::Put(put) => put::run(put, js).await,
        Action::Get(get) => get::run(get, js).await,
        Action::Create(create) => create::run(create, js).await,
        Action::Update(update) => update::run(update, js).await,
        Action::Del(del) => del::run(del, js).await,
        Action::Purge(purge) => purge::run(purge, js).await,
        Action::History(history) => history::run(history, js).await,
        Action::Keys(keys) => keys::run(keys, js).await,
        Action::Watch(watch) => watch::run(watch, js).await,
        Action::Ls(ls) => ls::run(ls, js).await,
        Action::Rm(rm) => rm::run(rm, js).await,
        Action::Status(status) => status::run(status, js).await,
    }
}
