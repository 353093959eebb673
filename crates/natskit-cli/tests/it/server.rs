//! A nats-server on a free loopback port, stopped on drop.
//!
//! A stand-in with the same shape as `natskit_test::NatsServer` (`start()`, `url()`), written while
//! that harness was not yet in the repository; switch to it by replacing this module.

use std::collections::HashSet;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One nats-server process.
pub struct NatsServer {
    child: Child,
    port: u16,
}

impl NatsServer {
    /// Starts nats-server on a free loopback port and waits until it accepts connections.
    pub fn start() -> std::io::Result<NatsServer> {
        let mut last_error = None;
        for _ in 0..3 {
            let port = free_port()?;
            let mut child = Command::new(binary())
                .args(["-a", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!("cannot run nats-server ({e}); apt-get install -y nats-server"),
                    )
                })?;
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                    return Ok(NatsServer { child, port });
                }
                if let Some(status) = child.try_wait()? {
                    // Most likely the port was taken in the meantime: try another.
                    last_error = Some(std::io::Error::other(format!(
                        "nats-server on port {port} exited with {status}"
                    )));
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(std::io::Error::other("nats-server did not start in 10s"));
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Err(last_error.unwrap_or_else(|| std::io::Error::other("nats-server did not start")))
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `NATS_SERVER_BIN`, else `nats-server` from `PATH`, else the Debian package's location.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("NATS_SERVER_BIN") {
        return path.into();
    }
    let in_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join("nats-server"))
        .find(|candidate| candidate.is_file());
    in_path.unwrap_or_else(|| PathBuf::from("/usr/sbin/nats-server"))
}

/// A loopback port nobody listens on, never the same twice in this process.
fn free_port() -> std::io::Result<u16> {
    static GIVEN: Mutex<Option<HashSet<u16>>> = Mutex::new(None);
    loop {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
            .local_addr()?
            .port();
        let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
        if given.get_or_insert_with(HashSet::new).insert(port) {
            return Ok(port);
        }
    }
}
