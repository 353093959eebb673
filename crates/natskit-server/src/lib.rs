//! natskit-server: an embedded, single-node NATS broker that speaks the core protocol as
//! nats-server does, so any NATS client (natskit, async-nats, nats.go, nats-py, ...) can use it.
//! Run it inside a Rust program (tests, a single-box deployment) or as `natskit server`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use natskit_server::Server;
//!
//! let server = Server::builder().port(0).start().await?;
//! println!("clients connect to {}", server.client_url());
//! // ... natskit::connect(&server.client_url()) ...
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! What it does: INFO / CONNECT / PUB / HPUB / SUB / UNSUB (with max) / MSG / HMSG / PING /
//! PONG, `+OK` in verbose mode, the no-responders status, queue groups, echo off, nats-server's
//! `-ERR` texts and close-or-keep-open behaviour, limits (control line, payload, connections,
//! subscriptions, pending bytes per client), authentication timeout, stale-client PINGs, token,
//! user/password and NKey authentication, per-user publish/subscribe permissions, TLS (with
//! client certificates if asked, and handshake-first as nats-server 2.10's), and
//! `/varz`, `/connz`, `/subsz` monitoring. What it does not: clustering (run nats-server for
//! that; natskit clients connect to it unchanged), JWT/operator accounts, JetStream.
//!
//! # Layout
//! - `server`: [`ServerBuilder`], [`Server`], [`InProcess`] connections and the accept loop.
//! - `options`: [`Limits`], [`Auth`], [`User`].
//! - `connection`: the reader and writer tasks of one client.
//! - `session`: one client's protocol logic (CONNECT, PUB, SUB, UNSUB, PING), routing and
//!   delivery, with a per-connection lookup cache.
//! - `conn`: what other connections touch: the outbound buffer, subscriptions, counters.
//! - `sublist`: the subject index (a trie of tokens with `*` and `>`).
//! - `tls`: the TLS configuration read from PEM files; `connection` runs the handshake.
//! - `subscription`, `state`, `auth` (tokens, passwords, NKey signatures), `texts` (the `-ERR` texts), `stats` ([`Statistics`]),
//!   `monitor` (HTTP), `error` ([`ServerError`]), `fxhash`.
//! - `sync`: the lock helper (`lock`); `listen`: `bind`, for the client and monitoring ports.

mod auth;
mod conn;
mod connection;
mod error;
mod fxhash;
mod listen;
mod monitor;
mod options;
mod permissions;
mod server;
mod session;
mod state;
mod stats;
mod sublist;
mod subscription;
mod sync;
mod texts;
mod tls;

pub use error::ServerError;
pub use options::{Auth, Limits, User, DEFAULT_PORT};
pub use permissions::{Permissions, Rule};
pub use server::{InProcess, Server, ServerBuilder};
pub use stats::Statistics;
