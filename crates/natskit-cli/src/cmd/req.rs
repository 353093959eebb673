//! `natskit req <subject> [body]`: send a request (`--count` of them, one after the other)
//! and print the answer, or the first `--replies N` answers (all that come before the timeout
//! with `--replies 0`), each with its round-trip time. The body may come from standard input.

use std::io::{IsTerminal, Write};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use clap::Args;
use futures_util::StreamExt;
use natskit::{Client, HeaderMap, Message, RequestError};
use tokio::time::Instant;

use crate::clock::short_duration;
use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::header_templates::HeaderTemplates;
use crate::template::{Fill, Place, Template};

use super::publish::{read_stdin, Body};
use crate::output::{write_headers, write_payload};
use crate::style::{Palette, Role};

/// Examples, under `natskit req --help`.
const HELP: &str = "\
Examples:
  natskit req svc.add '1 2'                  # the answer on stdout, its time on stderr
  natskit req svc.echo ping -H Trace-Id:42 --timeout 500ms
  natskit req census '' --replies 3          # the first three answers
  natskit req census '' --replies 0 --timeout 1s # every answer that comes within a second
  natskit req svc.upper < request.json       # the body from standard input
  natskit req 'svc.{{Random 1 1}}' 'ping #{{Count}}' --count 5   # five requests in turn

The subject, body and header values are templates, with the words of `natskit pub --help`
({{Count}} is the request's number); a body read from standard input is sent as it is. With
no body argument, a standard input that is not a terminal is the body (as the `nats` CLI
does); --force-stdin reads a terminal too.

Each answer's headers (then a blank line) and payload go to standard output; a line
`[#n] Received in 1.24ms` per answer goes to standard error. Nobody listening on the subject
is the error `no responders for \"subject\"`; no answer in time is a timeout; both exit with 1,
and stop a --count run there.";

/// How long to wait for answers when `--timeout` is not given.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Arguments of `natskit req`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct ReqArgs {
    /// Subject to send the request to (a template).
    pub subject: String,

    /// Request body (a template); when absent, standard input when it is not a terminal (or
    /// with --force-stdin), else empty.
    pub body: Option<String>,

    /// Header as KEY:VALUE (the value a template); repeat for more.
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,

    /// How many answers to wait for; 0 takes every answer until --timeout (default 5s).
    #[arg(long, value_name = "N", default_value = "1", value_parser = super::parse_whole)]
    pub replies: u64,

    /// Send this many requests, one after the other, each waiting for its answers;
    /// `{{Count}}` is the request's number.
    #[arg(long, value_name = "N", default_value = "1", value_parser = super::parse_count)]
    pub count: u64,

    /// Read the body from standard input even when it is a terminal.
    #[arg(long, conflicts_with = "body")]
    pub force_stdin: bool,

    /// Send the subject, body and headers as they are, braces and all.
    #[arg(long)]
    pub no_templates: bool,

    /// Where and how to connect.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// What one request is sent with, its templates filled in.
struct Asking {
    /// The subject.
    subject: String,
    /// The headers, if any.
    headers: Option<HeaderMap>,
    /// The body.
    body: Bytes,
}

/// Reads the templates (so a bad one fails before connecting) and the body, then sends the
/// `--count` requests one after the other: the first without an answer is the error.
pub async fn run(args: ReqArgs) -> Result<(), CliError> {
    let templates = !args.no_templates;
    let subject = Template::read(&args.subject, "the subject", Place::Publish, templates)?;
    let headers = HeaderTemplates::parse(&args.headers, Place::Publish, templates)?;
    let body = match &args.body {
        Some(text) => Body::new(Template::read(text, "the body", Place::Publish, templates)?),
        // As the `nats` CLI: piped input is the body; a terminal is not asked unless forced.
        None if args.force_stdin || !std::io::stdin().is_terminal() => {
            Body::Fixed(read_stdin(false).await?)
        }
        None => Body::Fixed(Bytes::new()),
    };
    if let Some(fixed) = subject.fixed() {
        natskit_proto::subject::validate_publish(&fixed)
            .map_err(|e| CliError::msg(e.to_string()))?;
    }
    let timeout = args.connect.timeout_or(DEFAULT_TIMEOUT);
    let client = args.connect.connect().await?;
    let mut shown = 0u64;
    for count in 1..=args.count {
        let fill = Fill {
            count,
            now: SystemTime::now(),
            request: None,
        };
        let asking = Asking {
            subject: subject.render_text(&fill).map_err(CliError::msg)?,
            headers: headers.render(&fill).map_err(CliError::msg)?,
            body: body.render(&fill).map_err(CliError::msg)?,
        };
        ask(&client, asking, args.replies, timeout, &mut shown).await?;
    }
    client.close().await?;
    Ok(())
}

/// Sends one request with a fresh inbox as its reply subject and prints the answers that come
/// to it, up to `replies` (0: all) and within `timeout`; `shown` counts the answers printed in
/// this run, for their numbers.
async fn ask(
    client: &Client,
    asking: Asking,
    replies: u64,
    timeout: Duration,
    shown: &mut u64,
) -> Result<(), CliError> {
    let inbox = client.new_inbox();
    let mut answers = client.subscribe(&inbox).await?;
    if replies > 0 {
        answers.unsubscribe_after(replies);
    }
    // The SUB was queued first, so the server knows the inbox before the request reaches it.
    let sent = Instant::now();
    match &asking.headers {
        Some(headers) => {
            client
                .publish_with_headers(&asking.subject, Some(&inbox), headers, asking.body)
                .await?
        }
        None => {
            client
                .publish_with_reply(&asking.subject, &inbox, asking.body)
                .await?
        }
    }
    let deadline = sent + timeout;
    let mut got = 0u64;
    while replies == 0 || got < replies {
        let answer = match tokio::time::timeout_at(deadline, answers.next()).await {
            Ok(Some(answer)) => answer,
            Ok(None) => {
                return Err(CliError::msg(
                    "the connection to the server closed while waiting for answers",
                ))
            }
            Err(_) => break,
        };
        if answer.is_no_responders() {
            if got == 0 {
                return Err(RequestError::NoResponders {
                    subject: asking.subject,
                }
                .into());
            }
            continue;
        }
        got += 1;
        *shown += 1;
        show(*shown, sent.elapsed(), &answer)?;
    }
    if got == 0 {
        return Err(RequestError::TimedOut {
            subject: asking.subject,
            timeout,
        }
        .into());
    }
    if replies > got {
        let warning = format!("warning: {got} of {replies} answers came in time");
        note!("{}", Palette::stderr().paint(Role::Warning, warning));
    }
    Ok(())
}

/// `[#n] Received in 1.24ms` on standard error, then the answer's headers and payload on
/// standard output.
fn show(number: u64, rtt: Duration, answer: &Message) -> Result<(), CliError> {
    let palette = Palette::stderr();
    note!(
        "{} Received in {}",
        palette.paint(Role::Number, format!("[#{number}]")),
        palette.paint(Role::Good, short_duration(rtt))
    );
    let mut stdout = std::io::stdout().lock();
    let written = (|| {
        if write_headers(&mut stdout, Palette::stdout(), answer)? {
            writeln!(stdout)?;
        }
        write_payload(&mut stdout, answer)
    })();
    written.map_err(|e| CliError::io("writing to standard output", e))
}
