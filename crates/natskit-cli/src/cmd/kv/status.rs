//! `natskit kv status BUCKET`: a bucket's configuration and state, read now.

use clap::Args;

use super::{bucket, render};
use crate::error::CliError;
use crate::js::kv_error::kv_failed;
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit kv status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The bucket.
    bucket: String,

    /// Print the status as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Asks the server and prints its answer.
pub async fn run(args: StatusArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let doing = format!("read bucket {:?}", args.bucket);
    let status = store
        .status()
        .await
        .map_err(|e| kv_failed(&doing, &args.bucket, e))?;
    let text = if args.json {
        json::line(&json::kv_status(&status))?
    } else {
        render::status(&status)
    };
    print(text.as_bytes())?;
    js.close().await
}
