//! `natskit`: publish, subscribe, request and reply on a NATS server from the shell.
//!
//! ```text
//! natskit sub 'greet.*'                       # prints every message on greet.*
//! natskit pub greet.joe 'hello' -H Trace-Id:42
//! natskit reply svc.echo --echo               # answers each request with its own payload
//! natskit req svc.echo 'ping' --timeout 500ms # prints the answer
//! natskit server -p 4222                      # the embedded broker, until Ctrl-C
//! natskit demo                                # 4 queue responders share 100 requests
//! natskit micro ls                            # services on the NATS service API, with ids
//! ```
//!
//! Every command connects to `--server` (or `NATS_URL`, or `nats://127.0.0.1:4222`). Results go
//! to standard output; progress notes (`Subscribing on ...`, `Listening on ...`) and errors go to
//! standard error. A failure prints exactly one line `error: <message>` and exits with status 1;
//! usage errors are clap's and exit with status 2.
//!
//! # Layout
//! - `main.rs`: the clap parser, the tokio runtime, error printing and the exit status.
//! - `connect`: the global connection flags and how they become a [`natskit::Client`].
//! - `cmd`: one module per subcommand: `publish` (`pub`), `sub`, `req`, `reply`, `server`, `demo`,
//!   `micro`.
//! - `headers`: `-H KEY:VALUE` parsing; `duration`: `500ms`/`2s`-style durations.
//! - `output`: how messages are printed; `error`: the one error type every command returns.

mod clock;
mod cmd;
mod connect;
mod duration;
mod error;
mod header_templates;
mod headers;
mod json;
mod output;
mod style;
mod template;

use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser};

use crate::cmd::Command;
use crate::error::CliError;

/// Publish, subscribe, request and reply on a NATS server.
#[derive(Debug, Parser)]
#[command(name = "natskit", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

fn main() -> ExitCode {
    // Usage errors, --help and --version are clap's: it prints them and exits (status 2 or 0).
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let (Some(connect), Some((_, sub_matches))) =
        (cli.command.connect_args_mut(), matches.subcommand())
    {
        connect.server_named = matches!(
            sub_matches.value_source("server"),
            Some(ValueSource::CommandLine | ValueSource::EnvVariable)
        );
    }
    // Logs (the broker's connects, disconnects and errors) go to standard error; RUST_LOG
    // chooses what is shown; by default the broker's own `info` lines only.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(default_log_filter(&cli.command))
            }),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&CliError::msg(format!("could not start the runtime: {e}"))),
    };
    match runtime.block_on(cli.command.run()) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of our output went away (`natskit sub x | head -1`): nothing to report.
        Err(CliError::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// What is logged when RUST_LOG is not set: the broker's own connects and disconnects for
/// `natskit server`; for the demo, whose embedded broker is an implementation detail, only
/// warnings.
fn default_log_filter(command: &Command) -> &'static str {
    match command {
        Command::Demo(_) => "natskit_server=warn",
        _ => "natskit_server=info",
    }
}

/// Prints `error: <message>` as one line on standard error and returns status 1.
fn fail(error: &CliError) -> ExitCode {
    let message = error.to_string().replace(['\r', '\n'], " ");
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
