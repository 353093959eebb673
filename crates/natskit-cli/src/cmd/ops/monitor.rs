//! The fallback when the system account is out of reach: a server's HTTP monitoring port
//! (`/varz`), as nats-server and the embedded broker serve it. Plain `http://` only: a small
//! GET with `Connection: close`, read to its end, chunked bodies (Go's for large answers)
//! decoded.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::error::CliError;

/// Answers larger than this are not a monitoring page.
const MAX_RESPONSE: usize = 16 * 1024 * 1024;

/// `GET {base}{path}` as JSON, and how long it took.
pub async fn get_json(
    base: &str,
    path: &str,
    wait: Duration,
) -> Result<(Value, Duration), CliError> {
    let (host, prefix) = split(base)?;
    let url = format!("http://{host}{prefix}{path}");
    let start = Instant::now();
    let response = tokio::time::timeout(wait, fetch(host, &format!("{prefix}{path}")))
        .await
        .map_err(|_| {
            CliError::msg(format!(
                "{url}: no answer within {}",
                crate::clock::short_duration(wait)
            ))
        })?
        .map_err(|e| CliError::msg(format!("{url}: {e}")))?;
    let rtt = start.elapsed();
    let body = body_of(&response).map_err(|e| CliError::msg(format!("{url}: {e}")))?;
    let value = serde_json::from_slice(&body)
        .map_err(|e| CliError::msg(format!("{url}: the answer is not JSON ({e})")))?;
    Ok((value, rtt))
}

/// `http://host:port/base` as (`host:port`, `/base` without its last slash).
fn split(base: &str) -> Result<(&str, &str), CliError> {
    let Some(rest) = base.strip_prefix("http://") else {
        return Err(CliError::msg(format!(
            "--monitor {base:?}: give an http:// URL such as http://127.0.0.1:8222 \
             (the monitoring port is plain HTTP)"
        )));
    };
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    if host.is_empty() {
        return Err(CliError::msg(format!("--monitor {base:?}: no host")));
    }
    let prefix = &rest[host.len()..];
    let prefix = if path.is_empty() {
        ""
    } else {
        prefix.trim_end_matches('/')
    };
    Ok((host, prefix))
}

/// The whole response to a GET of `path` on `host`.
async fn fetch(host: &str, path: &str) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(host).await?;
    let path = if path.is_empty() { "/" } else { path };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(response);
        }
        response.extend_from_slice(&chunk[..n]);
        if response.len() > MAX_RESPONSE {
            return Err(std::io::Error::other("the answer is too large"));
        }
    }
}

/// The body of a complete HTTP response, its status checked.
fn body_of(response: &[u8]) -> Result<Vec<u8>, String> {
    let end =
        memchr::memmem::find(response, b"\r\n\r\n").ok_or("the answer is not HTTP".to_owned())?;
    let head = String::from_utf8_lossy(&response[..end]);
    let status = head.lines().next().unwrap_or_default();
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    let body = &response[end + 4..];
    if code != "200" {
        let text = String::from_utf8_lossy(body);
        return Err(format!("HTTP status {status:?}: {}", text.trim()));
    }
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    if chunked {
        dechunk(body)
    } else {
        Ok(body.to_vec())
    }
}

/// A chunked body's data: hexadecimal sizes, each chunk followed by CRLF, a size 0 at the end.
fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(body.len());
    loop {
        let line_end =
            memchr::memmem::find(body, b"\r\n").ok_or("a chunked answer cut short".to_owned())?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("a bad chunk size {size_text:?}"))?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if body.len() < size {
            return Err("a chunked answer cut short".to_owned());
        }
        out.extend_from_slice(&body[..size]);
        body = body.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_and_prefix() {
        assert_eq!(
            split("http://127.0.0.1:8222").unwrap(),
            ("127.0.0.1:8222", "")
        );
        assert_eq!(split("http://h:1/").unwrap(), ("h:1", ""));
        assert_eq!(split("http://h:1/mon/").unwrap(), ("h:1", "/mon"));
        assert!(split("https://h:1").is_err());
        assert!(split("127.0.0.1:8222").is_err());
    }

    #[test]
    fn chunked_and_plain_bodies_are_read() {
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n";
        assert_eq!(body_of(chunked).unwrap(), b"{\"a\":1}");
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(body_of(plain).unwrap(), b"{}");
        let missing = b"HTTP/1.1 404 Not Found\r\n\r\nnope";
        assert!(body_of(missing).unwrap_err().contains("404"));
    }
}
