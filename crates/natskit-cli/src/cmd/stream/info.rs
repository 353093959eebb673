//! `natskit stream info NAME`: a stream's configuration and state.

use clap::Args;

use super::render;
use crate::error::CliError;
use crate::js::error::{failed, About};
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit stream info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The stream's name.
    name: String,

    /// Print the info as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Asks the server and prints its answer.
pub async fn run(args: InfoArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::stream(&args.name)?;
    let js = js_args.open().await?;
    let doing = format!("read stream {:?}", args.name);
    let info = js
        .js
        .stream_info(&args.name)
        .await
        .map_err(|e| failed(&doing, About::Stream(&args.name), e))?;
    let text = if args.json {
        json::line(&json::stream_info(&info))?
    } else {
        render::info(&info)
    };
    print(text.as_bytes())?;
    js.close().await
}
