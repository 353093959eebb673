//! `natskit obj get BUCKET NAME`: fetch an object into a file (or standard output), streamed
//! chunk by chunk, its size and SHA-256 digest checked; a file appears only once they match.

use clap::Args;
use tokio::io::AsyncReadExt;

use super::bucket;
use super::progress::{self, Counted};
use super::target::{Target, Writing};
use crate::error::CliError;
use crate::js::obj_error::{obj_failed, obj_read_failed};
use crate::js::{check, show, JsArgs};

/// How much is read from the object at a time.
const BUFFER: usize = 128 * 1024;

/// Arguments of `natskit obj get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The bucket.
    bucket: String,

    /// The object.
    name: String,

    /// The file to write, or `-` for standard output [default: the last part of the object's
    /// name, in the current directory]
    #[arg(short = 'O', long, value_name = "FILE")]
    output: Option<String>,

    /// Replace the file if it exists.
    #[arg(short, long)]
    force: bool,

    /// No progress bar, even on a terminal.
    #[arg(long)]
    no_progress: bool,
}

/// Reads the object into its target.
pub async fn run(args: GetArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::object_bucket(&args.bucket)?;
    check::object_name(&args.name)?;
    let target = Target::choose(args.output.as_deref(), &args.name, args.force)?;
    let (js, store) = bucket::open(js_args, &args.bucket).await?;
    let (bucket, name) = (args.bucket.as_str(), args.name.as_str());
    let doing = format!("get object {name:?} from bucket {bucket:?}");
    let reader = store
        .get(name)
        .await
        .map_err(|e| obj_failed(&doing, bucket, e))?;
    let size = reader.info().size;
    let mut reader = Counted::new(reader, progress::bar(Some(size), args.no_progress));
    let mut out = target.open().await?;
    let copied = tokio::select! {
        copied = copy(&mut reader, &mut out, &doing, bucket) => copied,
        _ = tokio::signal::ctrl_c() => Err(CliError::msg(format!("{doing}: interrupted"))),
    };
    if let Err(e) = copied {
        reader.abandon();
        drop(out);
        return Err(match e {
            CliError::BrokenPipe => e,
            e => CliError::msg(format!("{e}; {}", left_behind(&target))),
        });
    }
    out.commit().await?;
    reader.finish();
    let info = reader.inner().info();
    note!(
        "Wrote object {name:?} ({}, {}) to {}",
        show::size(info.size),
        info.digest,
        target.describe()
    );
    js.close().await
}

/// Reads all of the object into `out`; a read that fails (the digest, say) is the object's
/// error, a write that fails is the target's.
async fn copy(
    reader: &mut Counted<natskit::jetstream::object::ObjectReader>,
    out: &mut Writing,
    doing: &str,
    bucket: &str,
) -> Result<(), CliError> {
    let mut buffer = vec![0u8; BUFFER];
    loop {
        let read = reader
            .read(&mut buffer)
            .await
            .map_err(|e| obj_read_failed(doing, bucket, e))?;
        if read == 0 {
            return Ok(());
        }
        out.write_all(&buffer[..read])
            .await
            .map_err(|e| CliError::io("writing the object", e))?;
    }
}

/// What a failed get left: nothing, for a file; for standard output, what was written before
/// the failure showed.
fn left_behind(target: &Target) -> String {
    match target {
        Target::File(path) => format!("{:?} was not written", path.display().to_string()),
        Target::Stdout => "what was written to standard output is incomplete".into(),
    }
}
