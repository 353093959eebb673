//! The adapter between WebSocket frames and the byte stream the connection code reads and
//! writes: [`WsReader`] (AsyncRead) yields the payloads of the client's data frames, answers
//! pings and closes; [`WsWriter`] (AsyncWrite) sends each write as one binary frame and a close
//! frame when it shuts down. Both halves share the socket's write half, so the reader can
//! answer a ping between two of the writer's frames (never inside one).
//!
//! Cost against plain TCP: reading copies each payload once more (socket buffer to caller) and
//! unmasks it (one XOR pass); writing copies each batch once into its frame.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::ws::deflate::{Deflater, Inflater};
use crate::ws::frame::{self, Header, OpCode};
use natskit_proto::sync::lock;

/// The reader's socket buffer.
const READ_BUFFER: usize = 32 * 1024;

/// Builds the payload of the close frame sent when the connection ends from the broker's
/// side; `None` sends none.
pub(crate) type CloseFrame = Box<dyn FnOnce() -> Option<Vec<u8>> + Send>;

/// The write side both halves use.
struct WriteSide<W> {
    inner: W,
    /// Framed bytes not yet written; frames are appended whole.
    out: BytesMut,
    /// Caller bytes whose frame is in `out`: reported written once `out` is on the wire.
    accepted: usize,
    /// A close frame has been queued; nothing follows it.
    close_sent: bool,
    /// The writer half, waiting for `out` to drain.
    waiting: Option<Waker>,
    deflater: Option<Deflater>,
}

impl<W: AsyncWrite + Unpin> WriteSide<W> {
    /// Writes `out` and flushes the socket.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.out.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.out) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => self.out.advance(n),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    /// Queues a control frame, unless a close went out already.
    fn control(&mut self, opcode: OpCode, payload: &[u8]) {
        if self.close_sent {
            return;
        }
        self.close_sent = opcode == OpCode::Close;
        frame::put_frame(&mut self.out, opcode, payload);
    }
}

type Shared<W> = Arc<Mutex<WriteSide<W>>>;

/// Splits a stream that completed the upgrade into its two adapter halves; `compress` when
/// permessage-deflate was agreed; `close` gives the close frame for a broker-side close.
pub(crate) fn split<R, W>(
    reader: R,
    writer: W,
    compress: bool,
    max_message: usize,
    close: CloseFrame,
) -> (WsReader<R, W>, WsWriter<W>) {
    let shared = Arc::new(Mutex::new(WriteSide {
        inner: writer,
        out: BytesMut::new(),
        accepted: 0,
        close_sent: false,
        waiting: None,
        deflater: compress.then(Deflater::default),
    }));
    let reader = WsReader {
        inner: reader,
        buf: vec![0; READ_BUFFER].into_boxed_slice(),
        start: 0,
        end: 0,
        payload: None,
        in_message: false,
        inflater: compress.then(|| Inflater::new(max_message)),
        inflated: BytesMut::new(),
        control_queued: false,
        closed: false,
        shared: shared.clone(),
    };
    let writer = WsWriter {
        shared,
        close: Some(close),
    };
    (reader, writer)
}

/// The rest of a data frame's payload.
#[derive(Debug, Clone, Copy)]
struct Payload {
    remaining: u64,
    key: [u8; 4],
    offset: usize,
    /// Part of a compressed message (collected, then inflated).
    compressed: bool,
    /// The last frame of its message.
    fin: bool,
}

/// The read half: the payloads of the client's data frames, in order.
pub(crate) struct WsReader<R, W> {
    inner: R,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    payload: Option<Payload>,
    /// A message was started and its final frame has not come yet.
    in_message: bool,
    inflater: Option<Inflater>,
    /// Inflated bytes not yet handed out.
    inflated: BytesMut,
    /// This half queued a control frame the writer half may not be about to send.
    control_queued: bool,
    /// A close frame came: end of stream.
    closed: bool,
    shared: Shared<W>,
}

fn invalid(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error)
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> WsReader<R, W> {
    /// Sends queued control frames when the writer is between frames; it sends them itself
    /// otherwise, before its own frame is reported written.
    fn send_control(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        if !self.control_queued {
            return Ok(());
        }
        let mut side = lock(&self.shared);
        if side.accepted != 0 {
            self.control_queued = false;
            return Ok(());
        }
        match side.drain(cx) {
            Poll::Ready(Ok(())) => {
                self.control_queued = false;
                if let Some(waker) = side.waiting.take() {
                    waker.wake();
                }
                Ok(())
            }
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Ok(()),
        }
    }

    /// Reads more from the socket into the buffer; `Ok(false)` at end of stream.
    fn fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let mut read = ReadBuf::new(&mut self.buf[self.end..]);
        match Pin::new(&mut self.inner).poll_read(cx, &mut read) {
            Poll::Ready(Ok(())) => {
                let n = read.filled().len();
                self.end += n;
                Poll::Ready(Ok(n > 0))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Handles the frame header at the buffer's start, if whole (a control frame: with its
    /// payload); `Ok(false)` when more bytes are needed.
    fn next_frame(&mut self) -> io::Result<bool> {
        let available = &self.buf[self.start..self.end];
        let Some((header, used)) = frame::parse_header(available).map_err(invalid)? else {
            return Ok(false);
        };
        let key = header.mask.unwrap_or_default();
        if header.opcode.is_control() {
            let len = header.len as usize;
            if available.len() < used + len {
                return Ok(false);
            }
            let mut payload = available[used..used + len].to_vec();
            frame::unmask(&mut payload, key, 0);
            self.start += used + len;
            self.control(header, &payload);
            return Ok(true);
        }
        self.start += used;
        self.data_frame(header, key)?;
        Ok(true)
    }

    fn control(&mut self, header: Header, payload: &[u8]) {
        let mut side = lock(&self.shared);
        match header.opcode {
            OpCode::Ping => side.control(OpCode::Pong, payload),
            OpCode::Close => {
                side.control(OpCode::Close, &frame::close_reply(payload));
                self.closed = true;
            }
            _ => return,
        }
        self.control_queued = true;
        if let Some(waker) = side.waiting.take() {
            waker.wake();
        }
    }

    /// Starts a data frame's payload, checking it continues or starts a message as it should.
    fn data_frame(&mut self, header: Header, key: [u8; 4]) -> io::Result<()> {
        let compressed = match header.opcode {
            OpCode::Continuation => {
                if !self.in_message || header.compressed {
                    return Err(invalid("invalid continuation frame"));
                }
                self.inflater.as_ref().is_some_and(Inflater::collecting)
            }
            _ => {
                if self.in_message {
                    return Err(invalid(
                        "new message started before final frame for previous message was received",
                    ));
                }
                if header.compressed && self.inflater.is_none() {
                    // nats-server tries to inflate it and fails.
                    return Err(invalid("compressed frame without compression agreed"));
                }
                header.compressed
            }
        };
        self.in_message = !header.fin;
        self.payload = Some(Payload {
            remaining: header.len,
            key,
            offset: 0,
            compressed,
            fin: header.fin,
        });
        if header.len == 0 {
            self.payload_done()?;
        }
        Ok(())
    }

    /// The current frame's payload is all read.
    fn payload_done(&mut self) -> io::Result<()> {
        if let Some(payload) = self.payload.take() {
            if payload.compressed && payload.fin {
                if let Some(inflater) = &mut self.inflater {
                    inflater.finish(&mut self.inflated).map_err(invalid)?;
                }
            }
        }
        Ok(())
    }
}

impl<R: AsyncRead + Unpin, W: AsyncWrite + Unpin> AsyncRead for WsReader<R, W> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        dst: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if dst.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            this.send_control(cx)?;
            if !this.inflated.is_empty() {
                let n = this.inflated.len().min(dst.remaining());
                dst.put_slice(&this.inflated[..n]);
                this.inflated.advance(n);
                return Poll::Ready(Ok(()));
            }
            if this.closed {
                return Poll::Ready(Ok(()));
            }
            if this.start < this.end {
                match this.payload {
                    Some(mut payload) => {
                        let mut take = (this.end - this.start).min(payload.remaining as usize);
                        if !payload.compressed {
                            take = take.min(dst.remaining());
                        }
                        let piece = &mut this.buf[this.start..this.start + take];
                        payload.offset = frame::unmask(piece, payload.key, payload.offset);
                        payload.remaining -= take as u64;
                        this.payload = Some(payload);
                        this.start += take;
                        match &mut this.inflater {
                            Some(inflater) if payload.compressed => {
                                inflater.push(piece).map_err(invalid)?;
                            }
                            _ => dst.put_slice(piece),
                        }
                        if payload.remaining == 0 {
                            this.payload_done()?;
                        }
                        if dst.filled().is_empty() {
                            continue;
                        }
                        return Poll::Ready(Ok(()));
                    }
                    None => {
                        if this.next_frame()? {
                            continue;
                        }
                    }
                }
            }
            match this.fill(cx) {
                Poll::Ready(Ok(true)) => {}
                // The socket ended: so does the stream (inside a frame or not).
                Poll::Ready(Ok(false)) => return Poll::Ready(Ok(())),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// The write half: each write goes out as one binary frame (compressed when agreed and worth
/// it), reported written once the frame is on the wire, so a caller that stops writing leaves
/// nothing behind. A write after `Pending` must repeat the same bytes (as `write_all` does).
pub(crate) struct WsWriter<W> {
    shared: Shared<W>,
    close: Option<CloseFrame>,
}

impl<W: AsyncWrite + Unpin> WsWriter<W> {
    fn write_chunks(&mut self, cx: &mut Context<'_>, chunks: &[&[u8]]) -> Poll<io::Result<usize>> {
        let mut side = lock(&self.shared);
        if side.accepted == 0 {
            let len: usize = chunks.iter().map(|c| c.len()).sum();
            if len == 0 {
                return Poll::Ready(Ok(0));
            }
            if side.close_sent {
                return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
            }
            let WriteSide { out, deflater, .. } = &mut *side;
            match deflater {
                Some(deflater) => deflater.frame(out, chunks, len)?,
                None => {
                    frame::put_header(out, OpCode::Binary, false, len);
                    for chunk in chunks {
                        out.extend_from_slice(chunk);
                    }
                }
            }
            side.accepted = len;
        }
        match side.drain(cx) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(std::mem::take(&mut side.accepted))),
            Poll::Ready(Err(e)) => {
                side.accepted = 0;
                Poll::Ready(Err(e))
            }
            Poll::Pending => {
                side.waiting = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for WsWriter<W> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().write_chunks(cx, &[buf])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let chunks: Vec<&[u8]> = bufs.iter().map(|b| &**b).collect();
        self.get_mut().write_chunks(cx, &chunks)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut side = lock(&self.shared);
        let polled = side.drain(cx);
        if polled.is_pending() {
            side.waiting = Some(cx.waker().clone());
        }
        polled
    }

    /// Sends the close frame (unless one went out), then closes the socket's write half.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let mut side = lock(&this.shared);
        if let Some(close) = this.close.take() {
            if side.accepted == 0 && !side.close_sent {
                if let Some(payload) = close() {
                    side.control(OpCode::Close, &payload);
                }
            }
        }
        match side.drain(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut side.inner).poll_shutdown(cx),
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                side.waiting = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
