//! The direction markers a [`Decoder`](crate::Decoder) is typed with, and what differs between
//! the directions: which operations a control line may hold, and what a completed payload
//! becomes. Sealed: the trait is in a private module, so only this crate can implement
//! [`Direction`].

use std::ops::Range;

use bytes::{Buf, Bytes, BytesMut};

use crate::args::{
    invalid, is_op, is_op_with_args, parse_number, starts_with_ignore_case, Args, OpName,
};
use crate::error::ProtoError;
use crate::framer::{
    frame_parts, is_utf8, json_body, json_error, name, unknown, utf8_name, FrameLayout, Framer,
    Line, PayloadOp, HMSG, HPUB, MSG, PUB,
};
use crate::headers::HeaderMap;
use crate::info::{ConnectInfo, ServerInfo, DEFAULT_MAX_PAYLOAD};
use crate::limits::Limits;
use crate::msg::Msg;
use crate::op::{BrokerOp, ClientOp, MalformedMsg, Pub, RawPub, ServerOp, Sub};
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
    /// The operations a control line may start with.
    const OPS: &'static [OpName];
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

/// What a server sends. `-ERR` and `INFO` are taken without a blank after them, as ever.
const SERVER_OPS: [OpName; 7] = [
    OpName {
        name: b"MSG",
        blank: true,
    },
    OpName {
        name: b"HMSG",
        blank: true,
    },
    OpName {
        name: b"PING",
        blank: false,
    },
    OpName {
        name: b"PONG",
        blank: false,
    },
    OpName {
        name: b"+OK",
        blank: false,
    },
    OpName {
        name: b"-ERR",
        blank: false,
    },
    OpName {
        name: b"INFO",
        blank: false,
    },
];

/// What a client sends, as nats-server reads it: the operations with arguments need a blank
/// after their name; `INFO` and `+OK` are read and ignored.
const CLIENT_OPS: [OpName; 8] = [
    OpName {
        name: b"PUB",
        blank: true,
    },
    OpName {
        name: b"HPUB",
        blank: true,
    },
    OpName {
        name: b"SUB",
        blank: true,
    },
    OpName {
        name: b"UNSUB",
        blank: true,
    },
    OpName {
        name: b"PING",
        blank: false,
    },
    OpName {
        name: b"PONG",
        blank: false,
    },
    OpName {
        name: b"CONNECT",
        blank: false,
    },
    OpName {
        name: b"INFO",
        blank: false,
    },
];

impl PayloadOp for FromServer {
    type Op = ServerOp;
    type Name = Subject;

    #[inline]
    fn name(bytes: Bytes, what: &'static str) -> Result<Subject, ProtoError> {
        utf8_name(bytes, what)
    }

    /// The message keeps its frame whole. One a publisher got wrong (its names not UTF-8, its
    /// header block unreadable) is handed on as [`ServerOp::Malformed`]: it must not cost the
    /// connection and every message after it.
    #[inline(always)]
    fn from_frame(frame: Bytes, mut layout: FrameLayout) -> Result<ServerOp, ProtoError> {
        let sid = layout.sid;
        let malformed = |error| Ok(ServerOp::Malformed(MalformedMsg { sid, error }));
        if !is_utf8(&frame[layout.subject.clone()]) {
            return malformed(ProtoError::InvalidUtf8 { what: "subject" });
        }
        if let Some(range) = &layout.reply {
            if !is_utf8(&frame[range.clone()]) {
                return malformed(ProtoError::InvalidUtf8 {
                    what: "reply subject",
                });
            }
        }
        let headers = match layout.header_len {
            Some(len) => match HeaderMap::decode(&frame[layout.payload_start..][..len]) {
                Ok(headers) => {
                    layout.payload_start += len;
                    Some(headers)
                }
                Err(error) => return malformed(error),
            },
            None => None,
        };
        Ok(ServerOp::Msg(Msg::from_frame(frame, layout, headers)))
    }
}

impl Direction for FromServer {
    const JSON_OP: &'static [u8] = b"INFO";
    const OPS: &'static [OpName] = &SERVER_OPS;

    fn default_limits() -> Limits {
        Limits::default()
    }

    // Inlined (across crates too) for the message, nearly every line a client reads, so that
    // the message is made where the caller wants it; every other line is read out of line.
    #[inline(always)]
    fn parse_line(
        framer: &mut Framer,
        buf: &mut BytesMut,
        line: Line,
    ) -> Result<Option<ServerOp>, ProtoError> {
        // The exact form servers write, compared as one word; `msg` or a tab is read below.
        if line.end > 4 && buf[..4] == *b"MSG " {
            return framer.payload_line::<Self>(buf, line, MSG);
        }
        parse_other_server_line(framer, buf, line)
    }
}

/// [`FromServer::parse_line`] of every line but an upper-case `MSG` and a space.
#[inline(never)]
fn parse_other_server_line(
    framer: &mut Framer,
    buf: &mut BytesMut,
    line: Line,
) -> Result<Option<ServerOp>, ProtoError> {
    let text = &buf[..line.end];
    let op = match text.first().copied().unwrap_or(0).to_ascii_uppercase() {
        b'M' if is_op(text, b"MSG") => return framer.payload_line::<FromServer>(buf, line, MSG),
        b'H' if is_op(text, b"HMSG") => return framer.payload_line::<FromServer>(buf, line, HMSG),
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

impl PayloadOp for FromClient {
    type Op = ClientOp;
    type Name = Subject;

    #[inline]
    fn name(bytes: Bytes, what: &'static str) -> Result<Subject, ProtoError> {
        utf8_name(bytes, what)
    }

    #[inline]
    fn from_frame(frame: Bytes, layout: FrameLayout) -> Result<ClientOp, ProtoError> {
        let parts = frame_parts::<Self>(frame, &layout)?;
        Ok(ClientOp::Pub(Pub {
            subject: parts.subject,
            reply: parts.reply,
            headers: parts.headers,
            payload: parts.payload,
        }))
    }
}

impl Direction for FromClient {
    const JSON_OP: &'static [u8] = b"CONNECT";
    const OPS: &'static [OpName] = &CLIENT_OPS;

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
        parse_client_line::<Self, Pub, u64, Subject>(framer, buf, line)
    }
}

impl PayloadOp for FromClientRaw {
    type Op = BrokerOp;
    /// As nats-server: any bytes, matched as bytes.
    type Name = Bytes;
    const PARSE_HEADERS: bool = false;

    #[inline]
    fn name(bytes: Bytes, _what: &'static str) -> Result<Bytes, ProtoError> {
        Ok(bytes)
    }

    #[inline]
    fn from_frame(frame: Bytes, layout: FrameLayout) -> Result<BrokerOp, ProtoError> {
        // Names are any bytes and the header block stays raw: nothing here can fail.
        let parts = frame_parts::<Self>(frame, &layout)?;
        Ok(BrokerOp::Pub(RawPub {
            subject: parts.subject,
            reply: parts.reply,
            header_len: layout.header_len,
            data: parts.payload,
        }))
    }
}

impl Direction for FromClientRaw {
    const JSON_OP: &'static [u8] = b"CONNECT";
    const OPS: &'static [OpName] = &CLIENT_OPS;

    fn default_limits() -> Limits {
        FromClient::default_limits()
    }

    fn parse_line(
        framer: &mut Framer,
        buf: &mut BytesMut,
        line: Line,
    ) -> Result<Option<BrokerOp>, ProtoError> {
        parse_client_line::<Self, RawPub, Bytes, Bytes>(framer, buf, line)
    }
}

/// How a client direction reads the sids of `SUB` and `UNSUB` (and `UNSUB`'s max): as numbers
/// (`u64`, a client's codec), or as nats-server does, any token kept as sent (`Bytes`, a
/// broker's).
trait SidForm: Sized {
    /// The sid at `range` of `line`, a `SUB` line taken out of the buffer.
    fn sid(op: &'static str, line: &Bytes, range: Range<usize>) -> Result<Self, ProtoError>;

    /// `UNSUB <sid> [max]`, the control line `line` at the front of `buf`, taken out.
    fn unsub<P, N>(buf: &mut BytesMut, line: Line) -> Result<ClientOp<P, Self, N>, ProtoError>;
}

impl SidForm for u64 {
    fn sid(op: &'static str, line: &Bytes, range: Range<usize>) -> Result<u64, ProtoError> {
        parse_number(op, "sid", &line[range])
    }

    fn unsub<P, N>(buf: &mut BytesMut, line: Line) -> Result<ClientOp<P, u64, N>, ProtoError> {
        let text = &buf[..line.end];
        let args = unsub_args(text)?;
        let op = ClientOp::Unsub {
            sid: parse_number("UNSUB", "sid", &text[args.range(0)])?,
            max: if args.len() == 2 {
                Some(parse_number("UNSUB", "max messages", &text[args.range(1)])?)
            } else {
                None
            },
        };
        buf.advance(line.next);
        Ok(op)
    }
}

impl SidForm for Bytes {
    fn sid(_op: &'static str, line: &Bytes, range: Range<usize>) -> Result<Bytes, ProtoError> {
        Ok(line.slice(range))
    }

    fn unsub<P, N>(buf: &mut BytesMut, line: Line) -> Result<ClientOp<P, Bytes, N>, ProtoError> {
        let args = unsub_args(&buf[..line.end])?;
        // The sid is kept: take the line out as shared bytes, as for SUB.
        let text = buf.split_to(line.next).freeze();
        Ok(ClientOp::Unsub {
            sid: text.slice(args.range(0)),
            max: (args.len() == 2).then(|| count_or_zero(&text[args.range(1)])),
        })
    }
}

/// UNSUB's max as nats-server reads it: one to nine ASCII digits, anything else (a sign, a
/// letter, ten digits) is no count, which ends the subscription at once, as 0 does.
fn count_or_zero(digits: &[u8]) -> u64 {
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return 0;
    }
    digits.iter().fold(0, |n, &b| n * 10 + u64::from(b - b'0'))
}

/// The arguments of `UNSUB <sid> [max]`: one or two.
fn unsub_args(text: &[u8]) -> Result<Args, ProtoError> {
    let args = Args::split("UNSUB", text, 5)?;
    let n = args.len();
    if n != 1 && n != 2 {
        return Err(invalid(
            "UNSUB",
            format!("expected 1 or 2 arguments, got {n}"),
        ));
    }
    Ok(args)
}

/// A control line from a client, for both client directions: they differ in what a publish
/// becomes (`P`, made by `D`'s [`PayloadOp::payload_op`]), in how a sid reads (`S`) and in
/// what names are (`N`, read by `D`'s [`PayloadOp::name`]). An
/// `INFO` from a client is checked and skipped, as nats-server does, and the next line read in
/// its place.
fn parse_client_line<D: PayloadOp<Op = ClientOp<P, S, N>, Name = N>, P, S: SidForm, N>(
    framer: &mut Framer,
    buf: &mut BytesMut,
    mut line: Line,
) -> Result<Option<ClientOp<P, S, N>>, ProtoError> {
    loop {
        let text = &buf[..line.end];
        let op = match text.first().copied().unwrap_or(0).to_ascii_uppercase() {
            b'P' if is_op_with_args(text, b"PUB") => {
                return framer.payload_line::<D>(buf, line, PUB)
            }
            b'H' if is_op_with_args(text, b"HPUB") => {
                return framer.payload_line::<D>(buf, line, HPUB)
            }
            b'P' if starts_with_ignore_case(text, b"PING") => ClientOp::Ping,
            b'P' if starts_with_ignore_case(text, b"PONG") => ClientOp::Pong,
            b'S' if is_op_with_args(text, b"SUB") => {
                // SUB keeps its subject and queue: take the line out as shared bytes.
                let mut text = buf.split_to(line.next).freeze();
                text.truncate(line.end);
                return parse_sub::<D, P, S, N>(&text).map(Some);
            }
            b'U' if is_op_with_args(text, b"UNSUB") => return S::unsub(buf, line).map(Some),
            b'C' if starts_with_ignore_case(text, b"CONNECT") => {
                ClientOp::Connect(Box::new(parse_connect(text)?))
            }
            b'I' if starts_with_ignore_case(text, b"INFO") => {
                json_object("INFO", &text[4..])?;
                buf.advance(line.next);
                match framer.find_line(buf)? {
                    Some(next) => {
                        line = next;
                        continue;
                    }
                    None => return Ok(None),
                }
            }
            _ => return Err(unknown(text)),
        };
        buf.advance(line.next);
        return Ok(Some(op));
    }
}

/// The JSON after an operation's name, as Go's `encoding/json` reads it into a struct, which
/// is what nats-server does: an object (a repeated key: the last one counts) or `null` (an
/// empty object); anything else is an error.
fn json_object(op: &'static str, text: &[u8]) -> Result<serde_json::Value, ProtoError> {
    let body = text.trim_ascii();
    let value: serde_json::Value = serde_json::from_slice(body).map_err(json_error(op))?;
    match value {
        serde_json::Value::Object(_) => Ok(value),
        serde_json::Value::Null => Ok(serde_json::Value::Object(serde_json::Map::new())),
        _ => Err(ProtoError::InvalidJson {
            op,
            reason: "not a JSON object".into(),
        }),
    }
}

/// `CONNECT {json}`: only an object, read as nats-server reads it (see [`json_object`]), so a
/// JSON array cannot fill the fields by position.
fn parse_connect(text: &[u8]) -> Result<ConnectInfo, ProtoError> {
    json_body("CONNECT", text)?;
    let object = json_object("CONNECT", &text[b"CONNECT".len()..])?;
    serde::Deserialize::deserialize(object).map_err(json_error("CONNECT"))
}

/// `SUB <subject> [queue] <sid>`.
fn parse_sub<D: PayloadOp<Name = N>, P, S: SidForm, N>(
    line: &Bytes,
) -> Result<ClientOp<P, S, N>, ProtoError> {
    let args = Args::split("SUB", line, 3)?;
    let n = args.len();
    if n != 2 && n != 3 {
        return Err(invalid(
            "SUB",
            format!("expected 2 or 3 arguments, got {n}"),
        ));
    }
    Ok(ClientOp::Sub(Sub {
        subject: name::<D>(line, &args, 0, "subject")?,
        queue: if n == 3 {
            Some(name::<D>(line, &args, 1, "queue group")?)
        } else {
            None
        },
        sid: S::sid("SUB", line, args.range(n - 1))?,
    }))
}
