//! Finding control lines and waiting for payloads: the part of decoding both directions share.
//!
//! Private to the crate (the module is not public); items are `pub` only so that the sealed
//! `Direction` trait can name them. The framer knows the
//! directions only through [`PayloadOp`], which they implement: it imports no direction.
//!
//! A control line is parsed where it lies in the read buffer. When its payload is already there
//! (the common case), the subject, reply and payload are split straight out of the buffer and
//! everything else is skipped with `advance`, which costs no reference count; only a frame whose
//! payload is still on the way keeps its line as `Bytes` until the rest arrives.

use bytes::{Buf, Bytes, BytesMut};

use crate::args::{
    could_be_op, invalid, is_op, parse_number, plain_payload_args, starts_with_ignore_case, Args,
    OpName,
};
use crate::error::ProtoError;
use crate::headers::HeaderMap;
use crate::limits::{Limits, MAX_PAYLOAD_CEILING};
use crate::op::PubRef;
use crate::subject::Subject;

/// What a completed payload becomes in one direction: the part of a direction the framer calls.
/// Implemented by the direction markers (see [`crate::direction`]).
pub trait PayloadOp: Sized {
    /// The operations decoded.
    type Op;
    /// What subjects, reply subjects and queue names become: a UTF-8 [`Subject`] for a client's
    /// codec, the bytes as sent for a broker (nats-server routes any bytes).
    type Name;
    /// Whether HPUB / HMSG header blocks are parsed into a [`HeaderMap`]; a broker keeps them
    /// as the bytes the client sent, to forward them unchanged.
    const PARSE_HEADERS: bool = true;
    /// The operation of a completed payload (`sid` is 0 for PUB and HPUB). `header_len` is the
    /// announced header size of HMSG / HPUB; `headers` is its parsed block when
    /// [`Self::PARSE_HEADERS`], and otherwise the block is still at the front of `payload`.
    fn payload_op(
        subject: Self::Name,
        reply: Option<Self::Name>,
        sid: u64,
        header_len: Option<usize>,
        headers: Option<HeaderMap>,
        payload: Bytes,
    ) -> Self::Op;

    /// The name `bytes` (`what` it is, for the error) as this direction reads names.
    fn name(bytes: Bytes, what: &'static str) -> Result<Self::Name, ProtoError>;

    /// A frame whose framing is sound (its sizes and terminator are right, and it has been
    /// taken out of the buffer whole) but whose subject, reply subject or header block cannot
    /// be read. `Ok` hands it on as an operation, so the connection and everything after it
    /// survive; `Err` (the default) makes it a protocol error.
    fn malformed(sid: u64, error: ProtoError) -> Result<Self::Op, ProtoError> {
        let _ = sid;
        Err(error)
    }
}

/// Where a complete control line lies at the front of the read buffer.
#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// End of its text: before the `\r\n` or `\n`.
    pub end: usize,
    /// Start of what follows it: after the `\n`.
    pub next: usize,
}

/// The shape of an operation that carries a payload (MSG, HMSG, PUB, HPUB).
#[derive(Debug, Clone, Copy)]
pub struct PayloadSpec {
    /// Its name, for errors.
    pub op: &'static str,
    /// MSG and HMSG carry a subscription id.
    pub with_sid: bool,
    /// HMSG and HPUB carry a header size.
    pub with_headers: bool,
}

/// `MSG <subject> <sid> [reply] <#bytes>`.
pub const MSG: PayloadSpec = PayloadSpec {
    op: "MSG",
    with_sid: true,
    with_headers: false,
};
/// `HMSG <subject> <sid> [reply] <#header bytes> <#total bytes>`.
pub const HMSG: PayloadSpec = PayloadSpec {
    op: "HMSG",
    with_sid: true,
    with_headers: true,
};
/// `PUB <subject> [reply] <#bytes>`.
pub const PUB: PayloadSpec = PayloadSpec {
    op: "PUB",
    with_sid: false,
    with_headers: false,
};
/// `HPUB <subject> [reply] <#header bytes> <#total bytes>`.
pub const HPUB: PayloadSpec = PayloadSpec {
    op: "HPUB",
    with_sid: false,
    with_headers: true,
};

/// A parsed control line of a payload operation.
#[derive(Debug)]
pub struct PayloadHead {
    pub op: &'static str,
    /// The subject and reply subject as sent; read as names when the frame is complete.
    pub subject: Bytes,
    pub reply: Option<Bytes>,
    pub sid: u64,
    pub header_len: Option<usize>,
    pub total_len: usize,
}

/// What the arguments of a payload operation's line say, before anything is taken out.
struct HeadArgs {
    subject: std::ops::Range<usize>,
    reply: Option<std::ops::Range<usize>>,
    sid: u64,
    header_len: Option<usize>,
    total_len: usize,
}

/// What both decoders share: finding control lines and waiting for payloads.
#[derive(Debug)]
pub struct Framer {
    pub limits: Limits,
    /// How much of an unfinished control line has been searched for its `\n` already.
    scanned: usize,
    /// A control line waiting for its payload.
    pub pending: Option<PayloadHead>,
    /// Name of the JSON operation of this direction, which gets the longer line limit.
    json_op: &'static [u8],
    /// The operations of this direction, to refuse a line as soon as it can be none of them.
    ops: &'static [OpName],
}

impl Framer {
    pub fn new(limits: Limits, json_op: &'static [u8], ops: &'static [OpName]) -> Self {
        Framer {
            limits: Limits {
                max_payload: limits.max_payload.min(MAX_PAYLOAD_CEILING),
                ..limits
            },
            scanned: 0,
            pending: None,
            json_op,
            ops,
        }
    }

    /// The error for a control line of `len` bytes starting with `start`, if it is too long.
    #[inline]
    fn check_line_len(&self, start: &[u8], len: usize) -> Result<(), ProtoError> {
        if len <= self.limits.max_control_line && len <= self.limits.max_json_line {
            return Ok(()); // The common case, decided without looking at the operation.
        }
        let limit = if starts_with_ignore_case(start, self.json_op) {
            self.limits.max_json_line
        } else {
            self.limits.max_control_line
        };
        if len > limit {
            // As nats-server: a line that is no operation is reported as such, however long.
            return Err(self.unknown_or(start, ProtoError::ControlLineTooLong { limit }));
        }
        Ok(())
    }

    /// `error`, unless `line` can be no operation of this direction.
    fn unknown_or(&self, line: &[u8], error: ProtoError) -> ProtoError {
        if could_be_op(&line[..line.len().min(8)], self.ops) {
            error
        } else {
            unknown(line)
        }
    }

    /// Finds the next whole control line at the front of `buf`, without taking it out.
    #[inline]
    pub fn find_line(&mut self, buf: &BytesMut) -> Result<Option<Line>, ProtoError> {
        let Some(offset) = memchr::memchr(b'\n', &buf[self.scanned..]) else {
            self.scanned = buf.len();
            // A trailing `\r` belongs to the terminator that is still on its way.
            let line_len = buf.len() - usize::from(buf.ends_with(b"\r"));
            self.check_line_len(buf, line_len)?;
            // Refused from its first bytes, as nats-server does, not when its end arrives.
            if !could_be_op(&buf[..buf.len().min(8)], self.ops) {
                return Err(unknown(buf));
            }
            return Ok(None);
        };
        let newline = self.scanned + offset;
        self.scanned = 0;
        let end = line_end(buf, newline);
        self.check_line_len(buf, end)?;
        Ok(Some(Line {
            end,
            next: newline + 1,
        }))
    }

    /// Parses the line of a payload operation. Returns the whole frame when its payload is in
    /// `buf` already; otherwise takes the line out, keeps its head and returns `None`.
    #[inline]
    pub fn payload_line<D: PayloadOp>(
        &mut self,
        buf: &mut BytesMut,
        line: Line,
        spec: PayloadSpec,
    ) -> Result<Option<D::Op>, ProtoError> {
        let args = self.head_args(&buf[..line.end], spec)?;
        // total_len <= max_payload <= MAX_PAYLOAD_CEILING, so this cannot overflow.
        if buf.len() < line.next + args.total_len + 2 {
            let line_bytes = buf.split_to(line.next).freeze();
            self.pending = Some(PayloadHead {
                op: spec.op,
                subject: line_bytes.slice(args.subject),
                reply: args.reply.map(|range| line_bytes.slice(range)),
                sid: args.sid,
                header_len: args.header_len,
                total_len: args.total_len,
            });
            // Make room once for the whole frame, rather than growing read by read.
            buf.reserve(args.total_len + 2);
            return Ok(None);
        }
        // The whole frame is here: split the subjects out, skip the rest of the line.
        let stop = line.next + args.total_len;
        if args.header_len.is_none() && buf[stop..stop + 2] == *b"\r\n" {
            return plain_frame::<D>(buf, line, args).map(Some);
        }
        buf.advance(args.subject.start);
        let mut at = args.subject.end;
        let subject = buf.split_to(at - args.subject.start).freeze();
        let reply = args.reply.map(|range| {
            buf.advance(range.start - at);
            at = range.end;
            buf.split_to(range.end - range.start).freeze()
        });
        buf.advance(line.next - at);
        let head = PayloadHead {
            op: spec.op,
            subject,
            reply,
            sid: args.sid,
            header_len: args.header_len,
            total_len: args.total_len,
        };
        complete::<D>(buf, head).map(Some)
    }

    /// A whole `PUB` / `HPUB` frame at the front of `buf`, borrowed, and its length; `None` for
    /// anything else, including frames `decode` would reject (it then reports the error).
    #[inline]
    pub fn pub_in_place<'a>(&self, buf: &'a [u8]) -> Option<(PubRef<'a>, usize)> {
        if self.pending.is_some() || self.scanned != 0 {
            return None; // In the middle of a frame: the slow path knows where it is.
        }
        let newline = memchr::memchr(b'\n', buf)?;
        let end = line_end(buf, newline);
        if end > self.limits.max_control_line {
            return None;
        }
        let text = &buf[..end];
        let spec = match text.first()?.to_ascii_uppercase() {
            b'P' if is_op(text, b"PUB") => PUB,
            b'H' if is_op(text, b"HPUB") => HPUB,
            _ => return None,
        };
        let args = self.head_args(text, spec).ok()?;
        let start = newline + 1;
        // total_len <= max_payload <= MAX_PAYLOAD_CEILING, so this cannot overflow.
        let stop = start + args.total_len;
        if buf.get(stop..stop + 2)? != b"\r\n" {
            return None;
        }
        // A broker's names are bytes: nothing to check.
        let publish = PubRef {
            subject: &text[args.subject],
            reply: args.reply.map(|range| &text[range]),
            header_len: args.header_len,
            data: &buf[start..stop],
        };
        Some((publish, stop + 2))
    }

    /// The pending head with its payload (and parsed headers), once all its bytes are in `buf`.
    pub fn take_payload<D: PayloadOp>(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<D::Op>, ProtoError> {
        match &self.pending {
            Some(head) if buf.len() >= head.total_len + 2 => {}
            _ => return Ok(None),
        }
        let Some(head) = self.pending.take() else {
            return Ok(None);
        };
        complete::<D>(buf, head).map(Some)
    }

    /// `<op> <subject> [sid] [reply] [#hdr] <#total>`: MSG and HMSG carry a sid, HMSG and HPUB
    /// a header size; the reply subject is the one optional argument. Checks the sizes.
    #[inline]
    fn head_args(&self, text: &[u8], spec: PayloadSpec) -> Result<HeadArgs, ProtoError> {
        if let Some(args) = self.plain_head_args(text, spec) {
            return Ok(args);
        }
        let op = spec.op;
        let args = Args::split(op, text, op.len())?;
        let n = args.len();
        let required = 2 + usize::from(spec.with_sid) + usize::from(spec.with_headers);
        if n != required && n != required + 1 {
            return Err(invalid(
                op,
                format!("expected {required} or {} arguments, got {n}", required + 1),
            ));
        }
        let number = |what: &str, i: usize| parse_number(op, what, &text[args.range(i)]);
        let sid = if spec.with_sid { number("sid", 1)? } else { 0 };
        let reply_at = 1 + usize::from(spec.with_sid);
        let total = number("size", n - 1)?;
        let header_len = if spec.with_headers {
            Some(number("header size", n - 2)?)
        } else {
            None
        };
        let limit = self.limits.max_payload;
        let total_len = usize::try_from(total).ok().filter(|&n| n <= limit).ok_or(
            ProtoError::PayloadTooLarge {
                size: usize::try_from(total).unwrap_or(usize::MAX),
                limit,
            },
        )?;
        let header_len = match header_len {
            Some(h) if h > total_len as u64 => {
                return Err(invalid(
                    op,
                    format!("header size {h} exceeds total size {total_len}"),
                ))
            }
            // Fits: h <= total_len, which is a usize.
            Some(h) => Some(h as usize),
            None => None,
        };
        Ok(HeadArgs {
            subject: args.range(0),
            reply: (n == required + 1).then(|| args.range(reply_at)),
            sid,
            header_len,
            total_len,
        })
    }
}

impl Framer {
    /// [`Framer::head_args`] of a line in the plain form every server and client writes, when
    /// its sizes are within the limits; `None` leaves the line to the general reading, which
    /// also says what is wrong with it.
    #[inline]
    fn plain_head_args(&self, text: &[u8], spec: PayloadSpec) -> Option<HeadArgs> {
        let from = spec.op.len() + 1;
        if text.get(from - 1) != Some(&b' ') {
            return None;
        }
        let args = plain_payload_args(text, from, spec.with_sid, spec.with_headers)?;
        let total_len = usize::try_from(args.total)
            .ok()
            .filter(|&n| n <= self.limits.max_payload)?;
        let header_len = match args.header_len {
            // Fits: h <= total_len, which is a usize.
            Some(h) if h <= args.total => Some(h as usize),
            Some(_) => return None,
            None => None,
        };
        Some(HeadArgs {
            subject: args.subject,
            reply: args.reply,
            sid: args.sid,
            header_len,
            total_len,
        })
    }
}

/// Takes out a whole frame without a header block whose terminator is in place (`MSG`, `PUB`):
/// what [`complete`] does, in the fewest steps, for the frames that are nearly all of a stream.
#[inline]
fn plain_frame<D: PayloadOp>(
    buf: &mut BytesMut,
    line: Line,
    args: HeadArgs,
) -> Result<D::Op, ProtoError> {
    buf.advance(args.subject.start);
    let mut at = args.subject.end;
    let subject = buf.split_to(at - args.subject.start).freeze();
    let reply = args.reply.map(|range| {
        buf.advance(range.start - at);
        at = range.end;
        buf.split_to(range.end - range.start).freeze()
    });
    buf.advance(line.next - at);
    let payload = buf.split_to(args.total_len).freeze();
    buf.advance(2);
    match names::<D>(subject, reply) {
        Ok((subject, reply)) => Ok(D::payload_op(subject, reply, args.sid, None, None, payload)),
        // The frame is out whole: the stream is in step whatever the direction makes of it.
        Err(error) => D::malformed(args.sid, error),
    }
}

/// End of the text of the line whose `\n` is at `newline`: before its `\r\n` or `\n`.
#[inline]
fn line_end(buf: &[u8], newline: usize) -> usize {
    if newline > 0 && buf[newline - 1] == b'\r' {
        newline - 1
    } else {
        newline
    }
}

/// The operation of the frame `head`, whose payload (and its `\r\n`) is at the front of `buf`,
/// taking it out. A wrong terminator is a framing error; names or a header block that cannot be
/// read make the frame [`PayloadOp::malformed`] instead, once it is out of the buffer whole.
#[inline]
fn complete<D: PayloadOp>(buf: &mut BytesMut, head: PayloadHead) -> Result<D::Op, ProtoError> {
    let body = split_payload::<D>(buf, head.op, head.header_len, head.total_len)?;
    match (names::<D>(head.subject, head.reply), body) {
        (Ok((subject, reply)), Ok((headers, payload))) => Ok(D::payload_op(
            subject,
            reply,
            head.sid,
            head.header_len,
            headers,
            payload,
        )),
        (Err(error), _) | (_, Err(error)) => D::malformed(head.sid, error),
    }
}

/// A subject and an optional reply subject as `D` reads names, or the first reason one of them
/// is unreadable.
#[inline]
fn names<D: PayloadOp>(
    subject: Bytes,
    reply: Option<Bytes>,
) -> Result<(D::Name, Option<D::Name>), ProtoError> {
    let subject = D::name(subject, "subject")?;
    let reply = reply.map(|r| D::name(r, "reply subject")).transpose()?;
    Ok((subject, reply))
}

/// Takes the `total_len` bytes of an `op`'s payload (and its `\r\n`) from the front of `buf`,
/// which holds it all; the first `header_len` of them, if any, are its header block. That block
/// is parsed into a [`HeaderMap`] unless the direction keeps it raw, in which
/// case it stays at the front of the payload. The outer error is a framing error (the frame
/// stays in `buf`); the inner one, a header block that does not parse (the frame is taken out).
#[inline]
fn split_payload<D: PayloadOp>(
    buf: &mut BytesMut,
    op: &'static str,
    header_len: Option<usize>,
    total_len: usize,
) -> Result<Result<(Option<HeaderMap>, Bytes), ProtoError>, ProtoError> {
    if &buf[total_len..total_len + 2] != b"\r\n" {
        return Err(ProtoError::MissingPayloadTerminator { op });
    }
    let (headers, payload_len) = match header_len {
        Some(len) if D::PARSE_HEADERS => match HeaderMap::decode(&buf[..len]) {
            Ok(headers) => {
                buf.advance(len);
                (Some(headers), total_len - len)
            }
            Err(error) => {
                buf.advance(total_len + 2);
                return Ok(Err(error));
            }
        },
        // No header block, or one kept raw at the front of the payload.
        _ => (None, total_len),
    };
    let payload = buf.split_to(payload_len).freeze();
    buf.advance(2);
    Ok(Ok((headers, payload)))
}

/// `bytes` as a UTF-8 [`Subject`]: how the client directions read names.
#[inline]
pub fn utf8_name(bytes: Bytes, what: &'static str) -> Result<Subject, ProtoError> {
    Subject::from_utf8(bytes).map_err(|_| ProtoError::InvalidUtf8 { what })
}

/// A name argument of a line taken out as `Bytes` (SUB), as `D` reads names.
pub fn name<D: PayloadOp>(
    line: &Bytes,
    args: &Args,
    i: usize,
    what: &'static str,
) -> Result<D::Name, ProtoError> {
    D::name(line.slice(args.range(i)), what)
}

/// The JSON after `INFO ` or `CONNECT `.
pub fn json_body<'a>(op: &'static str, line: &'a [u8]) -> Result<&'a [u8], ProtoError> {
    let body = line[op.len()..].trim_ascii();
    if body.is_empty() {
        return Err(ProtoError::InvalidJson {
            op,
            reason: "no JSON document after the operation".into(),
        });
    }
    Ok(body)
}

pub fn json_error(op: &'static str) -> impl FnOnce(serde_json::Error) -> ProtoError {
    move |e| ProtoError::InvalidJson {
        op,
        reason: e.to_string(),
    }
}

pub fn unknown(line: &[u8]) -> ProtoError {
    ProtoError::UnknownOperation {
        op: String::from_utf8_lossy(&line[..line.len().min(32)]).into_owned(),
    }
}
