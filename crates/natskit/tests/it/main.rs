//! natskit client integration tests, against real nats-server processes started by natskit-test
//! (and, for faults a real server never makes, its scripted fake server).

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

#[path = "backend_nats_server.rs"]
mod backend;
mod support;

mod auth;
mod checks;
mod close;
mod connect;
mod creds;
mod drain;
mod examples;
mod failover;
mod faults;
mod network_faults;
mod poisoned_messages;
mod pubsub;
mod queue;
mod reconnect;
mod request;
mod slow_consumer;
mod spans;
mod tls;
mod tls_first;
mod websocket;
mod websocket_nats_server;
