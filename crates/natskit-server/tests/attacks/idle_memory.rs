//! Issue 23, finding 7: every connection kept three 64 KiB buffers, so connection churn held
//! the broker at ~179 MB where nats-server stays at 50 MB. Idle connections must cost little.
//!
//! Measured as the growth of this process's resident memory (both ends of each connection
//! live here; the client end is a bare socket) over 1,000 connections that each said CONNECT
//! and got their PONG.

use natskit_server::Server;

use crate::support::{alone, client_runtime, Backend, Raw};

const CONNECTIONS: usize = 1_000;
/// What one idle connection may add; nats-server 2.9's cost is printed beside ours.
const MAX_PER_CONNECTION: usize = 12 * 1024;

/// Resident bytes of process `pid` (`self` for this one).
fn resident(pid: &str) -> usize {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).unwrap();
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// Opens `CONNECTIONS` connections and says what each added to process `pid`'s memory.
fn cost_per_connection(backend: &Backend, pid: &str) -> usize {
    let clients = client_runtime();
    clients.block_on(async {
        // Warm up: the first connections pay for pools and tables that later ones share.
        let mut warm = Vec::new();
        for _ in 0..100 {
            warm.push(Raw::connect(backend.addr(), "{}").await);
        }
        drop(warm);
        let before = resident(pid);
        let mut open = Vec::with_capacity(CONNECTIONS);
        for _ in 0..CONNECTIONS {
            open.push(Raw::connect(backend.addr(), "{}").await);
        }
        let after = resident(pid);
        drop(open);
        after.saturating_sub(before) / CONNECTIONS
    })
}

#[test]
fn an_idle_connection_costs_the_broker_little_memory() {
    let _alone = alone();
    let limit = rlimit::increase_nofile_limit(4 * CONNECTIONS as u64 + 1024).unwrap();
    assert!(
        limit >= 2 * CONNECTIONS as u64 + 256,
        "too few file descriptors: {limit}"
    );
    let embedded = Backend::embedded(Server::builder());
    let ours = cost_per_connection(&embedded, "self");
    let nats = Backend::nats("");
    let Backend::Nats(server) = &nats else {
        unreachable!()
    };
    let theirs = cost_per_connection(&nats, &server.pid().unwrap().to_string());
    eprintln!("memory per idle connection: natskit-server {ours} B, nats-server {theirs} B");
    assert!(
        ours < MAX_PER_CONNECTION,
        "an idle connection cost {ours} B (at most {MAX_PER_CONNECTION} B wanted)"
    );
}
