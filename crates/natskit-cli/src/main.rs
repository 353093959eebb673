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
//! natskit stream add ORDERS --subjects 'orders.>'
//! natskit consumer next ORDERS billing        # the next message, acknowledged
//! natskit kv put CONFIG mode eco              # a key-value bucket's key
//! natskit obj put BACKUPS ./db.dump           # a file into an object store
//! ```
//!
//! Every connecting command takes the connection flags (`--server`, `--user`, `--password`,
//! `--token`, `--creds`, `--nkey`, `--jwt`/`--seed`, `--tlscert`, `--tlskey`, `--tlsca`,
//! `--tlsfirst`, `--name`, `--context`, `--no-context`, `--timeout`): each setting comes from the flag, else its environment variable (`NATS_URL`,
//! `NATS_USER`, ...), else the context (`--context`, `NATS_CONTEXT` or the one selected with
//! `natskit context select`), else the default. Results go to standard output; progress notes
//! (`Subscribing on ...`, `Listening on ...`) and errors go to standard error. A failure prints
//! exactly one line `error: <message>` and exits with status 1; a usage error (unknown flag,
//! bad value) is one line too, naming the help to read, with status 2. `--help` and
//! `--version` print as usual, with status 0; a command that needs a subcommand and got none
//! (`natskit`, `natskit context`) prints its help, with status 2.
//!
//! # Layout
//! - `main.rs`: the clap parser, the tokio runtime, error printing and the exit status.
//! - `connect`: the connection flags and how they become a [`natskit::Client`]; `settings`:
//!   the fields they share with the environment and contexts, and how those layer; `context`:
//!   the saved contexts on disk; `nats_context`: the `nats` CLI's, read for `context import`;
//!   `secret`: passwords and tokens kept out of `Debug` and listings (in URLs too).
//! - `interrupt`: Ctrl-C and SIGTERM for `sub` and `reply` (drain, then a second one stops at
//!   once); `notices`: their disconnect and reconnect lines; `shell`: `sh -c` for
//!   `reply --command` and `sub --translate`.
//! - `cmd`: one module per subcommand: `publish` (`pub`), `sub`, `req`, `reply`, `server`, `demo`,
//!   `micro`, `bench`, `stream`, `consumer`, `kv`, `obj`, `context`, `completions`; `server`
//!   has four helpers: `server_flags` (nats-server's flags in Go's syntax, rewritten before
//!   clap parses them), `server_config` (file and flags into the broker's options),
//!   `server_log` (nats-server's log lines) and `server_signal` (`--signal`, pid and ports
//!   files).
//! - `js`: what `stream`, `consumer`, `kv` and `obj` share: `--js-domain`, name checks, flag values,
//!   JetStream errors in words, JSON documents, the question before deleting.
//! - `headers`: `-H KEY:VALUE` parsing; `duration`: `500ms`/`2s`-style durations; `clock`:
//!   times and durations as text.
//! - `template`: `{{Count}}`-style words filled in per message; `header_templates`: `-H` values
//!   that are templates.
//! - `output`: how messages look to people; `json`: `sub --json`'s lines; `table`: plain-text
//!   columns, as `bench` and `micro` print them; `style`: colour, only on a terminal; `error`: the one error type every command returns; `note!` (here): lines on
//!   standard error.

/// `eprintln!` for what goes to standard error (notes, warnings, the `error:` line), except that
/// a standard error nobody reads any more (`2>&1 | head -1`, a closed pipe) loses the text
/// instead of panicking: the command still does its work and its standard output stays whole.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod clock;
mod cmd;
mod connect;
mod context;
mod duration;
mod error;
mod header_templates;
mod headers;
mod interrupt;
mod js;
mod json;
mod nats_context;
mod notices;
mod output;
mod secret;
mod settings;
mod shell;
mod style;
mod table;
mod template;

use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use crate::cmd::Command;
use crate::error::CliError;

/// Publish, subscribe, request and reply on a NATS server.
#[derive(Debug, Parser)]
#[command(
    name = "natskit",
    version,
    about,
    long_about = None,
    propagate_version = true,
    arg_required_else_help = true,
    after_help = EXAMPLES
)]
pub(crate) struct Cli {
    /// The command to run.
    #[command(subcommand)]
    command: Command,
}

/// The top-level help's examples.
const EXAMPLES: &str = "\
Examples:
  natskit server                              # a broker on 127.0.0.1:4222, until Ctrl-C
  natskit sub 'greet.*'                       # print every message on greet.*
  natskit pub greet.joe hello
  natskit req svc.echo ping --timeout 500ms
  natskit context add prod -s tls://nats.example.com --creds ~/prod.creds --select
  natskit micro ls                            # through the selected context
  natskit stream add ORDERS --subjects 'orders.>'
  natskit consumer add ORDERS billing --pull --ack explicit
  natskit consumer next ORDERS billing --count 10
  natskit kv watch CONFIG                     # the latest values, then each change
  natskit obj get BACKUPS db.dump             # to ./db.dump, its digest checked
  natskit completions bash > ~/.local/share/bash-completion/completions/natskit

Each command's --help has its own examples.";

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(status) => return status,
    };
    // Logs go to standard error; RUST_LOG chooses what is shown, by default the embedded
    // broker's warnings. `natskit server` sets up its own, in nats-server's format.
    if !matches!(cli.command, Command::Server(_)) {
        use std::io::IsTerminal;
        let colour = style::colour_wanted(
            std::io::stderr().is_terminal(),
            std::env::var_os("NO_COLOR").as_deref(),
        );
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_ansi(colour)
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG_FILTER)),
            )
            .init();
    }
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
        // Already reported on standard output.
        Err(CliError::Status(code)) => ExitCode::from(code),
        Err(e) => fail(&e),
    }
}

/// What is logged when RUST_LOG is not set (by the commands but `server`): the warnings of
/// an embedded broker (the demo's), an implementation detail there.
const DEFAULT_LOG_FILTER: &str = "natskit_server=warn";

/// The command line as [`Cli`]; on a usage error, the one line printed and status 2; for
/// `--help` and `--version`, clap's text and status 0.
fn parse() -> Result<Cli, ExitCode> {
    // `natskit server` takes nats-server's flags in Go's syntax too (`-user`, `-DV`, `-p -1`).
    let args = cmd::server_flags::normalize(std::env::args_os().collect(), server_value_flags)
        .map_err(|message| {
            note!("error: {message} (see 'natskit server --help')");
            ExitCode::from(2)
        })?;
    Cli::try_parse_from(args).map_err(|error| {
        let status = ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        match error.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                // A reader that went away (`natskit --help | head`) is no failure.
                let _ = error.print();
            }
            _ => note!("error: {}", usage_line(&error)),
        }
        status
    })
}

/// What `natskit server` has of its own: its flags that take a value (`--tls-cert`, `-p`,
/// ...), whose values are not read as flags, and its subcommands.
fn server_value_flags() -> cmd::server_flags::Own {
    let mut own = cmd::server_flags::Own::default();
    if let Some(server) = Cli::command().find_subcommand("server") {
        for arg in server.get_arguments() {
            if !arg.get_action().takes_values() {
                continue;
            }
            let flags = &mut own.value_flags;
            flags.extend(arg.get_long().map(|l| format!("--{l}")));
            flags.extend(arg.get_short().map(|s| format!("-{s}")));
            flags.extend(
                arg.get_all_aliases()
                    .into_iter()
                    .flatten()
                    .map(|a| format!("--{a}")),
            );
        }
        for sub in server.get_subcommands() {
            own.subcommands.push(sub.get_name().to_owned());
            own.subcommands
                .extend(sub.get_all_aliases().map(str::to_owned));
        }
    }
    own
}

/// A clap usage error as one line: its message, what it lists, clap's suggestion, and which
/// help to read: `unexpected argument '--sever' found; a similar argument exists: '--server'
/// (see 'natskit pub --help')`.
fn usage_line(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let mut lines = rendered.lines().map(str::trim);
    let mut line = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches("error:")
        .trim()
        .to_owned();
    // Then come the missing arguments, "[possible values: ...]" and "tip: ...", each on its
    // own line; the usage synopsis and the "try '--help'" line are replaced by our pointer.
    let details = lines
        .filter(|l| !l.is_empty())
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"));
    for detail in details {
        if let Some(tip) = detail.strip_prefix("tip:") {
            // "to pass '--bogus' as a value, use '-- --bogus'" misleads more than it helps.
            if !tip.trim().starts_with("to pass") {
                line = format!("{line}; {}", tip.trim());
            }
        } else if let Some(list) = detail.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            line = format!("{line}; {list}");
        } else if line.ends_with(':') {
            line = format!("{line} {detail}");
        } else {
            line = format!("{line}, {detail}");
        }
    }
    format!("{line} (see '{} --help')", command_path())
}

/// The (sub)command the command line names, such as `natskit micro ls`: its words that are
/// subcommand names, each of the command before.
fn command_path() -> String {
    let mut command = Cli::command();
    let mut path = vec![command.get_name().to_owned()];
    // args_os: std::env::args panics on an argument that is not UTF-8, which is just the kind
    // of usage error being reported here.
    for arg in std::env::args_os().skip(1) {
        let Some(arg) = arg.to_str() else { continue };
        if arg == "--" {
            break;
        }
        let Some(sub) = command
            .get_subcommands()
            .find(|sub| sub.get_name() == arg || sub.get_all_aliases().any(|a| a == arg))
            .cloned()
        else {
            continue;
        };
        path.push(sub.get_name().to_owned());
        command = sub;
    }
    path.join(" ")
}

/// Prints `error: <message>` as one line on standard error and returns status 1.
fn fail(error: &CliError) -> ExitCode {
    let message = error.to_string().replace(['\r', '\n'], " ");
    note!("error: {message}");
    ExitCode::FAILURE
}
