//! Output waiting for the socket, with a record of where each publish sits in it.
//!
//! Every `PUB` is recorded as a [`PubMark`] (its byte range, and the request it carries, if
//! any) as it is encoded. When a connection breaks mid-write, the driver hands the batch back
//! with the number of bytes the socket took; the marks then say which publishes went out whole
//! and which did not, and the latter are copied, range by range, into the reconnect buffer.
//! Nothing is decoded again.

use std::io::IoSlice;

use bytes::{Buf, Bytes};
use natskit_proto::{HeaderMap, WriteBuffer};

/// Where one publish sits in a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PubMark {
    /// Offset of its first byte.
    pub(crate) start: usize,
    /// Offset just past its last byte.
    pub(crate) end: usize,
    /// The request token of its reply subject, when it is a request of the multiplexer.
    pub(crate) request: Option<u64>,
}

/// Output not yet handed to the driver.
#[derive(Debug, Default)]
pub(crate) struct Output {
    buf: WriteBuffer,
    pubs: Vec<PubMark>,
    /// An emptied buffer and mark list from an earlier batch, reused so that a batch costs
    /// no allocation.
    spare: Option<(WriteBuffer, Vec<PubMark>)>,
}

/// A batch of output for the driver to write. Give it back with
/// [`Connection::transmitted`](super::Connection::transmitted) once written (its buffer is
/// reused), or with [`Connection::connection_lost`](super::Connection::connection_lost) and the
/// number of bytes written when the connection broke.
#[derive(Debug)]
pub(crate) struct Transmit {
    buf: WriteBuffer,
    pubs: Vec<PubMark>,
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
        self.pubs.push(PubMark {
            start,
            end: self.buf.len(),
            request,
        });
    }

    /// Hands everything waiting to the driver as one batch.
    pub(crate) fn take(&mut self) -> Option<Transmit> {
        if self.buf.is_empty() {
            return None;
        }
        let (buf, pubs) = self.spare.take().unwrap_or_default();
        Some(Transmit {
            buf: std::mem::replace(&mut self.buf, buf),
            pubs: std::mem::replace(&mut self.pubs, pubs),
        })
    }

    /// Takes back a written batch's buffer for the next batch.
    pub(crate) fn recycle(&mut self, mut transmit: Transmit) {
        transmit.buf.clear();
        transmit.pubs.clear();
        self.spare = Some((transmit.buf, transmit.pubs));
    }

    /// Drops everything waiting.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.pubs.clear();
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
            let batch_pubs = std::mem::take(&mut batch.pubs);
            kept.copy_publishes(&mut batch.buf, &batch_pubs, written, &mut requests);
        }
        let waiting_pubs = std::mem::take(&mut self.pubs);
        kept.copy_publishes(&mut self.buf, &waiting_pubs, 0, &mut requests);
        kept.spare = self.spare.take();
        *self = kept;
        requests
    }

    /// Copies the publishes of `buf` (at `marks`) that end past `written`: a publish cut in
    /// the middle is sent again whole, since the server dropped its part.
    fn copy_publishes(
        &mut self,
        buf: &mut WriteBuffer,
        marks: &[PubMark],
        written: usize,
        requests: &mut Vec<u64>,
    ) {
        if marks.iter().all(|m| m.end <= written) {
            return;
        }
        let bytes = buf.copy_to_bytes(buf.len());
        for mark in marks.iter().filter(|m| m.end > written) {
            let start = self.buf.len();
            self.buf.put_raw(&bytes[mark.start..mark.end]);
            self.pubs.push(PubMark {
                start,
                end: self.buf.len(),
                request: mark.request,
            });
            requests.extend(mark.request);
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
        for mark in &mut self.pubs {
            mark.start += shift;
            mark.end += shift;
        }
    }
}
