//! `natskit obj add|put|get|ls|info|rm|watch|seal`: JetStream object stores and their
//! objects, with the `nats` CLI's words and flags where it has them.
//!
//! - One file per subcommand; `bucket`: opening a bucket; `progress`: the byte bars of `put`
//!   and `get`; `target`: where `get` writes (a temporary file renamed into place once the
//!   digest matched); `render`: objects, buckets and changes as people read them.

mod add;
mod bucket;
mod get;
mod info;
mod ls;
mod progress;
mod put;
mod render;
mod rm;
mod seal;
mod target;
mod watch;

use clap::{Args, Subcommand};

use crate::error::CliError;
use crate::js::JsArgs;

/// The help's examples.
const EXAMPLES: &str = "\
Examples:
  natskit obj add BACKUPS --ttl 720h --max-bucket-size 10GiB
  natskit obj put BACKUPS ./db.dump                # the object is named db.dump
  tar c dir | natskit obj put BACKUPS - --object dir.tar
  natskit obj get BACKUPS db.dump                  # to ./db.dump; --output FILE, or - for stdout
  natskit obj ls BACKUPS                           # the objects; without a bucket, the buckets
  natskit obj info BACKUPS db.dump --json
  natskit obj watch BACKUPS                        # the objects, then each change
  natskit obj rm BACKUPS db.dump -f                # without a name: the whole bucket
  natskit obj seal BACKUPS -f                      # nothing can be changed any more

rm and seal ask first on a terminal; elsewhere they need --force (-f).";

/// Arguments of `natskit obj`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ObjArgs {
    #[command(subcommand)]
    action: Action,

    /// Where and how to connect.
    #[command(flatten)]
    js: JsArgs,
}

/// What `natskit obj` does.
#[derive(Debug, Subcommand)]
enum Action {
    /// Create a bucket and print its status.
    Add(add::AddArgs),
    /// Store a file (or standard input) as an object.
    Put(put::PutArgs),
    /// Fetch an object into a file (or standard output), checking its digest.
    Get(get::GetArgs),
    /// List a bucket's objects, or without a bucket the buckets.
    #[command(visible_alias = "list")]
    Ls(ls::LsArgs),
    /// Show a bucket's status, or an object's info.
    #[command(visible_alias = "status")]
    Info(info::InfoArgs),
    /// Delete an object, or without a name the whole bucket.
    #[command(visible_alias = "del")]
    Rm(rm::RmArgs),
    /// Print the objects, then every change as it happens, until stopped.
    Watch(watch::WatchArgs),
    /// Seal a bucket: nothing can be stored, changed or deleted in it any more.
    Seal(seal::SealArgs),
}

/// Runs the obj action.
pub async fn run(args: ObjArgs) -> Result<(), CliError> {
    let js = &args.js;
    match args.action {
        Action::Add(add) => add::run(add, js).await,
        Action::Put(put) => put::run(put, js).await,
        Action::Get(get) => get::run(get, js).await,
        Action::Ls(ls) => ls::run(ls, js).await,
        Action::Info(info) => info::run(info, js).await,
        Action::Rm(rm) => rm::run(rm, js).await,
        Action::Watch(watch) => watch::run(watch, js).await,
        Action::Seal(seal) => seal::run(seal, js).await,
    }
}
