//! `natskit kv history BUCKET KEY`: every entry of a key still kept, oldest first, deletes and
//! purges included.

use clap::Args;

use super::{bucket, render};
use crate::error::CliError;
use crate::js::kv_error::kv_failed;
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit kv history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The bucket.
    bucket: String,

    /// The key.
    key: String,

    /// Print each entry as a JSON document, one a line, as `kv get --json` does.
    #[arg(long)]
    json: bool,
}

/// Reads the key's history and prints it as a table or JSON lines.
pub async fn run(args: HistoryArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    check::key(&args.key)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let (bucket, key) = (args.bucket.as_str(), args.key.as_str());
    let doing = format!("read the history of key {key:?} in bucket {bucket:?}");
    let entries = store
        .history(key)
        .await
        .map_err(|e| kv_failed(&doing, bucket, e))?;
    if entries.is_empty() {
        return Err(CliError::msg(format!(
            "key {key:?} not found in bucket {bucket:?}"
        )));
    }
    let text = if args.json {
        let mut text = String::new();
        for entry in &entries {
            text.push_str(&json::kv_entry(entry)?);
        }
        text
    } else {
        render::history(&entries)
    };
    print(text.as_bytes())?;
    js.close().await
}
