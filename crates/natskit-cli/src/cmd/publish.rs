//! `natskit pub <subject> [body]`: publish a message `--count` times, or each line of standard
//! input, with templates filled in for each message.

mod progress;
mod sender;

use std::io::IsTerminal;
use std::time::Duration;

use bytes::Bytes;
use clap::{Args, ValueEnum};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::connect::ConnectArgs;
use crate::duration::parse_pause;
use crate::error::CliError;
use crate::header_templates::HeaderTemplates;
use crate::template::{Place, Template};

pub use sender::Body;
use sender::Sender;

/// Examples and the template words, under `natskit pub --help`.
const HELP: &str = "\
Examples:
  natskit pub greet.joe hello                       # one message
  natskit pub greet.joe 'hi #{{Count}} at {{TimeStamp}}' --count 10 --sleep 500ms
  natskit pub 'sensor.{{Random 1 3}}' '{{Unix}}' -H 'Id:{{ID}}' --count 1000
  tail -f app.log | natskit pub logs --send-on newline   # one message per line
  natskit pub cfg.update < config.json              # the whole file as one message
  natskit pub -q logs.app \"$line\"                  # nothing on stderr unless it fails

Templates: the subject, the body and header values may hold these words, filled in for each
message (names are not case-sensitive; use --no-templates to send braces as they are):
  {{Count}}         the message's number, from 1
  {{ID}}            a new unique id (a 22-character NUID) at each use
  {{TimeStamp}}     the time, RFC 3339 in UTC: 2024-05-01T12:34:56Z
  {{Time}}          the time of day in UTC: 12:34:56
  {{Unix}}          seconds since 1970-01-01 UTC
  {{UnixNano}}      nanoseconds since 1970-01-01 UTC
  {{Random 5 10}}   5 to 10 random letters and digits
A word not in this list is an error, reported before connecting. A body read from standard
input is sent as it is.";

/// Arguments of `natskit pub`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct PubArgs {
    /// Subject to publish to (a template).
    pub subject: String,

    /// Message body (a template); read from standard input when absent.
    #[arg(conflicts_with = "send_on")]
    pub body: Option<String>,

    /// Publish each message this many times.
    #[arg(short, long, value_name = "N", default_value = "1", value_parser = super::parse_count)]
    pub count: u64,

    /// Reply subject to send with the message.
    #[arg(short, long, value_name = "SUBJECT")]
    pub reply: Option<String>,

    /// Header as KEY:VALUE (the value a template); repeat for more.
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,

    /// Pause between messages (`100ms`, `1s`).
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_pause)]
    pub sleep: Duration,

    /// When standard input makes a message: at its end (one message) or at each newline (one
    /// message per line).
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = SendOn::Eof)]
    pub send_on: SendOn,

    /// Send the subject, body and headers as they are, braces and all.
    #[arg(long)]
    pub no_templates: bool,

    /// Say nothing on standard error unless something fails (no `Published ...` line, no
    /// progress bar).
    #[arg(short, long)]
    pub quiet: bool,

    /// Read the body from standard input, as `nats pub --force-stdin`; natskit does so whenever
    /// no body is given, so this only rules out a body argument.
    #[arg(long, conflicts_with = "body")]
    pub force_stdin: bool,

    /// Where and how to connect.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// When standard input makes a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SendOn {
    /// All of standard input is one message.
    Eof,
    /// Each line of standard input is a message (without its line ending).
    Newline,
}

/// Reads the templates (so a bad one fails before connecting), connects, publishes, then
/// flushes: when this returns `Ok`, the server has every message.
pub async fn run(args: PubArgs) -> Result<(), CliError> {
    let templates = !args.no_templates;
    let subject = Template::read(&args.subject, "the subject", Place::Publish, templates)?;
    let headers = HeaderTemplates::parse(&args.headers, Place::Publish, templates)?;
    let body = args
        .body
        .as_deref()
        .map(|text| Template::read(text, "the body", Place::Publish, templates).map(Body::new))
        .transpose()?;
    check_subjects(&subject, args.reply.as_deref())?;
    let client = args.connect.connect().await?;
    let mut sender = Sender::new(client, subject, headers, args.reply.clone(), args.sleep);
    sender.progress = !args.quiet;
    match (body, args.send_on) {
        (Some(body), _) => sender.send_times(&body, args.count).await?,
        (None, SendOn::Eof) => {
            let body = Body::Fixed(read_stdin(args.quiet).await?);
            sender.send_times(&body, args.count).await?;
        }
        (None, SendOn::Newline) => {
            if std::io::stdin().is_terminal() && !args.quiet {
                note!("Publishing each line you type; end with Ctrl-D");
            }
            let mut lines = BufReader::new(tokio::io::stdin());
            while let Some(line) = read_line(&mut lines).await? {
                sender.send_times(&Body::Fixed(line), args.count).await?;
            }
        }
    }
    let summary = sender.finish().await?;
    if !args.quiet {
        note!("Published {summary} to {:?}", args.subject);
    }
    Ok(())
}

/// Checks the subject (when it has no words, so is known now) and the reply subject before
/// connecting and reading standard input: a typo should not cost a body typed or piped in.
fn check_subjects(subject: &Template, reply: Option<&str>) -> Result<(), CliError> {
    let invalid = |e: natskit_proto::ProtoError| CliError::msg(e.to_string());
    if let Some(subject) = subject.fixed() {
        natskit_proto::subject::validate_publish(&subject).map_err(invalid)?;
    }
    if let Some(reply) = reply {
        natskit_proto::subject::validate_reply(reply).map_err(invalid)?;
    }
    Ok(())
}

/// The whole of standard input; on a terminal, with a note saying how to end it unless
/// `quiet`.
pub async fn read_stdin(quiet: bool) -> Result<Bytes, CliError> {
    if std::io::stdin().is_terminal() && !quiet {
        note!("Reading the message body from standard input; end it with Ctrl-D");
    }
    let mut body = Vec::new();
    tokio::io::stdin()
        .read_to_end(&mut body)
        .await
        .map_err(|e| CliError::io("reading standard input", e))?;
    Ok(Bytes::from(body))
}

/// The next line without its `\n` or `\r\n`, or `None` at the end. Bytes, not text: a line
/// need not be UTF-8.
async fn read_line(
    input: &mut (impl tokio::io::AsyncBufRead + Unpin),
) -> Result<Option<Bytes>, CliError> {
    let mut line = Vec::new();
    let read = input
        .read_until(b'\n', &mut line)
        .await
        .map_err(|e| CliError::io("reading standard input", e))?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    Ok(Some(Bytes::from(line)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_lose_their_endings() {
        let mut input: &[u8] = b"one\ntwo\r\n\nlast";
        let mut lines = Vec::new();
        while let Some(line) = read_line(&mut input).await.unwrap() {
            lines.push(line);
        }
        assert_eq!(lines, ["one", "two", "", "last"]);
    }
}
