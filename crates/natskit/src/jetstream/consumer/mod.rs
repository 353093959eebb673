//! Consumers: their configuration and management, the messages they deliver with their
//! acknowledgements, and the ways of reading them.
//!
//! - `config`, `info`, `manage`: [`ConsumerConfig`](config::ConsumerConfig), what the server
//!   reports, and the API calls on [`Context`](crate::jetstream::Context).
//! - `message`: [`Message`](message::Message) with acks, and the ack subject's metadata.
//! - `incoming`: what arrives on a consumer's subscription, sorted (user message or status).
//! - `flow`: the pull state machine (runtime-free); `puller`: its I/O; `pull`: the
//!   [`PullConsumer`](pull::PullConsumer) handle, fetch, next and consume.
//!
//! Layers: `config` -> `info` -> `manage`; `incoming` -> `flow` -> `message` -> `puller` ->
//! `pull`.

pub(crate) mod config;
pub(crate) mod flow;
pub(crate) mod incoming;
pub(crate) mod info;
pub(crate) mod manage;
pub(crate) mod message;
pub(crate) mod pull;
pub(crate) mod puller;
