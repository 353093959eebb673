//! `natskit kv get BUCKET KEY`: print a key's latest value, or its value at `--revision`; a key
//! without one is an error.

use clap::Args;

use super::{bucket, render};
use crate::error::CliError;
use crate::js::kv_error::kv_failed;
use crate::js::{check, json, parse, JsArgs};
use crate::output::print;
use crate::style::Palette;

/// Arguments of `natskit kv get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The bucket.
    bucket: String,

    /// The key.
    key: String,

    /// The value written at this revision instead of the latest.
    #[arg(long, value_name = "N", value_parser = parse::at_least_one)]
    revision: Option<u64>,

    /// Print the value alone, byte for byte as stored (no line break added).
    #[arg(long, conflicts_with = "json")]
    raw: bool,

    /// Print the entry as one JSON document: bucket, key, revision, operation, created, delta,
    /// and value (text) or value_base64.
    #[arg(long)]
    json: bool,
}

/// Reads the value and prints it.
pub async fn run(args: GetArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    check::key(&args.key)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let (bucket, key) = (args.bucket.as_str(), args.key.as_str());
    let doing = format!("read key {key:?} from bucket {bucket:?}");
    let entry = match args.revision {
        Some(revision) => store.entry_at(key, revision).await,
        None => store.entry(key).await,
    }
    .map_err(|e| kv_failed(&doing, bucket, e))?;
    let entry = entry.ok_or_else(|| {
        CliError::msg(match args.revision {
            Some(revision) => {
                format!("key {key:?} has no value at revision {revision} in bucket {bucket:?}")
            }
            None => format!("key {key:?} not found in bucket {bucket:?}"),
        })
    })?;
    if args.json {
        print(json::kv_entry(&entry)?.as_bytes())?;
    } else if args.raw {
        print(&entry.value)?;
    } else {
        let mut out = Vec::new();
        render::write_value(&mut out, Palette::stdout(), &entry)
            .map_err(|e| CliError::io("writing the value", e))?;
        print(&out)?;
    }
    js.close().await
}
