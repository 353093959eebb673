//! WebSocket messages as the byte stream the connection task reads and writes: each write goes
//! out as one binary message, reads return the payloads of the messages received one after
//! another. NATS needs no message boundaries: its own framing is in the bytes.
//!
//! Pings are answered by tungstenite while it reads; a close message from the server ends the
//! stream as end-of-file does on TCP.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes, BytesMut};
use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use crate::transport::Transport;

/// A WebSocket connection read and written as bytes.
pub(crate) struct WsByteStream {
    ws: WebSocketStream<Transport>,
    /// What is left of the last message received.
    pending: Bytes,
    /// The server closed the WebSocket: reads return end-of-file from now on.
    ended: bool,
}

impl WsByteStream {
    pub(crate) fn new(ws: WebSocketStream<Transport>) -> Self {
        WsByteStream {
            ws,
            pending: Bytes::new(),
            ended: false,
        }
    }

    /// Queues `payload` as one binary message, once the previous one is on its way.
    fn poll_send(&mut self, cx: &mut Context<'_>, payload: Bytes) -> Poll<io::Result<usize>> {
        ready!(Pin::new(&mut self.ws).poll_ready(cx)).map_err(into_io)?;
        let len = payload.len();
        Pin::new(&mut self.ws)
            .start_send(Message::Binary(payload))
            .map_err(into_io)?;
        Poll::Ready(Ok(len))
    }
}

/// A tungstenite error as the I/O error the connection task reports.
fn into_io(error: WsError) -> io::Error {
    match error {
        WsError::Io(e) => e,
        WsError::ConnectionClosed | WsError::AlreadyClosed => io::Error::new(
            io::ErrorKind::BrokenPipe,
            "the WebSocket connection is closed",
        ),
        other => io::Error::other(format!("WebSocket: {other}")),
    }
}

impl AsyncRead for WsByteStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.pending.is_empty() {
                let n = this.pending.len().min(buf.remaining());
                buf.put_slice(&this.pending[..n]);
                this.pending.advance(n);
                return Poll::Ready(Ok(()));
            }
            if this.ended {
                return Poll::Ready(Ok(()));
            }
            match ready!(Pin::new(&mut this.ws).poll_next(cx)) {
                Some(Ok(Message::Binary(payload))) => this.pending = payload,
                // nats-server sends binary messages only, but reads text ones as bytes too.
                Some(Ok(Message::Text(text))) => this.pending = Bytes::from(text),
                // tungstenite has queued the pong already.
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                Some(Ok(Message::Close(_))) | None => this.ended = true,
                Some(Err(e)) => return Poll::Ready(Err(into_io(e))),
            }
        }
    }
}

impl AsyncWrite for WsByteStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        self.get_mut().poll_send(cx, Bytes::copy_from_slice(buf))
    }

    /// All the slices in one message: the connection task hands a whole batch at once.
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len: usize = bufs.iter().map(|b| b.len()).sum();
        if len == 0 {
            return Poll::Ready(Ok(0));
        }
        let this = self.get_mut();
        // Wait for room before copying, so a full connection costs no copy per poll.
        ready!(Pin::new(&mut this.ws).poll_ready(cx)).map_err(into_io)?;
        let mut payload = BytesMut::with_capacity(len);
        for b in bufs {
            payload.extend_from_slice(b);
        }
        this.poll_send(cx, payload.freeze())
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().ws)
            .poll_flush(cx)
            .map_err(into_io)
    }

    /// Sends a close message (and flushes it) before the connection goes.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().ws)
            .poll_close(cx)
            .map_err(into_io)
    }
}
