//! A small HTTP/1.1 server for the page's files: `GET` and `HEAD` only, one request per
//! connection, nothing read past the request's head. Enough for a browser on the same machine;
//! not a web server.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::assets;

/// The longest request head read; browsers send well under this.
const MAX_HEAD: usize = 16 * 1024;
/// How long a connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// An answer, before it is written.
#[derive(Debug, PartialEq, Eq)]
pub struct Response {
    /// `200 OK`, `404 Not Found`, ...
    pub status: &'static str,
    /// The `Content-Type`.
    pub content_type: &'static str,
    /// The body (left out of the bytes written for `HEAD`).
    pub body: Arc<[u8]>,
    /// Whether the request was `HEAD`.
    pub head_only: bool,
}

impl Response {
    fn text(status: &'static str, text: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: Arc::from(format!("{text}\n").into_bytes()),
            head_only: false,
        }
    }

    /// The bytes to send.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = format!(
            "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
             X-Content-Type-Options: nosniff\r\nConnection: close\r\n",
            self.status,
            self.content_type,
            self.body.len()
        )
        .into_bytes();
        if self.status.starts_with("405") {
            bytes.extend_from_slice(b"Allow: GET, HEAD\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        if !self.head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

/// The answer to a request whose head (request line and headers) is `head`; `config` is the
/// body of `/config.json`.
pub fn respond(head: &[u8], config: &Arc<[u8]>) -> Response {
    let Some(line) = head.split(|&b| b == b'\n').next() else {
        return Response::text("400 Bad Request", "empty request");
    };
    let line = String::from_utf8_lossy(line);
    let mut parts = line.trim_end().split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Response::text(
            "400 Bad Request",
            "a request line is: METHOD TARGET HTTP/1.1",
        );
    };
    if !version.starts_with("HTTP/1.") {
        return Response::text(
            "505 HTTP Version Not Supported",
            "only HTTP/1.x is spoken here",
        );
    }
    let head_only = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Response::text("405 Method Not Allowed", "only GET and HEAD are served"),
    };
    let path = target.split(['?', '#']).next().unwrap_or_default();
    let mut response = if path == "/config.json" {
        Response {
            status: "200 OK",
            content_type: "application/json",
            body: config.clone(),
            head_only,
        }
    } else if let Some(asset) = assets::find(path) {
        Response {
            status: "200 OK",
            content_type: asset.content_type,
            body: Arc::from(asset.body),
            head_only,
        }
    } else if path == "/nats.js" {
        Response::text(
            "503 Service Unavailable",
            "the NATS WebSocket client was not bundled into this natskit: run `make deps`, then build natskit again",
        )
    } else {
        Response::text("404 Not Found", &format!("nothing at {path}"))
    };
    response.head_only = head_only;
    response
}

/// Answers requests on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, config: Arc<[u8]>) {
    loop {
        match listener.accept().await {
            Ok((stream, _peer)) => {
                let config = config.clone();
                // A browser that goes away mid-request is its own business.
                tokio::spawn(async move {
                    let _ = answer(stream, &config).await;
                });
            }
            Err(_) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

async fn answer(mut stream: TcpStream, config: &Arc<[u8]>) -> io::Result<()> {
    let head = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no request in time"))??;
    let response = match head {
        Some(head) => respond(&head, config),
        None => Response::text(
            "431 Request Header Fields Too Large",
            "request head too large",
        ),
    };
    stream.write_all(&response.to_bytes()).await?;
    stream.shutdown().await
}

/// Reads up to the blank line ending a request's head; `None` when it is longer than
/// [`MAX_HEAD`].
async fn read_head(stream: &mut TcpStream) -> io::Result<Option<Vec<u8>>> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&chunk[..n]);
        if memchr::memmem::find(&head, b"\r\n\r\n").is_some()
            || memchr::memmem::find(&head, b"\n\n").is_some()
        {
            return Ok(Some(head));
        }
        if head.len() > MAX_HEAD {
            return Ok(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Arc<[u8]> {
        Arc::from(&b"{\"ws_port\":1}"[..])
    }

    #[test]
    fn get_serves_the_page_its_files_and_the_config() {
        let page = respond(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", &config());
        assert_eq!(page.status, "200 OK");
        assert!(page.content_type.starts_with("text/html"));
        let app = respond(b"GET /app.js?v=2 HTTP/1.1\r\n\r\n", &config());
        assert_eq!(app.content_type, "text/javascript; charset=utf-8");
        let json = respond(b"GET /config.json HTTP/1.1\r\n\r\n", &config());
        assert_eq!(&json.body[..], &config()[..]);
        let bytes = json.to_bytes();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("Content-Length: 13\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n{\"ws_port\":1}"), "{text}");
    }

    #[test]
    fn head_sends_the_headers_without_the_body() {
        let head = respond(b"HEAD / HTTP/1.1\r\n\r\n", &config());
        let text = String::from_utf8(head.to_bytes()).unwrap();
        assert!(text.ends_with("Connection: close\r\n\r\n"), "{text}");
        assert!(text.contains(&format!("Content-Length: {}", head.body.len())));
    }

    #[test]
    fn bad_requests_get_a_status_that_says_what_was_wrong() {
        let cases: [(&[u8], &str); 6] = [
            (b"GET /nope HTTP/1.1\r\n\r\n", "404 Not Found"),
            (b"GET /../../etc/passwd HTTP/1.1\r\n\r\n", "404 Not Found"),
            (b"POST / HTTP/1.1\r\n\r\n", "405 Method Not Allowed"),
            (b"GET / HTTP/2\r\n\r\n", "505 HTTP Version Not Supported"),
            (b"GET /\r\n\r\n", "400 Bad Request"),
            (b"GET / HTTP/1.1 extra\r\n\r\n", "400 Bad Request"),
        ];
        for (request, status) in cases {
            let response = respond(request, &config());
            assert_eq!(
                response.status,
                status,
                "{}",
                String::from_utf8_lossy(request)
            );
        }
        let refused = respond(b"PUT / HTTP/1.1\r\n\r\n", &config()).to_bytes();
        assert!(String::from_utf8(refused)
            .unwrap()
            .contains("Allow: GET, HEAD\r\n"));
    }

    #[test]
    fn a_missing_client_bundle_says_how_to_get_it() {
        let response = respond(b"GET /nats.js HTTP/1.1\r\n\r\n", &config());
        if assets::nats_client_bundled() {
            assert_eq!(response.status, "200 OK");
        } else {
            assert_eq!(response.status, "503 Service Unavailable");
            assert!(String::from_utf8_lossy(&response.body).contains("make deps"));
        }
    }
}
