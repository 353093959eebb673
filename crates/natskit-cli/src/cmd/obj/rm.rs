//! `natskit obj rm BUCKET [NAME]`: delete an object, or without a name the whole bucket with
//! all its objects, asking first unless `--force`.

use clap::Args;

use super::bucket;
use crate::error::CliError;
use crate::js::confirm::confirm;
use crate::js::obj_error::obj_failed;
use crate::js::{check, JsArgs};

/// Arguments of `natskit obj rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The bucket.
    bucket: String,

    /// The object to delete [default: delete the whole bucket]
    name: Option<String>,

    /// Delete without asking (needed when standard input is not a terminal).
    #[arg(short, long)]
    force: bool,
}

/// Deletes the object or the bucket.
pub async fn run(args: RmArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::object_bucket(&args.bucket)?;
    let bucket = args.bucket.as_str();
    match &args.name {
        Some(name) => {
            check::object_name(name)?;
            confirm(
                args.force,
                &format!("delete object {name:?} from bucket {bucket:?}"),
            )?;
            let (js, store) = bucket::open(js_args, bucket).await?;
            let doing = format!("delete object {name:?} from bucket {bucket:?}");
            // Deleting an object already deleted does nothing: say it is not there.
            store
                .info(name)
                .await
                .map_err(|e| obj_failed(&doing, bucket, e))?;
            store
                .delete(name)
                .await
                .map_err(|e| obj_failed(&doing, bucket, e))?;
            note!("Deleted object {name:?} from bucket {bucket:?}");
            js.close().await
        }
        None => {
            confirm(
                args.force,
                &format!("delete bucket {bucket:?} with all its objects"),
            )?;
            let js = js_args.open().await?;
            let doing = format!("delete bucket {bucket:?}");
            js.js
                .delete_object_store(bucket)
                .await
                .map_err(|e| obj_failed(&doing, bucket, e))?;
            note!("Deleted bucket {bucket:?}");
            js.close().await
        }
    }
}
