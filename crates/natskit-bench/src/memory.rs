//! The memory scenario of `--brokers`: a broker's resident memory holding many connections with
//! a few subscriptions each, opened with plain blocking sockets (CONNECT, SUB lines, PING, wait
//! for the PONG) rather than full clients, so the benchmark itself stays light.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::procfs::rss_kib;

/// Connections opened before their PONGs are read.
const BATCH: usize = 250;

/// Pause before each RSS reading, so the broker is done with what it was doing.
const SETTLE: Duration = Duration::from_millis(500);

/// Longest wait for one PONG.
const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// The broker's resident memory before and after.
pub struct Memory {
    pub idle_kib: u64,
    pub loaded_kib: u64,
}

impl Memory {
    /// What the connections and subscriptions added, in MiB.
    pub fn added_mib(&self) -> f64 {
        self.loaded_kib.saturating_sub(self.idle_kib) as f64 / 1024.0
    }
}

/// Reads the idle RSS of broker process `pid`, opens `conns` connections to `addr` with
/// `subs_each` subscriptions each (subjects `mem.<conn>.<i>`), reads the RSS again once every
/// connection has its PONG, and closes them all.
pub fn held_subscriptions(
    pid: u32,
    addr: &str,
    conns: usize,
    subs_each: usize,
) -> std::io::Result<Memory> {
    std::thread::sleep(SETTLE);
    let idle_kib = rss_kib(pid)?;
    let mut open = Vec::with_capacity(conns);
    while open.len() < conns {
        let first = open.len();
        let batch = BATCH.min(conns - first);
        for c in first..first + batch {
            open.push(connect_and_subscribe(addr, c, subs_each)?);
        }
        for stream in &mut open[first..] {
            wait_for_pong(stream)?;
        }
    }
    std::thread::sleep(SETTLE);
    let loaded_kib = rss_kib(pid)?;
    drop(open);
    Ok(Memory {
        idle_kib,
        loaded_kib,
    })
}

fn connect_and_subscribe(addr: &str, conn: usize, subs_each: usize) -> std::io::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    let mut out = String::from("CONNECT {\"verbose\":false,\"pedantic\":false,\"protocol\":1}\r\n");
    for i in 0..subs_each {
        out.push_str(&format!("SUB mem.{conn}.{i} {}\r\n", i + 1));
    }
    out.push_str("PING\r\n");
    stream.write_all(out.as_bytes())?;
    Ok(stream)
}

/// Reads INFO and whatever else until the PONG that follows our SUBs.
fn wait_for_pong(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut seen = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::Error::other(format!(
                "broker closed a connection: {}",
                String::from_utf8_lossy(&seen)
            )));
        }
        seen.extend_from_slice(&chunk[..n]);
        if seen.windows(5).any(|w| w == b"-ERR ") {
            return Err(std::io::Error::other(format!(
                "broker refused: {}",
                String::from_utf8_lossy(&seen)
            )));
        }
        // nats-server PINGs a new client after about 2 s: a PING may follow our PONG.
        if seen.windows(6).any(|w| w == b"PONG\r\n") {
            return Ok(());
        }
    }
}
