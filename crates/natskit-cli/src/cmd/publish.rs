//! `natskit pub <subject> [body]`: publish a message, once or `--count` times.

use std::io::IsTerminal;

use bytes::Bytes;
use clap::Args;
use tokio::io::AsyncReadExt;

use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::headers::parse_headers;

/// Arguments of `natskit pub`.
#[derive(Debug, Args)]
pub struct PubArgs {
    /// Subject to publish to.
    pub subject: String,

    /// Message body; read from standard input (to its end) when absent.
    pub body: Option<String>,

    /// Publish the message this many times.
    #[arg(short, long, value_name = "N", default_value = "1", value_parser = super::parse_count)]
    pub count: u64,

    /// Reply subject to send with the message.
    #[arg(short, long, value_name = "SUBJECT")]
    pub reply: Option<String>,

    /// Header as KEY:VALUE; repeat for more.
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Publishes, then flushes: when this returns `Ok`, the server has the messages.
pub async fn run(args: PubArgs) -> Result<(), CliError> {
    let headers = parse_headers(&args.headers)?;
    let client = args.connect.connect().await?;
    let body = match args.body {
        Some(body) => Bytes::from(body),
        None => read_stdin().await?,
    };
    for _ in 0..args.count {
        match &headers {
            Some(headers) => {
                client
                    .publish_with_headers(
                        &args.subject,
                        args.reply.as_deref(),
                        headers,
                        body.clone(),
                    )
                    .await?
            }
            None => match &args.reply {
                Some(reply) => {
                    client
                        .publish_with_reply(&args.subject, reply, body.clone())
                        .await?
                }
                None => client.publish(&args.subject, body.clone()).await?,
            },
        }
    }
    // close() flushes first: a PING/PONG round trip proves the server has every message.
    client.close().await?;
    let what = match args.count {
        1 => format!("{} bytes", body.len()),
        n => format!("{n} messages of {} bytes", body.len()),
    };
    eprintln!("Published {what} to {:?}", args.subject);
    Ok(())
}

/// The whole of standard input.
async fn read_stdin() -> Result<Bytes, CliError> {
    if std::io::stdin().is_terminal() {
        eprintln!("Reading the message body from standard input; end it with Ctrl-D");
    }
    let mut body = Vec::new();
    tokio::io::stdin()
        .read_to_end(&mut body)
        .await
        .map_err(|e| CliError::io("reading standard input", e))?;
    Ok(Bytes::from(body))
}
