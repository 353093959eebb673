//! Decoders for both directions over a `BytesMut` read buffer.
//!
//! - [`ServerOpDecoder`] reads what a server sends (used by the client and the test fakes).
//! - [`ClientOpDecoder`] reads what a client sends (used by the embedded broker).
//!
//! Both follow the same rules:
//! - An incomplete frame returns `Ok(None)` and consumes nothing; call again when more bytes
//!   arrived. The part of an unfinished control line already searched is not searched again, and
//!   a control line whose payload is still arriving is parsed once and kept.
//! - Subjects, reply subjects and payloads are taken out of the buffer without copying.
//! - Control lines and payloads are bounded by [`Limits`], so a peer cannot make memory grow.
//! - Anything malformed is a [`ProtoError`], never a panic. After an error the stream is out of
//!   step: the caller should close the connection (the client reconnects).

use bytes::{Buf, Bytes, BytesMut};

use crate::args::{invalid, is_op, parse_number, starts_with_ignore_case, Args};
use crate::{
    ClientOp, ConnectInfo, HeaderMap, Msg, ProtoError, Pub, ServerInfo, ServerOp, Sub, Subject,
};

/// nats-server's limit for a control line (its docs say 1024; the server enforces 4096).
pub const DEFAULT_MAX_CONTROL_LINE: usize = 4096;
/// Limit for `INFO` and `CONNECT` lines, which carry JSON and may be long (cluster URLs, JWTs).
pub const DEFAULT_MAX_JSON_LINE: usize = 1024 * 1024;
/// The largest `max_payload` nats-server can be configured with (64 MiB).
pub const MAX_PAYLOAD_CEILING: usize = 64 * 1024 * 1024;

/// Size limits a decoder enforces.
///
/// ```
/// use natskit_proto::{Limits, ServerOpDecoder};
///
/// let mut decoder = ServerOpDecoder::with_limits(Limits { max_payload: 1024, ..Limits::default() });
/// let mut buf = bytes::BytesMut::from(&b"MSG a 1 2048\r\n"[..]);
/// assert!(decoder.decode(&mut buf).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest control line other than INFO and CONNECT, terminator excluded.
    pub max_control_line: usize,
    /// Longest INFO or CONNECT line.
    pub max_json_line: usize,
    /// Largest payload (headers included) a message may announce; at most
    /// [`MAX_PAYLOAD_CEILING`], larger values are capped.
    pub max_payload: usize,
}

impl Default for Limits {
    /// 4096-byte control lines, 1 MiB JSON lines, 64 MiB payloads.
    fn default() -> Self {
        Limits {
            max_control_line: DEFAULT_MAX_CONTROL_LINE,
            max_json_line: DEFAULT_MAX_JSON_LINE,
            max_payload: MAX_PAYLOAD_CEILING,
        }
    }
}

/// A control line parsed while its payload is still on the way.
#[derive(Debug)]
struct PayloadHead {
    op: &'static str,
    subject: Subject,
    reply: Option<Subject>,
    sid: u64,
    header_len: Option<usize>,
    total_len: usize,
}

/// What both decoders share: finding control lines and waiting for payloads.
#[derive(Debug)]
struct Framer {
    limits: Limits,
    /// How much of an unfinished control line has been searched for its `\n` already.
    scanned: usize,
    /// A control line waiting for its payload.
    pending: Option<PayloadHead>,
    /// Name of the JSON operation of this direction, which gets the longer line limit.
    json_op: &'static [u8],
}

impl Framer {
    fn new(limits: Limits, json_op: &'static [u8]) -> Self {
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
    fn next_line(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>, ProtoError> {
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
    fn expect_payload(
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
    fn take_payload(
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

fn subject(line: &Bytes, args: &Args, i: usize, what: &'static str) -> Result<Subject, ProtoError> {
    Subject::from_utf8(line.slice(args.range(i))).map_err(|_| ProtoError::InvalidUtf8 { what })
}

fn number(
    op: &'static str,
    what: &str,
    line: &Bytes,
    args: &Args,
    i: usize,
) -> Result<u64, ProtoError> {
    parse_number(op, what, &line[args.range(i)])
}

/// The JSON after `INFO ` or `CONNECT `.
fn json_body<'a>(op: &'static str, line: &'a [u8]) -> Result<&'a [u8], ProtoError> {
    let body = line[op.len()..].trim_ascii();
    if body.is_empty() {
        return Err(ProtoError::InvalidJson {
            op,
            reason: "no JSON document after the operation".into(),
        });
    }
    Ok(body)
}

fn json_error(op: &'static str) -> impl FnOnce(serde_json::Error) -> ProtoError {
    move |e| ProtoError::InvalidJson {
        op,
        reason: e.to_string(),
    }
}

fn unknown(line: &[u8]) -> ProtoError {
    ProtoError::UnknownOperation {
        op: String::from_utf8_lossy(&line[..line.len().min(32)]).into_owned(),
    }
}

/// Decodes what a server sends: `INFO`, `MSG`, `HMSG`, `PING`, `PONG`, `+OK`, `-ERR`.
///
/// ```
/// use bytes::BytesMut;
/// use natskit_proto::{ServerOp, ServerOpDecoder};
///
/// let mut decoder = ServerOpDecoder::new();
/// let mut buf = BytesMut::from(&b"PING\r\nMSG greet 1 5\r\nhel"[..]);
/// assert_eq!(decoder.decode(&mut buf)?, Some(ServerOp::Ping));
/// assert_eq!(decoder.decode(&mut buf)?, None); // the payload is not all here yet
/// buf.extend_from_slice(b"lo\r\n");
/// let Some(ServerOp::Msg(msg)) = decoder.decode(&mut buf)? else { panic!("expected MSG") };
/// assert_eq!(&msg.payload[..], b"hello");
/// assert!(buf.is_empty());
/// # Ok::<(), natskit_proto::ProtoError>(())
/// ```
#[derive(Debug)]
pub struct ServerOpDecoder {
    framer: Framer,
}

impl Default for ServerOpDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerOpDecoder {
    /// A decoder with [`Limits::default`]: any payload a nats-server can be configured to send.
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// A decoder with the given limits (payloads capped at [`MAX_PAYLOAD_CEILING`]).
    pub fn with_limits(limits: Limits) -> Self {
        ServerOpDecoder {
            framer: Framer::new(limits, b"INFO"),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.framer.limits
    }

    /// Changes the payload limit, for instance to the `max_payload` of the server's INFO.
    /// Values above [`MAX_PAYLOAD_CEILING`] are capped: a peer cannot make us reserve more.
    pub fn set_max_payload(&mut self, max_payload: usize) {
        self.framer.limits.max_payload = max_payload.min(MAX_PAYLOAD_CEILING);
    }

    /// The next whole operation in `buf`, `Ok(None)` if it is not complete yet.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<ServerOp>, ProtoError> {
        if self.framer.pending.is_none() {
            let Some(line) = self.framer.next_line(buf)? else {
                return Ok(None);
            };
            if let Some(op) = self.parse_line(line)? {
                return Ok(Some(op));
            }
        }
        Ok(self
            .framer
            .take_payload(buf)?
            .map(|(head, headers, payload)| {
                ServerOp::Msg(Msg {
                    subject: head.subject,
                    sid: head.sid,
                    reply: head.reply,
                    headers,
                    payload,
                })
            }))
    }

    /// An operation without payload, or `None` after storing the head of a MSG / HMSG.
    fn parse_line(&mut self, line: Bytes) -> Result<Option<ServerOp>, ProtoError> {
        let first = line.first().copied().unwrap_or(0).to_ascii_uppercase();
        match first {
            b'M' if is_op(&line, b"MSG") => self.parse_msg(line, "MSG", 3).map(|()| None),
            b'H' if is_op(&line, b"HMSG") => self.parse_msg(line, "HMSG", 4).map(|()| None),
            // PING, PONG and +OK tolerate anything before the line end, as nats-server does.
            b'P' if starts_with_ignore_case(&line, b"PING") => Ok(Some(ServerOp::Ping)),
            b'P' if starts_with_ignore_case(&line, b"PONG") => Ok(Some(ServerOp::Pong)),
            b'+' if starts_with_ignore_case(&line, b"+OK") => Ok(Some(ServerOp::Ok)),
            b'-' if is_op(&line, b"-ERR") => {
                let text = String::from_utf8_lossy(line[4..].trim_ascii());
                let text = text
                    .strip_prefix('\'')
                    .and_then(|t| t.strip_suffix('\''))
                    .unwrap_or(&text);
                Ok(Some(ServerOp::Err(text.to_owned())))
            }
            b'I' if is_op(&line, b"INFO") => {
                let info: ServerInfo = serde_json::from_slice(json_body("INFO", &line)?)
                    .map_err(json_error("INFO"))?;
                Ok(Some(ServerOp::Info(Box::new(info))))
            }
            _ => Err(unknown(&line)),
        }
    }

    /// `MSG <subject> <sid> [reply] <#bytes>` or `HMSG <subject> <sid> [reply] <#hdr> <#total>`.
    fn parse_msg(
        &mut self,
        line: Bytes,
        op: &'static str,
        min_args: usize,
    ) -> Result<(), ProtoError> {
        let args = Args::split(op, &line, op.len())?;
        let n = args.len();
        if n != min_args && n != min_args + 1 {
            return Err(invalid(
                op,
                format!(
                    "expected {} or {} arguments, got {n}",
                    min_args,
                    min_args + 1
                ),
            ));
        }
        let subject = subject(&line, &args, 0, "subject")?;
        let sid = number(op, "sid", &line, &args, 1)?;
        let reply = if n == min_args + 1 {
            Some(subject_at(&line, &args, 2)?)
        } else {
            None
        };
        let total = number(op, "size", &line, &args, n - 1)?;
        let header_len = if op == "HMSG" {
            Some(number(op, "header size", &line, &args, n - 2)?)
        } else {
            None
        };
        self.framer
            .expect_payload(op, subject, reply, sid, header_len, total)
    }
}

fn subject_at(line: &Bytes, args: &Args, i: usize) -> Result<Subject, ProtoError> {
    subject(line, args, i, "reply subject")
}

/// Decodes what a client sends: `CONNECT`, `PUB`, `HPUB`, `SUB`, `UNSUB`, `PING`, `PONG`.
///
/// ```
/// use bytes::BytesMut;
/// use natskit_proto::{ClientOp, ClientOpDecoder};
///
/// let mut decoder = ClientOpDecoder::new();
/// let mut buf = BytesMut::from(&b"SUB orders.* workers 9\r\nUNSUB 9 10\r\n"[..]);
/// let Some(ClientOp::Sub(sub)) = decoder.decode(&mut buf)? else { panic!("expected SUB") };
/// assert_eq!((sub.subject.as_str(), sub.queue.as_deref(), sub.sid), ("orders.*", Some("workers"), 9));
/// assert_eq!(decoder.decode(&mut buf)?, Some(ClientOp::Unsub { sid: 9, max: Some(10) }));
/// # Ok::<(), natskit_proto::ProtoError>(())
/// ```
#[derive(Debug)]
pub struct ClientOpDecoder {
    framer: Framer,
}

impl Default for ClientOpDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientOpDecoder {
    /// A decoder with nats-server's defaults: 4096-byte control lines and 1 MiB payloads.
    pub fn new() -> Self {
        Self::with_limits(Limits {
            max_payload: crate::DEFAULT_MAX_PAYLOAD,
            ..Limits::default()
        })
    }

    /// A decoder with the given limits (payloads capped at [`MAX_PAYLOAD_CEILING`]).
    pub fn with_limits(limits: Limits) -> Self {
        ClientOpDecoder {
            framer: Framer::new(limits, b"CONNECT"),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.framer.limits
    }

    /// The next whole operation in `buf`, `Ok(None)` if it is not complete yet.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<ClientOp>, ProtoError> {
        if self.framer.pending.is_none() {
            let Some(line) = self.framer.next_line(buf)? else {
                return Ok(None);
            };
            if let Some(op) = self.parse_line(line)? {
                return Ok(Some(op));
            }
        }
        Ok(self
            .framer
            .take_payload(buf)?
            .map(|(head, headers, payload)| {
                ClientOp::Pub(Pub {
                    subject: head.subject,
                    reply: head.reply,
                    headers,
                    payload,
                })
            }))
    }

    fn parse_line(&mut self, line: Bytes) -> Result<Option<ClientOp>, ProtoError> {
        let first = line.first().copied().unwrap_or(0).to_ascii_uppercase();
        match first {
            b'P' if is_op(&line, b"PUB") => self.parse_pub(line, "PUB", 2).map(|()| None),
            b'H' if is_op(&line, b"HPUB") => self.parse_pub(line, "HPUB", 3).map(|()| None),
            b'P' if starts_with_ignore_case(&line, b"PING") => Ok(Some(ClientOp::Ping)),
            b'P' if starts_with_ignore_case(&line, b"PONG") => Ok(Some(ClientOp::Pong)),
            b'S' if is_op(&line, b"SUB") => parse_sub(&line).map(Some),
            b'U' if is_op(&line, b"UNSUB") => parse_unsub(&line).map(Some),
            b'C' if is_op(&line, b"CONNECT") => {
                let connect: ConnectInfo = serde_json::from_slice(json_body("CONNECT", &line)?)
                    .map_err(json_error("CONNECT"))?;
                Ok(Some(ClientOp::Connect(Box::new(connect))))
            }
            _ => Err(unknown(&line)),
        }
    }

    /// `PUB <subject> [reply] <#bytes>` or `HPUB <subject> [reply] <#hdr> <#total>`.
    fn parse_pub(
        &mut self,
        line: Bytes,
        op: &'static str,
        min_args: usize,
    ) -> Result<(), ProtoError> {
        let args = Args::split(op, &line, op.len())?;
        let n = args.len();
        if n != min_args && n != min_args + 1 {
            return Err(invalid(
                op,
                format!(
                    "expected {} or {} arguments, got {n}",
                    min_args,
                    min_args + 1
                ),
            ));
        }
        let subject = subject(&line, &args, 0, "subject")?;
        let reply = if n == min_args + 1 {
            Some(subject_at(&line, &args, 1)?)
        } else {
            None
        };
        let total = number(op, "size", &line, &args, n - 1)?;
        let header_len = if op == "HPUB" {
            Some(number(op, "header size", &line, &args, n - 2)?)
        } else {
            None
        };
        self.framer
            .expect_payload(op, subject, reply, 0, header_len, total)
    }
}

/// `SUB <subject> [queue] <sid>`.
fn parse_sub(line: &Bytes) -> Result<ClientOp, ProtoError> {
    let args = Args::split("SUB", line, 3)?;
    let n = args.len();
    if n != 2 && n != 3 {
        return Err(invalid(
            "SUB",
            format!("expected 2 or 3 arguments, got {n}"),
        ));
    }
    Ok(ClientOp::Sub(Sub {
        subject: subject(line, &args, 0, "subject")?,
        queue: if n == 3 {
            Some(subject(line, &args, 1, "queue group")?)
        } else {
            None
        },
        sid: number("SUB", "sid", line, &args, n - 1)?,
    }))
}

/// `UNSUB <sid> [max]`.
fn parse_unsub(line: &Bytes) -> Result<ClientOp, ProtoError> {
    let args = Args::split("UNSUB", line, 5)?;
    let n = args.len();
    if n != 1 && n != 2 {
        return Err(invalid(
            "UNSUB",
            format!("expected 1 or 2 arguments, got {n}"),
        ));
    }
    Ok(ClientOp::Unsub {
        sid: number("UNSUB", "sid", line, &args, 0)?,
        max: if n == 2 {
            Some(number("UNSUB", "max messages", line, &args, 1)?)
        } else {
            None
        },
    })
}
