//! JetStream integration tests, against nats-server 2.10 (the one `make deps` installs into
//! the nats-py virtualenv) started with `-js`. The `jetstream_embedded` binary compiles the
//! same files against the embedded broker with JetStream. Each test starts its own server on
//! loopback and stops it at the end.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

#[path = "backend_nats_server.rs"]
mod backend;
mod support;

mod account;
mod consumers;
mod kv;
mod kv_interop;
mod messages;
mod nats_py;
mod object;
mod ordered;
mod publish;
mod publish_async;
mod pull;
mod push;
mod streams;
