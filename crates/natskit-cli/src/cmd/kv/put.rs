//! `natskit kv put BUCKET KEY [VALUE]`: write a value to a key (from standard input when no
//! value is given).

use clap::Args;
use natskit::jetstream::kv::Operation;

use super::written::Written;
use super::{bucket, value};
use crate::error::CliError;
use crate::js::kv_error::kv_failed;
use crate::js::{check, JsArgs};

/// Arguments of `natskit kv put`.
#[derive(Debug, Args)]
pub struct PutArgs {
    /// The bucket.
    bucket: String,

    /// The key: letters, digits and `-/_=.`, `.` between tokens.
    key: String,

    /// The value [default: all of standard input]
    value: Option<String>,

    /// Print `{"bucket", "key", "revision", "operation"}` instead of a note.
    #[arg(long)]
    json: bool,
}

/// Writes the value and says its revision.
pub async fn run(args: PutArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    check::key(&args.key)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let value = value::value(args.value.as_deref()).await?;
    let doing = format!("put key {:?} in bucket {:?}", args.key, args.bucket);
    let revision = store
        .put(&args.key, value)
        .await
        .map_err(|e| kv_failed(&doing, &args.bucket, e))?;
    Written {
        bucket: &args.bucket,
        key: &args.key,
        revision,
        operation: Operation::Put,
    }
    .report(args.json, "Stored")?;
    js.close().await
}
