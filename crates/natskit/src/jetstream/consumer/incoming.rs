//! What arrives on a consumer's subscription, sorted: a stream message for the user, or one of
//! the server's status messages (heartbeat, flow control, the end of a pull request, an error).
//!
//! Only the header block is looked at; nothing is copied.

use natskit_proto::HeaderMap;

use crate::message::Message;

/// `Nats-Pending-Messages`: what a finished pull request had left to deliver.
pub(crate) const PENDING_MESSAGES: &str = "Nats-Pending-Messages";
/// `Nats-Pending-Bytes`: the same in bytes.
pub(crate) const PENDING_BYTES: &str = "Nats-Pending-Bytes";
/// `Nats-Last-Consumer`: a heartbeat's last consumer sequence delivered.
const LAST_CONSUMER: &str = "Nats-Last-Consumer";
/// `Nats-Last-Stream`: a heartbeat's last stream sequence delivered.
const LAST_STREAM: &str = "Nats-Last-Stream";
/// `Nats-Consumer-Stalled`: where to answer a push consumer stalled on flow control.
const CONSUMER_STALLED: &str = "Nats-Consumer-Stalled";

/// One thing received on a consumer's subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Incoming {
    /// A stream message; `size` counts as the server counts it against `max_bytes`.
    User { size: u64 },
    /// `100 Idle Heartbeat`, with the last sequences delivered (push consumers) and where to
    /// answer when the consumer is stalled on flow control.
    Heartbeat {
        last_consumer: Option<u64>,
        last_stream: Option<u64>,
        stalled: Option<String>,
    },
    /// `100 FlowControl Request`: answer `reply` once the messages before it are taken.
    FlowControl { reply: String },
    /// `503`: no one serves the pull subject (the consumer is gone, or the server is not
    /// ready).
    NoResponders,
    /// Any other status: the end of a pull request (404, 408, 409, ...) or an error.
    Status {
        code: u16,
        description: String,
        /// What the finished request had left, to take off the pending counts.
        pending_messages: u64,
        pending_bytes: u64,
    },
}

/// Sorts `msg`.
pub(crate) fn classify(msg: &Message) -> Incoming {
    let Some(code) = msg.status else {
        return Incoming::User { size: size(msg) };
    };
    let headers = msg.headers.as_ref();
    let description = headers.and_then(HeaderMap::description).unwrap_or_default();
    match code {
        100 if description.starts_with("FlowControl") => Incoming::FlowControl {
            reply: msg
                .reply
                .as_ref()
                .map(|r| r.to_string())
                .unwrap_or_default(),
        },
        100 => Incoming::Heartbeat {
            last_consumer: number(headers, LAST_CONSUMER),
            last_stream: number(headers, LAST_STREAM),
            stalled: headers
                .and_then(|h| h.get(CONSUMER_STALLED))
                .map(str::to_owned),
        },
        503 => Incoming::NoResponders,
        code => Incoming::Status {
            code,
            description: description.to_owned(),
            pending_messages: number(headers, PENDING_MESSAGES).unwrap_or(0),
            pending_bytes: number(headers, PENDING_BYTES).unwrap_or(0),
        },
    }
}

/// A message's size as the server counts it: subject, reply subject, headers and payload.
pub(crate) fn size(msg: &Message) -> u64 {
    let headers = msg.headers.as_ref().map_or(0, HeaderMap::encoded_len);
    let reply = msg.reply.as_ref().map_or(0, |r| r.len());
    (msg.subject.len() + reply + headers + msg.payload.len()) as u64
}

fn number(headers: Option<&HeaderMap>, name: &str) -> Option<u64> {
    headers?.get(name)?.trim().parse().ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bytes::Bytes;
    use natskit_proto::Subject;

    /// A message as the server would deliver it, without a connection behind it.
    pub(crate) fn message(
        subject: &str,
        reply: Option<&str>,
        headers: Option<HeaderMap>,
        payload: &'static [u8],
    ) -> Message {
        let status = headers.as_ref().and_then(HeaderMap::status);
        Message {
            subject: Subject::from(subject),
            reply: reply.map(Subject::from),
            headers,
            status,
            payload: Bytes::from_static(payload),
            responder: None,
        }
    }

    /// A status message with `code`, `description` and `extra` headers.
    pub(crate) fn status(code: u16, description: &str, extra: &[(&str, &str)]) -> Message {
        let mut headers = HeaderMap::new();
        headers
            .set_status(code, Some(description))
            .expect("valid status");
        for (name, value) in extra {
            headers.append(*name, *value).expect("valid header");
        }
        message("_INBOX.x", None, Some(headers), b"")
    }

    #[test]
    fn a_plain_message_is_for_the_user_with_its_size() {
        let msg = message("orders.1", Some("$JS.ACK.S.C.1.1.1.0.0"), None, b"hello");
        assert_eq!(
            classify(&msg),
            Incoming::User {
                size: (8 + 21 + 5) as u64
            }
        );
    }

    #[test]
    fn statuses_are_told_apart() {
        let hb = status(
            100,
            "Idle Heartbeat",
            &[(LAST_CONSUMER, "7"), (LAST_STREAM, "9")],
        );
        assert_eq!(
            classify(&hb),
            Incoming::Heartbeat {
                last_consumer: Some(7),
                last_stream: Some(9),
                stalled: None
            }
        );
        let timeout = status(
            408,
            "Request Timeout",
            &[(PENDING_MESSAGES, "3"), (PENDING_BYTES, "300")],
        );
        assert_eq!(
            classify(&timeout),
            Incoming::Status {
                code: 408,
                description: "Request Timeout".into(),
                pending_messages: 3,
                pending_bytes: 300
            }
        );
        assert_eq!(classify(&status(503, "", &[])), Incoming::NoResponders);
        let mut fc = status(100, "FlowControl Request", &[]);
        fc.reply = Some(Subject::from("$JS.FC.S.C.1"));
        assert_eq!(
            classify(&fc),
            Incoming::FlowControl {
                reply: "$JS.FC.S.C.1".into()
            }
        );
    }
}
