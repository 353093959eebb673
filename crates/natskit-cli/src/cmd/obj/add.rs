//! `natskit obj add BUCKET`: create a bucket from flags and print its status.

use clap::Args;
use natskit::jetstream::object::ObjectStoreConfig;

use super::render;
use crate::error::CliError;
use crate::js::bucket_flags::BucketFlags;
use crate::js::obj_error::obj_failed;
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit obj add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The bucket's name: letters, digits, `_` and `-`.
    bucket: String,

    /// What the bucket is like.
    #[command(flatten)]
    bucket_flags: BucketFlags,

    /// Print the new bucket's status as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Checks the name, creates the bucket and prints its status.
pub async fn run(args: AddArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::object_bucket(&args.bucket)?;
    let config = config(&args)?;
    let js = js_args.open().await?;
    let doing = format!("create bucket {:?}", args.bucket);
    let fail = |e| obj_failed(&doing, &args.bucket, e);
    let store = js.js.create_object_store(config).await.map_err(fail)?;
    let status = store.status().await.map_err(fail)?;
    let text = if args.json {
        json::line(&json::obj_status(&status))?
    } else {
        render::status(&status)
    };
    note!("Created bucket {:?}", args.bucket);
    print(text.as_bytes())?;
    js.close().await
}

/// The configuration the flags describe.
fn config(args: &AddArgs) -> Result<ObjectStoreConfig, CliError> {
    let flags = &args.bucket_flags;
    Ok(ObjectStoreConfig {
        description: flags.description(),
        ttl: flags.ttl(),
        max_bytes: flags.max_bytes(),
        storage: flags.storage.into(),
        replicas: flags.replicas()?,
        compression: flags.compress,
        ..ObjectStoreConfig::new(args.bucket.clone())
    })
}
