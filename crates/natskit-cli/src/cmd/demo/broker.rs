//! Where the demo's clients connect: the embedded broker in this process (no port at all), or
//! the server `--server` (or `NATS_URL`, or `--context`) names, with the credentials and TLS
//! files of the connection flags.

use natskit::{Client, ConnectOptions, Connector};
use natskit_server::{InProcess, Server};

use crate::connect::Connection;
use crate::error::CliError;
use crate::secret::redact_urls;

/// The broker every client of the demo connects to.
pub enum Broker {
    /// natskit-server, started by the demo, reached without a socket.
    Embedded {
        /// The running broker (shut down at the end).
        server: Server,
        /// Opens in-process connections to it.
        link: InProcess,
    },
    /// A server somebody else runs (nats-server or `natskit server`).
    Remote {
        /// Its URLs and how to authenticate (boxed: it is much larger than the other variant).
        connection: Box<Connection>,
    },
}

impl Broker {
    /// Starts the embedded broker, in-process only.
    pub async fn embedded() -> Result<Broker, CliError> {
        let server = Server::builder()
            .tcp(false)
            .name("natskit-demo")
            .start()
            .await
            .map_err(|e| CliError::msg(format!("could not start the embedded broker: {e}")))?;
        let link = server.in_process();
        Ok(Broker::Embedded { server, link })
    }

    /// The broker `connection` names.
    pub fn remote(connection: Connection) -> Broker {
        Broker::Remote {
            connection: Box::new(connection),
        }
    }

    /// One line saying which broker this is.
    pub fn describe(&self) -> String {
        match self {
            Broker::Embedded { .. } => {
                "the embedded broker, in this process (no port, nothing installed)".into()
            }
            Broker::Remote { connection } => {
                format!("the server at {}", redact_urls(connection.urls()))
            }
        }
    }

    /// A new connection named `name` (each responder is its own client, as separate services
    /// would be).
    pub async fn client(&self, name: &str) -> Result<Client, CliError> {
        let client = match self {
            Broker::Embedded { link, .. } => {
                let link = link.clone();
                ConnectOptions::new()
                    .name(name)
                    .connector(Connector::new(move |_| {
                        let link = link.clone();
                        async move { link.connect() }
                    }))
                    .connect("nats://in-process")
                    .await?
            }
            Broker::Remote { connection } => connection.connect_as(name).await?,
        };
        Ok(client)
    }

    /// Stops the embedded broker; a remote one is left running.
    pub async fn stop(self) {
        if let Broker::Embedded { server, .. } = self {
            server.shutdown().await;
        }
    }
}
