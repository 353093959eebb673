//! `natskit stream get NAME SEQ` or `--last-for SUBJECT`: print one stored message.

use std::io::Write;

use clap::Args;
use natskit::jetstream::StoredMessage;

use crate::error::CliError;
use crate::js::error::{failed, About};
use crate::js::parse;
use crate::js::{check, json, show, JsArgs};
use crate::output::print;
use crate::style::{Palette, Role};

/// Arguments of `natskit stream get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The stream's name.
    name: String,

    /// The message's sequence.
    #[arg(
        value_name = "SEQ",
        value_parser = parse::at_least_one,
        required_unless_present = "last_for",
        conflicts_with = "last_for"
    )]
    seq: Option<u64>,

    /// The last message on this subject (wildcards allowed) instead of a sequence.
    #[arg(long, value_name = "SUBJECT")]
    last_for: Option<String>,

    /// Print the message as one JSON document: stream, seq, subject, time, headers (each a
    /// list of values), and payload (text) or payload_base64.
    #[arg(long)]
    json: bool,
}

/// Reads the message and prints it.
pub async fn run(args: GetArgs, js_args: &JsArgs) -> Result<(), CliError> {
    check::stream(&args.name)?;
    if let Some(subject) = &args.last_for {
        check::filter("--last-for", subject)?;
    }
    let js = js_args.open().await?;
    let doing = format!("read from stream {:?}", args.name);
    let stream = args.name.as_str();
    let got = match (&args.last_for, args.seq) {
        (Some(subject), _) => js
            .js
            .get_last_message(stream, subject)
            .await
            .map_err(|e| failed(&doing, About::LastFor { stream, subject }, e)),
        (None, Some(sequence)) => js
            .js
            .get_message(stream, sequence)
            .await
            .map_err(|e| failed(&doing, About::Sequence { stream, sequence }, e)),
        (None, None) => Err(CliError::msg("name a sequence or --last-for SUBJECT")),
    };
    let msg = got?;
    if args.json {
        print(json::stored_message(stream, &msg)?.as_bytes())?;
    } else {
        let mut out = Vec::new();
        write_message(&mut out, Palette::stdout(), &msg)
            .map_err(|e| CliError::io("writing the message", e))?;
        print(&out)?;
    }
    js.close().await
}

/// `[#3] "orders.eu.7" stored 2024-05-01T12:34:56Z`, the headers as `Key: value` lines (then a
/// blank line), the payload and a blank line.
fn write_message(
    out: &mut impl Write,
    palette: Palette,
    msg: &StoredMessage,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} {} {}",
        palette.paint(Role::Number, format!("[#{}]", msg.sequence)),
        palette.paint(Role::Subject, format!("{:?}", msg.subject)),
        palette.paint(Role::Detail, format!("stored {}", show::time(&msg.time)))
    )?;
    let mut had_headers = false;
    for (name, value) in msg.headers.iter().flat_map(|h| h.iter()) {
        writeln!(out, "{}: {value}", palette.paint(Role::HeaderName, name))?;
        had_headers = true;
    }
    if had_headers {
        writeln!(out)?;
    }
    out.write_all(&msg.payload)?;
    if msg.payload.last() != Some(&b'\n') {
        writeln!(out)?;
    }
    writeln!(out)
}
