//! `ws://` and `wss://`: the HTTP upgrade, run by tokio-tungstenite over a stream this crate
//! opened (TCP or the user's connector, with our own TLS on it for `wss://`), and its errors in
//! this crate's words. The byte stream made of the WebSocket messages is in `ws_stream.rs`.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::error::ConnectError;
use crate::server_addr::ServerAddr;
use crate::tls;
use crate::transport::Transport;
use crate::ws_stream::WsByteStream;

/// Largest WebSocket frame or message accepted from a server. nats-server puts everything it
/// has queued for a client into one frame, which can reach its `max_pending` (64 MiB by
/// default); the limit is there because a frame header makes the reader reserve the length it
/// claims, and a hostile peer could claim any.
pub(crate) const MAX_FRAME: usize = 256 * 1024 * 1024;

/// Most bytes of an HTTP refusal's body quoted in the error.
const BODY_QUOTE: usize = 120;

/// Bytes of the server's first answer kept to explain a failed upgrade.
const FIRST_WORDS: usize = 512;

/// Runs the WebSocket upgrade for `addr` over `stream` and returns the stream of NATS bytes
/// carried in its messages.
pub(crate) async fn upgrade(
    stream: Transport,
    addr: &ServerAddr,
) -> Result<Transport, ConnectError> {
    let address = addr.socket_address();
    // The request line and Host header come from this URI; the scheme only has to be one
    // tungstenite knows, since the stream is already open (and TLS already on for wss).
    let uri = format!("{}://{}{}", addr.scheme(), address, addr.path());
    let request = uri
        .into_client_request()
        .map_err(|e| handshake_error(&address, e, &[]))?;
    let mut config = WebSocketConfig::default();
    config.max_frame_size = Some(MAX_FRAME);
    config.max_message_size = Some(MAX_FRAME);
    // Our writes are whole batches already; the connection task flushes after each.
    config.write_buffer_size = 0;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorded = Transport::Custom(Box::new(Recorded {
        inner: stream,
        seen: Some(Arc::clone(&seen)),
    }));
    let (ws, _response) =
        tokio_tungstenite::client_async_with_config(request, recorded, Some(config))
            .await
            .map_err(|e| {
                let seen = natskit_proto::sync::lock(&seen);
                handshake_error(&address, e, &seen)
            })?;
    Ok(Transport::Custom(Box::new(WsByteStream::new(ws))))
}

/// A stream that keeps the first bytes it reads: when the upgrade fails, they say what
/// answered (tungstenite's errors do not keep an HTTP/1.0 status or a NATS INFO line).
struct Recorded {
    inner: Transport,
    /// Until [`FIRST_WORDS`] bytes are in; `None` after.
    seen: Option<Arc<Mutex<Vec<u8>>>>,
}

impl AsyncRead for Recorded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Some(seen) = &this.seen {
            let mut seen = natskit_proto::sync::lock(seen);
            let new = &buf.filled()[before..];
            let room = FIRST_WORDS - seen.len();
            seen.extend_from_slice(&new[..new.len().min(room)]);
            if seen.len() == FIRST_WORDS {
                drop(seen);
                this.seen = None;
            }
        }
        result
    }
}

impl AsyncWrite for Recorded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// An answer that is an HTTP status line other than 101, as `(status, text after it and the
/// start of the body)`: for the HTTP/1.0 answers tungstenite turns down before their status.
fn http_refusal(seen: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(seen);
    let (status_line, _) = text.split_once("\r\n")?;
    let mut words = status_line.splitn(3, ' ');
    let version = words.next()?;
    let status: u16 = words.next()?.parse().ok()?;
    if !version.starts_with("HTTP/") || status == 101 {
        return None;
    }
    let mut reason = words.next().unwrap_or("").to_owned();
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .trim();
    if !body.is_empty() {
        let body: String = body.chars().take(BODY_QUOTE).collect();
        reason.push_str(&format!(" ({body:?})"));
    }
    Some((status, reason))
}

/// A failed upgrade as a [`ConnectError`]: the HTTP status of a refusal, the I/O or TLS error
/// under it, or what was wrong with the answer.
fn handshake_error(address: &str, error: WsError, seen: &[u8]) -> ConnectError {
    match error {
        WsError::Http(response) => {
            let status = response.status();
            let mut reason = status.canonical_reason().unwrap_or("").to_owned();
            let body = response.body().as_deref().unwrap_or_default();
            let body = String::from_utf8_lossy(&body[..body.len().min(BODY_QUOTE)]);
            let body = body.trim();
            if !body.is_empty() {
                reason.push_str(&format!(" ({body:?})"));
            }
            ConnectError::WebSocketRefused {
                address: address.to_owned(),
                status: status.as_u16(),
                reason,
            }
        }
        WsError::Io(source) => tls::classify(address, source),
        WsError::Protocol(protocol) => {
            use tokio_tungstenite::tungstenite::error::ProtocolError as P;
            if let Some((status, reason)) = http_refusal(seen) {
                return ConnectError::WebSocketRefused {
                    address: address.to_owned(),
                    status,
                    reason,
                };
            }
            let reason = match protocol {
                _ if seen.starts_with(b"INFO ") => "the server speaks NATS over plain TCP on \
                    this port, not WebSocket: use nats:// for it"
                    .to_owned(),
                P::HttparseError(_) | P::WrongHttpVersion => "the answer is not HTTP".to_owned(),
                P::HandshakeIncomplete => "the server closed the connection before answering \
                    the upgrade"
                    .to_owned(),
                other => format!("the answer is no valid WebSocket upgrade: {other}"),
            };
            ConnectError::WebSocket {
                address: address.to_owned(),
                reason,
            }
        }
        other => ConnectError::WebSocket {
            address: address.to_owned(),
            reason: other.to_string(),
        },
    }
}
