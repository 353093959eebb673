//! `natskit reply <subject> [body]`: answer requests with a body template, their own payload
//! (`--echo`) or a command's output (`--command`).

mod answer;
mod command;

use std::time::Duration;

use clap::Args;
use futures_util::StreamExt;
use natskit::PublishError;

use crate::connect::ConnectArgs;
use crate::duration::parse_pause;
use crate::error::CliError;
use crate::interrupt::Interrupt;
use crate::notices;
use crate::output::{write_message, Shown};
use crate::style::{Palette, Role};

use answer::Answerer;

/// Examples, the template words and what a failing command answers, under `--help`.
const HELP: &str = "\
Examples:
  natskit reply svc.echo --echo                       # answer with the request itself
  natskit reply 'greet.*' 'hello {{1}}, you are #{{Count}}'
  natskit reply 'weather.>' --command 'curl -s \"wttr.in/{{1}}?format=3\"'
  natskit reply svc.upper --command 'tr a-z A-Z'      # the request body is on stdin
  natskit reply svc.slow ok --sleep 2s --count 10     # a random pause of up to 2s each
  natskit reply svc.echo --echo --queue workers       # in queue group workers, not NATS-RPLY-22

Like the `nats` CLI, reply answers in the queue group NATS-RPLY-22 unless --queue names
another, so each request is answered once however many `reply` processes share the subject;
--no-queue answers outside any group.

The body and header values are templates: {{Count}} (the request's number, from 1), {{ID}},
{{TimeStamp}}, {{Time}}, {{Unix}}, {{UnixNano}}, {{Random MIN MAX}} as for `natskit pub`, and
  {{Request}}       the request's body
  {{0}}, {{1}}, ..  the request subject's first, second, .. token (weather.london: {{1}} is london)

--command runs `sh -c COMMAND` for each request, with the request body on its standard input,
and answers with its standard output. In the command, {{0}}, {{1}}, .. become the variables
${NATS_SUBJECT_TOKEN_0}, .. so a subject cannot inject shell code (quote them with \"\", not '');
NATS_REQUEST_SUBJECT holds the whole subject. A command that fails still answers: its standard
error as the payload, with the headers Nats-Service-Error (what failed) and
Nats-Service-Error-Code: 500.

Disconnects and reconnects are told on standard error; natskit reconnects by itself. Ctrl-C
(or SIGTERM) drains: the requests already on their way are answered, then natskit exits with 0;
a second Ctrl-C stops at once (status 130).";

/// The queue group of `reply` when --queue is not given: the `nats` CLI's.
const DEFAULT_QUEUE: &str = "NATS-RPLY-22";

/// Arguments of `natskit reply`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct ReplyArgs {
    /// Subject to answer on; `*` and `>` wildcards allowed.
    pub subject: String,

    /// The answer to every request, a template (empty when absent).
    #[arg(conflicts_with_all = ["echo", "command"])]
    pub body: Option<String>,

    /// The queue group to answer in: each request goes to one member of the group, so
    /// several `reply` processes share the requests (as the `nats` CLI does, by default in
    /// NATS-RPLY-22).
    #[arg(short, long, value_name = "GROUP", default_value = DEFAULT_QUEUE)]
    pub queue: String,

    /// Answer outside any queue group: every `reply` on the subject answers every request
    /// (for gathering answers with `req --replies`).
    #[arg(long, conflicts_with = "queue")]
    pub no_queue: bool,

    /// Answer each request with its own payload and headers.
    #[arg(short, long, conflicts_with = "command")]
    pub echo: bool,

    /// Answer with the output of this shell command, run per request (see below).
    #[arg(long, value_name = "COMMAND")]
    pub command: Option<String>,

    /// Header to add to each answer, as KEY:VALUE (the value a template); repeat for more.
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,

    /// Pause before each answer for a random time up to this (`100ms`, `1s`), as a slow
    /// service of varying speed would (as `nats reply --sleep`).
    #[arg(long, value_name = "MAX", default_value = "0s", value_parser = parse_pause)]
    pub sleep: Duration,

    /// Exit after answering this many requests.
    #[arg(short, long, value_name = "N", value_parser = super::parse_count)]
    pub count: Option<u64>,

    /// Send the body, command and headers as they are, braces and all.
    #[arg(long)]
    pub no_templates: bool,

    /// Where and how to connect.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Reads the templates, subscribes, flushes, says `Listening on ...` on standard error, then
/// answers requests (showing each on standard error) until `--count` is reached, or until
/// Ctrl-C (or SIGTERM), which drains: the requests the server sent before are answered, then
/// exit 0. Disconnects and reconnects are told on standard error.
pub async fn run(args: ReplyArgs) -> Result<(), CliError> {
    let answerer = Answerer::new(
        args.body.as_deref(),
        args.echo,
        args.command.as_deref(),
        &args.headers,
        !args.no_templates,
    )?;
    let mut interrupt = Interrupt::install()?;
    let client = args.connect.connect().await?;
    notices::spawn(&client);
    let queue = (!args.no_queue).then_some(args.queue.as_str());
    let mut requests = match queue {
        Some(queue) => client.queue_subscribe(&args.subject, queue).await?,
        None => client.subscribe(&args.subject).await?,
    };
    if let Some(count) = args.count {
        requests.unsubscribe_after(count);
    }
    client.flush().await?;
    note!("Listening on {}", super::describe(&args.subject, queue));

    let palette = Palette::stderr();
    let mut answered = 0u64;
    let mut draining = false;
    while args.count.is_none_or(|count| answered < count) {
        let next = tokio::select! {
            () = interrupt.asked(), if !draining => None,
            request = requests.next() => Some(request),
        };
        let Some(request) = next else {
            // Ctrl-C: no new requests; those the server sent before are still answered.
            note!("Draining: the requests on their way are answered, then natskit exits; Ctrl-C again stops at once");
            draining = true;
            requests
                .drain()
                .await
                .map_err(|e| CliError::msg(format!("could not drain: {e}")))?;
            continue;
        };
        let Some(request) = request else {
            if draining {
                break;
            }
            return Err(CliError::msg(
                "the connection to the server closed while listening",
            ));
        };
        answered += 1;
        let shown = Shown {
            number: answered,
            time: None,
            headers_only: false,
        };
        let _ = write_message(&mut std::io::stderr().lock(), palette, &shown, &request);
        if request.reply.is_none() {
            warn(
                palette,
                &format!("message #{answered} has no reply subject; not answered"),
            );
            continue;
        }
        if !args.sleep.is_zero() {
            tokio::time::sleep(random_pause(args.sleep, &mut rand::rng())).await;
        }
        let answer = answerer.answer(answered, &request).await;
        if let Some(failure) = &answer.failure {
            warn(palette, &format!("request #{answered}: {failure}"));
        }
        match request
            .respond_with_headers(answer.headers.as_ref(), answer.payload)
            .await
        {
            Ok(()) => {}
            Err(PublishError::Closed) => return Err(PublishError::Closed.into()),
            Err(e) => warn(
                palette,
                &format!("could not answer request #{answered}: {e}"),
            ),
        }
    }
    drop(requests);
    // close() flushes: the answers have reached the server when it returns.
    client.close().await?;
    Ok(())
}

/// A pause from zero up to `max`, drawn from `rng`.
fn random_pause(max: Duration, rng: &mut impl rand::Rng) -> Duration {
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(rng.random_range(0..=nanos))
}

/// `warning: ...` on standard error.
fn warn(palette: Palette, text: &str) {
    note!(
        "{}",
        palette.paint(Role::Warning, format!("warning: {text}"))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_spread_up_to_the_most() {
        let max = Duration::from_millis(400);
        let mut rng = rand::rng();
        let pauses: Vec<Duration> = (0..1000).map(|_| random_pause(max, &mut rng)).collect();
        assert!(pauses.iter().all(|pause| *pause <= max));
        assert!(pauses.iter().any(|pause| *pause < max / 4));
        assert!(pauses.iter().any(|pause| *pause > max * 3 / 4));
    }
}
