//! The same steps against nats-server and the embedded broker: nats-server's behaviour is the
//! specification, so each conformance test runs against both and asserts the same outcome.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use natskit_server::{Server, ServerBuilder};
use natskit_test::NatsServer;

use crate::support::*;

/// One broker under test.
pub enum Backend {
    /// A nats-server process (with monitoring), stopped when dropped.
    NatsServer(NatsServer),
    /// The embedded broker (with monitoring).
    Embedded(Server),
}

impl Backend {
    /// nats-server with `config` (its configuration file's text, or none), monitoring on.
    pub fn nats_server(config: Option<&str>) -> Backend {
        let mut builder = NatsServer::builder().monitoring();
        if let Some(config) = config {
            builder = builder.with_config(config);
        }
        Backend::NatsServer(builder.start().expect("start nats-server"))
    }

    /// The embedded broker from `builder`, monitoring on.
    pub async fn embedded(builder: ServerBuilder) -> Backend {
        Backend::Embedded(broker_with(builder.http_port(fresh_port())).await)
    }

    /// Both, configured alike: nats-server first.
    pub async fn both(config: Option<&str>, builder: ServerBuilder) -> [Backend; 2] {
        [
            Backend::nats_server(config),
            Backend::embedded(builder).await,
        ]
    }

    /// For assertion messages.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::NatsServer(_) => "nats-server",
            Backend::Embedded(_) => "embedded",
        }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        match self {
            Backend::NatsServer(s) => s.addr(),
            Backend::Embedded(s) => s.addr(),
        }
    }

    /// The URL for a natskit client.
    pub fn client_url(&self) -> String {
        match self {
            Backend::NatsServer(s) => s.url(),
            Backend::Embedded(s) => s.client_url(),
        }
    }

    /// The monitoring address.
    pub fn http_addr(&self) -> SocketAddr {
        match self {
            Backend::NatsServer(s) => {
                SocketAddr::from(([127, 0, 0, 1], s.monitor_port().expect("monitoring")))
            }
            Backend::Embedded(s) => s.http_addr().expect("monitoring"),
        }
    }

    /// A raw protocol connection, INFO read.
    pub async fn raw(&self) -> Raw {
        Raw::connect_to(self.addr()).await
    }

    /// Stops it: nats-server's process is killed and reaped, the embedded broker shut down.
    pub async fn stop(self) {
        match self {
            Backend::NatsServer(mut s) => s.stop().expect("stop nats-server"),
            Backend::Embedded(s) => s.shutdown().await,
        }
    }
}

/// GETs `target` from a monitoring address: the status code and the body. HTTP/1.0, so that
/// nats-server answers without chunked encoding. Blocking: call it off the runtime.
pub fn http_get(addr: SocketAddr, target: &str) -> (u16, String) {
    http_get_within(addr, target, PATIENCE)
}

/// [`http_get`], with `patience` for the answer (a loaded server's big `/connz` takes longer).
pub fn http_get_within(addr: SocketAddr, target: &str, patience: Duration) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(patience)).unwrap();
    write!(stream, "GET {target} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

/// [`http_get`] on the blocking pool.
pub async fn get(addr: SocketAddr, target: &str) -> (u16, String) {
    let target = target.to_owned();
    tokio::task::spawn_blocking(move || http_get(addr, &target))
        .await
        .unwrap()
}
