//! `natskit kv rm BUCKET`: delete a bucket with all its keys, asking first unless `--force`.

use clap::Args;

use crate::error::CliError;
use crate::js::confirm::confirm;
use crate::js::kv_error::kv_failed;
use crate::js::{check, JsArgs};

/// Arguments of `natskit kv rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The bucket.
    bucket: String,

    /// Delete without asking (needed when standard input is not a terminal).
    #[arg(short, long)]
    force: bool,
}

/// Deletes the bucket.
pub async fn run(args: RmArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    confirm(
        args.force,
        &format!(
            "delete bucket {:?} with all its keys and values",
            args.bucket
        ),
    )?;
    let js = js_args.open().await?;
    let doing = format!("delete bucket {:?}", args.bucket);
    js.js
        .delete_key_value(&args.bucket)
        .await
        .map_err(|e| kv_failed(&doing, &args.bucket, e))?;
    note!("Deleted bucket {:?}", args.bucket);
    js.close().await
}
