//! `natskit kv watch BUCKET [FILTER]`: the latest value of each key (or all of the history, or
//! none), a line marking the end of those initial values, then every change as it happens,
//! until stopped (Ctrl-C) or the connection closes.

use std::io::Write;

use clap::Args;
use futures_util::StreamExt;
use natskit::jetstream::kv::{KvError, WatchEvent, WatchOptions};

use super::{bucket, render};
use crate::error::CliError;
use crate::js::kv_error::kv_failed;
use crate::js::{check, json, JsArgs};
use crate::style::{Palette, Role};

/// Arguments of `natskit kv watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The bucket.
    bucket: String,

    /// Only keys matching this: a key, or a pattern with `*` for one token and a final `>`
    /// for the rest.
    #[arg(default_value = ">")]
    filter: String,

    /// Begin with every value still kept, not only the latest of each key.
    #[arg(long, conflicts_with = "updates_only")]
    history: bool,

    /// Begin with no stored value: only changes from now on.
    #[arg(long)]
    updates_only: bool,

    /// Leave out deletes and purges.
    #[arg(long)]
    ignore_deletes: bool,

    /// Print each entry as a JSON document, one a line, as `kv get --json` does; the end of
    /// the initial values is `{"bucket": ..., "end_of_initial": true}`.
    #[arg(long)]
    json: bool,
}

/// Watches and prints until stopped.
pub async fn run(args: WatchArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::bucket(&args.bucket)?;
    check::key_filter(&args.filter)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let bucket = args.bucket.as_str();
    let doing = format!("watch bucket {bucket:?}");
    let mut watch = store
        .watch_with(&args.filter, options(&args))
        .await
        .map_err(|e| kv_failed(&doing, bucket, e))?;
    note!(
        "Watching bucket {bucket:?} for keys matching {:?}",
        args.filter
    );
    let palette = Palette::stdout();
    while let Some(event) = watch.next().await {
        match event {
            Ok(event) => show(&args, palette, &event)?,
            // The watch resumes by itself (a missed heartbeat, say): worth knowing, no more.
            Err(KvError::Watch(e)) if !e.is_terminal() => {
                note!(
                    "{}",
                    Palette::stderr().paint(Role::Warning, format!("warning: {e}"))
                );
            }
            Err(e) => return Err(kv_failed(&doing, bucket, e)),
        }
    }
    drop(watch);
    js.close().await?;
    Err(CliError::msg(format!(
        "the connection to the server closed while watching bucket {bucket:?}"
    )))
}

/// The watch the flags ask for.
fn options(args: &WatchArgs) -> WatchOptions {
    let mut options = WatchOptions::default();
    if args.history {
        options = options.include_history();
    }
    if args.updates_only {
        options = options.updates_only();
    }
    if args.ignore_deletes {
        options = options.ignore_deletes();
    }
    options
}

/// Writes one event to standard output, flushed, as `--json` or the human form say.
fn show(args: &WatchArgs, palette: Palette, event: &WatchEvent) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    let written = match (event, args.json) {
        (WatchEvent::Entry(entry), true) => {
            let line = json::kv_entry(entry)?;
            out.write_all(line.as_bytes()).and_then(|()| out.flush())
        }
        (WatchEvent::Entry(entry), false) => render::write_change(&mut out, palette, entry),
        (WatchEvent::EndOfInitial, true) => {
            let line = json::kv_end_of_initial(&args.bucket)?;
            out.write_all(line.as_bytes()).and_then(|()| out.flush())
        }
        (WatchEvent::EndOfInitial, false) => {
            let line = palette.paint(Role::Detail, render::END_OF_INITIAL);
            writeln!(out, "{line}").and_then(|()| out.flush())
        }
    };
    written.map_err(|e| CliError::io("writing to standard output", e))
}
