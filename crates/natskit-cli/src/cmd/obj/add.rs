//! `natskit obj add BUCKET`: create a bucket from flags and print its status.

use std::time::Duration;

use clap::Args;
use natskit::jetstream::object::ObjectStoreConfig;

use super::render;
use crate::duration::parse_pause;
use crate::error::CliError;
use crate::js::obj_error::obj_failed;
use crate::js::parse::{self, Storage};
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit obj add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The bucket's name: letters, digits, `_` and `-`.
    bucket: String,

    /// How long an object is kept (30s, 24h); 0 for ever [default: 0]
    #[arg(long, value_name = "DURATION", value_parser = parse_pause)]
    ttl: Option<Duration>,

    /// Most bytes the bucket holds, chunks and meta together (512MiB, 1GB); -1 for no limit
    /// [default: -1]
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true, value_parser = parse::size_limit)]
    max_bucket_size: Option<i64>,

    /// Where objects are kept.
    #[arg(long, value_enum, default_value = "file")]
    storage: Storage,

    /// Copies kept in a cluster.
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse::at_least_one)]
    replicas: u64,

    /// Compress the stored chunks (S2).
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
    check::object_bucket(&args.bucket)?;
    let config = config(&args)?;
    let js = js_args.open().await?;
    let doing = format!("create bucket {:?}", args.bucket);
    let fail = |e| obj_failed(&doing, &args.bucket, e);
    let store = js.js.create_object_store(config).await.map_err(fail)?;
    let status = store.status().await.map_err(fail)?;
    let text = if args.json {
        json::line(&json::obj_status(&status))?
    } else {
        render::status(&status)
    };
    note!("Created bucket {:?}", args.bucket);
    print(text.as_bytes())?;
    js.close().await
}

/// The configuration the flags describe.
fn config(args: &AddArgs) -> Result<ObjectStoreConfig, CliError> {
    let replicas = usize::try_from(args.replicas)
        .map_err(|_| CliError::msg(format!("--replicas {} is too many", args.replicas)))?;
    Ok(ObjectStoreConfig {
        description: args.description.clone().unwrap_or_default(),
        ttl: args.ttl.unwrap_or_default(),
        max_bytes: args.max_bucket_size.unwrap_or(-1),
        storage: args.storage.into(),
        replicas,
        compression: args.compress,
        ..ObjectStoreConfig::new(args.bucket.clone())
    })
}
