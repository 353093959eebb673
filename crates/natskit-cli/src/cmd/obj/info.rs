//! `natskit obj info BUCKET [NAME]`: a bucket's status, or an object's info, read now.

use clap::Args;

use super::{bucket, render};
use crate::error::CliError;
use crate::js::obj_error::obj_failed;
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit obj info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The bucket.
    bucket: String,

    /// The object [default: the bucket's status]
    name: Option<String>,

    /// Print the status or the info as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Asks the server and prints its answer.
pub async fn run(args: InfoArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::object_bucket(&args.bucket)?;
    if let Some(name) = &args.name {
        check::object_name(name)?;
    }
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let bucket = args.bucket.as_str();
    let text = match &args.name {
        Some(name) => {
            let doing = format!("read object {name:?} in bucket {bucket:?}");
            let info = store
                .info(name)
                .await
                .map_err(|e| obj_failed(&doing, bucket, e))?;
            if args.json {
                json::line(&json::obj_info(&info))?
            } else {
                render::object(&info)
            }
        }
        None => {
            let doing = format!("read bucket {bucket:?}");
            let status = store
                .status()
                .await
                .map_err(|e| obj_failed(&doing, bucket, e))?;
            if args.json {
                json::line(&json::obj_status(&status))?
            } else {
                render::status(&status)
            }
        }
    };
    print(text.as_bytes())?;
    js.close().await
}
