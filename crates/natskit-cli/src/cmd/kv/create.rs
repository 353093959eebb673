//! `natskit kv create BUCKET KEY [VALUE]`: write a value to a key only if the key has none
//! (never written, deleted or purged).

use clap::Args;
use natskit::jetstream::kv::Operation;

use super::written::Written;
use super::{bucket, value};
use crate::error::CliError;
use crate::js::kv_error::kv_failed;
use crate::js::{check, JsArgs};

/// Arguments of `natskit kv create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The bucket.
    bucket: String,

    /// The key.
    key: String,

    /// The value [default: all of standard input]
    value: Option<String>,

    /// Print `{"bucket", "key", "revision", "operation"}` instead of a note.
    #[arg(long)]
    json: bool,
}

/// Writes the value unless the key has one.
pub async fn run(args: CreateArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    check::key(&args.key)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let value = value::value(args.value.as_deref()).await?;
    let doing = format!("create key {:?} in bucket {:?}", args.key, args.bucket);
    let revision = store
        .create(&args.key, value)
        .await
        .map_err(|e| kv_failed(&doing, &args.bucket, e))?;
    Written {
        bucket: &args.bucket,
        key: &args.key,
        revision,
        operation: Operation::Put,
    }
    .report(args.json, "Created")?;
    js.close().await
}
