//! `natskit consumer info STREAM NAME`: a consumer's configuration and progress.

use clap::Args;

use super::render;
use crate::error::CliError;
use crate::js::error::{failed, About};
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit consumer info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The stream.
    stream: String,

    /// The consumer's name.
    name: String,

    /// Print the info as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Asks the server and prints its answer.
pub async fn run(args: InfoArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::stream(&args.stream)?;
    check::consumer(&args.name)?;
    let js = js_args.open().await?;
    let (stream, consumer) = (args.stream.as_str(), args.name.as_str());
    let doing = format!("read consumer {consumer:?} of stream {stream:?}");
    let info = js
        .js
        .consumer_info(stream, consumer)
        .await
        .map_err(|e| failed(&doing, About::Consumer { stream, consumer }, e))?;
    let text = if args.json {
        json::line(&json::consumer_info(&info))?
    } else {
        render::info(&info)
    };
    print(text.as_bytes())?;
    js.close().await
}
