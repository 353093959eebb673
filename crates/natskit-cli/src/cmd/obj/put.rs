//! `natskit obj put BUCKET FILE`: store a file (or, with `-`, standard input) as an object,
//! streamed a chunk at a time, never read whole into memory.

use std::io::IsTerminal;

use clap::Args;
use natskit::jetstream::object::ObjectMeta;
use tokio::io::AsyncRead;

use super::progress::{self, Counted};
use super::{bucket, render};
use crate::error::CliError;
use crate::js::obj_error::obj_failed;
use crate::js::{check, json, show, JsArgs};
use crate::output::print;

/// Arguments of `natskit obj put`.
#[derive(Debug, Args)]
pub struct PutArgs {
    /// The bucket.
    bucket: String,

    /// The file to store, or `-` for standard input.
    file: String,

    /// The object's name [default: the file's name; needed for standard input]
    // Not `--name`, which the `nats` CLI has here: that is the connection name every
    // command takes.
    #[arg(long, value_name = "NAME")]
    object: Option<String>,

    /// What the object is.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,

    /// No progress bar, even on a terminal.
    #[arg(long)]
    no_progress: bool,

    /// Print the stored object's info as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Stores the object and prints its info.
pub async fn run(args: PutArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::object_bucket(&args.bucket)?;
    let name = object_name(&args)?;
    check::object_name(&name)?;
    let (input, size) = open(&args.file).await?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let mut meta = ObjectMeta::new(name.as_str());
    if let Some(description) = &args.description {
        meta = meta.description(description.as_str());
    }
    let input = Counted::new(input, progress::bar(size, args.no_progress));
    let doing = format!("put object {name:?} in bucket {:?}", args.bucket);
    let stored = tokio::select! {
        stored = store.put(meta, input) => {
            stored.map_err(|e| obj_failed(&doing, &args.bucket, e))
        }
        // Dropping the put leaves chunks without meta, which no reader sees; say so.
        _ = tokio::signal::ctrl_c() => Err(CliError::msg(format!(
            "{doing}: interrupted; the object was not stored"
        ))),
    };
    let info = stored?;
    note!(
        "Stored object {name:?} in bucket {:?} ({} in {} chunks)",
        args.bucket,
        show::size(info.size),
        info.chunks
    );
    let text = if args.json {
        json::line(&json::obj_info(&info))?
    } else {
        render::object(&info)
    };
    print(text.as_bytes())?;
    js.close().await
}

/// `--object`, else the file's own name; standard input has none.
fn object_name(args: &PutArgs) -> Result<String, CliError> {
    if let Some(name) = &args.object {
        return Ok(name.clone());
    }
    if args.file == "-" {
        return Err(CliError::msg(
            "--object names the object when it comes from standard input",
        ));
    }
    std::path::Path::new(&args.file)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| {
            CliError::msg(format!(
                "{:?} has no file name to name the object by; --object names it",
                args.file
            ))
        })
}

/// The input and its size when known: a file opened (refused when it is a directory), or
/// standard input.
async fn open(file: &str) -> Result<(Box<dyn AsyncRead + Unpin + Send>, Option<u64>), CliError> {
    if file == "-" {
        if std::io::stdin().is_terminal() {
            note!("Reading the object from standard input; end it with Ctrl-D");
        }
        return Ok((Box::new(tokio::io::stdin()), None));
    }
    let cannot = |e| CliError::io(&format!("cannot read {file:?}"), e);
    let opened = tokio::fs::File::open(file).await.map_err(cannot)?;
    let metadata = opened.metadata().await.map_err(cannot)?;
    if metadata.is_dir() {
        return Err(CliError::msg(format!(
            "{file:?} is a directory, not a file"
        )));
    }
    let size = metadata.is_file().then_some(metadata.len());
    Ok((Box::new(opened), size))
}
