//! `natskit sub <subject>...`: print the messages on one or more subjects, for people or (with
//! `--json`, `--raw`, `--subjects-only`) for programs; with `--match-replies`, the answers to
//! the requests seen too.

mod matcher;
mod printer;
mod translate;

use std::time::{Duration, Instant};

use clap::Args;
use futures_util::stream::{self, StreamExt};
use natskit::{Client, FlushError, Message, Subscriber};
use tokio::task::JoinHandle;

use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::interrupt::Interrupt;
use crate::notices;
use crate::style::{Palette, Role};

use matcher::Matcher;
use printer::{Format, Printer};
use translate::Translator;

/// How long `--count` with `--match-replies` waits for the last answers, without --timeout.
const LAST_ANSWERS_WAIT: Duration = Duration::from_secs(2);

/// Examples and the JSON schema, under `natskit sub --help`.
const HELP: &str = "\
Examples:
  natskit sub 'greet.*'                        # every message on greet.*, for people
  natskit sub orders --count 10 --timestamp    # ten messages, with the time each arrived
  natskit sub 'svc.>' --match-replies          # requests and the answers sent to them
  natskit sub 'sensor.>' --json | jq .payload  # one JSON object per message
  natskit sub 'sensor.>' -r --translate 'jq .celsius'   # each payload through a command
  natskit sub '>' --subjects-only | sort | uniq -c

--json writes one object per line:
  {\"number\":1,\"subject\":\"greet.joe\",\"reply\":null,\"headers\":{\"Trace-Id\":[\"42\"]},\"payload\":\"hi\"}
  number          the message's number in this run, from 1
  time            with --timestamp: when it arrived, RFC 3339 in UTC with milliseconds
  subject, reply  the subject, and the reply subject or null
  status          only on status messages (503 no responders), with its description
  headers         each header name with the list of its values; {} when none
  payload         the payload when it is UTF-8 text, else payload_base64 (standard base64);
                  neither with --headers-only
  matched_reply   with --match-replies, on an answer: true, with latency_us (microseconds
                  from the request to its answer); number is then the request's number

Disconnects and reconnects are told on standard error; natskit reconnects by itself. Ctrl-C
(or SIGTERM) drains: the messages already on their way are printed, then natskit exits with 0;
a second Ctrl-C stops at once (status 130).

Colour is used only when standard output is a terminal and NO_COLOR is unset or empty.";

/// Arguments of `natskit sub`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
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
    #[arg(short, long, conflicts_with_all = ["json", "headers_only", "subjects_only", "timestamp"])]
    pub raw: bool,

    /// Show each payload as this shell command prints it, the payload on its standard input
    /// and `{{Subject}}` (or $NATS_SUBJECT) the subject; as `nats sub --translate`.
    #[arg(long, value_name = "COMMAND", conflicts_with_all = ["headers_only", "subjects_only"])]
    pub translate: Option<String>,

    /// Print one JSON object per message (the schema is below).
    #[arg(long, conflicts_with = "subjects_only")]
    pub json: bool,

    /// Leave the payloads out: subjects and headers only.
    #[arg(long, conflicts_with = "subjects_only")]
    pub headers_only: bool,

    /// Print only the subjects, one per line.
    #[arg(long)]
    pub subjects_only: bool,

    /// Show when each message arrived (RFC 3339, UTC, milliseconds). `-t`, as in the `nats`
    /// CLI (it no longer means --timeout, which has no short form now).
    #[arg(short, long)]
    pub timestamp: bool,

    /// Also show the answer sent to each request seen (answers to reply subjects under
    /// --inbox-prefix); with --count, wait up to --timeout (default 2s) for the last ones.
    #[arg(long)]
    pub match_replies: bool,

    /// Where --match-replies looks for answers: the reply subjects' common prefix.
    #[arg(long, value_name = "PREFIX", default_value = "_INBOX")]
    pub inbox_prefix: String,

    /// Where and how to connect.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

impl SubArgs {
    /// The output form the flags chose (clap keeps them exclusive).
    fn format(&self) -> Format {
        if self.raw {
            Format::Raw
        } else if self.json {
            Format::Json
        } else if self.subjects_only {
            Format::Subjects
        } else {
            Format::Human
        }
    }
}

/// Subscribes, flushes, says `Subscribing on ...` on standard error, then prints messages
/// until `--count` is reached (and, with `--match-replies`, their answers have come), or until
/// Ctrl-C (or SIGTERM), which drains: what the server sent before is printed, then exit 0.
/// Disconnects and reconnects are told on standard error.
pub async fn run(args: SubArgs) -> Result<(), CliError> {
    let mut interrupt = Interrupt::install()?;
    let client = args.connect.connect().await?;
    notices::spawn(&client);
    let subscribers = subscribe(&client, &args).await?;
    let answer_prefix = format!("{}.", args.inbox_prefix);
    let inbox = format!("{answer_prefix}>");
    let mut answers = if args.match_replies {
        Some(client.subscribe(&inbox).await?)
    } else {
        None
    };
    // Once the server answers PING it has every SUB: now we are ready.
    client.flush().await?;
    let mut ready = format!(
        "Subscribing on {}",
        super::describe(&args.subjects.join(", "), args.queue.as_deref())
    );
    if answers.is_some() {
        ready.push_str(&format!("; matching replies on {inbox}"));
    }
    note!("{ready}");

    let mut printer = Printer::new(args.format(), args.headers_only, args.timestamp);
    let translator = args.translate.as_deref().map(Translator::new);
    let mut messages = stream::select_all(subscribers);
    let mut matcher = Matcher::new();
    let mut received = 0u64;
    let mut last_wait: Option<tokio::time::Instant> = None;
    // Set at Ctrl-C: the drain under way. The subscriptions then end once the server has sent
    // everything it had for them, and the loop ends with them.
    let mut draining: Option<JoinHandle<Result<(), FlushError>>> = None;
    loop {
        let done = args.count.is_some_and(|count| received >= count);
        if done && (answers.is_none() || matcher.unanswered() == 0) {
            break;
        }
        if done && last_wait.is_none() {
            let wait = args.connect.timeout_or(LAST_ANSWERS_WAIT);
            last_wait = Some(tokio::time::Instant::now() + wait);
        }
        tokio::select! {
            // Messages first: an answer is then rarely read before its request.
            biased;
            msg = messages.next(), if !done => {
                let Some(msg) = msg else {
                    if draining.is_some() {
                        break;
                    }
                    return Err(closed());
                };
                received += 1;
                let shown = translated(&translator, received, msg.clone()).await;
                printer.message(received, &shown)?;
                // Only answers under the prefix can be seen, so only those are waited for.
                let watched = msg.reply.as_ref().filter(|reply| {
                    answers.is_some() && reply.as_str().starts_with(answer_prefix.as_str())
                });
                if let Some(reply) = watched {
                    for early in matcher.request(received, reply.as_str(), Instant::now()) {
                        let shown = translated(&translator, early.number, early.message).await;
                        printer.matched(early.number, early.after, &shown)?;
                    }
                }
            }
            answer = next_answer(&mut answers) => {
                let Some(answer) = answer else {
                    if draining.is_some() {
                        answers = None;
                        continue;
                    }
                    return Err(closed());
                };
                let subject = answer.subject.as_str().to_owned();
                if let Some(m) = matcher.answer(&subject, answer, Instant::now()) {
                    let shown = translated(&translator, m.number, m.message).await;
                    printer.matched(m.number, m.after, &shown)?;
                }
            }
            () = sleep_until(last_wait) => {
                let warning = format!(
                    "warning: {} of the requests seen got no reply in time",
                    matcher.unanswered()
                );
                note!("{}", Palette::stderr().paint(Role::Warning, warning));
                break;
            }
            () = interrupt.asked(), if draining.is_none() => {
                note!("Draining: the messages on their way are printed, then natskit exits; Ctrl-C again stops at once");
                let client = client.clone();
                draining = Some(tokio::spawn(async move { client.drain().await }));
            }
        }
    }
    drop(messages);
    drop(answers);
    match draining {
        Some(drain) => finish_drain(drain).await,
        None => Ok(client.close().await?),
    }
}

/// Waits for the drain started at Ctrl-C: `Ok` once the server confirmed it.
async fn finish_drain(drain: JoinHandle<Result<(), FlushError>>) -> Result<(), CliError> {
    match drain.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(CliError::msg(format!("could not drain: {e}"))),
        Err(e) => Err(CliError::msg(format!("could not drain: {e}"))),
    }
}

/// A subscription per subject, in `--queue` when given, each ending at `--count`.
async fn subscribe(client: &Client, args: &SubArgs) -> Result<Vec<Subscriber>, CliError> {
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
    Ok(subscribers)
}

/// `msg` through `--translate`, when given.
async fn translated(translator: &Option<Translator>, number: u64, msg: Message) -> Message {
    match translator {
        Some(translator) => translator.apply(number, msg).await,
        None => msg,
    }
}

/// The next message on the answers' subscription; never, without one.
async fn next_answer(answers: &mut Option<Subscriber>) -> Option<Message> {
    match answers {
        Some(answers) => answers.next().await,
        None => std::future::pending().await,
    }
}

/// Sleeps until `deadline`; never, without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The error when a subscription ends: only the connection closing ends it.
fn closed() -> CliError {
    CliError::msg("the connection to the server closed while subscribed")
}
