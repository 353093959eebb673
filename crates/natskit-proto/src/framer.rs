//! Finding control lines and waiting for payloads: the part of decoding both directions share.
//!
//! Private to the crate (the module is not public); items are `pub` only so that the sealed
//! [`Direction`](crate::direction::Direction) trait can name them.

use bytes::{Buf, Bytes, BytesMut};

use crate::args::{invalid, parse_number, starts_with_ignore_case, Args};
use crate::decode::{Limits, MAX_PAYLOAD_CEILING};
use crate::{HeaderMap, ProtoError, Subject};

/// A control line parsed while its payload is still on the way.
#[derive(Debug)]
pub struct PayloadHead {
    pub op: &'static str,
    pub subject: Subject,
    pub reply: Option<Subject>,
    pub sid: u64,
    pub header_len: Option<usize>,
    pub total_len: usize,
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
}

impl Framer {
    pub fn new(limits: Limits, json_op: &'static [u8]) -> Self {
        Framer {
            limits: Limits {
                max_payload: limits.max_payload.min(MAX_PAYLOAD_CEILING),
                ..limits
            },
            scanned: 0,
            pending: None,
            json_op,
        }
    }

    fn line_limit(&self, start: &[u8]) -> usize {
        if starts_with_ignore_case(start, self.json_op) {
            self.limits.max_json_line
        } else {
            self.limits.max_control_line
        }
    }

    /// Takes the next whole control line out of `buf`, without its `\n` or `\r\n`.
    pub fn next_line(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, ProtoError> {
        let Some(offset) = memchr::memchr(b'\n', &buf[self.scanned..]) else {
            self.scanned = buf.len();
            let limit = self.line_limit(buf);
            // A trailing `\r` belongs to the terminator that is still on its way.
            let line_len = buf.len() - usize::from(buf.ends_with(b"\r"));
            if line_len > limit {
                return Err(ProtoError::ControlLineTooLong { limit });
            }
            return Ok(None);
        };
        let newline = self.scanned + offset;
        self.scanned = 0;
        let mut line = buf.split_to(newline + 1).freeze();
        let end = if newline > 0 && line[newline - 1] == b'\r' {
            newline - 1
        } else {
            newline
        };
        line.truncate(end);
        let limit = self.line_limit(&line);
        if line.len() > limit {
            return Err(ProtoError::ControlLineTooLong { limit });
        }
        Ok(Some(line))
    }

    /// Checks the announced sizes and remembers the head until its payload is complete.
    pub fn expect_payload(
        &mut self,
        op: &'static str,
        subject: Subject,
        reply: Option<Subject>,
        sid: u64,
        header_len: Option<u64>,
        total_len: u64,
    ) -> Result<(), ProtoError> {
        let limit = self.limits.max_payload;
        let total_len = usize::try_from(total_len)
            .ok()
            .filter(|&n| n <= limit)
            .ok_or(ProtoError::PayloadTooLarge {
                size: usize::try_from(total_len).unwrap_or(usize::MAX),
                limit,
            })?;
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
        self.pending = Some(PayloadHead {
            op,
            subject,
            reply,
            sid,
            header_len,
            total_len,
        });
        Ok(())
    }

    /// The pending head with its payload (and parsed headers), once all its bytes are in `buf`.
    #[allow(clippy::type_complexity)]
    pub fn take_payload(
        &mut self,
        buf: &mut BytesMut,
    ) -> Result<Option<(PayloadHead, Option<HeaderMap>, Bytes)>, ProtoError> {
        let Some(head) = &self.pending else {
            return Ok(None);
        };
        // total_len <= max_payload <= MAX_PAYLOAD_CEILING, so this cannot overflow.
        let needed = head.total_len + 2;
        if buf.len() < needed {
            // Make room once for the whole frame, rather than growing read by read.
            buf.reserve(needed - buf.len());
            return Ok(None);
        }
        let Some(head) = self.pending.take() else {
            return Ok(None);
        };
        let mut payload = buf.split_to(head.total_len).freeze();
        if &buf[..2] != b"\r\n" {
            return Err(ProtoError::MissingPayloadTerminator { op: head.op });
        }
        buf.advance(2);
        let headers = match head.header_len {
            Some(len) => Some(HeaderMap::decode(&payload.split_to(len))?),
            None => None,
        };
        Ok(Some((head, headers, payload)))
    }
}

pub fn subject(
    line: &Bytes,
    args: &Args,
    i: usize,
    what: &'static str,
) -> Result<Subject, ProtoError> {
    Subject::from_utf8(line.slice(args.range(i))).map_err(|_| ProtoError::InvalidUtf8 { what })
}

pub fn number(
    op: &'static str,
    what: &str,
    line: &Bytes,
    args: &Args,
    i: usize,
) -> Result<u64, ProtoError> {
    parse_number(op, what, &line[args.range(i)])
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
