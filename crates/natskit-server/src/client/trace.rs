//! Protocol trace lines as nats-server writes them with `-V` (`trace: true`): each operation
//! a client sends (`<<- [SUB greet.* 1]`, `<<- MSG_PAYLOAD: ["hello"]`) and each one it is
//! sent (`->> [MSG greet.joe 1 5]`, `->> [PONG]`), after the connection's label
//! (`127.0.0.1:50312 - cid:7`). They are `tracing` events at level TRACE with target
//! [`TARGET`], made only when a subscriber wants them ([`wanted`]), so a broker that does
//! not trace pays one cached check per read batch.

use natskit_proto::{BrokerOp, ClientOp, ConnectInfo, PubRef};

use crate::client::shared::Conn;
use crate::quoted::quoted;

/// The target of trace events: `natskit_server::trace=trace` turns them on.
pub(crate) const TARGET: &str = "natskit_server::trace";

/// Whether trace events are wanted now.
#[inline]
pub(crate) fn wanted() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::TRACE)
}

/// Emits `line` for `conn`.
pub(crate) fn emit(conn: &Conn, line: std::fmt::Arguments<'_>) {
    tracing::trace!(target: TARGET, "{} - {}", conn.label(), line);
}

/// `<<- [OP ARGS]` for an operation `conn` sent (a publish: its line and payload).
pub(crate) fn incoming(conn: &Conn, op: &BrokerOp, max_payload: usize) {
    match op {
        ClientOp::Connect(connect) => {
            emit(conn, format_args!("<<- [CONNECT {}]", redacted(connect)))
        }
        ClientOp::Pub(publish) => incoming_pub(conn, publish.borrowed(), max_payload),
        ClientOp::Sub(sub) => {
            let queue = sub
                .queue
                .as_ref()
                .map(|q| format!(" {}", String::from_utf8_lossy(q)))
                .unwrap_or_default();
            emit(
                conn,
                format_args!(
                    "<<- [SUB {}{queue} {}]",
                    String::from_utf8_lossy(&sub.subject),
                    String::from_utf8_lossy(&sub.sid)
                ),
            )
        }
        ClientOp::Unsub { sid, max } => {
            let max = max.map(|m| format!(" {m}")).unwrap_or_default();
            emit(
                conn,
                format_args!("<<- [UNSUB {}{max}]", String::from_utf8_lossy(sid)),
            )
        }
        ClientOp::Ping => emit(conn, format_args!("<<- [PING]")),
        ClientOp::Pong => emit(conn, format_args!("<<- [PONG]")),
    }
}

/// `<<- [PUB subject reply size]` (or `HPUB` with the header size) and its payload.
pub(crate) fn incoming_pub(conn: &Conn, publish: PubRef<'_>, max_payload: usize) {
    let subject = String::from_utf8_lossy(publish.subject);
    let reply = publish
        .reply
        .map(|r| format!(" {}", String::from_utf8_lossy(r)))
        .unwrap_or_default();
    match publish.header_len {
        Some(h) => emit(
            conn,
            format_args!("<<- [HPUB {subject}{reply} {h} {}]", publish.data.len()),
        ),
        None => emit(
            conn,
            format_args!("<<- [PUB {subject}{reply} {}]", publish.data.len()),
        ),
    }
    emit(
        conn,
        format_args!("<<- MSG_PAYLOAD: [{}]", payload(publish.data, max_payload)),
    );
}

/// `->> [MSG subject sid reply size]` (or `HMSG`) for a message `conn` is sent.
pub(crate) fn outgoing_msg(
    conn: &Conn,
    subject: &[u8],
    sid: &[u8],
    reply: Option<&[u8]>,
    header_len: Option<usize>,
    size: usize,
) {
    let subject = String::from_utf8_lossy(subject);
    let sid = String::from_utf8_lossy(sid);
    let reply = reply
        .map(|r| format!(" {}", String::from_utf8_lossy(r)))
        .unwrap_or_default();
    match header_len {
        Some(h) => emit(
            conn,
            format_args!("->> [HMSG {subject} {sid}{reply} {h} {size}]"),
        ),
        None => emit(
            conn,
            format_args!("->> [MSG {subject} {sid}{reply} {size}]"),
        ),
    }
}

/// The payload as nats-server's trace shows it: Go's `%q`, cut after `max` bytes (0: never)
/// with `...`, the way nats-server cuts it (its quoted text, `max` characters long).
fn payload(data: &[u8], max: usize) -> String {
    if max == 0 || data.len() <= max {
        return quoted(data);
    }
    let q = quoted(&data[..max]);
    let inner = &q[1..q.len() - 1];
    let mut end = max.min(inner.len());
    while !inner.is_char_boundary(end) {
        end -= 1;
    }
    format!("\"{}...\"", &inner[..end])
}

/// The CONNECT as JSON with its password and token replaced by `[REDACTED]`.
fn redacted(connect: &ConnectInfo) -> String {
    let mut connect = connect.clone();
    for secret in [&mut connect.pass, &mut connect.auth_token] {
        if secret.is_some() {
            *secret = Some("[REDACTED]".into());
        }
    }
    serde_json::to_string(&connect).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_quoted_and_cut_as_nats_server_does() {
        assert_eq!(payload(b"hello", 0), "\"hello\"");
        assert_eq!(payload(b"a\r\nb\xff", 0), "\"a\\r\\nb\\xff\"");
        assert_eq!(payload(b"hello world", 5), "\"hello...\"");
        assert_eq!(payload(b"hello", 5), "\"hello\"");
    }

    #[test]
    fn secrets_of_a_connect_are_redacted() {
        let mut connect = ConnectInfo::new("me");
        connect.user = Some("alice".into());
        connect.pass = Some("s3cret".into());
        connect.auth_token = Some("t0ken".into());
        let json = redacted(&connect);
        assert!(json.contains(r#""pass":"[REDACTED]""#), "{json}");
        assert!(json.contains(r#""auth_token":"[REDACTED]""#), "{json}");
        assert!(json.contains(r#""user":"alice""#), "{json}");
        assert!(
            !json.contains("s3cret") && !json.contains("t0ken"),
            "{json}"
        );
    }
}
