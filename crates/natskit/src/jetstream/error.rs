//! The errors of the JetStream API: [`ApiError`], the server's own answer, and one enum per
//! kind of call ([`JetStreamError`] for the management API, [`PublishError`] for publishing,
//! [`DirectGetError`] for direct gets), each saying what went wrong without boxing.

use serde::Deserialize;
use thiserror::Error;

use crate::error::RequestError;
use crate::jetstream::name::InvalidName;

/// An error the JetStream API answered with: the HTTP-like `code`, JetStream's own `err_code`
/// (ADR-7) and the server's description.
///
/// Compare `err_code` with the constants here rather than the description, which the server
/// may word differently from one release to the next. The constants' numbers are those of
/// nats-server's `server/errors.json` (checked against 2.10.26).
///
/// ```no_run
/// use natskit::jetstream::{ApiError, JetStreamError};
///
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), JetStreamError> {
/// match js.stream_info("ORDERS").await {
///     Ok(info) => println!("{} messages", info.state.messages),
///     Err(JetStreamError::Api(e)) if e.err_code == ApiError::STREAM_NOT_FOUND => {
///         println!("no stream ORDERS")
///     }
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Error, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[error("JetStream API error {code} (err_code {err_code}): {description}")]
pub struct ApiError {
    /// The status, as in HTTP: 400 bad request, 404 not found, 503 unavailable...
    pub code: u16,
    /// JetStream's error code, such as [`ApiError::STREAM_NOT_FOUND`]; 0 when the server sent
    /// none.
    pub err_code: u16,
    /// What the server says went wrong.
    pub description: String,
}

impl Default for ApiError {
    fn default() -> Self {
        ApiError {
            code: 500,
            err_code: 0,
            description: String::new(),
        }
    }
}

impl ApiError {
    /// No JetStream for this account (503).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::NOT_ENABLED_FOR_ACCOUNT, 10039);
    /// ```
    pub const NOT_ENABLED_FOR_ACCOUNT: u16 = 10039;
    /// A consumer of that name exists with another configuration (400).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::CONSUMER_ALREADY_EXISTS, 10148);
    /// ```
    pub const CONSUMER_ALREADY_EXISTS: u16 = 10148;
    /// An update named a consumer that does not exist (400).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::CONSUMER_DOES_NOT_EXIST, 10149);
    /// ```
    pub const CONSUMER_DOES_NOT_EXIST: u16 = 10149;
    /// The consumer does not exist (404).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::CONSUMER_NOT_FOUND, 10014);
    /// ```
    pub const CONSUMER_NOT_FOUND: u16 = 10014;
    /// The request's JSON is invalid (400).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::INVALID_JSON, 10025);
    /// ```
    pub const INVALID_JSON: u16 = 10025;
    /// The message asked for does not exist (404).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::NO_MESSAGE_FOUND, 10037);
    /// ```
    pub const NO_MESSAGE_FOUND: u16 = 10037;
    /// The stream configuration is invalid; the description says why (500).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::STREAM_INVALID_CONFIG, 10052);
    /// ```
    pub const STREAM_INVALID_CONFIG: u16 = 10052;
    /// A stream of that name exists with another configuration (400).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::STREAM_NAME_IN_USE, 10058);
    /// ```
    pub const STREAM_NAME_IN_USE: u16 = 10058;
    /// The stream does not exist (404).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::STREAM_NOT_FOUND, 10059);
    /// ```
    pub const STREAM_NOT_FOUND: u16 = 10059;
    /// `Nats-Expected-Stream` named another stream than the one capturing the subject (400).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::STREAM_NOT_MATCH, 10060);
    /// ```
    pub const STREAM_NOT_MATCH: u16 = 10060;
    /// The subjects overlap with those of another stream (400).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::STREAM_SUBJECT_OVERLAP, 10065);
    /// ```
    pub const STREAM_SUBJECT_OVERLAP: u16 = 10065;
    /// `Nats-Expected-Last-Msg-Id` did not match the stream's last message id (400).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::STREAM_WRONG_LAST_MSG_ID, 10070);
    /// ```
    pub const STREAM_WRONG_LAST_MSG_ID: u16 = 10070;
    /// `Nats-Expected-Last-Sequence` or `Nats-Expected-Last-Subject-Sequence` did not match
    /// (400).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::STREAM_WRONG_LAST_SEQUENCE, 10071);
    /// ```
    pub const STREAM_WRONG_LAST_SEQUENCE: u16 = 10071;
    /// JetStream is not enabled on the server (503).
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::ApiError::NOT_ENABLED, 10076);
    /// ```
    pub const NOT_ENABLED: u16 = 10076;

    /// True when the server's `err_code` is `err_code`.
    ///
    /// ```
    /// use natskit::jetstream::ApiError;
    ///
    /// let e = ApiError { code: 404, err_code: 10059, description: "stream not found".into() };
    /// assert!(e.is(ApiError::STREAM_NOT_FOUND));
    /// ```
    pub fn is(&self, err_code: u16) -> bool {
        self.err_code == err_code
    }
}

/// Why a call of the JetStream management API (account, streams, messages) failed.
///
/// ```no_run
/// use natskit::jetstream::JetStreamError;
///
/// # async fn demo(js: natskit::jetstream::Context) {
/// match js.delete_stream("a.b").await {
///     Err(JetStreamError::InvalidName(e)) => println!("nothing sent: {e}"),
///     Err(JetStreamError::Unavailable { subject }) => println!("no JetStream behind {subject}"),
///     Err(other) => println!("{other}"),
///     Ok(()) => {}
/// }
/// # }
/// ```
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JetStreamError {
    /// A stream or consumer name that cannot be used; nothing was sent.
    #[error(transparent)]
    InvalidName(#[from] InvalidName),
    /// Nobody answers on the API subject: JetStream is not enabled on the server, or the API
    /// prefix or domain of the [`Context`](crate::jetstream::Context) is wrong.
    #[error("no JetStream answers on {subject:?}: JetStream is not enabled, or the prefix or domain is wrong")]
    Unavailable {
        /// The API subject that had no responders.
        subject: String,
    },
    /// The request failed: timed out, connection lost or closed, not publishable.
    #[error(transparent)]
    Request(RequestError),
    /// The server answered with an error.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The answer could not be understood.
    #[error("the answer on {subject:?} could not be decoded: {reason}")]
    Decode {
        /// The API subject of the request.
        subject: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The subscription a consumer needs could not be made.
    #[error("the consumer's subscription failed: {0}")]
    Subscribe(crate::error::SubscribeError),
    /// A configuration refused before anything was sent.
    #[error("invalid configuration: {reason}")]
    InvalidConfig {
        /// What is wrong with it.
        reason: String,
    },
}

impl JetStreamError {
    /// The server's error, when that is what this is.
    ///
    /// ```
    /// use natskit::jetstream::{ApiError, JetStreamError};
    ///
    /// let e = JetStreamError::Api(ApiError { code: 404, err_code: 10059, description: String::new() });
    /// assert!(e.api_error().is_some_and(|a| a.is(ApiError::STREAM_NOT_FOUND)));
    /// ```
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            JetStreamError::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The error of a request on `subject`, telling "nobody answers" apart.
    pub(crate) fn from_request(error: RequestError) -> Self {
        match error {
            RequestError::NoResponders { subject } => JetStreamError::Unavailable { subject },
            other => JetStreamError::Request(other),
        }
    }
}

/// Why a JetStream publish got no acknowledgement.
///
/// ```no_run
/// use natskit::jetstream::{ApiError, Publish, PublishError};
///
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), PublishError> {
/// let publish = Publish::new("order 7").expected_last_sequence(6);
/// match js.send_publish("orders.new", publish).await {
///     Ok(ack) => println!("stored as {} in {}", ack.seq, ack.stream),
///     Err(PublishError::Api(e)) if e.is(ApiError::STREAM_WRONG_LAST_SEQUENCE) => {
///         println!("someone published first: {}", e.description)
///     }
///     Err(PublishError::NoStream { subject, .. }) => println!("no stream captures {subject}"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishError {
    /// No stream captures the subject: every attempt was answered by the server's
    /// "no responders" status (503).
    #[error("no stream captures {subject:?} (no responders, {attempts} attempts)")]
    NoStream {
        /// The subject published to.
        subject: String,
        /// How many times it was sent.
        attempts: u32,
    },
    /// The stream refused the message, e.g. [`ApiError::STREAM_WRONG_LAST_SEQUENCE`].
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A header value of the [`Publish`](crate::jetstream::Publish) cannot be sent (a line
    /// break in a message id, say); nothing was sent.
    #[error("invalid header: {0}")]
    InvalidHeader(natskit_proto::ProtoError),
    /// The request failed: timed out, connection lost or closed, not publishable. A timeout
    /// leaves it unknown whether the stream stored the message.
    #[error(transparent)]
    Request(RequestError),
    /// The acknowledgement could not be understood.
    #[error("the acknowledgement for {subject:?} could not be decoded: {reason}")]
    Decode {
        /// The subject published to.
        subject: String,
        /// What was wrong with it.
        reason: String,
    },
    /// The publish asks for what the server's JetStream API level does not offer; nothing
    /// was sent.
    #[error("{feature} needs JetStream API level {needs} (nats-server 2.11 or newer); this server reports level {server}")]
    Unsupported {
        /// What was asked for.
        feature: &'static str,
        /// The API level it needs.
        needs: u32,
        /// The server's API level.
        server: u32,
    },
    /// A message TTL under one second; nothing was sent.
    #[error("a message TTL must be at least one second, not {0:?}")]
    InvalidTtl(std::time::Duration),
    /// The server's API level, needed to check a feature, could not be read.
    #[error("the server's JetStream API level could not be read: {0}")]
    ApiLevel(JetStreamError),
}

/// Why a direct get (ADR-31) returned no message.
///
/// ```no_run
/// use natskit::jetstream::DirectGetError;
///
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), DirectGetError> {
/// match js.direct_get_last("KV_config", "$KV.config.color").await {
///     Ok(msg) => println!("{:?}", msg.payload),
///     Err(DirectGetError::NotFound { .. }) => println!("no value"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectGetError {
    /// A stream name that cannot be used; nothing was sent.
    #[error(transparent)]
    InvalidName(#[from] InvalidName),
    /// The stream has no such message (status 404).
    #[error("stream {stream:?} has no such message")]
    NotFound {
        /// The stream asked.
        stream: String,
    },
    /// Nobody answers direct gets for the stream: it does not exist, or it was made without
    /// `allow_direct`.
    #[error(
        "no direct get responder for stream {stream:?}: it does not exist or has no allow_direct"
    )]
    Unavailable {
        /// The stream asked.
        stream: String,
    },
    /// The server answered with another status, such as 408 for a malformed request.
    #[error("direct get from {stream:?} answered with status {code}: {description}")]
    Status {
        /// The stream asked.
        stream: String,
        /// The status code.
        code: u16,
        /// Its description.
        description: String,
    },
    /// The request failed: timed out, connection lost or closed, not publishable.
    #[error(transparent)]
    Request(RequestError),
    /// The answer lacked the headers a direct get carries, or they were malformed.
    #[error("the direct get answer from {stream:?} could not be decoded: {reason}")]
    Decode {
        /// The stream asked.
        stream: String,
        /// What was wrong with it.
        reason: String,
    },
}

/// Why a fetch or a consume reports a problem: some end it ([`is_terminal`]), the others are
/// warnings and the messages keep coming.
///
/// [`is_terminal`]: ConsumeError::is_terminal
///
/// ```
/// use natskit::jetstream::ConsumeError;
///
/// assert!(ConsumeError::ConsumerDeleted.is_terminal());
/// let missed = ConsumeError::MissedHeartbeats { heartbeat: std::time::Duration::from_secs(5) };
/// assert!(!missed.is_terminal());
/// assert_eq!(missed.to_string(), "no message or heartbeat from the server in twice the heartbeat interval of 5s");
/// ```
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsumeError {
    /// Nothing, not even a heartbeat, arrived in twice the heartbeat interval: the server or
    /// the consumer may be gone. A consume pulls again; a fetch ends.
    #[error(
        "no message or heartbeat from the server in twice the heartbeat interval of {heartbeat:?}"
    )]
    MissedHeartbeats {
        /// The heartbeat interval asked for.
        heartbeat: std::time::Duration,
    },
    /// The consumer was deleted (`409 Consumer Deleted`, or "no responders" and the API says
    /// it does not exist). Terminal.
    #[error("the consumer was deleted")]
    ConsumerDeleted,
    /// Pull requests were sent to a push consumer. Terminal.
    #[error("the consumer is a push consumer: it cannot be pulled from")]
    PushBased,
    /// The pull request asks for more than the consumer allows (its `max_batch`,
    /// `max_expires` or `max_bytes`). Terminal.
    #[error("the consumer refused the pull request: {description}")]
    Refused {
        /// The server's words, such as "Exceeded MaxRequestBatch of 10".
        description: String,
    },
    /// The consumer has as many pull requests waiting as its `max_waiting` allows; pulls
    /// pause a moment and resume.
    #[error(
        "the consumer has too many pull requests waiting (max_waiting); pulling again shortly"
    )]
    TooManyWaiting,
    /// The server called the pull request bad. Terminal.
    #[error("the server refused the pull request: {description}")]
    BadRequest {
        /// The server's words.
        description: String,
    },
    /// Nobody serves the consumer's pull subject (a fetch: the consumer does not exist, or
    /// the server is not ready). Terminal for a fetch.
    #[error("no responders for the pull request: the consumer does not exist or its server is not ready")]
    NoResponders,
    /// A status the client does not expect.
    #[error("unexpected status {code} {description:?}")]
    Status {
        /// Its code.
        code: u16,
        /// Its description.
        description: String,
    },
    /// A pull request or a flow control answer could not be sent; the next one will be tried.
    #[error("a pull request could not be sent: {0}")]
    Publish(crate::error::PublishError),
    /// An API call the consume needed (creating an ordered consumer anew, checking that a
    /// consumer exists) failed; the consume tries again.
    #[error("recreating or checking the consumer failed: {0}")]
    Api(JetStreamError),
    /// An ordered consumer stopped: it could not be created again (its stream is gone).
    /// Terminal.
    #[error("the ordered consumer cannot go on: {0}")]
    OrderedFailed(JetStreamError),
}

impl ConsumeError {
    /// True when the fetch or consume ends with this error.
    ///
    /// ```
    /// assert!(!natskit::jetstream::ConsumeError::TooManyWaiting.is_terminal());
    /// ```
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            ConsumeError::ConsumerDeleted
                | ConsumeError::PushBased
                | ConsumeError::Refused { .. }
                | ConsumeError::BadRequest { .. }
                | ConsumeError::NoResponders
                | ConsumeError::OrderedFailed(_)
        )
    }
}

/// Why an acknowledgement failed, or was sent late.
///
/// ```
/// use std::time::Duration;
/// use natskit::jetstream::AckError;
///
/// let late = AckError::AfterAckWait { elapsed: Duration::from_secs(31), ack_wait: Duration::from_secs(30) };
/// assert_eq!(
///     late.to_string(),
///     "acknowledged 31s after delivery, past the consumer's ack_wait of 30s: the server may already have delivered the message again"
/// );
/// ```
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AckError {
    /// The message has no `$JS.ACK` reply subject: it was not delivered by a consumer that
    /// takes acknowledgements.
    #[error("the message has no JetStream acknowledgement subject")]
    NotAckable,
    /// It was already acknowledged (ack, nak or term); a second one is not sent.
    #[error("the message was already acknowledged")]
    AlreadyAcknowledged,
    /// Sent, but after the consumer's `ack_wait`: the server may already have delivered the
    /// message again, to this or another subscriber.
    #[error("acknowledged {elapsed:?} after delivery, past the consumer's ack_wait of {ack_wait:?}: the server may already have delivered the message again")]
    AfterAckWait {
        /// From delivery to the acknowledgement.
        elapsed: std::time::Duration,
        /// The consumer's ack_wait.
        ack_wait: std::time::Duration,
    },
    /// It could not be sent.
    #[error("the acknowledgement could not be sent: {0}")]
    Publish(crate::error::PublishError),
    /// A double acknowledgement got no confirmation (timeout, disconnection).
    #[error("the acknowledgement was not confirmed: {0}")]
    Request(RequestError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_error_reads_with_missing_and_unknown_fields() {
        let e: ApiError = serde_json::from_str(
            r#"{"code":400,"err_code":10071,"description":"wrong last sequence: 3","extra":1}"#,
        )
        .expect("parses");
        assert!(e.is(ApiError::STREAM_WRONG_LAST_SEQUENCE));
        assert_eq!(e.code, 400);
        assert_eq!(
            e.to_string(),
            "JetStream API error 400 (err_code 10071): wrong last sequence: 3"
        );
        let bare: ApiError = serde_json::from_str(r#"{"code":503}"#).expect("parses");
        assert_eq!(
            (bare.code, bare.err_code, bare.description.as_str()),
            (503, 0, "")
        );
    }

    #[test]
    fn no_responders_on_the_api_means_unavailable() {
        let e = JetStreamError::from_request(RequestError::NoResponders {
            subject: "$JS.API.INFO".into(),
        });
        assert_eq!(
            e,
            JetStreamError::Unavailable {
                subject: "$JS.API.INFO".into()
            }
        );
    }
}
