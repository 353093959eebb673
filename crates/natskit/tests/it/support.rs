//! Helpers shared by the integration tests.

use std::time::Duration;

use futures_util::StreamExt;
use natskit::{Client, Event, Events, Message, Subscriber};

pub use crate::backend::{server, server_on_port, server_with, TestServer};

/// Upper bound for anything a test waits on; tests finish far sooner when all is well.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// What a test needs of the server beyond the defaults; each back end sets it up its own way.
#[derive(Debug, Clone)]
pub enum Setup {
    /// A smaller `max_payload`.
    MaxPayload(usize),
    /// Clients must authenticate as this user with this password.
    User(&'static str, &'static str),
    /// Clients must send this token.
    Token(&'static str),
    /// The monitoring endpoints are served (see `TestServer::monitor_get`).
    Monitoring,
    /// Clients may authenticate as the NKey user with this public key (`U...`).
    NKeyUser(String),
    /// TLS is required.
    Tls(TlsSetup),
}

/// How a TLS server is set up: its certificate and key, and what it asks of clients.
#[derive(Debug, Clone)]
pub struct TlsSetup {
    /// The server's certificate and key.
    pub cert: natskit_test::pki::Pair,
    /// Clients must present a certificate signed by this CA.
    pub client_ca: Option<std::path::PathBuf>,
    /// The handshake comes before INFO (the embedded broker only: nats-server 2.9 has no
    /// `handshake_first`).
    pub handshake_first: bool,
}

/// A client connected to `server`.
pub async fn client(server: &TestServer) -> Client {
    natskit::connect(&server.url()).await.expect("connect")
}

/// The next message, failing the test if none comes in time.
pub async fn next(sub: &mut Subscriber) -> Message {
    tokio::time::timeout(PATIENCE, sub.next())
        .await
        .expect("a message within the patience window")
        .expect("the subscription is still open")
}

/// Waits for the first event matching `wanted`.
pub async fn wait_for_event(events: &mut Events, wanted: impl Fn(&Event) -> bool) -> Event {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let event = events.next().await.expect("events stream open");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
    .expect("the event within the patience window")
}

/// A `tls_first` client of the handshake-first server at `url` (nats-server 2.10 in `it`, the
/// embedded broker in `embedded`), trusting the test CA, once a message has gone round through
/// it.
pub async fn tls_first_client(pki: &natskit_test::pki::Pki, url: &str) -> Client {
    let client = crate::tls::trusting(pki)
        .tls_first()
        .connect(url)
        .await
        .unwrap();
    let mut sub = client.subscribe("first").await.unwrap();
    client.publish("first", "handshake first").await.unwrap();
    assert_eq!(&next(&mut sub).await.payload[..], b"handshake first");
    client
}

/// Asserts that a client without `tls_first` (trusting the test CA) waits in vain for a plain
/// INFO from the handshake-first server at `url` and times out.
pub async fn plain_info_never_comes(pki: &natskit_test::pki::Pki, url: &str) {
    let err = crate::tls::trusting(pki)
        .connection_timeout(Duration::from_millis(300))
        .connect(url)
        .await
        .unwrap_err();
    assert!(
        matches!(err, natskit::ConnectError::TimedOut { .. }),
        "{err:?}"
    );
}

/// The stream ends (after any messages still pending).
pub async fn drain_to_end(sub: &mut Subscriber) -> Vec<Message> {
    tokio::time::timeout(PATIENCE, sub.collect_pending())
        .await
        .expect("the stream ends within the patience window")
}

/// Collects what remains of a stream until it ends.
pub trait CollectPending {
    /// All remaining messages.
    fn collect_pending(&mut self) -> impl std::future::Future<Output = Vec<Message>>;
}

impl CollectPending for Subscriber {
    async fn collect_pending(&mut self) -> Vec<Message> {
        let mut all = Vec::new();
        while let Some(msg) = self.next().await {
            all.push(msg);
        }
        all
    }
}
