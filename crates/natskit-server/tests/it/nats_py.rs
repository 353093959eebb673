//! nats-py, the Python client, against the embedded broker: every scenario of
//! scripts/foreign/nats_py_scenarios.py (run through `natskit_test::NatsPy`), including the
//! reconnect after the broker is stopped and started again on the same port.
//!
//! These are plain tests: NatsPy blocks, and its restart callback is synchronous, so the broker
//! runs on a tokio runtime of its own, and the test thread is never inside it.

use natskit_server::Server;
use natskit_test::NatsPy;

use crate::support::Hosted;

fn nats_py() -> NatsPy {
    NatsPy::locate().unwrap_or_else(|e| panic!("{e} (scripts/install-deps.sh installs nats-py)"))
}

#[test]
fn every_nats_py_scenario_passes() {
    let hosted = Hosted::start(Server::builder());
    nats_py()
        .run(&hosted.url(), "all")
        .unwrap_or_else(|e| panic!("{e}"));
    let stats = hosted.server().stats();
    assert!(stats.total_connections >= 7, "{stats:?}");
    assert!(stats.in_msgs > 0 && stats.out_msgs > 0, "{stats:?}");
}

#[test]
fn nats_py_reconnects_after_a_restart_on_the_same_port() {
    let mut hosted = Hosted::start(Server::builder());
    let mut restarts = 0;
    nats_py()
        .run_with_restart(&hosted.url(), "reconnect", || {
            restarts += 1;
            hosted.restart()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(restarts, 1, "the script never asked for the restart");
    // Both nats-py connections came back to the new broker.
    assert!(hosted.server().stats().total_connections >= 2);
}
