//! `natskit reply <subject> [body]`: answer requests with a fixed body or their own payload.

use bytes::Bytes;
use clap::Args;
use futures_util::StreamExt;
use natskit::PublishError;

use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::output::write_message;

/// Arguments of `natskit reply`.
#[derive(Debug, Args)]
pub struct ReplyArgs {
    /// Subject to answer on; `*` and `>` wildcards allowed.
    pub subject: String,

    /// The answer to every request (empty when absent).
    #[arg(conflicts_with = "echo")]
    pub body: Option<String>,

    /// Join this queue group: each request goes to one member of the group.
    #[arg(short, long, value_name = "GROUP")]
    pub queue: Option<String>,

    /// Answer each request with its own payload and headers.
    #[arg(short, long)]
    pub echo: bool,

    /// Exit after answering this many requests.
    #[arg(short, long, value_name = "N", value_parser = super::parse_count)]
    pub count: Option<u64>,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Subscribes, flushes, says `Listening on ...` on standard error, then answers requests
/// (showing each on standard error) until `--count` is reached (or forever).
pub async fn run(args: ReplyArgs) -> Result<(), CliError> {
    let client = args.connect.connect().await?;
    let mut requests = match &args.queue {
        Some(queue) => client.queue_subscribe(&args.subject, queue).await?,
        None => client.subscribe(&args.subject).await?,
    };
    if let Some(count) = args.count {
        requests.unsubscribe_after(count);
    }
    client.flush().await?;
    eprintln!(
        "Listening on {}",
        super::describe(&args.subject, args.queue.as_deref())
    );

    let body = Bytes::from(args.body.unwrap_or_default());
    let mut answered = 0u64;
    while args.count.is_none_or(|count| answered < count) {
        let Some(request) = requests.next().await else {
            return Err(CliError::msg(
                "the connection to the server closed while listening",
            ));
        };
        answered += 1;
        let _ = write_message(&mut std::io::stderr().lock(), answered, &request);
        if request.reply.is_none() {
            eprintln!("warning: message #{answered} has no reply subject; not answered");
            continue;
        }
        let sent = if args.echo {
            request
                .respond_with_headers(request.headers.as_ref(), request.payload.clone())
                .await
        } else {
            request.respond(body.clone()).await
        };
        match sent {
            Ok(()) => {}
            Err(PublishError::Closed) => return Err(PublishError::Closed.into()),
            Err(e) => eprintln!("warning: could not answer message #{answered}: {e}"),
        }
    }
    drop(requests);
    // close() flushes: the answers have reached the server when it returns.
    client.close().await?;
    Ok(())
}
