//! `natskit obj watch BUCKET`: the latest info of each object (or all of the history, or
//! none), a line marking the end of those initial objects, then every change as it happens,
//! until stopped (Ctrl-C) or the connection closes.

use std::io::Write;

use clap::Args;
use futures_util::StreamExt;
use natskit::jetstream::object::{ObjectStoreError, WatchEvent, WatchOptions};

use super::{bucket, render};
use crate::error::CliError;
use crate::js::obj_error::obj_failed;
use crate::js::{check, json, JsArgs};
use crate::style::{Palette, Role};

/// Arguments of `natskit obj watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The bucket.
    bucket: String,

    /// Begin with every change still kept, not only the latest of each object.
    #[arg(long, conflicts_with = "updates_only")]
    history: bool,

    /// Begin with no stored object: only changes from now on.
    #[arg(long)]
    updates_only: bool,

    /// Leave out deleted objects.
    #[arg(long)]
    ignore_deletes: bool,

    /// Print each object's info as a JSON document, one a line, as `obj info --json` does;
    /// the end of the initial objects is `{"bucket": ..., "end_of_initial": true}`.
    #[arg(long)]
    json: bool,
}

/// Watches and prints until stopped.
pub async fn run(args: WatchArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::object_bucket(&args.bucket)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let bucket = args.bucket.as_str();
    let doing = format!("watch bucket {bucket:?}");
    let options = WatchOptions {
        include_history: args.history,
        ignore_deletes: args.ignore_deletes,
        updates_only: args.updates_only,
    };
    let mut watch = store
        .watch_with(options)
        .await
        .map_err(|e| obj_failed(&doing, bucket, e))?;
    note!("Watching bucket {bucket:?}");
    let palette = Palette::stdout();
    if args.updates_only {
        // The library sends no marker then; the line still says where changes begin.
        show(&args, palette, &WatchEvent::EndOfInitial)?;
    }
    while let Some(event) = watch.next().await {
        match event {
            Ok(event) => show(&args, palette, &event)?,
            // One meta message that cannot be read; the watch goes on past it.
            Err(e @ ObjectStoreError::BadMeta { .. }) => {
                note!(
                    "{}",
                    Palette::stderr().paint(Role::Warning, format!("warning: {e}"))
                );
            }
            Err(e) => return Err(obj_failed(&doing, bucket, e)),
        }
    }
    drop(watch);
    js.close().await?;
    Err(CliError::msg(format!(
        "the connection to the server closed while watching bucket {bucket:?}"
    )))
}

/// Writes one event to standard output, flushed, as `--json` or the human form say.
fn show(args: &WatchArgs, palette: Palette, event: &WatchEvent) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    let written = match (event, args.json) {
        (WatchEvent::Object(info), true) => {
            let line = json::line(&json::obj_info(info))?;
            out.write_all(line.as_bytes()).and_then(|()| out.flush())
        }
        (WatchEvent::Object(info), false) => render::write_change(&mut out, palette, info),
        (WatchEvent::EndOfInitial, true) => {
            let line = json::obj_end_of_initial(&args.bucket)?;
            out.write_all(line.as_bytes()).and_then(|()| out.flush())
        }
        (WatchEvent::EndOfInitial, false) => {
            let line = palette.paint(Role::Detail, render::END_OF_INITIAL);
            writeln!(out, "{line}").and_then(|()| out.flush())
        }
    };
    written.map_err(|e| CliError::io("writing to standard output", e))
}
