//! The close frame the broker sends when it ends a WebSocket connection: nats-server's status
//! and text for each way a connection ends (`wsEnqueueCloseMessage`), or none where
//! nats-server sends none (after a read or write error).

use crate::texts;
use crate::ws::frame;

/// RFC 6455 status codes nats-server uses.
const NORMAL: u16 = 1000;
const GOING_AWAY: u16 = 1001;
const PROTOCOL_ERROR: u16 = 1002;
const POLICY_VIOLATION: u16 = 1008;
const MESSAGE_TOO_BIG: u16 = 1009;
const INTERNAL_ERROR: u16 = 1011;

/// The close payload for a connection that ended for `reason` after `-ERR error` (if any).
pub(crate) fn payload(reason: Option<&str>, error: Option<&str>) -> Option<Vec<u8>> {
    let (status, text) = status(reason.unwrap_or_default(), error)?;
    Some(frame::close_payload(status, text))
}

fn status(reason: &str, error: Option<&str>) -> Option<(u16, &'static str)> {
    if let Some(error) = error {
        return Some(match error {
            texts::AUTH_TIMEOUT => (POLICY_VIOLATION, "Authentication Timeout"),
            texts::AUTH_VIOLATION => (POLICY_VIOLATION, "Authentication Failure"),
            texts::MAX_CONNECTIONS => (POLICY_VIOLATION, "Maximum Connections Exceeded"),
            texts::MAX_CONTROL_LINE => (POLICY_VIOLATION, "Maximum Control Line Exceeded"),
            texts::MAX_PAYLOAD => (MESSAGE_TOO_BIG, "Maximum Message Payload Exceeded"),
            texts::STALE => (GOING_AWAY, "Stale Connection"),
            texts::BAD_PROTOCOL => (PROTOCOL_ERROR, "Bad Client Protocol Version"),
            texts::NO_RESPONDERS_NEEDS_HEADERS => {
                (INTERNAL_ERROR, "No Responders Requires Headers")
            }
            _ => (PROTOCOL_ERROR, "Protocol Violation"),
        });
    }
    Some(match reason {
        // nats-server skips the close frame after read and write errors.
        r if r.starts_with("read error") || r.starts_with("write error") => return None,
        r if r.starts_with("slow consumer: write deadline") => return None,
        "slow consumer" => (POLICY_VIOLATION, "Slow Consumer (Pending Bytes)"),
        "client closed the connection" => (NORMAL, "Client Closed"),
        "server shutdown" | "server stopped" => (GOING_AWAY, "Server Shutdown"),
        _ => (PROTOCOL_ERROR, "Protocol Violation"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_map_to_nats_server_close_frames() {
        assert_eq!(
            payload(Some("protocol error: x"), Some(texts::UNKNOWN_OP)).unwrap(),
            b"\x03\xeaProtocol Violation"
        );
        assert_eq!(
            payload(Some("x"), Some(texts::MAX_PAYLOAD)).unwrap(),
            b"\x03\xf1Maximum Message Payload Exceeded"
        );
        assert_eq!(
            payload(Some("server shutdown"), None).unwrap(),
            b"\x03\xe9Server Shutdown"
        );
        assert_eq!(payload(Some("read error: mask bit missing"), None), None);
    }
}
