//! `natskit obj ls [BUCKET]`: a bucket's objects, or without a bucket the buckets; as a table,
//! names only, or JSON documents one a line.

use clap::Args;

use super::{bucket, render};
use crate::error::CliError;
use crate::js::obj_error::obj_failed;
use crate::js::{check, json, JetStream, JsArgs};
use crate::output::print;

/// Arguments of `natskit obj ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// The bucket whose objects to list [default: list the buckets]
    bucket: Option<String>,

    /// Print only the names, one a line.
    #[arg(short, long, conflicts_with = "json")]
    names: bool,

    /// Print each object's info (or each bucket's status) as a JSON document, one a line.
    #[arg(long)]
    json: bool,
}

/// Lists the objects or the buckets, sorted by name.
pub async fn run(args: LsArgs, js_args: &JsArgs) -> Result<(), CliError> {
    let (js, text) = match &args.bucket {
        Some(bucket) => {
            check::object_bucket(bucket)?;
            let (js, store) = bucket::open(js_args, bucket).await?;
            let doing = format!("list the objects of bucket {bucket:?}");
            let mut infos = store
                .list()
                .await
                .map_err(|e| obj_failed(&doing, bucket, e))?;
            infos.sort_by(|a, b| a.name.cmp(&b.name));
            let text = if infos.is_empty() {
                note!("No objects in bucket {bucket:?}");
                String::new()
            } else if args.names {
                infos
                    .iter()
                    .map(|info| format!("{}\n", info.name))
                    .collect()
            } else if args.json {
                lines(infos.iter().map(json::obj_info))?
            } else {
                render::objects(&infos)
            };
            (js, text)
        }
        None => buckets(&args, js_args).await?,
    };
    print(text.as_bytes())?;
    js.close().await
}

/// The buckets as the flags ask.
async fn buckets(args: &LsArgs, js_args: &JsArgs) -> Result<(JetStream, String), CliError> {
    let js = js_args.open().await?;
    let fail = |e| obj_failed("list the buckets", "", e);
    let text = if args.names {
        let mut names = js.js.object_store_names().await.map_err(fail)?;
        names.sort();
        names.iter().map(|name| format!("{name}\n")).collect()
    } else {
        let mut statuses = js.js.object_stores().await.map_err(fail)?;
        statuses.sort_by(|a, b| a.bucket.cmp(&b.bucket));
        if statuses.is_empty() {
            note!("No object store buckets");
            String::new()
        } else if args.json {
            lines(statuses.iter().map(json::obj_status))?
        } else {
            render::buckets(&statuses)
        }
    };
    Ok((js, text))
}

/// JSON documents, one a line.
fn lines(documents: impl Iterator<Item = serde_json::Value>) -> Result<String, CliError> {
    let mut text = String::new();
    for document in documents {
        text.push_str(&json::line(&document)?);
    }
    Ok(text)
}
