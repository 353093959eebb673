//! `natskit server ping | info | list | check connection`: what a cluster's servers say about
//! themselves. Through the system account (`$SYS.REQ.SERVER.PING` and its `.VARZ`, as the
//! `nats` CLI asks), or, with `--monitor URL`, a server's HTTP monitoring port (`/varz`), which
//! nats-server and the embedded broker both serve.

mod check;
mod info;
mod list;
mod monitor;
mod ping;
mod summary;
mod sys;

use std::time::Duration;

use clap::{Args, Subcommand};

use self::summary::Summary;
pub use self::sys::{gather, not_system, Expect, PING};
use crate::connect::ConnectArgs;
use crate::error::CliError;

/// What `natskit server` can do besides running the broker.
#[derive(Debug, Subcommand)]
pub enum ServerAction {
    /// Ask every server for its name and time the answers (system account).
    Ping(ping::PingArgs),
    /// Show one server's settings and figures (system account, or --monitor).
    #[command(visible_alias = "i")]
    Info(info::InfoArgs),
    /// List the servers with their connections, subscriptions and memory (system account,
    /// or --monitor).
    #[command(visible_alias = "ls")]
    List(list::ListArgs),
    /// Health checks with Nagios output and statuses: connection.
    Check(check::CheckArgs),
}

/// Runs the subcommand.
pub async fn run(action: ServerAction) -> Result<(), CliError> {
    match action {
        ServerAction::Ping(args) => ping::run(args).await,
        ServerAction::Info(args) => info::run(args).await,
        ServerAction::List(args) => list::run(args).await,
        ServerAction::Check(args) => check::run(args).await,
    }
}

/// Where the figures come from: the connection flags (the system account), or `--monitor`.
#[derive(Debug, Args)]
pub struct Source {
    /// Read this server's HTTP monitoring port instead of asking the system account
    /// (http://HOST:PORT, nats-server's `-m` port); repeat for more servers (list).
    #[arg(long = "monitor", value_name = "URL")]
    pub monitor: Vec<String>,

    /// Where and how to connect.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// An error when fewer than `expect` servers answered within `wait`.
pub fn check_expected(
    expect: Option<u64>,
    answered: usize,
    wait: Duration,
) -> Result<(), CliError> {
    match expect {
        Some(expect) if (answered as u64) < expect => Err(CliError::msg(format!(
            "{expect} servers were expected, {answered} answered within {}",
            crate::clock::short_duration(wait)
        ))),
        _ => Ok(()),
    }
}

impl Source {
    /// Every server's summary: the answers to the system account's PING (as many as `expect`,
    /// else as many as the first answer says are active, within `wait`), or each `--monitor`
    /// URL's `/varz`.
    pub async fn summaries(
        &self,
        expect: Option<u64>,
        wait: Duration,
    ) -> Result<Vec<Summary>, CliError> {
        if self.monitor.is_empty() {
            let client = self.connect.connect().await?;
            let expect = match expect {
                Some(n) => Expect::Count(n as usize),
                None => Expect::ActiveServers,
            };
            let answers = gather(&client, PING, "", expect, wait).await?;
            return Ok(answers
                .iter()
                .map(|a| Summary::from_statsz(&a.body, a.rtt))
                .collect());
        }
        let mut servers = Vec::new();
        for url in &self.monitor {
            let (varz, rtt) = monitor::get_json(url, "/varz", wait).await?;
            servers.push(Summary::from_varz(&varz, rtt));
        }
        Ok(servers)
    }
}
