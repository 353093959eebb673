//! `natskit consumer rm STREAM NAME`: delete a consumer, asking first unless `--force`.

use clap::Args;

use crate::error::CliError;
use crate::js::confirm::confirm;
use crate::js::error::{failed, About, ConsumerName};
use crate::js::{check, JsArgs};

/// Arguments of `natskit consumer rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// The stream.
    stream: String,

    /// The consumer's name.
    name: String,

    /// Delete without asking (needed when standard input is not a terminal).
    #[arg(short, long)]
    force: bool,
}

/// Deletes the consumer; the stream's messages stay.
pub async fn run(args: RmArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::stream(&args.stream)?;
    check::consumer(&args.name)?;
    let (stream, consumer) = (args.stream.as_str(), args.name.as_str());
    let name = ConsumerName(stream, consumer);
    confirm(args.force, &format!("delete {name}"))?;
    let js = js_args.open().await?;
    js.js.delete_consumer(stream, consumer).await.map_err(|e| {
        failed(
            &format!("delete {name}"),
            About::Consumer { stream, consumer },
            e,
        )
    })?;
    note!("Deleted {name}");
    js.close().await
}
