//! The JetStream integration suite against the embedded broker (natskit-server with
//! JetStream): the same test files as the `jetstream` binary (against nats-server 2.10
//! `-js`), compiled with another back end.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod backend;
#[path = "../jetstream/support.rs"]
mod support;

#[path = "../jetstream/account.rs"]
mod account;

#[path = "../jetstream/consumers.rs"]
mod consumers;
#[path = "../jetstream/kv.rs"]
mod kv;
#[path = "../jetstream/kv_interop.rs"]
mod kv_interop;
#[path = "../jetstream/messages.rs"]
mod messages;
#[path = "../jetstream/nats_py.rs"]
mod nats_py;
#[path = "../jetstream/object/mod.rs"]
mod object;
#[path = "../jetstream/ordered.rs"]
mod ordered;
#[path = "../jetstream/publish.rs"]
mod publish;
#[path = "../jetstream/publish_async.rs"]
mod publish_async;
#[path = "../jetstream/pull.rs"]
mod pull;
#[path = "../jetstream/push.rs"]
mod push;
#[path = "../jetstream/streams.rs"]
mod streams;
