//! `natskit kv add BUCKET`: create a bucket from flags and print its status.

use clap::Args;
use natskit::jetstream::kv::KvConfig;

use super::render;
use crate::error::CliError;
use crate::js::bucket_flags::BucketFlags;
use crate::js::kv_error::kv_failed;
use crate::js::parse;
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

    /// Largest value accepted (1KiB, 1MiB); -1 for the server's limit [default: -1]
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true, value_parser = parse::message_size_limit)]
    max_value_size: Option<i32>,

    /// What the bucket is like.
    #[command(flatten)]
    bucket_flags: BucketFlags,

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
    let flags = &args.bucket_flags;
    Ok(KvConfig {
        description: flags.description(),
        history: args.history,
        ttl: flags.ttl(),
        max_value_size: args.max_value_size.unwrap_or(-1),
        max_bytes: flags.max_bytes(),
        storage: flags.storage.into(),
        replicas: flags.replicas()?,
        compression: flags.compress,
        ..KvConfig::new(args.bucket.clone())
    })
}
