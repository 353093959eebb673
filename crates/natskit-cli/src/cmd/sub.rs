//! `natskit sub <subject>...`: print the messages on one or more subjects.

use clap::Args;
use futures_util::stream::{self, StreamExt};

use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::output::{write_message, write_payload};

/// Arguments of `natskit sub`.
#[derive(Debug, Args)]
pub struct SubArgs {
    /// Subjects to subscribe to; `*` and `>` wildcards allowed.
    #[arg(required = true, value_name = "SUBJECT")]
    pub subjects: Vec<String>,

    /// Join this queue group: each message goes to one member of the group.
    #[arg(short, long, value_name = "GROUP")]
    pub queue: Option<String>,

    /// Exit after this many messages in all.
    #[arg(short, long, value_name = "N", value_parser = super::parse_count)]
    pub count: Option<u64>,

    /// Print only the payloads, one per line.
    #[arg(long)]
    pub raw: bool,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Subscribes, flushes, says `Subscribing on ...` on standard error, then prints messages
/// until `--count` is reached (or forever).
pub async fn run(args: SubArgs) -> Result<(), CliError> {
    let client = args.connect.connect().await?;
    let mut subscribers = Vec::with_capacity(args.subjects.len());
    for subject in &args.subjects {
        let mut subscriber = match &args.queue {
            Some(queue) => client.queue_subscribe(subject, queue).await?,
            None => client.subscribe(subject).await?,
        };
        if let Some(count) = args.count {
            // No subject can need more than the total; with one subject the server stops
            // delivering exactly at the count, leaving the rest to other queue members.
            subscriber.unsubscribe_after(count);
        }
        subscribers.push(subscriber);
    }
    // Once the server answers PING it has every SUB: now we are ready.
    client.flush().await?;
    eprintln!(
        "Subscribing on {}",
        super::describe(&args.subjects.join(", "), args.queue.as_deref())
    );

    let mut messages = stream::select_all(subscribers);
    let mut received = 0u64;
    let mut stdout = std::io::stdout().lock();
    while args.count.is_none_or(|count| received < count) {
        let Some(msg) = messages.next().await else {
            return Err(CliError::msg(
                "the connection to the server closed while subscribed",
            ));
        };
        received += 1;
        let written = if args.raw {
            write_payload(&mut stdout, &msg)
        } else {
            write_message(&mut stdout, received, &msg)
        };
        written.map_err(|e| CliError::io("writing to standard output", e))?;
    }
    drop(messages);
    client.close().await?;
    Ok(())
}
