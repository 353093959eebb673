//! `natskit stream ls`: the streams as a table, their names, or their infos as JSON lines.

use clap::Args;

use super::render;
use crate::error::CliError;
use crate::js::error::{failed, About};
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit stream ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only streams that capture subjects matching this one (wildcards allowed).
    #[arg(long, value_name = "SUBJECT")]
    subject: Option<String>,

    /// Print only the names, one a line.
    #[arg(short, long, conflicts_with = "json")]
    names: bool,

    /// Print each stream's info as a JSON document, one a line, instead of a table.
    #[arg(long)]
    json: bool,
}

/// Lists the streams, sorted by name.
pub async fn run(args: LsArgs, js_args: &JsArgs) -> Result<(), CliError> {
    if let Some(subject) = &args.subject {
        check::filter("--subject", subject)?;
    }
    let js = js_args.open().await?;
    let about = About::Streams;
    let names = match &args.subject {
        Some(subject) => Some(
            js.js
                .stream_names(Some(subject))
                .await
                .map_err(|e| failed("list the streams", about, e))?,
        ),
        None => None,
    };
    let text = if args.names {
        let mut names = match names {
            Some(names) => names,
            None => js
                .js
                .stream_names(None)
                .await
                .map_err(|e| failed("list the streams", about, e))?,
        };
        names.sort();
        names.iter().map(|name| format!("{name}\n")).collect()
    } else {
        let mut streams = js
            .js
            .streams()
            .await
            .map_err(|e| failed("list the streams", about, e))?;
        if let Some(names) = &names {
            streams.retain(|s| names.contains(&s.config.name));
        }
        streams.sort_by(|a, b| a.config.name.cmp(&b.config.name));
        if streams.is_empty() {
            note!("No streams");
            String::new()
        } else if args.json {
            let mut text = String::new();
            for info in &streams {
                text.push_str(&json::line(&json::stream_info(info))?);
            }
            text
        } else {
            render::table(&streams)
        }
    };
    print(text.as_bytes())?;
    js.close().await
}
