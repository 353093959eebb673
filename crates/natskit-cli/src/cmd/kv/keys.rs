//! `natskit kv keys BUCKET [FILTER]`: the keys that have a value, sorted, one a line.

use clap::Args;

use super::bucket;
use crate::error::CliError;
use crate::js::kv_error::kv_failed;
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit kv keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    /// The bucket.
    bucket: String,

    /// Only keys matching this: a key, or a pattern with `*` for one token and a final `>`
    /// for the rest.
    #[arg(default_value = ">")]
    filter: String,

    /// Print each key as a JSON string, one a line.
    #[arg(long)]
    json: bool,
}

/// Lists the keys.
pub async fn run(args: KeysArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    check::key_filter(&args.filter)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let doing = format!("list the keys of bucket {:?}", args.bucket);
    let mut keys = store
        .keys_matching(&args.filter)
        .await
        .map_err(|e| kv_failed(&doing, &args.bucket, e))?;
    keys.sort();
    if keys.is_empty() {
        match args.filter.as_str() {
            ">" => note!("No keys in bucket {:?}", args.bucket),
            filter => note!("No keys matching {filter:?} in bucket {:?}", args.bucket),
        }
    }
    let mut text = String::new();
    for key in &keys {
        if args.json {
            text.push_str(&json::line(&serde_json::Value::from(key.as_str()))?);
        } else {
            text.push_str(key);
            text.push('\n');
        }
    }
    print(text.as_bytes())?;
    js.close().await
}
