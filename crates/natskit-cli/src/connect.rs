//! [`ConnectArgs`]: the connection flags every subcommand shares.

use std::time::Duration;

use clap::Args;
use natskit::{Client, ConnectOptions};

use crate::duration::parse_duration;
use crate::error::CliError;

/// Where the server is and how long to try reaching it.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Server URLs, comma-separated; the first that answers is used.
    #[arg(
        short,
        long,
        global = true,
        env = "NATS_URL",
        value_name = "URLS",
        default_value = natskit::DEFAULT_URL
    )]
    pub server: String,

    /// Time allowed to connect to a server and complete the handshake (`500ms`, `2s`, `1m`).
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        default_value = "5s",
        value_parser = parse_duration
    )]
    pub connect_timeout: Duration,

    /// How long to wait for answers from NATS (`500ms`, `2s`); each command has its own
    /// default (`req`: 5s, `micro`: 1s).
    #[arg(short, long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Whether the server came from the command line or `NATS_URL` rather than the default
    /// (set by `main`; `natskit demo` starts its own broker otherwise).
    #[arg(skip)]
    pub server_named: bool,
}

impl ConnectArgs {
    /// `--timeout`, or the command's own default when it was not given.
    pub fn timeout_or(&self, default: Duration) -> Duration {
        self.timeout.unwrap_or(default)
    }

    /// Connects to the first of the servers that completes the handshake.
    ///
    /// A blank `--server` (as `NATS_URL=` gives) means the default server.
    pub async fn connect(&self) -> Result<Client, CliError> {
        let urls = match self.server.trim() {
            "" => natskit::DEFAULT_URL,
            urls => urls,
        };
        let client = ConnectOptions::new()
            .name("natskit-cli")
            .connection_timeout(self.connect_timeout)
            .connect(urls)
            .await?;
        Ok(client)
    }
}
