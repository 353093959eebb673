//! `natskit kv add BUCKET`: create a bucket from flags and print its status.

use std::time::Duration;

use clap::Args;
use natskit::jetstream::kv::KvConfig;

use super::render;
use crate::duration::parse_pause;
use crate::error::CliError;
use crate::js::kv_error::kv_failed;
use crate::js::parse::{self, Storage};
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit kv add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The bucket's name: letters, digits, `_` and `-`.
    bucket: String,

    /// Values kept per key, the latest included: 1 to 64.
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse::history)]
    history: i64,

    /// How long a value is kept (30s, 24h); 0 for ever [default: 0]
    #[arg(long, value_name = "DURATION", value_parser = parse_pause)]
    ttl: Option<Duration>,

    /// Largest value accepted (1KiB, 1MiB); -1 for the server's limit [default: -1]
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true, value_parser = parse::message_size_limit)]
    max_value_size: Option<i32>,

    /// Most bytes the bucket holds, history included (512MiB, 1GB); -1 for no limit
    /// [default: -1]
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true, value_parser = parse::size_limit)]
    max_bucket_size: Option<i64>,

    /// Where values are kept.
    #[arg(long, value_enum, default_value = "file")]
    storage: Storage,

    /// Copies kept in a cluster.
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse::at_least_one)]
    replicas: u64,

    /// Compress the stored values (S2).
    #[arg(long)]
    compress: bool,

    /// What the bucket is for.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,

    /// Print the new bucket's status as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Checks the name, creates the bucket and prints its status.
pub async fn run(args: AddArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    let config = config(&args)?;
    let js = js_args.open().await?;
    let doing = format!("create bucket {:?}", args.bucket);
    let fail = |e| kv_failed(&doing, &args.bucket, e);
    let store = js.js.create_key_value(config).await.map_err(fail)?;
    let status = store.status().await.map_err(fail)?;
    let text = if args.json {
        json::line(&json::kv_status(&status))?
    } else {
        render::status(&status)
    };
    note!("Created bucket {:?}", args.bucket);
    print(text.as_bytes())?;
    js.close().await
}

/// The configuration the flags describe.
fn config(args: &AddArgs) -> Result<KvConfig, CliError> {
    let replicas = usize::try_from(args.replicas)
        .map_err(|_| CliError::msg(format!("--replicas {} is too many", args.replicas)))?;
    Ok(KvConfig {
        description: args.description.clone().unwrap_or_default(),
        history: args.history,
        ttl: args.ttl.unwrap_or_default(),
        max_value_size: args.max_value_size.unwrap_or(-1),
        max_bytes: args.max_bucket_size.unwrap_or(-1),
        storage: args.storage.into(),
        replicas,
        compression: args.compress,
        ..KvConfig::new(args.bucket.clone())
    })
}
