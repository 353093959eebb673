//! The subcommands, one module each.

mod bench;
mod completions;
mod consumer;
mod context;
mod demo;
mod events;
mod kv;
mod latency;
mod micro;
mod obj;
mod ops;
mod publish;
mod reply;
mod req;
mod rtt;
mod server;
mod server_config;
pub(crate) mod server_flags;
mod server_log;
mod server_signal;
mod stream;
mod sub;

use clap::Subcommand;

use crate::error::CliError;

/// What `natskit` can do.
// Parsed once per run: the size of the largest variant (`server`'s flags) costs nothing.
#[allow(clippy::large_enum_variant)]
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
    /// Run the embedded NATS broker (no nats-server needed) until Ctrl-C, with nats-server's
    /// flags, configuration file and signals too; or ask running servers: ping, info, list,
    /// check.
    #[command(disable_version_flag = true)]
    Server(server::ServerArgs),
    /// Time round trips to each server of the connection's list.
    Rtt(rtt::RttArgs),
    /// Print client connect and disconnect advisories (system account).
    #[command(visible_alias = "event")]
    Events(events::EventsArgs),
    /// Measure publish-to-delivery latency between two servers at a set rate.
    #[command(visible_alias = "lat")]
    Latency(latency::LatencyArgs),
    /// Watch responders in a queue group share requests, on the embedded broker unless
    /// --server names one.
    Demo(demo::DemoArgs),
    /// Find services that speak the NATS service API: ls, info, stats, ping.
    Micro(micro::MicroArgs),
    /// Measure publish, subscribe and request throughput and latency.
    Bench(bench::BenchArgs),
    /// Manage JetStream streams: add, ls, info, rm, purge, get.
    Stream(stream::StreamArgs),
    /// Manage JetStream consumers and take their messages: add, ls, info, rm, next.
    Consumer(consumer::ConsumerArgs),
    /// Key-value buckets on JetStream: add, put, get, create, update, del, purge, history,
    /// keys, watch, ls, rm, status.
    Kv(kv::KvArgs),
    /// Object stores on JetStream: add, put, get, ls, info, rm, watch, seal.
    Obj(obj::ObjArgs),
    /// Save connection settings under a name: add, ls, select, show, import, rm.
    Context(context::ContextArgs),
    /// Print a shell completion script: bash, zsh or fish.
    Completions(completions::CompletionsArgs),
}

impl Command {
    /// Runs the subcommand.
    pub async fn run(self) -> Result<(), CliError> {
        match self {
            Command::Pub(args) => publish::run(args).await,
            Command::Sub(args) => sub::run(args).await,
            Command::Req(args) => req::run(args).await,
            Command::Reply(args) => reply::run(args).await,
            Command::Server(args) => server::run(args).await,
            Command::Rtt(args) => rtt::run(args).await,
            Command::Events(args) => events::run(args).await,
            Command::Latency(args) => latency::run(args).await,
            Command::Demo(args) => demo::run(args).await,
            Command::Micro(args) => micro::run(args).await,
            Command::Bench(args) => bench::run(args).await,
            Command::Stream(args) => stream::run(args).await,
            Command::Consumer(args) => consumer::run(args).await,
            Command::Kv(args) => kv::run(args).await,
            Command::Obj(args) => obj::run(args).await,
            Command::Context(args) => context::run(args).await,
            Command::Completions(args) => completions::run(args),
        }
    }
}

/// Parses a whole number, zero included (`req --replies`).
fn parse_whole(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| format!("{text:?} is not a whole number"))
}

/// Parses `--count` values: a whole number of at least 1.
fn parse_count(text: &str) -> Result<u64, String> {
    match parse_whole(text)? {
        0 => Err("must be at least 1".into()),
        n => Ok(n),
    }
}

/// "subject" or "subject in queue group \"g\"", for the ready lines.
fn describe(subjects: &str, queue: Option<&str>) -> String {
    match queue {
        Some(queue) => format!("{subjects} in queue group {queue:?}"),
        None => subjects.to_owned(),
    }
}
