//! natskit: a NATS client for tokio. Publish, subscribe, share load in queue groups, and make
//! requests, over one connection owned by one task.
//!
//! ```no_run
//! use futures_util::StreamExt;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = natskit::connect("nats://127.0.0.1:4222").await?;
//!
//!     // A responder in a queue group: run several, and they share the requests.
//!     let mut requests = client.queue_subscribe("greet", "greeters").await?;
//!     tokio::spawn(async move {
//!         while let Some(msg) = requests.next().await {
//!             let _ = msg.respond("Roger!").await;
//!         }
//!     });
//!
//!     let answer = client.request("greet", "hello").await?;
//!     println!("{}", String::from_utf8_lossy(&answer.payload));
//!     client.close().await?;
//!     Ok(())
//! }
//! ```
//!
//! # Layout
//! - `client`: [`Client`], [`Request`]; `options`: [`ConnectOptions`]; `server_addr`: [`ServerAddr`].
//! - `subscriber`: [`Subscriber`]; `message`: [`Message`]; `events`: [`Event`], [`Events`].
//! - `machine`: the connection's protocol state as a sans-IO state machine: subscriptions,
//!   requests, PINGs and flushes, the output and reconnect buffer, the server pool (`machine::pool`),
//!   INFO updates. No tokio, no sockets, no clock; its own deterministic tests.
//! - `shared`: what the handles and the connection task share: one lock around the machine,
//!   and the wake-ups.
//! - `driver`: the connection task, I/O and timers only; `dialer`: the first connect and
//!   every reconnect; `handshake`: TCP connect, TLS, WebSocket upgrade, INFO, CONNECT, PONG.
//! - `transport`: TCP or a user's [`Connector`] (any [`ByteStream`]), split for the task.
//! - `websocket`: `ws://` and `wss://`: the HTTP upgrade (tokio-tungstenite) over the stream
//!   opened as for TCP, with TLS first for `wss://`; `ws_stream`: WebSocket messages read and
//!   written as the byte stream the connection task uses.
//! - `reconnect`: [`ReconnectDelay`] and the reconnect options.
//! - `auth`: [`Auth`], [`AuthCallbackError`]: credentials and how they answer the server (user
//!   and password, token, NKey seeds, user JWTs, `.creds` files, a nonce callback); no secret
//!   reaches `Debug`.
//! - `tls`: when to upgrade, the rustls client configuration (webpki roots or given CAs, client
//!   certificate, read with `natskit_proto::pem`), and errors naming the certificate problem.
//! - `seed`: NKey seeds, their public keys and signatures.
//! - `features`: what this build leaves out, checked when connecting (see below).
//! - `stats`: [`Statistics`]; `error`: one error type per operation.
//! - `jetstream`: JetStream over a [`Client`]: streams, their messages, publishing with
//!   acknowledgements, typed API errors.
//!
//! # Cargo features
//! All on by default: `tls` (`tls://` and `wss://` URLs and the TLS options: rustls with ring,
//! webpki-roots), `nkeys` (NKey seeds and `.creds` files), `jetstream` (the `jetstream`
//! module), `websocket` (`ws://` URLs). Without `default-features`, the core client remains;
//! a URL or option that needs a left-out feature fails [`connect`] at once with
//! [`ConnectError::FeatureDisabled`], and a server that requires TLS fails the same way. A
//! left-out feature's module is a stand-in (`tls_off.rs`, `seed_off.rs`, `websocket_off.rs`)
//! with the same crate-internal API. The service API is the natskit-micro crate.
//!
//! Why the machine lives here and not in natskit-proto: it holds the client's policy (pending
//! limits, the reconnect buffer, the server pool, the errors of this crate's API), while
//! natskit-proto is the wire format that clients and brokers share.
//!
//! Which module imports which, in layers: each imports only modules of the layers before
//! its own, so no import leads back (the natskit-test `imports` test checks every crate):
//! `error`, `events`, `stats`, `reconnect` -> `server_addr` -> `transport`, `seed` -> `auth`
//! -> `tls` -> `ws_stream` -> `websocket` -> `options` -> `features`, `machine`, `handshake`
//! -> `shared` -> `message`, `dialer` -> `driver`,
//! `subscriber` -> `client` -> `jetstream`.

mod auth;
mod client;
mod dialer;
mod driver;
mod error;
mod events;
mod features;
mod gather;
mod handshake;
#[cfg(feature = "jetstream")]
pub mod jetstream;
mod machine;
mod message;
mod options;
mod publish;
mod reconnect;
// A left-out feature's module is a stand-in with the same crate-internal API that answers
// ConnectError::FeatureDisabled, so the code that uses it has no #[cfg] of its own.
#[cfg_attr(not(feature = "nkeys"), path = "seed_off.rs")]
mod seed;
mod server_addr;
mod shared;
mod stats;
mod subscriber;
#[cfg_attr(not(feature = "tls"), path = "tls_off.rs")]
mod tls;
mod transport;
#[cfg_attr(not(feature = "websocket"), path = "websocket_off.rs")]
mod websocket;
#[cfg(feature = "websocket")]
mod ws_stream;

pub use auth::{Auth, AuthCallbackError};
pub use client::{Client, Request};
pub use error::{ConnectError, FlushError, PublishError, RequestError, SubscribeError};
pub use events::{ConnectionState, Event, Events};
pub use message::Message;
pub use natskit_proto::{HeaderMap, ServerInfo, Subject};
pub use options::{default_urls, ConnectOptions, DEFAULT_PENDING_BYTES, DEFAULT_PENDING_MESSAGES};
pub use reconnect::{ReconnectDelay, DEFAULT_RECONNECT_BUFFER};
/// The rustls this crate is built with, for [`ConnectOptions::tls_client_config`].
#[cfg(feature = "tls")]
pub use rustls;
pub use server_addr::{ServerAddr, DEFAULT_PORT, DEFAULT_URL, DEFAULT_WSS_PORT, DEFAULT_WS_PORT};
pub use stats::Statistics;
pub use subscriber::Subscriber;
pub use transport::{ByteStream, Connector};

/// Connects with default options to `urls` (comma-separated).
///
/// ```no_run
/// # async fn demo() -> Result<(), natskit::ConnectError> {
/// let client = natskit::connect("nats://127.0.0.1:4222").await?;
/// # Ok(()) }
/// ```
pub async fn connect(urls: &str) -> Result<Client, ConnectError> {
    ConnectOptions::new().connect(urls).await
}
