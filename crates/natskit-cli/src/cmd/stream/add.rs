//! `natskit stream add NAME`: create a stream from flags and print what the server made of it.

use std::time::Duration;

use clap::Args;
use natskit::jetstream::StreamConfig;

use super::render;
use crate::duration::{parse_duration, parse_pause};
use crate::error::CliError;
use crate::js::error::{failed, About};
use crate::js::parse::{self, Discard, Retention, Storage};
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit stream add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The stream's name: no `.`, `*`, `>`, whitespace or path separators.
    name: String,

    /// Subjects the stream captures, wildcards allowed; repeat or separate with commas
    /// [default: the stream's name]
    #[arg(long = "subjects", value_name = "SUBJECT", value_delimiter = ',')]
    subjects: Vec<String>,

    /// Where messages are kept.
    #[arg(long, value_enum, default_value = "file")]
    storage: Storage,

    /// When messages may be removed besides the limits.
    #[arg(long, value_enum, default_value = "limits")]
    retention: Retention,

    /// What a full stream does with a new message.
    #[arg(long, value_enum, default_value = "old")]
    discard: Discard,

    /// With --discard new, apply --max-msgs-per-subject by refusing new messages.
    #[arg(long)]
    discard_per_subject: bool,

    /// Most messages kept; -1 for no limit [default: -1]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse::limit)]
    max_msgs: Option<i64>,

    /// Most bytes kept (1024, 512MiB, 1GB); -1 for no limit [default: -1]
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true, value_parser = parse::size_limit)]
    max_bytes: Option<i64>,

    /// How long a message is kept (30s, 24h); 0 for ever [default: 0]
    #[arg(long, value_name = "DURATION", value_parser = parse_pause)]
    max_age: Option<Duration>,

    /// Largest message accepted (1MiB); -1 for the server's limit [default: -1]
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true, value_parser = parse::message_size_limit)]
    max_msg_size: Option<i32>,

    /// Most messages kept per subject; -1 for no limit [default: -1]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse::limit)]
    max_msgs_per_subject: Option<i64>,

    /// Most consumers; -1 for no limit [default: -1]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse::limit)]
    max_consumers: Option<i64>,

    /// How long `Nats-Msg-Id` duplicates are detected [default: 2m]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    dupe_window: Option<Duration>,

    /// Copies kept in a cluster.
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse::at_least_one)]
    replicas: u64,

    /// Let any replica answer direct gets (faster reads).
    #[arg(long)]
    allow_direct: bool,

    /// Let a `Nats-Rollup` header remove the messages before it.
    #[arg(long)]
    allow_rollup: bool,

    /// Refuse to delete single messages.
    #[arg(long)]
    deny_delete: bool,

    /// Refuse to purge the stream.
    #[arg(long)]
    deny_purge: bool,

    /// What the stream is for.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,

    /// Print the new stream's info as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Checks the flags, creates the stream and prints its info.
pub async fn run(args: AddArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::stream(&args.name)?;
    for subject in &args.subjects {
        check::filter("--subjects", subject)?;
    }
    let config = config(&args)?;
    let js = js_args.open().await?;
    let doing = format!("create stream {:?}", args.name);
    let info = js
        .js
        .create_stream(config)
        .await
        .map_err(|e| failed(&doing, About::Stream(&args.name), e))?;
    let text = if args.json {
        json::line(&json::stream_info(&info))?
    } else {
        render::info(&info)
    };
    note!("Created stream {:?}", info.config.name);
    print(text.as_bytes())?;
    js.close().await
}

/// The configuration the flags describe; what they leave out is the server's default.
fn config(args: &AddArgs) -> Result<StreamConfig, CliError> {
    let replicas = usize::try_from(args.replicas)
        .map_err(|_| CliError::msg(format!("--replicas {} is too many", args.replicas)))?;
    Ok(StreamConfig {
        description: args.description.clone().unwrap_or_default(),
        subjects: args.subjects.clone(),
        retention: args.retention.into(),
        storage: args.storage.into(),
        discard: args.discard.into(),
        discard_new_per_subject: args.discard_per_subject,
        max_msgs: args.max_msgs.unwrap_or(-1),
        max_bytes: args.max_bytes.unwrap_or(-1),
        max_age: args.max_age.unwrap_or_default(),
        max_msg_size: args.max_msg_size.unwrap_or(-1),
        max_msgs_per_subject: args.max_msgs_per_subject.unwrap_or(-1),
        max_consumers: args.max_consumers.unwrap_or(-1),
        duplicate_window: args.dupe_window.unwrap_or_default(),
        num_replicas: replicas,
        allow_direct: args.allow_direct,
        allow_rollup_hdrs: args.allow_rollup,
        deny_delete: args.deny_delete,
        deny_purge: args.deny_purge,
        ..StreamConfig::new(args.name.clone())
    })
}
