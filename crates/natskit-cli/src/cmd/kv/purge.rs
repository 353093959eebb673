//! `natskit kv purge BUCKET KEY`: remove a key's value and its whole history, asking first
//! unless `--force`.

use clap::Args;
use natskit::jetstream::kv::Operation;

use super::bucket;
use super::written::Written;
use crate::error::CliError;
use crate::js::confirm::confirm;
use crate::js::kv_error::kv_failed;
use crate::js::{check, JsArgs};

/// Arguments of `natskit kv purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The bucket.
    bucket: String,

    /// The key.
    key: String,

    /// Purge without asking (needed when standard input is not a terminal).
    #[arg(short, long)]
    force: bool,

    /// Print `{"bucket", "key", "revision", "operation"}` instead of a note.
    #[arg(long)]
    json: bool,
}

/// Writes the key's purge marker, which removes what came before it.
pub async fn run(args: PurgeArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    check::key(&args.key)?;
    confirm(
        args.force,
        &format!(
            "purge key {:?} from bucket {:?} with all its history",
            args.key, args.bucket
        ),
    )?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let doing = format!("purge key {:?} from bucket {:?}", args.key, args.bucket);
    let revision = store
        .purge(&args.key)
        .await
        .map_err(|e| kv_failed(&doing, &args.bucket, e))?;
    Written {
        bucket: &args.bucket,
        key: &args.key,
        revision,
        operation: Operation::Purge,
    }
    .report(args.json, "Purged")?;
    js.close().await
}
