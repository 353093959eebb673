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
//! user/password (plain or bcrypt) and NKey authentication (and `no_auth_user` for clients
//! without credentials), per-user publish/subscribe permissions with `allow_responses`,
//! accounts (isolated subjects, stream and service exports and imports, the system account's
//! connect and disconnect events), operator (JWT) mode ([`Operator`]: nats-server's
//! `operator`, `resolver: MEMORY` and `resolver_preload`; user JWTs signed by an account or
//! its signing keys, the nonce signed or a bearer token, expiry and revocations, the
//! accounts' connection, subscription and payload limits), nats-server's configuration file
//! format ([`config`]), TLS (with
//! client certificates if asked, users mapped from them as `verify_and_map` does, and
//! handshake-first as nats-server 2.10's), a WebSocket
//! listener (nats-server's `websocket {}`: `ws://`/`wss://`, permessage-deflate, origin
//! checks; see [`ServerBuilder::websocket`]),
//! `/varz`, `/connz`, `/subsz`, `/healthz` and Prometheus `/metrics` monitoring, nats-server's
//! lame duck mode ([`Server::lame_duck`]) and configuration reload ([`Server::reload`]: users
//! and permissions of live connections checked again), and nats-server's log lines as
//! `tracing` events (debug lines, and with target `natskit_server::trace` the protocol trace).
//! JetStream ([`ServerBuilder::jetstream`], `natskit server --jetstream`): streams on memory
//! or file storage (limits, discard policies, dedup, expected headers, rollups, interest and
//! work-queue retention), pull and push consumers (acks, redelivery, backoff, heartbeats, flow
//! control), direct get, and so KV buckets and object stores, answering the `$JS.API` as
//! nats-server 2.10 does for unmodified clients; `/jsz`. JetStream serves the global account.
//! What it does not: clustering and replicated JetStream (run a nats-server cluster for that;
//! natskit clients and their streams move to it unchanged), account resolvers other than the
//! memory one (URL, full, cache), activation tokens for exports.
//!
//! # Layout
//! - `server`: [`ServerBuilder`], [`Server`], [`InProcess`] connections and the accept loop.
//! - `options`: [`Limits`], [`Auth`], [`User`], and the options a server starts with.
//! - `client`: one client connection, a file per part:
//!   - `client::io`: its reader and writer tasks (and the TLS handshake), I/O only;
//!   - `client::protocol`: its protocol logic (CONNECT, PUB, SUB, UNSUB, PING), routing and
//!     delivery, with a per-connection lookup cache;
//!   - `client::shared`: what other connections touch: its outbound buffer, its subscriptions
//!     (`Subscription`, also held by the subject index), its counters, its permissions (a
//!     reload may replace them) and the credentials it logged in with;
//!   - `client::trace`: the protocol trace lines (nats-server's `-V`).
//! - `state`: what all connections share: options, the accounts' subject spaces, the
//!   connection table, the counters.
//! - `accounts`: [`Account`]s, their exports and imports, checked at start; `space`: one
//!   account's subject index and its routes to other accounts; `events`: the system
//!   account's connect and disconnect events.
//! - `sublist`: the subject index (a trie of tokens with `*` and `>`).
//! - `auth`: tokens, passwords, NKey signatures and users from client certificates
//!   (`verify_and_map`; `cert` reads the names in a certificate); `permissions`:
//!   [`Permissions`], [`Rule`].
//! - `jwt`: NATS JWTs decoded and their signatures checked (operator, account and user
//!   claims); `operator`: operator mode, [`Operator`] and the trust it is checked into at
//!   start, which admits or refuses a CONNECT's user JWT.
//! - `tls`: the TLS configuration read from PEM files; `client::io` runs the handshake.
//! - `monitor`: `/varz`, `/connz`, `/subsz`, `/metrics` over HTTP; `stats`: [`Statistics`].
//! - `ws`: the WebSocket listener ([`WebSocket`]): frames, the HTTP upgrade, origins,
//!   permessage-deflate, and the adapter that hands `client::io` a byte stream.
//! - `jetstream`: JetStream, one engine per account run as the broker's own client:
//!   `engine` (its loop and connection), `api` (the `$JS.API` requests, their JSON and
//!   errors, stream and consumer configurations), `stream` (what a publish checks, limits),
//!   `consumer` (delivery state), `pump` (serving pull requests and push subscribers, acks,
//!   timers), `deliver` (straight into subscribers' buffers), `persist` (configurations and
//!   consumer positions on disk), `store` (messages: `memory`, and `file` with segments,
//!   checksums, recovery and compaction), `options` ([`JetStream`]), `subjects`.
//! - `listen`: `bind`, for the client, WebSocket and monitoring ports.
//! - `texts`: the `-ERR` texts; `error`: [`ServerError`]; `fxhash`: the lookup caches' hasher.
//! - [`config`]: nats-server's configuration file format, a file per job: `lexer`, `parser`,
//!   `scalar` (numbers, sizes, dates), `value` (the tree with positions), `include`,
//!   `variables`; then the settings applied to a [`ServerBuilder`]: `settings`, `auth`, `tls`
//!   (with `websocket`), `operator`, `fields`, `duration`.
//!
//! Which module imports which (`use crate::...`), leaves first:
//!
//! ```text
//! cert, error, fxhash, jwt, permissions, texts, jetstream::options   (no crate imports)
//! listen, tls, accounts        -> error
//! operator                     -> accounts, error, jwt, permissions
//! options                      -> accounts, operator, permissions, tls
//! auth                         -> cert, error, jwt, options
//! client::shared               -> cert, permissions, quoted
//! client::trace                -> client::shared, quoted
//! sublist                      -> client::shared
//! space                        -> accounts, sublist
//! state                        -> client::shared, jetstream::options, options, space,
//!                                 sublist, tls
//! events                       -> client, space, state
//! stats                        -> state
//! client::protocol             -> auth, client::shared, client::trace, fxhash, jwt, operator,
//!                                 options, permissions, state, sublist, texts, tls
//! client::io                   -> auth, cert, client::protocol, client::shared, client::trace,
//!                                 jwt, state, texts, tls
//! ws (frame, origin, deflate, handshake, closing, stream)
//!                              -> texts
//! ws::listener                 -> client::io, error, listen, options, state, tls, ws
//! jetstream (the rest: engine, api, pump, deliver, store, ...)
//!                              -> client::io, client::shared, jetstream::options, space,
//!                                 state
//! monitor                      -> error, jetstream::options, listen, state, stats
//! server                       -> auth, client::io, client::protocol, client::shared, error,
//!                                 jetstream, listen, monitor, operator, options, quoted, state,
//!                                 stats, texts, tls, ws::listener
//! config                       -> auth, error, jetstream::options, jwt, operator, options,
//!                                 permissions, server, tls
//! ```
//!
//! Every module imports only modules on lines above its own, so no import leads back: the graph
//! is acyclic. `Conn` and `Subscription` refer to each other, so they share `client::shared`;
//! `bind` sits in a leaf (`listen`) instead of in a module that imports its users, and the
//! lock helper is natskit-proto's `sync::lock`, shared by every natskit crate. Modules import
//! by module path (`crate::error::ServerError`), not through the re-exports at the crate root,
//! so the graph can be read off the `use crate::` lines.

mod accounts;
mod auth;
mod cert;
mod client;
pub mod config;
mod error;
mod events;
mod fxhash;
mod jetstream;
mod jwt;
mod listen;
mod monitor;
mod operator;
mod options;
mod permissions;
mod quoted;
mod server;
mod space;
mod state;
mod stats;
mod sublist;
mod texts;
mod tls;
mod ws;

pub use accounts::{Account, Export, Import, Kind, GLOBAL_ACCOUNT};
pub use error::ServerError;
pub use jetstream::options::{JetStream, SyncPolicy};
pub use operator::Operator;
pub use options::{Auth, Limits, ProcessOptions, User, WebSocket, DEFAULT_PORT};
pub use permissions::{Permissions, Responses, Rule};
pub use server::{InProcess, Server, ServerBuilder};
pub use stats::Statistics;
