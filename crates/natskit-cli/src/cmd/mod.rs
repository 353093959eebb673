//! The subcommands, one module each.

mod demo;
mod micro;
mod publish;
mod reply;
mod req;
mod server;
mod sub;

use clap::Subcommand;

use crate::connect::ConnectArgs;
use crate::error::CliError;

/// What `natskit` can do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Publish a message (the body from standard input when not given).
    #[command(name = "pub")]
    Pub(publish::PubArgs),
    /// Print the messages on one or more subjects.
    Sub(sub::SubArgs),
    /// Send a request and print the answer.
    Req(req::ReqArgs),
    /// Answer requests on a subject with a fixed body or their own payload.
    Reply(reply::ReplyArgs),
    /// Run the embedded NATS broker (no nats-server needed) until Ctrl-C.
    Server(server::ServerArgs),
    /// Watch responders in a queue group share requests, on the embedded broker unless
    /// --server names one.
    Demo(demo::DemoArgs),
    /// Find services that speak the NATS service API: ls, info, stats, ping.
    Micro(micro::MicroArgs),
}

impl Command {
    /// Runs the subcommand against the server `connect` names.
    pub async fn run(self, connect: &ConnectArgs) -> Result<(), CliError> {
        match self {
            Command::Pub(args) => publish::run(args, connect).await,
            Command::Sub(args) => sub::run(args, connect).await,
            Command::Req(args) => req::run(args, connect).await,
            Command::Reply(args) => reply::run(args, connect).await,
            Command::Server(args) => server::run(args).await,
            Command::Demo(args) => demo::run(args, connect).await,
            Command::Micro(args) => micro::run(args, connect).await,
        }
    }
}

/// Parses `--count` values: a whole number of at least 1.
fn parse_count(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// "subject" or "subject in queue group \"g\"", for the ready lines.
fn describe(subjects: &str, queue: Option<&str>) -> String {
    match queue {
        Some(queue) => format!("{subjects} in queue group {queue:?}"),
        None => subjects.to_owned(),
    }
}
