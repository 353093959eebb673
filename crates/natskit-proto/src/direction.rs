//! The direction markers a [`Decoder`](crate::Decoder) is typed with, and what differs between
//! the directions: which operations a control line may hold, and what a completed payload
//! becomes. Sealed: the trait is in a private module, so only this crate can implement
//! [`Direction`].

use bytes::{Buf, Bytes, BytesMut};

use crate::args::{invalid, is_op, starts_with_ignore_case, Args};
use crate::error::ProtoError;
use crate::framer::{
    json_body, json_error, number, subject, unknown, Framer, Line, PayloadOp, HMSG, HPUB, MSG, PUB,
};
use crate::headers::HeaderMap;
use crate::info::{ConnectInfo, ServerInfo, DEFAULT_MAX_PAYLOAD};
use crate::limits::Limits;
use crate::op::{BrokerOp, ClientOp, MalformedMsg, Msg, Pub, RawPub, ServerOp, Sub};
use crate::subject::Subject;

/// Direction marker: bytes that came from a server, decoded into [`ServerOp`]s (see
/// [`ServerOpDecoder`](crate::ServerOpDecoder)). Markers are named after the sending peer
/// (`From...`) so they never read like the operation enums (`ServerOp`, `ClientOp`).
#[derive(Debug)]
pub struct FromServer;

/// Direction marker: bytes that came from a client, decoded into [`ClientOp`]s with parsed
/// header blocks (see [`ClientOpDecoder`](crate::ClientOpDecoder)).
#[derive(Debug)]
pub struct FromClient;

/// Direction marker: bytes that came from a client, as a broker reads them: header blocks are
/// left raw, as sent, in front of the payload (see [`BrokerOpDecoder`](crate::BrokerOpDecoder)).
#[derive(Debug)]
pub struct FromClientRaw;

/// One direction of the protocol: how its control lines parse. What its payloads become is the
/// supertrait [`PayloadOp`], which the framer needs.
pub trait Direction: PayloadOp {
    /// `INFO` or `CONNECT`: the JSON operation, allowed a longer line.
    const JSON_OP: &'static [u8];
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
}

impl PayloadOp for FromServer {
    type Op = ServerOp;

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

    /// Handed on: one message a publisher got wrong must not cost the connection and every
    /// message after it.
    fn malformed(sid: u64, error: ProtoError) -> Result<ServerOp, ProtoError> {
        Ok(ServerOp::Malformed(MalformedMsg { sid, error }))
    }
}

impl Direction for FromServer {
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
}

impl PayloadOp for FromClient {
    type Op = ClientOp;

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

impl Direction for FromClient {
    const JSON_OP: &'static [u8] = b"CONNECT";

    /// nats-server's defaults: 4096-byte control lines, 1 MiB payloads.
    fn default_limits() -> Limits {
        Limits {
            max_payload: DEFAULT_MAX_PAYLOAD,
            ..Limits::default()
        }
    }

    fn parse_line(
        framer: &mut Framer,
        buf: &mut BytesMut,
        line: Line,
    ) -> Result<Option<ClientOp>, ProtoError> {
        parse_client_line::<Self, Pub>(framer, buf, line)
    }
}

impl PayloadOp for FromClientRaw {
    type Op = BrokerOp;
    const PARSE_HEADERS: bool = false;

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

impl Direction for FromClientRaw {
    const JSON_OP: &'static [u8] = b"CONNECT";

    fn default_limits() -> Limits {
        FromClient::default_limits()
    }

    fn parse_line(
        framer: &mut Framer,
        buf: &mut BytesMut,
        line: Line,
    ) -> Result<Option<BrokerOp>, ProtoError> {
        parse_client_line::<Self, RawPub>(framer, buf, line)
    }
}

/// A control line from a client, for both client directions: they differ only in what a
/// publish becomes (`P`, made by `D`'s [`PayloadOp::payload_op`]).
fn parse_client_line<D: PayloadOp<Op = ClientOp<P>>, P>(
    framer: &mut Framer,
    buf: &mut BytesMut,
    line: Line,
) -> Result<Option<ClientOp<P>>, ProtoError> {
    let text = &buf[..line.end];
    let op = match text.first().copied().unwrap_or(0).to_ascii_uppercase() {
        b'P' if is_op(text, b"PUB") => return framer.payload_line::<D>(buf, line, PUB),
        b'H' if is_op(text, b"HPUB") => return framer.payload_line::<D>(buf, line, HPUB),
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

/// `SUB <subject> [queue] <sid>`.
fn parse_sub<P>(line: &Bytes) -> Result<ClientOp<P>, ProtoError> {
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
fn parse_unsub<P>(line: &[u8]) -> Result<ClientOp<P>, ProtoError> {
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
