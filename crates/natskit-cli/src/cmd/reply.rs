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
  natskit reply svc.slow ok --sleep 2s --count 10 --queue workers

The body and header values are templates: {{Count}} (the request's number, from 1), {{ID}},
{{TimeStamp}}, {{Time}}, {{Unix}}, {{UnixNano}}, {{Random MIN MAX}} as for `natskit pub`, and
  {{Request}}       the request's body
  {{0}}, {{1}}, ..  the request subject's first, second, .. token (weather.london: {{1}} is london)

--command runs `sh -c COMMAND` for each request, with the request body on its standard input,
and answers with its standard output. In the command, {{0}}, {{1}}, .. become the variables
${NATS_SUBJECT_TOKEN_0}, .. so a subject cannot inject shell code (quote them with \"\", not '');
NATS_REQUEST_SUBJECT holds the whole subject. A command that fails still answers: its standard
error as the payload, with the headers Nats-Service-Error (what failed) and
Nats-Service-Error-Code: 500.";

/// Arguments of `natskit reply`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct ReplyArgs {
    /// Subject to answer on; `*` and `>` wildcards allowed.
    pub subject: String,

    /// The answer to every request, a template (empty when absent).
    #[arg(conflicts_with_all = ["echo", "command"])]
    pub body: Option<String>,

    /// Join this queue group: each request goes to one member of the group.
    #[arg(short, long, value_name = "GROUP")]
    pub queue: Option<String>,

    /// Answer each request with its own payload and headers.
    #[arg(short, long, conflicts_with = "command")]
    pub echo: bool,

    /// Answer with the output of this shell command, run per request (see below).
    #[arg(long, value_name = "COMMAND")]
    pub command: Option<String>,

    /// Header to add to each answer, as KEY:VALUE (the value a template); repeat for more.
    #[arg(short = 'H', long = "header", value_name = "KEY:VALUE")]
    pub headers: Vec<String>,

    /// Pause before each answer (`100ms`, `1s`), as a slow service would.
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_pause)]
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
/// answers requests (showing each on standard error) until `--count` is reached (or forever).
pub async fn run(args: ReplyArgs) -> Result<(), CliError> {
    let answerer = Answerer::new(
        args.body.as_deref(),
        args.echo,
        args.command.as_deref(),
        &args.headers,
        !args.no_templates,
    )?;
    let client = args.connect.connect().await?;
    let mut requests = match &args.queue {
        Some(queue) => client.queue_subscribe(&args.subject, queue).await?,
        None => client.subscribe(&args.subject).await?,
    };
    if let Some(count) = args.count {
        requests.unsubscribe_after(count);
    }
    client.flush().await?;
    note!(
        "Listening on {}",
        super::describe(&args.subject, args.queue.as_deref())
    );

    let palette = Palette::stderr();
    let mut answered = 0u64;
    while args.count.is_none_or(|count| answered < count) {
        let Some(request) = requests.next().await else {
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
            tokio::time::sleep(args.sleep).await;
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

/// `warning: ...` on standard error.
fn warn(palette: Palette, text: &str) {
    note!(
        "{}",
        palette.paint(Role::Warning, format!("warning: {text}"))
    );
}
