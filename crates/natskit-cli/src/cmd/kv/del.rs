//! `natskit kv del BUCKET KEY`: delete a key, asking first unless `--force`. Its history stays
//! (up to the bucket's history); `get` finds no value any more.

use clap::Args;
use natskit::jetstream::kv::Operation;

use super::bucket;
use super::written::Written;
use crate::error::CliError;
use crate::js::confirm::confirm;
use crate::js::kv_error::kv_failed;
use crate::js::{check, JsArgs};

/// Arguments of `natskit kv del`.
#[derive(Debug, Args)]
pub struct DelArgs {
    /// The bucket.
    bucket: String,

    /// The key.
    key: String,

    /// Delete without asking (needed when standard input is not a terminal).
    #[arg(short, long)]
    force: bool,

    /// Print `{"bucket", "key", "revision", "operation"}` instead of a note.
    #[arg(long)]
    json: bool,
}

/// Writes the key's delete marker.
pub async fn run(args: DelArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    check::key(&args.key)?;
    let doing = format!("delete key {:?} from bucket {:?}", args.key, args.bucket);
    confirm(args.force, &doing)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let revision = store
        .delete(&args.key)
        .await
        .map_err(|e| kv_failed(&doing, &args.bucket, e))?;
    Written {
        bucket: &args.bucket,
        key: &args.key,
        revision,
        operation: Operation::Delete,
    }
    .report(args.json, "Deleted")?;
    js.close().await
}
