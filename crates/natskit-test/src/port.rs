//! Free loopback ports.
//!
//! A port is found by binding `127.0.0.1:0` and reading what the kernel chose. Ports handed out by this
//! process are remembered and never handed out twice, so tests running in parallel threads never race
//! each other for one; a race with another process stays possible and is handled by the servers
//! retrying on a new port.

use std::collections::BTreeSet;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The loopback address every harness server listens on.
///
/// # Example
/// ```
/// assert_eq!(natskit_test::port::LOOPBACK.to_string(), "127.0.0.1");
/// ```
pub const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

static ISSUED: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// Returns one free port on 127.0.0.1 that this process has not handed out before.
///
/// # Errors
/// When binding a loopback socket fails.
///
/// # Example
/// ```
/// let port = natskit_test::port::free_port().unwrap();
/// assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
/// ```
pub fn free_port() -> io::Result<u16> {
    let ports = free_ports(1)?;
    Ok(ports[0])
}

/// Returns `n` distinct free ports on 127.0.0.1 that this process has not handed out before.
///
/// All `n` sockets are held open together while the ports are chosen, so the ports are distinct.
///
/// # Errors
/// When binding a loopback socket fails, or no fresh port turns up after many attempts.
///
/// # Example
/// ```
/// let ports = natskit_test::port::free_ports(3).unwrap();
/// assert_eq!(ports.len(), 3);
/// assert!(ports[0] != ports[1] && ports[1] != ports[2] && ports[0] != ports[2]);
/// ```
pub fn free_ports(n: usize) -> io::Result<Vec<u16>> {
    bind_fresh_listeners(n)?
        .iter()
        .map(|listener| Ok(listener.local_addr()?.port()))
        .collect()
}

/// Binds `n` listeners on distinct loopback ports this process has never handed out, and
/// remembers the ports. Ports seen before stay bound until the end, so the kernel offers others.
fn bind_fresh_listeners(n: usize) -> io::Result<Vec<TcpListener>> {
    let mut issued = natskit_proto::sync::lock(&ISSUED);
    let mut held = Vec::new();
    let mut fresh = Vec::with_capacity(n);
    let mut ports = Vec::with_capacity(n);
    let mut attempts = 0;
    while fresh.len() < n {
        attempts += 1;
        if attempts > 64 * (n + 1) {
            return Err(io::Error::new(
                io::ErrorKind::AddrNotAvailable,
                "no fresh loopback port found",
            ));
        }
        let listener = TcpListener::bind((LOOPBACK, 0))?;
        let port = listener.local_addr()?.port();
        if issued.contains(&port) {
            held.push(listener);
            continue;
        }
        ports.push(port);
        fresh.push(listener);
    }
    issued.extend(ports);
    Ok(fresh)
}

/// Binds a listener on 127.0.0.1 on a port this process has never handed out, and remembers it.
///
/// In-process listeners (proxies, scripted servers) must come from here rather than from a bare
/// `bind(0)`: the kernel may otherwise hand them the port of a harness server that is stopped
/// for a moment, and a client reconnecting to that server would reach the wrong peer.
///
/// # Errors
/// When binding a loopback socket fails, or no fresh port turns up after many attempts.
///
/// # Example
/// ```
/// let a = natskit_test::port::bind_fresh().unwrap();
/// let b = natskit_test::port::bind_fresh().unwrap();
/// assert_ne!(a.local_addr().unwrap().port(), b.local_addr().unwrap().port());
/// ```
pub fn bind_fresh() -> io::Result<TcpListener> {
    let mut listeners = bind_fresh_listeners(1)?;
    Ok(listeners.remove(0))
}

/// Whether `port` can be bound on 127.0.0.1 right now.
///
/// # Example
/// ```
/// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
/// let port = listener.local_addr().unwrap().port();
/// assert!(!natskit_test::port::is_free(port));
/// drop(listener);
/// assert!(natskit_test::port::is_free(port));
/// ```
pub fn is_free(port: u16) -> bool {
    TcpListener::bind(SocketAddr::from((LOOPBACK, port))).is_ok()
}

/// Polls until `port` can be bound on 127.0.0.1, for at most `timeout`; returns whether it became free.
///
/// # Example
/// ```
/// use std::time::Duration;
/// let port = natskit_test::port::free_port().unwrap();
/// assert!(natskit_test::port::wait_until_free(port, Duration::from_secs(1)));
/// ```
pub fn wait_until_free(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if is_free(port) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
