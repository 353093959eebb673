//! Raw probes over `std::net`: read a server's `INFO` line, do a `PING`/`PONG` round trip, and GET a
//! monitoring endpoint with a minimal HTTP/1.0 request.
//!
//! They share no code with the client crates on purpose: the harness checks servers with the
//! simplest thing that can work.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// Longest line the probes accept (a server `INFO` line with many `connect_urls` stays far below).
const MAX_LINE: usize = 64 * 1024;

/// Connects to `addr` and returns the server's first line, which must start with `INFO `
/// (returned without the trailing `\r\n`).
///
/// # Errors
/// When the connection fails, nothing complete arrives within `timeout`, or the line is not `INFO`.
///
/// # Example
/// ```
/// use std::time::Duration;
/// let server = natskit_test::NatsServer::start().unwrap();
/// let info = natskit_test::probe::read_info(server.addr(), Duration::from_secs(5)).unwrap();
/// assert!(info.starts_with("INFO {"));
/// ```
pub fn read_info(addr: SocketAddr, timeout: Duration) -> Result<String> {
    let deadline = Instant::now() + timeout;
    let mut stream = connect(addr, timeout)?;
    let line = read_line(&mut stream, addr, deadline)?;
    check_info(addr, &line)?;
    Ok(line)
}

/// Parses the JSON of an `INFO` line (as returned by [`read_info`]).
///
/// # Errors
/// [`Error::Unexpected`] when the line is not `INFO` followed by a JSON object.
///
/// # Example
/// ```
/// let addr = "127.0.0.1:4222".parse().unwrap();
/// let info = natskit_test::probe::info_json(addr, "INFO {\"port\":4222}").unwrap();
/// assert_eq!(info["port"], 4222);
/// ```
pub fn info_json(addr: SocketAddr, line: &str) -> Result<serde_json::Value> {
    let json = line.strip_prefix("INFO").map(str::trim).unwrap_or_default();
    serde_json::from_str(json).map_err(|e| Error::Unexpected {
        addr,
        expected: format!("INFO with a JSON object ({e})"),
        got: line.to_owned(),
    })
}

/// Connects, reads `INFO`, sends `CONNECT {}\r\nPING\r\n` and waits for `PONG`: proof the server at
/// `addr` is up and speaking the protocol.
///
/// # Errors
/// When any step fails or does not finish within `timeout`.
///
/// # Example
/// ```
/// use std::time::Duration;
/// let server = natskit_test::NatsServer::start().unwrap();
/// natskit_test::probe::ping(server.addr(), Duration::from_secs(5)).unwrap();
/// ```
pub fn ping(addr: SocketAddr, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let mut stream = connect(addr, timeout)?;
    let info = read_line(&mut stream, addr, deadline)?;
    check_info(addr, &info)?;
    stream
        .write_all(b"CONNECT {\"verbose\":false}\r\nPING\r\n")
        .map_err(|e| Error::io(format!("writing CONNECT to {addr}"), e))?;
    let reply = read_line(&mut stream, addr, deadline)?;
    if reply != "PONG" {
        return Err(Error::Unexpected {
            addr,
            expected: "PONG".into(),
            got: reply,
        });
    }
    Ok(())
}

/// Sends `GET <path> HTTP/1.0` to the HTTP server at `addr` and returns the body of a `200` answer.
///
/// # Errors
/// When the request fails, takes longer than `timeout`, or the status is not 200.
///
/// # Example
/// ```
/// use std::time::Duration;
/// let server = natskit_test::NatsServer::builder().monitoring().start().unwrap();
/// let addr = ([127, 0, 0, 1], server.monitor_port().unwrap()).into();
/// let body = natskit_test::probe::http_get(addr, "/varz", Duration::from_secs(5)).unwrap();
/// assert!(body.contains("\"server_id\""));
/// ```
pub fn http_get(addr: SocketAddr, path: &str, timeout: Duration) -> Result<String> {
    let deadline = Instant::now() + timeout;
    let mut stream = connect(addr, timeout)?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| Error::io(format!("sending GET {path} to {addr}"), e))?;
    let mut response = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        set_timeout(&stream, addr, deadline)?;
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
            Err(e) => return Err(Error::io(format!("reading GET {path} from {addr}"), e)),
        }
        if response.len() > 16 * 1024 * 1024 {
            break;
        }
    }
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status_ok = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        == Some("200");
    if !status_ok {
        return Err(Error::Unexpected {
            addr,
            expected: format!("HTTP 200 for GET {path}"),
            got: head.to_owned(),
        });
    }
    Ok(body.to_owned())
}

pub(crate) fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| Error::io(format!("connecting to {addr}"), e))?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

fn check_info(addr: SocketAddr, line: &str) -> Result<()> {
    if line.starts_with("INFO ") {
        Ok(())
    } else {
        Err(Error::Unexpected {
            addr,
            expected: "an INFO line".into(),
            got: line.to_owned(),
        })
    }
}

fn set_timeout(stream: &TcpStream, addr: SocketAddr, deadline: Instant) -> Result<()> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(Error::io(
            format!("waiting for {addr}"),
            std::io::ErrorKind::TimedOut.into(),
        ));
    }
    stream
        .set_read_timeout(Some(left))
        .map_err(|e| Error::io("setting a read timeout", e))
}

/// Reads one `\n`-terminated line byte by byte (so nothing after it is consumed) and strips `\r\n`.
pub(crate) fn read_line(
    stream: &mut TcpStream,
    addr: SocketAddr,
    deadline: Instant,
) -> Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        set_timeout(stream, addr, deadline)?;
        match stream.read(&mut byte) {
            Ok(0) => {
                return Err(Error::Unexpected {
                    addr,
                    expected: "a line".into(),
                    got: format!("EOF after {:?}", String::from_utf8_lossy(&line)),
                })
            }
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(format!("reading a line from {addr}"), e)),
        }
        if line.len() > MAX_LINE {
            return Err(Error::Unexpected {
                addr,
                expected: format!("a line shorter than {MAX_LINE} bytes"),
                got: String::from_utf8_lossy(&line[..80]).into_owned(),
            });
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}
