//! natskit-micro integration tests, against real nats-server processes started by natskit-test.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod support;

mod backpressure;
mod concurrency;
mod discovery;
mod documents;
mod endpoints;
mod errors;
mod examples;
mod handlers;
mod nats_py;
mod queue;
mod stop;
