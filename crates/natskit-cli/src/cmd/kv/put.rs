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
    write(args, js_args, Write::Put).await
}

/// How `put` and `create` write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Whatever the key holds.
    Put,
    /// Only when the key has no value.
    Create,
}

/// Writes the value as `how` says and reports its revision.
pub async fn write(args: PutArgs, js_args: &JsArgs, how: Write) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    check::key(&args.key)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let value = value::value(args.value.as_deref()).await?;
    let (verb, done) = match how {
        Write::Put => ("put", "Stored"),
        Write::Create => ("create", "Created"),
    };
    let doing = format!("{verb} key {:?} in bucket {:?}", args.key, args.bucket);
    let written = match how {
        Write::Put => store.put(&args.key, value).await,
        Write::Create => store.create(&args.key, value).await,
    };
    let revision = written.map_err(|e| kv_failed(&doing, &args.bucket, e))?;
    Written {
        bucket: &args.bucket,
        key: &args.key,
        revision,
        operation: Operation::Put,
    }
    .report(args.json, done)?;
    js.close().await
}
