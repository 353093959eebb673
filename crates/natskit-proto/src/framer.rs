//! Finding control lines and waiting for payloads: the part of decoding both directions share.
//!
//! Private to the crate (the module is not public); items are `pub` only so that the sealed
//! `Direction` trait can name them. The framer knows the
//! directions only through [`PayloadOp`], which they implement: it imports no direction.
//!
//! A control line is parsed where it lies in the read buffer. Once its payload is there too, the
//! whole frame, control line to terminator, is split out of the buffer as one `Bytes` (one
//! reference count) and handed to the direction with where each part lies in it
//! ([`FrameLayout`]); nothing is cut off it, since each cut of a `Bytes` costs a call. A frame
//! whose payload is still on the way stays in the buffer, line and all, with its parsed head
//! kept ([`PayloadHead`]) until the rest arrives.

use std::ops::Range;

use bytes::{Buf, Bytes, BytesMut};

use crate::args::{
    could_be_op, invalid, is_op, mark_bytes_equal, parse_number, plain_args_without_headers,
    plain_payload_args, starts_with_ignore_case, Args, OpName,
};
use crate::error::ProtoError;
use crate::fast_pub::scan_pub;
pub use crate::frame_layout::FrameLayout;
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

    /// The operation of a whole frame taken out of the buffer: `frame` runs from the first byte
    /// of its control line to the last of its terminator (checked already), and `layout` says
    /// where the parts lie in it.
    fn from_frame(frame: Bytes, layout: FrameLayout) -> Result<Self::Op, ProtoError>;

    /// The name `bytes` (`what` it is, for the error) as this direction reads names.
    fn name(bytes: Bytes, what: &'static str) -> Result<Self::Name, ProtoError>;
}

/// The parts of a frame as values of their own, read as direction `D` reads names, with the
/// header block parsed when `D` parses them (see [`frame_parts`]).
pub struct FrameParts<N> {
    pub subject: N,
    pub reply: Option<N>,
    pub headers: Option<HeaderMap>,
    /// The payload; with the header block in front of it when the direction keeps it raw.
    pub payload: Bytes,
}

/// `frame` cut into its parts: the subjects share it, and it becomes the payload itself. The
/// error is the first part that cannot be read (a name, then the header block).
#[inline]
pub fn frame_parts<D: PayloadOp>(
    mut frame: Bytes,
    layout: &FrameLayout,
) -> Result<FrameParts<D::Name>, ProtoError> {
    let subject = D::name(frame.slice(layout.subject.clone()), "subject")?;
    let reply = match &layout.reply {
        Some(range) => Some(D::name(frame.slice(range.clone()), "reply subject")?),
        None => None,
    };
    frame.truncate(layout.payload_end);
    frame.advance(layout.payload_start);
    let headers = match layout.header_len {
        Some(len) if D::PARSE_HEADERS => {
            let headers = HeaderMap::decode(&frame[..len])?;
            frame.advance(len);
            Some(headers)
        }
        // No header block, or one kept raw at the front of the payload.
        _ => None,
    };
    Ok(FrameParts {
        subject,
        reply,
        headers,
        payload: frame,
    })
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

/// The parsed control line of a payload operation whose frame is not all in the buffer yet. The
/// line stays at the front of the buffer; the ranges are offsets into it.
#[derive(Debug)]
pub struct PayloadHead {
    pub op: &'static str,
    /// Where the payload starts: after the line's `\n`.
    pub next: usize,
    pub subject: Range<usize>,
    pub reply: Option<Range<usize>>,
    pub sid: u64,
    pub header_len: Option<usize>,
    pub total_len: usize,
}

impl PayloadHead {
    /// How many bytes of the buffer the frame takes, its terminator included.
    fn frame_end(&self) -> usize {
        // total_len <= max_payload <= MAX_PAYLOAD_CEILING, so this cannot overflow.
        self.next + self.total_len + 2
    }
}

/// What the arguments of a payload operation's line say, before anything is taken out.
struct HeadArgs {
    subject: Range<usize>,
    reply: Option<Range<usize>>,
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
    #[inline(always)]
    pub fn find_line(&mut self, buf: &BytesMut) -> Result<Option<Line>, ProtoError> {
        let Some(offset) = find_newline(&buf[self.scanned..]) else {
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

    /// Parses the line of a payload operation. Returns its operation when the whole frame is in
    /// `buf` already; otherwise keeps its head, leaves the line where it is and returns `None`.
    #[inline(always)]
    pub fn payload_line<D: PayloadOp>(
        &mut self,
        buf: &mut BytesMut,
        line: Line,
        spec: PayloadSpec,
    ) -> Result<Option<D::Op>, ProtoError> {
        let args = self.head_args(&buf[..line.end], spec)?;
        let head = PayloadHead {
            op: spec.op,
            next: line.next,
            subject: args.subject,
            reply: args.reply,
            sid: args.sid,
            header_len: args.header_len,
            total_len: args.total_len,
        };
        if buf.len() < head.frame_end() {
            // Make room once for the whole frame, rather than growing read by read.
            buf.reserve(head.frame_end() - buf.len());
            self.pending = Some(head);
            return Ok(None);
        }
        take_frame::<D>(buf, head).map(Some)
    }

    /// A whole `PUB` / `HPUB` frame at the front of `buf`, borrowed, and its length; `None` for
    /// anything else, including frames `decode` would reject (it then reports the error).
    #[inline]
    pub fn pub_in_place<'a>(&self, buf: &'a [u8]) -> Option<(PubRef<'a>, usize)> {
        if self.pending.is_some() || self.scanned != 0 {
            return None; // In the middle of a frame: the slow path knows where it is.
        }
        // The plain PUB nearly every publisher sends, in one pass; every other form below.
        if let Some(found) = scan_pub(buf, &self.limits) {
            return Some(found);
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

    /// The operation of the pending head, once all of its frame is in `buf`.
    pub fn take_payload<D: PayloadOp>(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<D::Op>, ProtoError> {
        match &self.pending {
            Some(head) if buf.len() >= head.frame_end() => {}
            _ => return Ok(None),
        }
        let Some(head) = self.pending.take() else {
            return Ok(None);
        };
        take_frame::<D>(buf, head).map(Some)
    }

    /// `<op> <subject> [sid] [reply] [#hdr] <#total>`: MSG and HMSG carry a sid, HMSG and HPUB
    /// a header size; the reply subject is the one optional argument. Checks the sizes.
    #[inline(always)]
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
    #[inline(always)]
    fn plain_head_args(&self, text: &[u8], spec: PayloadSpec) -> Option<HeadArgs> {
        let from = spec.op.len() + 1;
        if text.get(from - 1) != Some(&b' ') {
            return None;
        }
        let args = if spec.with_headers {
            plain_payload_args(text, from, spec.with_sid, true)?
        } else {
            plain_args_without_headers(text, from, spec.with_sid)?
        };
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

/// Takes the whole frame of `head`, which is all in `buf`, out of it as one `Bytes`, line and
/// terminator included. A wrong terminator is a framing error (the frame stays in `buf`); names
/// or a header block that cannot be read are the direction's to judge in
/// [`PayloadOp::from_frame`], once the frame is out whole.
#[inline(always)]
fn take_frame<D: PayloadOp>(buf: &mut BytesMut, head: PayloadHead) -> Result<D::Op, ProtoError> {
    let end = head.next + head.total_len;
    if buf[end..end + 2] != *b"\r\n" {
        return Err(ProtoError::MissingPayloadTerminator { op: head.op });
    }
    let frame = buf.split_to(end + 2).freeze();
    let layout = FrameLayout {
        sid: head.sid,
        subject: head.subject,
        reply: head.reply,
        payload_start: head.next,
        payload_end: end,
        header_len: head.header_len,
    };
    D::from_frame(frame, layout)
}

/// Index of the first `\n` in `bytes`. Control lines are short: their first bytes are searched
/// eight at a time where the caller is, which costs less than memchr's call and set-up for a
/// line of a few dozen bytes; memchr searches on from there.
#[inline(always)]
fn find_newline(bytes: &[u8]) -> Option<usize> {
    const INLINE_SEARCH: usize = 64;
    let mut at = 0;
    while at < INLINE_SEARCH {
        let Some(chunk) = bytes[at..].first_chunk::<8>() else {
            break;
        };
        let marks = mark_bytes_equal(u64::from_le_bytes(*chunk), b'\n');
        if marks != 0 {
            return Some(at + (marks.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    memchr::memchr(b'\n', &bytes[at..]).map(|offset| at + offset)
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

/// Whether `bytes` is UTF-8, deciding the common case (ASCII, as subjects nearly always are)
/// several times faster than `str::from_utf8` does for short names.
#[inline]
pub fn is_utf8(bytes: &[u8]) -> bool {
    bytes.is_ascii() || std::str::from_utf8(bytes).is_ok()
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
