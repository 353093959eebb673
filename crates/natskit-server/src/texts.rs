//! The `-ERR` texts, exactly as nats-server 2.9 sends them (checked against a real server), so
//! that clients written for nats-server react to the broker the same way. Malformed arguments
//! and CONNECT JSON that does not parse close the connection without any text, as there.

use crate::quoted::quoted;

/// A control line that is not an operation (closes).
pub(crate) const UNKNOWN_OP: &str = "Unknown Protocol Operation";
/// A control line above the limit (closes).
pub(crate) const MAX_CONTROL_LINE: &str = "maximum control line exceeded";
/// A message above max_payload (closes).
pub(crate) const MAX_PAYLOAD: &str = "Maximum Payload Violation";
/// Wrong or missing credentials (closes).
pub(crate) const AUTH_VIOLATION: &str = "Authorization Violation";
/// No CONNECT within the authentication timeout (closes).
pub(crate) const AUTH_TIMEOUT: &str = "Authentication Timeout";
/// PINGs left unanswered (closes).
pub(crate) const STALE: &str = "Stale Connection";
/// Too many connections (closes).
pub(crate) const MAX_CONNECTIONS: &str = "maximum connections exceeded";
/// An account already has as many connections as its JWT allows (closes).
pub(crate) const MAX_ACCOUNT_CONNECTIONS: &str = "maximum account active connections exceeded";
/// The user's JWT expired while connected (closes).
pub(crate) const USER_EXPIRED: &str = "User Authentication Expired";
/// The account's JWT expired while connected (closes).
pub(crate) const ACCOUNT_EXPIRED: &str = "Account Authentication Expired";
/// Too many subscriptions on one connection (keeps it open).
pub(crate) const MAX_SUBSCRIPTIONS: &str = "maximum subscriptions exceeded";
/// A SUB with an invalid subject (keeps it open; queue names are not checked).
pub(crate) const INVALID_SUBJECT: &str = "Invalid Subject";
/// A PUB to a subject with wildcards or empty tokens, in pedantic mode (keeps it open).
pub(crate) const INVALID_PUBLISH_SUBJECT: &str = "Invalid Publish Subject";
/// CONNECT asking for no-responders without headers (closes).
pub(crate) const NO_RESPONDERS_NEEDS_HEADERS: &str = "no responders requires headers support";
/// CONNECT with a protocol level the broker does not speak (closes).
pub(crate) const BAD_PROTOCOL: &str = "invalid client protocol";

/// A PUB the user may not make (keeps it open; the message is dropped).
pub(crate) fn publish_violation(subject: &[u8]) -> String {
    format!("Permissions Violation for Publish to {}", quoted(subject))
}

/// A SUB the user may not make (keeps it open); a queue subscription names its queue.
pub(crate) fn subscribe_violation(subject: &[u8], queue: Option<&[u8]>) -> String {
    match queue {
        Some(queue) => format!(
            "Permissions Violation for Subscription to {} using queue {}",
            quoted(subject),
            quoted(queue)
        ),
        None => format!(
            "Permissions Violation for Subscription to {}",
            quoted(subject)
        ),
    }
}

/// A subscription a configuration reload took away (the connection stays open).
pub(crate) fn reload_subscribe_violation(subject: &[u8], sid: &[u8]) -> String {
    format!(
        "Permissions Violation for Subscription to {} (sid {})",
        quoted(subject),
        quoted(sid)
    )
}
