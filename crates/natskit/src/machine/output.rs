//! Output waiting for the socket, with a record of where each publish sits in it.
//!
//! Every `PUB` is recorded in [`Marks`] (its byte range, and the request it carries, if any)
//! as it is encoded. When a connection breaks mid-write, the driver hands the batch back
//! with the number of bytes the socket took; the marks then say which publishes went out whole
//! and which did not, and the latter are copied, range by range, into the reconnect buffer.
//! Nothing is decoded again.

use std::io::IoSlice;

use bytes::{Buf, Bytes};
use natskit_proto::{HeaderMap, WriteBuffer};

/// Where one publish sits in a buffer: from `start` to just before `end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

/// Where the publishes of one buffer sit, and which of them are requests. Kept small: one
/// span is written per publish, on the hot path.
#[derive(Debug, Default)]
struct Marks {
    pubs: Vec<Span>,
    /// `(index in pubs, request token)`, in index order.
    requests: Vec<(usize, u64)>,
}

impl Marks {
    fn push(&mut self, span: Span, request: Option<u64>) {
        if let Some(token) = request {
            self.requests.push((self.pubs.len(), token));
        }
        self.pubs.push(span);
    }

    fn clear(&mut self) {
        self.pubs.clear();
        self.requests.clear();
    }

    /// Every span with the request it carries, in order.
    fn iter(&self) -> impl Iterator<Item = (Span, Option<u64>)> + '_ {
        let mut requests = self.requests.iter().peekable();
        self.pubs.iter().enumerate().map(move |(i, &span)| {
            let request = requests
                .next_if(|(at, _)| *at == i)
                .map(|&(_, token)| token);
            (span, request)
        })
    }
}

/// Output not yet handed to the driver.
#[derive(Debug, Default)]
pub(crate) struct Output {
    buf: WriteBuffer,
    marks: Marks,
    /// An emptied buffer and marks from an earlier batch, reused so that a batch costs no
    /// allocation.
    spare: Option<(WriteBuffer, Marks)>,
    /// A PONG is in `buf`, not yet handed to the driver.
    pong_waiting: bool,
}

/// A batch of output for the driver to write. Give it back with
/// [`Connection::transmitted`](super::Connection::transmitted) once written (its buffer is
/// reused), or with [`Connection::connection_lost`](super::Connection::connection_lost) and the
/// number of bytes written when the connection broke.
#[derive(Debug)]
pub(crate) struct Transmit {
    buf: WriteBuffer,
    marks: Marks,
}

impl Transmit {
    /// Bytes in the batch.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// The batch from byte `offset` on, as slices for one vectored write; returns how many
    /// of `dst` were filled.
    pub(crate) fn chunks_from<'a>(&'a self, offset: usize, dst: &mut [IoSlice<'a>]) -> usize {
        self.buf.chunks_vectored_from(offset, dst)
    }

    /// The whole batch as one contiguous `Bytes` (tests and small writes).
    #[cfg(test)]
    pub(crate) fn take_bytes(&mut self) -> Bytes {
        self.buf.to_bytes()
    }
}

impl Output {
    /// Bytes waiting.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The raw encoder, for operations that are never kept across a reconnect (SUB, UNSUB,
    /// PING, PONG).
    pub(crate) fn control(&mut self) -> &mut WriteBuffer {
        &mut self.buf
    }

    /// Answers a server's PING. One PONG waiting answers every PING before it (a server
    /// counts the PINGs it sent since the last PONG it got), so a server that floods PINGs
    /// while it does not read gets one PONG per batch, and the output does not grow.
    pub(crate) fn put_pong(&mut self) {
        if !self.pong_waiting {
            self.buf.put_raw(b"PONG\r\n");
            self.pong_waiting = true;
        }
    }

    /// Appends a publish and records where it is.
    pub(crate) fn put_pub(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
        request: Option<u64>,
    ) {
        let start = self.buf.len();
        self.buf.put_pub(subject, reply, headers, payload);
        let end = self.buf.len();
        self.marks.push(Span { start, end }, request);
    }

    /// Hands everything waiting to the driver as one batch.
    pub(crate) fn take(&mut self) -> Option<Transmit> {
        if self.buf.is_empty() {
            return None;
        }
        let (buf, marks) = self.spare.take().unwrap_or_default();
        self.pong_waiting = false;
        Some(Transmit {
            buf: std::mem::replace(&mut self.buf, buf),
            marks: std::mem::replace(&mut self.marks, marks),
        })
    }

    /// Takes back a written batch's buffer for the next batch.
    pub(crate) fn recycle(&mut self, mut transmit: Transmit) {
        transmit.buf.clear();
        transmit.marks.clear();
        self.spare = Some((transmit.buf, transmit.marks));
    }

    /// Drops everything waiting.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.marks.clear();
        self.pong_waiting = false;
    }

    /// After a connection broke: the publishes that did not go out whole, first those of the
    /// batch being written (`written` of its bytes were taken by the socket), then those still
    /// waiting here, in order. SUB, UNSUB, PING and PONG are dropped: the subscription table
    /// is replayed on the next connection. Returns the request tokens of the publishes kept
    /// (their answers can still come).
    pub(crate) fn keep_unsent_publishes(
        &mut self,
        unfinished: Option<(Transmit, usize)>,
    ) -> Vec<u64> {
        let mut kept = Output::default();
        let mut requests = Vec::new();
        if let Some((mut batch, written)) = unfinished {
            kept.copy_publishes(&mut batch.buf, &batch.marks, written, &mut requests);
        }
        let waiting = std::mem::take(&mut self.marks);
        kept.copy_publishes(&mut self.buf, &waiting, 0, &mut requests);
        kept.spare = self.spare.take();
        *self = kept;
        requests
    }

    /// Copies the publishes of `buf` (at `marks`) that end past `written`: a publish cut in
    /// the middle is sent again whole, since the server dropped its part.
    fn copy_publishes(
        &mut self,
        buf: &mut WriteBuffer,
        marks: &Marks,
        written: usize,
        requests: &mut Vec<u64>,
    ) {
        if marks.pubs.last().is_none_or(|last| last.end <= written) {
            return;
        }
        let bytes = buf.copy_to_bytes(buf.len());
        for (span, request) in marks.iter().filter(|(span, _)| span.end > written) {
            let start = self.buf.len();
            self.buf.put_raw(&bytes[span.start..span.end]);
            let end = self.buf.len();
            self.marks.push(Span { start, end }, request);
            requests.extend(request);
        }
    }

    /// Puts `front` (the new connection's SUBs) before everything waiting.
    pub(crate) fn prepend(&mut self, mut front: WriteBuffer) {
        let shift = front.len();
        if shift == 0 {
            return;
        }
        let rest = self.buf.copy_to_bytes(self.buf.len());
        front.put_raw(&rest);
        self.buf = front;
        for span in &mut self.marks.pubs {
            span.start += shift;
            span.end += shift;
        }
    }
}
