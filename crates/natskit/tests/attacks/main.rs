//! Attacks on the client: a hostile server (or a hostile publisher behind a real one) must not
//! grow the client's memory past its limits or freeze it. Memory is measured on a child
//! process (this test binary run again as [`child`]), so that nothing else in the test process
//! counts.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod child;
mod discovered_servers;
mod ping_flood;
mod slow_reader;
