//! `natskit stream rm NAME`: delete a stream, asking first unless `--force`.

use clap::Args;

use crate::error::CliError;
use crate::js::confirm::confirm;
use crate::js::error::{failed, About};
use crate::js::{check, JsArgs};

/// Arguments of `natskit stream rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The stream's name.
    name: String,

    /// Delete without asking (needed when standard input is not a terminal).
    #[arg(short, long)]
    force: bool,
}

/// Deletes the stream with its messages and consumers.
pub async fn run(args: RmArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::stream(&args.name)?;
    confirm(
        args.force,
        &format!(
            "delete stream {:?} with all its messages and consumers",
            args.name
        ),
    )?;
    let js = js_args.open().await?;
    let doing = format!("delete stream {:?}", args.name);
    js.js
        .delete_stream(&args.name)
        .await
        .map_err(|e| failed(&doing, About::Stream(&args.name), e))?;
    note!("Deleted stream {:?}", args.name);
    js.close().await
}
