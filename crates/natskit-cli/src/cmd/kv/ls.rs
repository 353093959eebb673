//! `natskit kv ls`: the buckets as a table, their names, or their statuses as JSON lines.

use clap::Args;
use natskit::jetstream::kv::KvError;

use super::render;
use crate::error::CliError;
use crate::js::error::{failed, About};
use crate::js::kv_error::kv_failed;
use crate::js::{json, JsArgs};
use crate::output::print;

/// Arguments of `natskit kv ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Print only the names, one a line.
    #[arg(short, long, conflicts_with = "json")]
    names: bool,

    /// Print each bucket's status as a JSON document, one a line, instead of a table.
    #[arg(long)]
    json: bool,
}

/// Lists the buckets, sorted by name.
pub async fn run(args: LsArgs, js_args: &JsArgs) -> Result<(), CliError> {
    let js = js_args.open().await?;
    let fail = |e| match e {
        KvError::JetStream(e) => failed("list the buckets", About::Streams, e),
        other => kv_failed("list the buckets", "", other),
    };
    let text = if args.names {
        let mut names = js.js.key_value_names().await.map_err(fail)?;
        names.sort();
        names.iter().map(|name| format!("{name}\n")).collect()
    } else {
        let mut statuses = js.js.key_value_statuses().await.map_err(fail)?;
        statuses.sort_by(|a, b| a.bucket.cmp(&b.bucket));
        if statuses.is_empty() {
            note!("No key-value buckets");
            String::new()
        } else if args.json {
            let mut text = String::new();
            for status in &statuses {
                text.push_str(&json::line(&json::kv_status(status))?);
            }
            text
        } else {
            render::table(&statuses)
        }
    };
    print(text.as_bytes())?;
    js.close().await
}
