//! `natskit obj seal BUCKET`: seal a bucket, so nothing can be stored, changed or deleted in
//! it any more (reading goes on); asks first unless `--force`, as it cannot be undone.

use clap::Args;

use super::{bucket, render};
use crate::error::CliError;
use crate::js::confirm::confirm;
use crate::js::obj_error::obj_failed;
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit obj seal`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// The bucket.
    bucket: String,

    /// Seal without asking (needed when standard input is not a terminal).
    #[arg(short, long)]
    force: bool,

    /// Print the sealed bucket's status as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Seals the bucket and prints its status.
pub async fn run(args: SealArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::object_bucket(&args.bucket)?;
    let bucket = args.bucket.as_str();
    confirm(args.force, &format!("seal bucket {bucket:?}"))?;
    let (js, store) = bucket::open(js_args, bucket).await?;
    let doing = format!("seal bucket {bucket:?}");
    let status = store
        .seal()
        .await
        .map_err(|e| obj_failed(&doing, bucket, e))?;
    note!("Sealed bucket {bucket:?}");
    let text = if args.json {
        json::line(&json::obj_status(&status))?
    } else {
        render::status(&status)
    };
    print(text.as_bytes())?;
    js.close().await
}
