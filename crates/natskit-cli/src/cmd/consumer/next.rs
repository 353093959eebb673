//! `natskit consumer next STREAM NAME`: take the next messages from a pull consumer, print
//! each, and acknowledge it once printed (confirmed by the server) unless `--no-ack`.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use futures_util::StreamExt;
use natskit::jetstream::{
    AckError, AckPolicy, Fetch, JetStreamError, Message, MessageInfo, PullConsumer,
};
use tokio::time::Instant;

use crate::duration::parse_duration;
use crate::error::CliError;
use crate::js::error::{ack_failed, consume_failed, failed, About, ConsumerName};
use crate::js::{check, json, show, JetStream, JsArgs};
use crate::output::{write_body, write_payload};
use crate::style::{Palette, Role};

/// Arguments of `natskit consumer next`.
#[derive(Debug, Args)]
pub struct NextArgs {
    /// The stream.
    stream: String,

    /// The pull consumer's name.
    name: String,

    /// How many messages to take (fewer when fewer come within --wait).
    #[arg(short, long, value_name = "N", default_value = "1", value_parser = crate::cmd::parse_count)]
    count: u64,

    /// Leave the messages unacknowledged: the consumer delivers them again after its ack wait.
    #[arg(long)]
    no_ack: bool,

    /// How long to wait for the messages.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    wait: Duration,

    /// Print each message as a JSON document, one a line: stream, consumer, subject,
    /// stream_seq, consumer_seq, delivered, pending, published, headers, and payload (text)
    /// or payload_base64.
    #[arg(long, conflicts_with = "raw")]
    json: bool,

    /// Print only the payloads, one a line.
    #[arg(long)]
    raw: bool,
}

/// Pulls up to `--count` messages in one request, printing and acknowledging each.
pub async fn run(args: NextArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::stream(&args.stream)?;
    check::consumer(&args.name)?;
    let js = js_args.open().await?;
    let (stream, consumer) = (args.stream.as_str(), args.name.as_str());
    let name = ConsumerName(stream, consumer);
    let pull = pull_consumer(&js, stream, consumer).await?;
    let config = &pull.cached_info().config;
    let acks = !args.no_ack && config.ack_policy != AckPolicy::None;
    let mut batch = pull
        .fetch(Fetch::messages(args.count).expires(args.wait))
        .await
        .map_err(|e| {
            failed(
                &format!("read {name}"),
                About::Consumer { stream, consumer },
                e,
            )
        })?;
    // The server ends the request after --wait; this bounds the wait should it not.
    let deadline = Instant::now() + args.wait + js_args.api_timeout();
    let mut got = 0u64;
    while got < args.count {
        let msg = match tokio::time::timeout_at(deadline, batch.next()).await {
            Ok(Some(Ok(msg))) => msg,
            Ok(Some(Err(e))) if !e.is_terminal() => {
                let warning = format!("warning: {e}");
                note!("{}", Palette::stderr().paint(Role::Warning, warning));
                continue;
            }
            Ok(Some(Err(e))) => return Err(consume_failed(stream, consumer, &e)),
            Ok(None) | Err(_) => break,
        };
        got += 1;
        let info = msg.info().map_err(|e| {
            CliError::msg(format!(
                "a message from {name} has no JetStream metadata: {e}"
            ))
        })?;
        show_message(&args, got, &msg, &info)?;
        if acks {
            match msg.double_ack().await {
                Ok(()) => {}
                // Sent, but late: the message may be delivered again; the rest can go on.
                Err(e @ AckError::AfterAckWait { .. }) => note!(
                    "{}",
                    Palette::stderr().paint(Role::Warning, format!("warning: {e}"))
                ),
                Err(e) => return Err(ack_failed(info.stream_sequence, &e)),
            }
        }
    }
    drop(batch);
    if got == 0 {
        return Err(CliError::msg(format!(
            "no message from {name} within {}",
            show::duration(args.wait)
        )));
    }
    if got < args.count {
        let warning = format!(
            "warning: {got} of {} messages came within {}",
            args.count,
            show::duration(args.wait)
        );
        note!("{}", Palette::stderr().paint(Role::Warning, warning));
    }
    let messages = if got == 1 { "message" } else { "messages" };
    if acks {
        note!("Acknowledged {got} {messages}");
    } else if config.ack_policy != AckPolicy::None {
        note!(
            "Left {got} {messages} unacknowledged: {name} delivers {} again after its ack wait ({})",
            if got == 1 { "it" } else { "them" },
            match config.ack_wait {
                d if d.is_zero() => "30s".to_owned(),
                d => show::duration(d),
            }
        );
    }
    js.close().await
}

/// The pull consumer's handle; a push consumer is refused with what reads it instead.
async fn pull_consumer(
    js: &JetStream,
    stream: &str,
    consumer: &str,
) -> Result<PullConsumer, CliError> {
    let name = ConsumerName(stream, consumer);
    js.js
        .pull_consumer(stream, consumer)
        .await
        .map_err(|e| match e {
            JetStreamError::InvalidConfig { .. } => CliError::msg(format!(
                "{name} is a push consumer: 'natskit sub' on its target subject reads it"
            )),
            other => failed(
                &format!("read {name}"),
                About::Consumer { stream, consumer },
                other,
            ),
        })
}

/// Writes one message to standard output as `--json`, `--raw` or the human form say.
fn show_message(
    args: &NextArgs,
    number: u64,
    msg: &Message,
    info: &MessageInfo,
) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let line = json::delivered_message(msg, info)?;
        out.write_all(line.as_bytes()).and_then(|()| out.flush())
    } else if args.raw {
        write_payload(&mut out, msg)
    } else {
        write_human(&mut out, Palette::stdout(), number, msg, info)
    };
    written.map_err(|e| CliError::io("writing to standard output", e))
}

/// `[#1] Received on "orders.eu.7" (stream sequence 3, delivery 1, 2 pending)`, then the
/// headers and payload as `sub` shows them.
fn write_human(
    out: &mut impl Write,
    palette: Palette,
    number: u64,
    msg: &Message,
    info: &MessageInfo,
) -> std::io::Result<()> {
    let detail = format!(
        "(stream sequence {}, delivery {}, {} pending)",
        info.stream_sequence, info.delivered, info.pending
    );
    writeln!(
        out,
        "{} Received on {} {}",
        palette.paint(Role::Number, format!("[#{number}]")),
        palette.paint(Role::Subject, format!("{:?}", msg.subject.as_str())),
        palette.paint(Role::Detail, detail)
    )?;
    write_body(out, palette, false, msg)
}
