//! `natskit consumer add STREAM NAME`: create a durable consumer from flags, pull by default,
//! push with `--target`, and print what the server made of it.

use std::time::Duration;

use clap::Args;
use natskit::jetstream::{ConsumerConfig, DeliverPolicy};

use super::render;
use crate::duration::parse_duration;
use crate::error::CliError;
use crate::js::error::{failed, About};
use crate::js::parse::{self, Ack, Replay};
use crate::js::{check, json, JsArgs};
use crate::output::print;

/// Arguments of `natskit consumer add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The stream to read.
    stream: String,

    /// The consumer's (durable) name: no `.`, `*`, `>`, whitespace or path separators.
    name: String,

    /// A pull consumer: clients ask for messages (`consumer next`). The default.
    #[arg(long, conflicts_with_all = ["push", "target"])]
    #[allow(dead_code)] // the default said out loud: clap checks it, nothing else reads it
    pull: bool,

    /// A push consumer: the server sends messages to --target.
    #[arg(long, requires = "target")]
    #[allow(dead_code)] // --target alone makes a push consumer; this only reads better
    push: bool,

    /// Where a push consumer delivers (makes it a push consumer).
    #[arg(long, value_name = "SUBJECT")]
    target: Option<String>,

    /// The queue group that shares a push consumer's deliveries.
    #[arg(long, value_name = "GROUP", requires = "target")]
    deliver_group: Option<String>,

    /// A push consumer's heartbeat when idle.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "target")]
    heartbeat: Option<Duration>,

    /// A push consumer waits for its subscriber to keep up (needs --heartbeat).
    #[arg(long, requires = "target")]
    flow_control: bool,

    /// Only messages on subjects matching this one (wildcards allowed); repeat or separate
    /// with commas for several.
    #[arg(long, value_name = "SUBJECT", value_delimiter = ',')]
    filter: Vec<String>,

    /// Where delivery starts: all, last, new, last_per_subject, a stream sequence (100), a
    /// duration ago (1h) or an RFC 3339 time.
    #[arg(long, value_name = "POLICY", default_value = "all", value_parser = parse::deliver)]
    deliver: DeliverPolicy,

    /// Which deliveries need an acknowledgement.
    #[arg(long, value_enum, default_value = "explicit")]
    ack: Ack,

    /// How long the server waits for an acknowledgement before delivering again
    /// [default: 30s]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    wait: Option<Duration>,

    /// Most deliveries of one message; -1 for no limit [default: -1]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse::limit)]
    max_deliver: Option<i64>,

    /// Most messages awaiting acknowledgement at once; -1 for no limit [default: 1000]
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = parse::limit)]
    max_pending: Option<i64>,

    /// Most pull requests waiting at once [default: 512]
    #[arg(long, value_name = "N", value_parser = parse::at_least_one, conflicts_with = "target")]
    max_waiting: Option<u64>,

    /// The pace of delivery.
    #[arg(long, value_enum, default_value = "instant")]
    replay: Replay,

    /// Waits before each redelivery instead of --wait (1s,5s,30s; the last one repeats);
    /// use with --max-deliver.
    #[arg(long, value_name = "DURATIONS", value_delimiter = ',', value_parser = parse::backoff)]
    backoff: Vec<Duration>,

    /// Remove the consumer after this long without clients [default: never]
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    inactive_threshold: Option<Duration>,

    /// Deliver only headers (and Nats-Msg-Size), not payloads.
    #[arg(long)]
    headers_only: bool,

    /// What the consumer is for.
    #[arg(long, value_name = "TEXT")]
    description: Option<String>,

    /// Print the new consumer's info as one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Checks the flags, creates the consumer and prints its info.
pub async fn run(args: AddArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::stream(&args.stream)?;
    check::consumer(&args.name)?;
    for subject in &args.filter {
        check::filter("--filter", subject)?;
    }
    if let Some(target) = &args.target {
        check::literal("--target", target)?;
    }
    let config = config(&args)?;
    let js = js_args.open().await?;
    let (stream, consumer) = (args.stream.as_str(), args.name.as_str());
    let doing = format!("create consumer {consumer:?} on stream {stream:?}");
    let info = js
        .js
        .create_consumer(stream, config)
        .await
        .map_err(|e| failed(&doing, About::Consumer { stream, consumer }, e))?;
    let text = if args.json {
        json::line(&json::consumer_info(&info))?
    } else {
        render::info(&info)
    };
    note!("Created consumer {:?} on stream {stream:?}", info.name);
    print(text.as_bytes())?;
    js.close().await
}

/// The configuration the flags describe; what they leave out is the server's default.
fn config(args: &AddArgs) -> Result<ConsumerConfig, CliError> {
    let (filter_subject, filter_subjects) = match args.filter.as_slice() {
        [] => (String::new(), Vec::new()),
        [one] => (one.clone(), Vec::new()),
        many => (String::new(), many.to_vec()),
    };
    let max_waiting = match args.max_waiting {
        Some(n) => i64::try_from(n)
            .map_err(|_| CliError::msg(format!("--max-waiting {n} is too large")))?,
        None => 0,
    };
    Ok(ConsumerConfig {
        description: args.description.clone().unwrap_or_default(),
        deliver_subject: args.target.clone().unwrap_or_default(),
        deliver_group: args.deliver_group.clone().unwrap_or_default(),
        idle_heartbeat: args.heartbeat.unwrap_or_default(),
        flow_control: args.flow_control,
        filter_subject,
        filter_subjects,
        deliver_policy: args.deliver.clone(),
        ack_policy: args.ack.into(),
        ack_wait: args.wait.unwrap_or_default(),
        max_deliver: args.max_deliver.unwrap_or(0),
        max_ack_pending: args.max_pending.unwrap_or(0),
        max_waiting,
        replay_policy: args.replay.into(),
        backoff: args.backoff.clone(),
        inactive_threshold: args.inactive_threshold.unwrap_or_default(),
        headers_only: args.headers_only,
        ..ConsumerConfig::durable(args.name.clone())
    })
}
