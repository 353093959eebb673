//! `natskit consumer ls STREAM`: a stream's consumers as a table, their names, or their infos
//! as JSON lines.

use clap::Args;

use super::render;
use crate::error::CliError;
use crate::js::error::{failed, About};
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit consumer ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// The stream.
    stream: String,

    /// Print only the names, one a line.
    #[arg(short, long, conflicts_with = "json")]
    names: bool,

    /// Print each consumer's info as a JSON document, one a line, instead of a table.
    #[arg(long)]
    json: bool,
}

/// Lists the consumers, sorted by name.
pub async fn run(args: LsArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::stream(&args.stream)?;
    let js = js_args.open().await?;
    let doing = format!("list the consumers of stream {:?}", args.stream);
    let about = About::Stream(&args.stream);
    let text = if args.names {
        let mut names = js
            .js
            .consumer_names(&args.stream)
            .await
            .map_err(|e| failed(&doing, about, e))?;
        names.sort();
        names.iter().map(|name| format!("{name}\n")).collect()
    } else {
        let mut consumers = js
            .js
            .consumers(&args.stream)
            .await
            .map_err(|e| failed(&doing, about, e))?;
        consumers.sort_by(|a, b| a.name.cmp(&b.name));
        if consumers.is_empty() {
            note!("No consumers on stream {:?}", args.stream);
            String::new()
        } else if args.json {
            let mut text = String::new();
            for info in &consumers {
                text.push_str(&json::line(&json::consumer_info(info))?);
            }
            text
        } else {
            render::table(&consumers)
        }
    };
    print(text.as_bytes())?;
    js.close().await
}
