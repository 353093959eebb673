//! What differs between the two directions: which operations a control line may hold, and
//! what a completed payload becomes. Sealed: the module is private, so only this crate can
//! implement [`Direction`].

use bytes::{Buf, Bytes, BytesMut};

use crate::args::{invalid, is_op, starts_with_ignore_case, Args};
use crate::decode::{BrokerOps, ClientOps, Limits, ServerOps};
use crate::framer::{json_body, json_error, number, subject, unknown, Framer, Line, PayloadSpec};
use crate::op::{BrokerOp, RawPub};
use crate::{
    ClientOp, ConnectInfo, HeaderMap, Msg, ProtoError, Pub, ServerInfo, ServerOp, Sub, Subject,
};

/// One direction of the protocol.
pub trait Direction: Sized {
    /// The operations decoded.
    type Op;
    /// `INFO` or `CONNECT`: the JSON operation, allowed a longer line.
    const JSON_OP: &'static [u8];
    /// Whether HPUB / HMSG header blocks are parsed into a [`HeaderMap`]; a broker keeps them
    /// as the bytes the client sent, to forward them unchanged.
    const PARSE_HEADERS: bool = true;
    /// Limits of `Decoder::new()`.
    fn default_limits() -> Limits;
    /// The operation of the control line `line` at the front of `buf`, taking it (and its
    /// payload, when that is complete) out of `buf`; `None` once the head of a payload op whose
    /// payload is still on the way is stored in `framer`.
    fn parse_line(
        framer: &mut Framer,
        buf: &mut BytesMut,
        line: Line,
    ) -> Result<Option<Self::Op>, ProtoError>;
    /// The operation of a completed payload (`sid` is 0 for PUB and HPUB). `header_len` is the
    /// announced header size of HMSG / HPUB; `headers` is its parsed block when
    /// [`Self::PARSE_HEADERS`], and otherwise the block is still at the front of `payload`.
    fn payload_op(
        subject: Subject,
        reply: Option<Subject>,
        sid: u64,
        header_len: Option<usize>,
        headers: Option<HeaderMap>,
        payload: Bytes,
    ) -> Self::Op;
}

const MSG: PayloadSpec = PayloadSpec {
    op: "MSG",
    with_sid: true,
    with_headers: false,
};
const HMSG: PayloadSpec = PayloadSpec {
    op: "HMSG",
    with_sid: true,
    with_headers: true,
};
pub(crate) const PUB: PayloadSpec = PayloadSpec {
    op: "PUB",
    with_sid: false,
    with_headers: false,
};
pub(crate) const HPUB: PayloadSpec = PayloadSpec {
    op: "HPUB",
    with_sid: false,
    with_headers: true,
};

impl Direction for ServerOps {
    type Op = ServerOp;
    const JSON_OP: &'static [u8] = b"INFO";

    fn default_limits() -> Limits {
        Limits::default()
    }

    fn parse_line(
        framer: &mut Framer,
        buf: &mut BytesMut,
        line: Line,
    ) -> Result<Option<ServerOp>, ProtoError> {
        let text = &buf[..line.end];
        let op = match text.first().copied().unwrap_or(0).to_ascii_uppercase() {
            b'M' if is_op(text, b"MSG") => return framer.payload_line::<Self>(buf, line, MSG),
            b'H' if is_op(text, b"HMSG") => return framer.payload_line::<Self>(buf, line, HMSG),
            // PING, PONG and +OK tolerate anything before the line end, as nats-server does.
            b'P' if starts_with_ignore_case(text, b"PING") => ServerOp::Ping,
            b'P' if starts_with_ignore_case(text, b"PONG") => ServerOp::Pong,
            b'+' if starts_with_ignore_case(text, b"+OK") => ServerOp::Ok,
            b'-' if is_op(text, b"-ERR") => {
                let text = String::from_utf8_lossy(text[4..].trim_ascii());
                let text = text
                    .strip_prefix('\'')
                    .and_then(|t| t.strip_suffix('\''))
                    .unwrap_or(&text);
                ServerOp::Err(text.to_owned())
            }
            b'I' if is_op(text, b"INFO") => {
                let info: ServerInfo =
                    serde_json::from_slice(json_body("INFO", text)?).map_err(json_error("INFO"))?;
                ServerOp::Info(Box::new(info))
            }
            _ => return Err(unknown(text)),
        };
        buf.advance(line.next);
        Ok(Some(op))
    }

    #[inline]
    fn payload_op(
        subject: Subject,
        reply: Option<Subject>,
        sid: u64,
        _header_len: Option<usize>,
        headers: Option<HeaderMap>,
        payload: Bytes,
    ) -> ServerOp {
        ServerOp::Msg(Msg {
            subject,
            sid,
            reply,
            headers,
            payload,
        })
    }
}

impl Direction for ClientOps {
    type Op = ClientOp;
    const JSON_OP: &'static [u8] = b"CONNECT";

    /// nats-server's defaults: 4096-byte control lines, 1 MiB payloads.
    fn default_limits() -> Limits {
        Limits {
            max_payload: crate::DEFAULT_MAX_PAYLOAD,
            ..Limits::default()
        }
    }

    fn parse_line(
        framer: &mut Framer,
        buf: &mut BytesMut,
        line: Line,
    ) -> Result<Option<ClientOp>, ProtoError> {
        let text = &buf[..line.end];
        let op = match text.first().copied().unwrap_or(0).to_ascii_uppercase() {
            b'P' if is_op(text, b"PUB") => return framer.payload_line::<Self>(buf, line, PUB),
            b'H' if is_op(text, b"HPUB") => return framer.payload_line::<Self>(buf, line, HPUB),
            b'P' if starts_with_ignore_case(text, b"PING") => ClientOp::Ping,
            b'P' if starts_with_ignore_case(text, b"PONG") => ClientOp::Pong,
            b'S' if is_op(text, b"SUB") => {
                // SUB keeps its subject and queue: take the line out as shared bytes.
                let mut text = buf.split_to(line.next).freeze();
                text.truncate(line.end);
                return parse_sub(&text).map(Some);
            }
            b'U' if is_op(text, b"UNSUB") => parse_unsub(text)?,
            b'C' if is_op(text, b"CONNECT") => {
                let connect: ConnectInfo = serde_json::from_slice(json_body("CONNECT", text)?)
                    .map_err(json_error("CONNECT"))?;
                ClientOp::Connect(Box::new(connect))
            }
            _ => return Err(unknown(text)),
        };
        buf.advance(line.next);
        Ok(Some(op))
    }

    #[inline]
    fn payload_op(
        subject: Subject,
        reply: Option<Subject>,
        _sid: u64,
        _header_len: Option<usize>,
        headers: Option<HeaderMap>,
        payload: Bytes,
    ) -> ClientOp {
        ClientOp::Pub(Pub {
            subject,
            reply,
            headers,
            payload,
        })
    }
}

impl Direction for BrokerOps {
    type Op = BrokerOp;
    const JSON_OP: &'static [u8] = b"CONNECT";
    const PARSE_HEADERS: bool = false;

    fn default_limits() -> Limits {
        ClientOps::default_limits()
    }

    fn parse_line(
        framer: &mut Framer,
        buf: &mut BytesMut,
        line: Line,
    ) -> Result<Option<BrokerOp>, ProtoError> {
        let text = &buf[..line.end];
        match text.first().copied().unwrap_or(0).to_ascii_uppercase() {
            b'P' if is_op(text, b"PUB") => framer.payload_line::<Self>(buf, line, PUB),
            b'H' if is_op(text, b"HPUB") => framer.payload_line::<Self>(buf, line, HPUB),
            // Everything else is parsed as the client direction does; PUB and HPUB never get there.
            _ => Ok(ClientOps::parse_line(framer, buf, line)?.map(BrokerOp::Other)),
        }
    }

    #[inline]
    fn payload_op(
        subject: Subject,
        reply: Option<Subject>,
        _sid: u64,
        header_len: Option<usize>,
        _headers: Option<HeaderMap>,
        data: Bytes,
    ) -> BrokerOp {
        BrokerOp::Pub(RawPub {
            subject,
            reply,
            header_len,
            data,
        })
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
fn parse_unsub(line: &[u8]) -> Result<ClientOp, ProtoError> {
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
