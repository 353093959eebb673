//! Test harness for natskit: real `nats-server` processes on loopback, a routed cluster, and a
//! scripted fake server for the faults a real server never makes.
//!
//! Everything is blocking and std-only (`std::process`, `std::net`, threads), so tests on any async
//! runtime, or none, can use it. Every wait is bounded, every process and thread is stopped on drop
//! (also when a test panics), and every error message says what to do next: a missing binary names
//! `apt-get install -y nats-server`, a server that fails to start brings its log along.
//!
//! ```
//! use std::time::Duration;
//! use natskit_test::{probe, NatsServer};
//!
//! let mut server = NatsServer::start().unwrap();
//! probe::ping(server.addr(), Duration::from_secs(5)).unwrap();
//! server.restart().unwrap(); // same port, new process
//! probe::ping(server.addr(), Duration::from_secs(5)).unwrap();
//! ```
//!
//! # Layout
//! - `server.rs`: [`NatsServer`] and its [`NatsServerBuilder`]: one process on a
//!   free port, optional config file and arguments, an optional WebSocket listener (`ws://` or
//!   `wss://`), `stop` / `start_again` / `restart` on the same port.
//! - `cluster.rs`: [`NatsCluster`] and [`NatsClusterBuilder`]: `n` nodes meshed by explicit routes,
//!   formation checked through `/routez`, `kill(i)` / `restart(i)`.
//! - `fake.rs`: [`ScriptedServer`], [`ScriptedServerBuilder`] and [`Step`]: a TCP listener that plays
//!   one script per accepted connection and records what the client sent.
//! - `proxy.rs`: [`FaultProxy`]: a loopback TCP proxy that cuts, resets, black-holes, delays and
//!   throttles connections on command.
//! - `nats_py.rs`: [`NatsPy`]: runs the Python client nats-py (`make deps` installs it into
//!   `target/nats-py-venv`) through the scenarios of `scripts/foreign/nats_py_scenarios.py`
//!   against any server URL, restarting the server when the `reconnect` scenario asks.
//! - `nats_js.rs`: [`NatsJs`]: runs the official JavaScript clients (npm's `nats` over TCP,
//!   `nats.ws` over WebSocket; `make deps` installs them into `web/node_modules`) through the
//!   scenarios of `scripts/foreign/nats_js_scenarios.mjs`, alone or with natskit on the other side.
//! - `browser.rs`: [`Browser`] and [`Page`]: Debian's Chromium, headless, driven step by step by
//!   playwright-core through `scripts/foreign/chromium_page.mjs`.
//! - `pages.rs`: [`PageServer`]: fixed files over HTTP on loopback, for pages the browser opens.
//! - [`node`]: finding node and the npm packages of `web/`.
//! - `child.rs`: the foreign clients' processes: killed and reaped however a run ends, their
//!   output read on threads of their own.
//! - [`port`]: free loopback ports, never handed out twice by one process.
//! - [`binary`]: finding `nats-server` (`NATS_SERVER_BIN`, `PATH`, the sbin directories).
//! - [`pki`]: a CA and certificates made at test time, for TLS tests.
//! - [`jwt`]: an operator, an account and a user with their JWTs and `.creds`, made at test
//!   time, for nats-server in operator mode.
//! - [`imports`]: which module of a crate imports which, and the loops among them.
//! - [`probe`]: raw `INFO`, `PING`/`PONG` and HTTP/1.0 probes over `std::net`.
//! - `error.rs`: [`Error`] and [`Result`].
//! - `tempdir.rs`: [`TempDir`], the temp dir each server owns (and any test may use), removed
//!   on drop.

pub mod binary;
mod browser;
mod child;
mod cluster;
mod error;
mod fake;
pub mod imports;
pub mod jwt;
mod nats_js;
mod nats_py;
pub mod node;
mod pages;
pub mod pki;
pub mod port;
pub mod probe;
mod proxy;
mod server;
mod tempdir;

pub use browser::{Browser, Page};
pub use cluster::{NatsCluster, NatsClusterBuilder};
pub use error::{Error, Result, INSTALL_HINT};
pub use fake::{
    ScriptedServer, ScriptedServerBuilder, Step, DEFAULT_JOIN_TIMEOUT, DEFAULT_STEP_TIMEOUT,
};
pub use nats_js::NatsJs;
pub use nats_py::NatsPy;
pub use pages::PageServer;
pub use proxy::FaultProxy;
pub use server::{NatsServer, NatsServerBuilder, DEFAULT_STARTUP_TIMEOUT};
pub use tempdir::TempDir;

/// docs/guide.md as doc tests: `cargo test -p natskit-test --doc` compiles every
/// ```` ```rust ```` block of the guide and runs those not marked `no_run`. Nothing is built
/// outside doc tests. They live here, in a crate that is never published, because the guide is
/// outside every package and its programs use natskit-server as well as natskit.
///
/// Every block is a doc test by construction (rustdoc takes all of this file's code blocks),
/// so no list of blocks has to be kept in step; the unit test below only rejects blocks that
/// would slip through (`ignore`, an unlabelled fence, a language rustdoc does not know).
/// rustdoc names each block "GuideDoctests (line N)", N counted as if the guide began at
/// the `#[doc]` line below (guide line = N - that line + 2).
#[cfg(doctest)]
#[doc = include_str!("../../../docs/guide.md")]
pub struct GuideDoctests;

#[cfg(test)]
mod guide_tests {
    /// The fence labels the guide may use: Rust that is run, Rust that is only compiled, and
    /// text rustdoc leaves alone.
    const ALLOWED: &[&str] = &["rust", "rust,no_run", "sh", "toml", "text"];

    #[test]
    fn every_guide_block_is_tested_or_plainly_not_rust() {
        let guide = include_str!("../../../docs/guide.md");
        let mut open = false;
        let mut rust_blocks = 0;
        for (n, line) in guide.lines().enumerate() {
            let Some(label) = line.trim_start().strip_prefix("```") else {
                continue;
            };
            if open {
                open = false;
                continue;
            }
            open = true;
            let label = label.trim();
            assert!(
                ALLOWED.contains(&label),
                "docs/guide.md:{}: code block labelled {label:?}; use one of {ALLOWED:?}",
                n + 1
            );
            if label.starts_with("rust") {
                rust_blocks += 1;
            }
        }
        assert!(!open, "docs/guide.md: a code block is not closed");
        assert!(rust_blocks >= 8, "one Rust block per step at least");
    }
}
