//! JetStream in the broker: streams and consumers on memory or file storage, answering the
//! `$JS.API` as nats-server 2.10 does, for unmodified NATS clients.

// Built up part by part (issue 18): parts not yet reached by the engine.
#![allow(dead_code)]

pub(crate) mod store;
