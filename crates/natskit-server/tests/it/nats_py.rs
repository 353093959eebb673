//! nats-py, the Python client, against the embedded broker: every scenario of
//! scripts/foreign/nats_py_scenarios.py (run through `natskit_test::NatsPy`), including the
//! reconnect after the broker is stopped and started again on the same port.
//!
//! These are plain tests: NatsPy blocks, and its restart callback is synchronous, so the broker
//! runs on a tokio runtime of its own, and the test thread is never inside it.

use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use natskit_server::Server;
use natskit_test::NatsPy;
use tokio::runtime::Runtime;

fn nats_py() -> NatsPy {
    NatsPy::locate().unwrap_or_else(|e| panic!("{e} (scripts/install-deps.sh installs nats-py)"))
}

/// A broker on a runtime owned by the test, which a synchronous callback can stop and restart.
struct Hosted {
    runtime: Runtime,
    server: Mutex<Option<Server>>,
    port: u16,
}

impl Hosted {
    fn start() -> Hosted {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime
            .block_on(Server::builder().port(crate::support::fresh_port()).start())
            .expect("start broker");
        let port = server.addr().port();
        Hosted {
            runtime,
            server: Mutex::new(Some(server)),
            port,
        }
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn stats(&self) -> natskit_server::Statistics {
        let server = self.server.lock().unwrap();
        server.as_ref().expect("a running broker").stats()
    }

    /// Shuts the broker down gracefully and starts a new one on the same port (retrying briefly
    /// while the port is still taken).
    fn restart(&self) -> natskit_test::Result<()> {
        let mut slot = self.server.lock().unwrap();
        if let Some(old) = slot.take() {
            self.runtime.block_on(old.shutdown());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match self
                .runtime
                .block_on(Server::builder().port(self.port).start())
            {
                Ok(server) => {
                    *slot = Some(server);
                    return Ok(());
                }
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => {
                    return Err(natskit_test::Error::Io {
                        context: format!("restarting the broker on port {}", self.port),
                        source: io::Error::other(e.to_string()),
                    })
                }
            }
        }
    }

    fn shutdown(self) {
        if let Some(server) = self.server.lock().unwrap().take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

#[test]
fn every_nats_py_scenario_passes() {
    let hosted = Hosted::start();
    nats_py()
        .run(&hosted.url(), "all")
        .unwrap_or_else(|e| panic!("{e}"));
    let stats = hosted.stats();
    assert!(stats.total_connections >= 7, "{stats:?}");
    assert!(stats.in_msgs > 0 && stats.out_msgs > 0, "{stats:?}");
    hosted.shutdown();
}

#[test]
fn nats_py_reconnects_after_a_restart_on_the_same_port() {
    let hosted = Hosted::start();
    let mut restarts = 0;
    nats_py()
        .run_with_restart(&hosted.url(), "reconnect", || {
            restarts += 1;
            hosted.restart()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(restarts, 1, "the script never asked for the restart");
    // Both nats-py connections came back to the new broker.
    assert!(hosted.stats().total_connections >= 2);
    hosted.shutdown();
}
