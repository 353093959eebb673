//! Encoding operations of both directions into a [`WriteBuffer`].
//!
//! Small payloads are copied next to their control line, so a burst of small publishes becomes
//! one contiguous chunk. Payloads of [`WriteBuffer::copy_threshold`] bytes or more are not copied:
//! the buffer keeps their `Bytes` in a chain, and [`bytes::Buf::chunks_vectored`] hands the whole
//! chain to one vectored write.

use std::collections::VecDeque;
use std::io::IoSlice;

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::headers::HeaderMap;
use crate::info::{ConnectInfo, ServerInfo};
use crate::op::{ClientOp, Pub, ServerOp};

/// Payloads at least this large are chained instead of copied.
pub const DEFAULT_COPY_THRESHOLD: usize = 8 * 1024;

/// Bytes waiting to be written to a connection, in order.
///
/// It implements [`bytes::Buf`]: write it with `chunks_vectored` + `advance`, or drain it with
/// `copy_to_bytes`.
///
/// ```
/// use bytes::{Buf, Bytes};
/// use natskit_proto::WriteBuffer;
///
/// let mut out = WriteBuffer::with_copy_threshold(4);
/// out.put_pub("a", None, None, &Bytes::from_static(b"hi"));           // copied
/// out.put_pub("b", None, None, &Bytes::from_static(b"large payload")); // chained
/// let mut slices = [std::io::IoSlice::new(&[]); 8];
/// assert_eq!(out.chunks_vectored(&mut slices), 3);
/// assert_eq!(out.to_bytes(), "PUB a 2\r\nhi\r\nPUB b 13\r\nlarge payload\r\n");
/// ```
#[derive(Debug)]
pub struct WriteBuffer {
    /// Chunks complete before `tail`: frozen copies and chained payloads, in order.
    chain: VecDeque<Bytes>,
    /// Where small writes are copied; it comes after every chained chunk.
    tail: BytesMut,
    /// Bytes in `chain`.
    chained_len: usize,
    copy_threshold: usize,
}

impl Default for WriteBuffer {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes `n` in decimal.
fn put_number(dst: &mut impl BufMut, n: u64) {
    dst.put_slice(decimal(n, &mut [0; 20]));
}

/// Writes the control line of a message, `<op> <subject>[ <sid>][ <reply>][ <#hdr>] <#total>\r\n`,
/// to `out`, and returns where its sid lies, counted from the start of the line (empty without
/// one): for a broker that writes a message's line once and changes only the sid for each
/// subscriber. `op` is `MSG`, `HMSG`, `PUB` or `HPUB`.
///
/// ```
/// use natskit_proto::encode::message_line;
///
/// let mut line = Vec::new();
/// let sid = message_line(&mut line, b"HMSG", b"a.b", Some(b"12"), Some(b"_INBOX.1"), Some(12), 14);
/// assert_eq!(line, b"HMSG a.b 12 _INBOX.1 12 14\r\n");
/// assert_eq!(&line[sid], b"12");
/// ```
pub fn message_line(
    out: &mut impl BufMut,
    op: &[u8],
    subject: &[u8],
    sid: Option<&[u8]>,
    reply: Option<&[u8]>,
    header_len: Option<usize>,
    total_len: usize,
) -> std::ops::Range<usize> {
    out.put_slice(op);
    out.put_u8(b' ');
    out.put_slice(subject);
    let sid_start = op.len() + 1 + subject.len() + 1;
    let mut sid_range = sid_start..sid_start;
    if let Some(sid) = sid {
        out.put_u8(b' ');
        out.put_slice(sid);
        sid_range.end += sid.len();
    }
    if let Some(reply) = reply {
        out.put_u8(b' ');
        out.put_slice(reply);
    }
    if let Some(header_len) = header_len {
        out.put_u8(b' ');
        put_number(out, header_len as u64);
    }
    out.put_u8(b' ');
    put_number(out, total_len as u64);
    out.put_slice(b"\r\n");
    sid_range
}

/// `n` in decimal, written at the end of `digits` (20 digits hold any `u64`): how the encoder
/// writes sizes and sids, for code that writes frames of its own.
///
/// ```
/// use natskit_proto::encode::decimal;
///
/// assert_eq!(decimal(1024, &mut [0; 20]), b"1024");
/// assert_eq!(decimal(0, &mut [0; 20]), b"0");
/// assert_eq!(decimal(u64::MAX, &mut [0; 20]), b"18446744073709551615");
/// ```
#[inline]
pub fn decimal(mut n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &digits[i..]
}

/// `MSG`, or `HMSG` for a message with a header block.
fn msg_op(with_headers: bool) -> &'static [u8] {
    if with_headers {
        b"HMSG"
    } else {
        b"MSG"
    }
}

impl WriteBuffer {
    /// An empty buffer chaining payloads of [`DEFAULT_COPY_THRESHOLD`] bytes or more.
    pub fn new() -> Self {
        Self::with_copy_threshold(DEFAULT_COPY_THRESHOLD)
    }

    /// An empty buffer chaining payloads of `copy_threshold` bytes or more.
    pub fn with_copy_threshold(copy_threshold: usize) -> Self {
        Self::with_capacity(64 * 1024, copy_threshold)
    }

    /// An empty buffer with room for `capacity` bytes of small writes before it grows (it
    /// doubles as needed), chaining payloads of `copy_threshold` bytes or more: for a holder of
    /// many mostly idle buffers, such as a broker with thousands of connections.
    ///
    /// ```
    /// use natskit_proto::{encode::DEFAULT_COPY_THRESHOLD, WriteBuffer};
    ///
    /// let mut out = WriteBuffer::with_capacity(512, DEFAULT_COPY_THRESHOLD);
    /// out.put_raw(&[b'x'; 2000]); // grows past 512
    /// assert_eq!(out.len(), 2000);
    /// ```
    pub fn with_capacity(capacity: usize, copy_threshold: usize) -> Self {
        WriteBuffer {
            chain: VecDeque::new(),
            tail: BytesMut::with_capacity(capacity),
            chained_len: 0,
            copy_threshold,
        }
    }

    /// Payloads this large or larger are chained rather than copied.
    pub fn copy_threshold(&self) -> usize {
        self.copy_threshold
    }

    /// Bytes waiting to be written.
    pub fn len(&self) -> usize {
        self.chained_len + self.tail.len()
    }

    /// True when nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Everything waiting, as one contiguous `Bytes` (copies if chained); empties the buffer.
    pub fn to_bytes(&mut self) -> Bytes {
        let len = self.len();
        self.copy_to_bytes(len)
    }

    /// Drops everything waiting.
    pub fn clear(&mut self) {
        self.advance(self.len());
    }

    /// Like [`Buf::chunks_vectored`], but skipping the first `offset` bytes: for a writer that
    /// keeps the whole buffer until all of it is written (to know, if the connection breaks,
    /// which operations went out whole).
    ///
    /// ```
    /// use bytes::Bytes;
    /// use natskit_proto::WriteBuffer;
    ///
    /// let mut out = WriteBuffer::with_copy_threshold(4);
    /// out.put_pub("a", None, None, &Bytes::from_static(b"large"));
    /// let mut slices = [std::io::IoSlice::new(&[]); 8];
    /// let n = out.chunks_vectored_from(9, &mut slices); // after "PUB a 5\r\n"
    /// let rest: Vec<u8> = slices[..n].iter().flat_map(|s| s.iter().copied()).collect();
    /// assert_eq!(rest, b"large\r\n");
    /// ```
    pub fn chunks_vectored_from<'a>(&'a self, mut offset: usize, dst: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        let chunks = self
            .chain
            .iter()
            .map(|b| &b[..])
            .chain(std::iter::once(&self.tail[..]));
        for chunk in chunks {
            if n == dst.len() {
                break;
            }
            if offset >= chunk.len() {
                offset -= chunk.len();
                continue;
            }
            dst[n] = IoSlice::new(&chunk[offset..]);
            offset = 0;
            n += 1;
        }
        n
    }

    /// Appends raw bytes, copied.
    pub fn put_raw(&mut self, bytes: &[u8]) {
        self.tail.put_slice(bytes);
    }

    /// Appends a payload: copied when small, chained when large.
    fn put_payload(&mut self, payload: &Bytes) {
        // An empty chunk in the chain would break `Buf` (`chunk()` empty while bytes remain).
        if payload.len() < self.copy_threshold || payload.is_empty() {
            self.tail.put_slice(payload);
        } else {
            if !self.tail.is_empty() {
                let copied = self.tail.split().freeze();
                self.chained_len += copied.len();
                self.chain.push_back(copied);
            }
            self.chained_len += payload.len();
            self.chain.push_back(payload.clone());
        }
        self.tail.put_slice(b"\r\n");
    }

    /// Writes the control line `<op> <subject>[ <sid>][ <reply>][ <#hdr>] <#total>\r\n`.
    fn put_message_line(
        &mut self,
        op: &[u8],
        subject: &[u8],
        sid: Option<&[u8]>,
        reply: Option<&[u8]>,
        header_len: Option<usize>,
        total_len: usize,
    ) {
        self.tail.reserve(
            op.len()
                + subject.len()
                + sid.map_or(0, <[u8]>::len)
                + reply.map_or(0, <[u8]>::len)
                + 64,
        );
        message_line(
            &mut self.tail,
            op,
            subject,
            sid,
            reply,
            header_len,
            total_len,
        );
    }

    /// Writes the control line, the encoded headers (if any), the payload and CRLF.
    fn put_message(
        &mut self,
        op: &[u8],
        subject: &str,
        sid: Option<&[u8]>,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) {
        let header_len = headers.map(HeaderMap::encoded_len);
        let total_len = header_len.unwrap_or(0) + payload.len();
        let reply = reply.map(str::as_bytes);
        self.put_message_line(op, subject.as_bytes(), sid, reply, header_len, total_len);
        if let Some(headers) = headers {
            self.tail.reserve(header_len.unwrap_or(0));
            headers.encode(&mut self.tail);
        }
        self.put_payload(payload);
    }

    /// Appends `PUB` (or `HPUB` when there are headers). Nothing is validated here: the client
    /// checks subjects and sizes before it gets this far.
    pub fn put_pub(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) {
        match headers {
            None if payload.len() < self.copy_threshold => {
                self.put_small_pub(subject, reply, payload)
            }
            None => self.put_message(b"PUB", subject, None, reply, None, payload),
            Some(_) => self.put_message(b"HPUB", subject, None, reply, headers, payload),
        }
    }

    /// A `PUB` whose payload is copied: the whole frame with one reservation, which is most
    /// of what a small publish costs to encode.
    #[inline]
    fn put_small_pub(&mut self, subject: &str, reply: Option<&str>, payload: &Bytes) {
        let mut digits = [0; 20];
        let size = decimal(payload.len() as u64, &mut digits);
        let reply_len = reply.map_or(0, |r| r.len() + 1);
        self.tail
            .reserve(4 + subject.len() + reply_len + 1 + size.len() + 2 + payload.len() + 2);
        self.tail.extend_from_slice(b"PUB ");
        self.tail.extend_from_slice(subject.as_bytes());
        if let Some(reply) = reply {
            self.tail.extend_from_slice(b" ");
            self.tail.extend_from_slice(reply.as_bytes());
        }
        self.tail.extend_from_slice(b" ");
        self.tail.extend_from_slice(size);
        self.tail.extend_from_slice(b"\r\n");
        self.tail.extend_from_slice(payload);
        self.tail.extend_from_slice(b"\r\n");
    }

    /// Appends `MSG` (or `HMSG` when there are headers), as a broker delivers a message.
    pub fn put_msg(
        &mut self,
        subject: &str,
        sid: u64,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) {
        self.put_message(
            msg_op(headers.is_some()),
            subject,
            Some(decimal(sid, &mut [0; 20])),
            reply,
            headers,
            payload,
        );
    }

    /// Appends `MSG` (or `HMSG` when `header_len` is given) whose `data` is the header block, as
    /// the publisher sent it, followed by the payload: how a broker forwards a
    /// [`RawPub`](crate::RawPub) without parsing its headers. `sid` is written as given: the
    /// bytes the subscriber sent in its `SUB`; so are the subject and reply subject, which need
    /// not be UTF-8.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use natskit_proto::WriteBuffer;
    ///
    /// let mut out = WriteBuffer::new();
    /// out.put_msg_raw(b"greet", b"3", Some(b"_INBOX.1"), Some(12), &Bytes::from_static(b"NATS/1.0\r\n\r\nhi"));
    /// assert_eq!(out.to_bytes(), "HMSG greet 3 _INBOX.1 12 14\r\nNATS/1.0\r\n\r\nhi\r\n");
    /// ```
    pub fn put_msg_raw(
        &mut self,
        subject: &[u8],
        sid: &[u8],
        reply: Option<&[u8]>,
        header_len: Option<usize>,
        data: &Bytes,
    ) {
        let op = msg_op(header_len.is_some());
        self.put_message_line(op, subject, Some(sid), reply, header_len, data.len());
        self.put_payload(data);
    }

    /// [`Self::put_msg_raw`] for a payload borrowed from elsewhere (a broker's read buffer):
    /// always copied, whatever its size.
    ///
    /// ```
    /// use natskit_proto::WriteBuffer;
    ///
    /// let mut out = WriteBuffer::new();
    /// out.put_msg_slice(b"greet", b"3", None, None, b"hi");
    /// assert_eq!(out.to_bytes(), "MSG greet 3 2\r\nhi\r\n");
    /// ```
    pub fn put_msg_slice(
        &mut self,
        subject: &[u8],
        sid: &[u8],
        reply: Option<&[u8]>,
        header_len: Option<usize>,
        data: &[u8],
    ) {
        let op = msg_op(header_len.is_some());
        self.put_message_line(op, subject, Some(sid), reply, header_len, data.len());
        self.tail.put_slice(data);
        self.tail.put_slice(b"\r\n");
    }

    /// Appends `SUB <subject> [queue] <sid>`.
    pub fn put_sub(&mut self, subject: &str, queue: Option<&str>, sid: u64) {
        self.tail.put_slice(b"SUB ");
        self.tail.put_slice(subject.as_bytes());
        if let Some(queue) = queue {
            self.tail.put_u8(b' ');
            self.tail.put_slice(queue.as_bytes());
        }
        self.tail.put_u8(b' ');
        put_number(&mut self.tail, sid);
        self.tail.put_slice(b"\r\n");
    }

    /// Appends `UNSUB <sid> [max]`.
    pub fn put_unsub(&mut self, sid: u64, max: Option<u64>) {
        self.tail.put_slice(b"UNSUB ");
        put_number(&mut self.tail, sid);
        if let Some(max) = max {
            self.tail.put_u8(b' ');
            put_number(&mut self.tail, max);
        }
        self.tail.put_slice(b"\r\n");
    }

    /// Appends `CONNECT {json}`.
    pub fn put_connect(&mut self, connect: &ConnectInfo) {
        self.put_json(b"CONNECT ", connect);
    }

    /// Appends `INFO {json}`.
    pub fn put_info(&mut self, info: &ServerInfo) {
        self.put_json(b"INFO ", info);
    }

    fn put_json<T: serde::Serialize>(&mut self, op: &[u8], value: &T) {
        self.tail.put_slice(op);
        // Serializing plain structs of strings, numbers and bools cannot fail.
        if serde_json::to_writer((&mut self.tail).writer(), value).is_err() {
            self.tail.put_slice(b"{}");
        }
        self.tail.put_slice(b"\r\n");
    }

    /// Appends `-ERR '<text>'`.
    pub fn put_err(&mut self, text: &str) {
        self.tail.put_slice(b"-ERR '");
        self.tail.put_slice(text.as_bytes());
        self.tail.put_slice(b"'\r\n");
    }

    /// Appends any client operation.
    pub fn put_client_op(&mut self, op: &ClientOp) {
        match op {
            ClientOp::Connect(connect) => self.put_connect(connect),
            ClientOp::Pub(Pub {
                subject,
                reply,
                headers,
                payload,
            }) => self.put_pub(subject, reply.as_deref(), headers.as_ref(), payload),
            ClientOp::Sub(sub) => self.put_sub(&sub.subject, sub.queue.as_deref(), sub.sid),
            ClientOp::Unsub { sid, max } => self.put_unsub(*sid, *max),
            ClientOp::Ping => self.put_raw(b"PING\r\n"),
            ClientOp::Pong => self.put_raw(b"PONG\r\n"),
        }
    }

    /// Appends any server operation.
    pub fn put_server_op(&mut self, op: &ServerOp) {
        match op {
            ServerOp::Info(info) => self.put_info(info),
            ServerOp::Msg(msg) => self.put_msg(
                msg.subject(),
                msg.sid(),
                msg.reply(),
                msg.headers(),
                &msg.payload_bytes(),
            ),
            ServerOp::Ping => self.put_raw(b"PING\r\n"),
            ServerOp::Pong => self.put_raw(b"PONG\r\n"),
            ServerOp::Ok => self.put_raw(b"+OK\r\n"),
            ServerOp::Err(text) => self.put_err(text),
            // It has no readable subject or header block to write.
            ServerOp::Malformed(_) => {}
        }
    }
}

impl Buf for WriteBuffer {
    fn remaining(&self) -> usize {
        self.len()
    }

    fn chunk(&self) -> &[u8] {
        match self.chain.front() {
            Some(first) => first,
            None => &self.tail,
        }
    }

    fn advance(&mut self, mut cnt: usize) {
        while cnt > 0 {
            let Some(first) = self.chain.front_mut() else {
                self.tail.advance(cnt);
                return;
            };
            if cnt < first.len() {
                first.advance(cnt);
                self.chained_len -= cnt;
                return;
            }
            cnt -= first.len();
            self.chained_len -= first.len();
            self.chain.pop_front();
        }
    }

    fn chunks_vectored<'a>(&'a self, dst: &mut [IoSlice<'a>]) -> usize {
        let mut n = 0;
        let chunks = self
            .chain
            .iter()
            .map(|b| &b[..])
            .chain(std::iter::once(&self.tail[..]));
        for (slot, chunk) in dst.iter_mut().zip(chunks.filter(|c| !c.is_empty())) {
            *slot = IoSlice::new(chunk);
            n += 1;
        }
        n
    }
}
