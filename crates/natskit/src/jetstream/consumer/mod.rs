//! Consumers: their configuration and management, the messages they deliver with their
//! acknowledgements, and the ways of reading them.
//!
//! - `config`, `info`, `manage`: [`ConsumerConfig`](config::ConsumerConfig), what the server
//!   reports, and the API calls on [`Context`](crate::jetstream::Context).
//! - `message`: [`Message`](message::Message) with acks, and the ack subject's metadata.
//! - `incoming`: what arrives on a consumer's subscription, sorted (user message or status).
//! - `flow`: the pull state machine (runtime-free); `puller`: its I/O; `pull`: the
//!   [`PullConsumer`](pull::PullConsumer) handle, fetch, next and consume.
//! - `push_flow`: the push state machine (flow control, heartbeats; runtime-free); `pusher`:
//!   its I/O; `push`: the [`PushConsumer`](push::PushConsumer) handle.
//! - `sequence`: an ordered consumer's sequence check (runtime-free); `ordered`: the
//!   [`OrderedConsumer`](ordered::OrderedConsumer), pulled or pushed, made anew on a gap.
//!
//! Layers: `config` -> `info` -> `manage`; `incoming` -> `flow`, `push_flow` -> `message` ->
//! `puller`, `pusher` -> `pull`, `push` -> `ordered`.

pub(crate) mod config;
pub(crate) mod flow;
pub(crate) mod incoming;
pub(crate) mod info;
pub(crate) mod manage;
pub(crate) mod message;
pub(crate) mod ordered;
pub(crate) mod pull;
pub(crate) mod puller;
pub(crate) mod push;
pub(crate) mod push_flow;
pub(crate) mod pusher;
pub(crate) mod sequence;
