//! What differs between the two directions: which operations a control line may hold, and
//! what a completed payload becomes. Sealed: the module is private, so only this crate can
//! implement [`Direction`].

use bytes::Bytes;

use crate::args::{invalid, is_op, starts_with_ignore_case, Args};
use crate::decode::{ClientOps, Limits, ServerOps};
use crate::framer::{json_body, json_error, number, subject, unknown, Framer, PayloadHead};
use crate::{ClientOp, ConnectInfo, HeaderMap, Msg, ProtoError, Pub, ServerInfo, ServerOp, Sub};

/// One direction of the protocol.
pub trait Direction {
    /// The operations decoded.
    type Op;
    /// `INFO` or `CONNECT`: the JSON operation, allowed a longer line.
    const JSON_OP: &'static [u8];
    /// Limits of `Decoder::new()`.
    fn default_limits() -> Limits;
    /// An operation without payload, or `None` once the head of a payload op is stored.
    fn parse_line(framer: &mut Framer, line: Bytes) -> Result<Option<Self::Op>, ProtoError>;
    /// The operation of a completed payload.
    fn payload_op(head: PayloadHead, headers: Option<HeaderMap>, payload: Bytes) -> Self::Op;
}

impl Direction for ServerOps {
    type Op = ServerOp;
    const JSON_OP: &'static [u8] = b"INFO";

    fn default_limits() -> Limits {
        Limits::default()
    }

    fn parse_line(framer: &mut Framer, line: Bytes) -> Result<Option<ServerOp>, ProtoError> {
        match line.first().copied().unwrap_or(0).to_ascii_uppercase() {
            b'M' if is_op(&line, b"MSG") => {
                parse_payload_head(framer, line, "MSG", true, false).map(|()| None)
            }
            b'H' if is_op(&line, b"HMSG") => {
                parse_payload_head(framer, line, "HMSG", true, true).map(|()| None)
            }
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

    fn payload_op(head: PayloadHead, headers: Option<HeaderMap>, payload: Bytes) -> ServerOp {
        ServerOp::Msg(Msg {
            subject: head.subject,
            sid: head.sid,
            reply: head.reply,
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

    fn parse_line(framer: &mut Framer, line: Bytes) -> Result<Option<ClientOp>, ProtoError> {
        match line.first().copied().unwrap_or(0).to_ascii_uppercase() {
            b'P' if is_op(&line, b"PUB") => {
                parse_payload_head(framer, line, "PUB", false, false).map(|()| None)
            }
            b'H' if is_op(&line, b"HPUB") => {
                parse_payload_head(framer, line, "HPUB", false, true).map(|()| None)
            }
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

    fn payload_op(head: PayloadHead, headers: Option<HeaderMap>, payload: Bytes) -> ClientOp {
        ClientOp::Pub(Pub {
            subject: head.subject,
            reply: head.reply,
            headers,
            payload,
        })
    }
}

/// `<op> <subject> [sid] [reply] [#hdr] <#total>`: MSG and HMSG carry a sid, HMSG and HPUB a
/// header size; the reply subject is the one optional argument.
fn parse_payload_head(
    framer: &mut Framer,
    line: Bytes,
    op: &'static str,
    with_sid: bool,
    with_headers: bool,
) -> Result<(), ProtoError> {
    let args = Args::split(op, &line, op.len())?;
    let n = args.len();
    let required = 2 + usize::from(with_sid) + usize::from(with_headers);
    if n != required && n != required + 1 {
        return Err(invalid(
            op,
            format!("expected {required} or {} arguments, got {n}", required + 1),
        ));
    }
    let subject = subject(&line, &args, 0, "subject")?;
    let sid = if with_sid {
        number(op, "sid", &line, &args, 1)?
    } else {
        0
    };
    let reply_at = 1 + usize::from(with_sid);
    let reply = if n == required + 1 {
        Some(crate::framer::subject(
            &line,
            &args,
            reply_at,
            "reply subject",
        )?)
    } else {
        None
    };
    let total = number(op, "size", &line, &args, n - 1)?;
    let header_len = if with_headers {
        Some(number(op, "header size", &line, &args, n - 2)?)
    } else {
        None
    };
    framer.expect_payload(op, subject, reply, sid, header_len, total)
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
