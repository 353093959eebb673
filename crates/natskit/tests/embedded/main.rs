//! The natskit client integration suite against the embedded broker (natskit-server): the same
//! test modules as the `it` binary (against nats-server), compiled with another back end.
//!
//! Left out, with the reason: `failover` (clusters: the embedded broker is single-node by
//! design), `faults` (a scripted fake server, no broker at all), `examples` (the example
//! processes are run once, in `it`), `creds` and `jwt` (operator mode and JWT accounts are
//! nats-server's; the broker authenticates users, tokens, NKeys and TLS clients).
//! `tls_first_embedded` is this binary's own: nats-server 2.9 has no handshake-first.
//! `websocket_nats_server` (a cluster, client certificates on wss, Go's HTTP answers) is
//! nats-server's.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

#[path = "../it/backend_embedded.rs"]
mod backend;
#[path = "../it/support.rs"]
mod support;

#[path = "../it/auth.rs"]
mod auth;
#[path = "../it/checks.rs"]
mod checks;
#[path = "../it/close.rs"]
mod close;
#[path = "../it/connect.rs"]
mod connect;
#[path = "../it/drain.rs"]
mod drain;
#[path = "../it/network_faults.rs"]
mod network_faults;
#[path = "../it/poisoned_messages.rs"]
mod poisoned_messages;
#[path = "../it/pubsub.rs"]
mod pubsub;
#[path = "../it/queue.rs"]
mod queue;
#[path = "../it/reconnect.rs"]
mod reconnect;
#[path = "../it/request.rs"]
mod request;
#[path = "../it/slow_consumer.rs"]
mod slow_consumer;
#[path = "../it/tls.rs"]
mod tls;
mod tls_first_embedded;
#[path = "../it/websocket.rs"]
mod websocket;
