//! The attack suite's broker part: hostile or heavy clients against the embedded broker and,
//! where the outcome is compared, against nats-server, asserting that the broker survives,
//! delivers, keeps other clients' latency bounded and its own memory small. Loopback only;
//! every broker a test starts is stopped by the test's own handle.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod support;

mod churn;
mod connect_storm;
mod deep_subject;
mod framing;
mod idle_memory;
mod monitoring_load;
mod no_responders;
mod permission_bypass;
mod queue_groups;
mod slow_connections;
mod slow_consumer;
