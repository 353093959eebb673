//! `natskit req <subject> [body]`: send a request and print the answer, or the first
//! `--replies N` answers (all that come before the timeout with `--replies 0`), each with its
//! round-trip time.

use std::io::Write;
use std::time::Duration;

use bytes::Bytes;
use clap::Args;
use futures_util::StreamExt;
use natskit::{Message, RequestError};
use tokio::time::Instant;

use crate::clock::short_duration;
use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::headers::parse_headers;
use crate::output::{write_headers, write_payload};
use crate::style::{Palette, Role};

/// Examples, under `natskit req --help`.
const HELP: &str = "\
Examples:
  natskit req svc.add '1 2'                  # the answer on stdout, its time on stderr
  natskit req svc.echo ping -H Trace-Id:42 --timeout 500ms
  natskit req census '' --replies 3          # the first three answers
  natskit req census '' --replies 0 --timeout 1s # every answer that comes within a second

Each answer's headers (then a blank line) and payload go to standard output; a line
`[#n] Received in 1.24ms` per answer goes to standard error. Nobody listening on the subject
is the error `no responders for \"subject\"`; no answer in time is a timeout; both exit with 1.";

/// How long to wait for answers when `--timeout` is not given.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Arguments of `natskit req`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct ReqArgs {
    /// Subject to send the request to.
    pub subject: String,

    /// Request body (empty when absent).
    #[arg(default_value = "")]
    pub body: String,

    /// Header as KEY:VALUE; repeat for more.
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,

    /// How many answers to wait for; 0 takes every answer until --timeout (default 5s).
    #[arg(long, value_name = "N", default_value = "1", value_parser = super::parse_whole)]
    pub replies: u64,

    /// Where and how to connect.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Sends the request with a fresh inbox as its reply subject and prints the answers that come
/// to it, up to `--replies` and within `--timeout`.
pub async fn run(args: ReqArgs) -> Result<(), CliError> {
    let headers = parse_headers(&args.headers)?;
    let timeout = args.connect.timeout_or(DEFAULT_TIMEOUT);
    let client = args.connect.connect().await?;
    let inbox = client.new_inbox();
    let mut answers = client.subscribe(&inbox).await?;
    if args.replies > 0 {
        answers.unsubscribe_after(args.replies);
    }
    let body = Bytes::from(args.body);
    // The SUB was queued first, so the server knows the inbox before the request reaches it.
    let sent = Instant::now();
    match &headers {
        Some(headers) => {
            client
                .publish_with_headers(&args.subject, Some(&inbox), headers, body)
                .await?
        }
        None => {
            client
                .publish_with_reply(&args.subject, &inbox, body)
                .await?
        }
    }
    let deadline = sent + timeout;
    let mut got = 0u64;
    while args.replies == 0 || got < args.replies {
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
                    subject: args.subject,
                }
                .into());
            }
            continue;
        }
        got += 1;
        show(got, sent.elapsed(), &answer)?;
    }
    if got == 0 {
        return Err(RequestError::TimedOut {
            subject: args.subject,
            timeout,
        }
        .into());
    }
    if args.replies > got {
        let warning = format!("warning: {got} of {} answers came in time", args.replies);
        note!("{}", Palette::stderr().paint(Role::Warning, warning));
    }
    drop(answers);
    client.close().await?;
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
