//! `natskit kv update BUCKET KEY VALUE REVISION`: write a value to a key only if the key's
//! latest revision is still REVISION (compare and set).

use clap::Args;
use natskit::jetstream::kv::Operation;

use super::bucket;
use super::written::Written;
use crate::error::CliError;
use crate::js::kv_error::kv_failed;
use crate::js::{check, JsArgs};

/// Arguments of `natskit kv update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The bucket.
    bucket: String,

    /// The key.
    key: String,

    /// The new value.
    value: String,

    /// The revision the key must be at (as `kv get` or `kv put` said).
    #[arg(value_parser = crate::cmd::parse_whole)]
    revision: u64,

    /// Print `{"bucket", "key", "revision", "operation"}` instead of a note.
    #[arg(long)]
    json: bool,
}

/// Writes the value if nobody wrote the key since REVISION.
pub async fn run(args: UpdateArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    check::key(&args.key)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let doing = format!("update key {:?} in bucket {:?}", args.key, args.bucket);
    let revision = store
        .update(&args.key, args.value.clone().into_bytes(), args.revision)
        .await
        .map_err(|e| kv_failed(&doing, &args.bucket, e))?;
    Written {
        bucket: &args.bucket,
        key: &args.key,
        revision,
        operation: Operation::Put,
    }
    .report(args.json, "Updated")?;
    js.close().await
}
