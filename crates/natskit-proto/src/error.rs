//! The one error type of the protocol core.

use thiserror::Error;

/// Everything that can be wrong with bytes on the wire or with a value about to be put there.
///
/// Every variant names what was wrong in words a person can act on; none of them is ever a panic.
///
/// ```
/// use bytes::BytesMut;
/// use natskit_proto::{ProtoError, ServerOpDecoder};
///
/// let mut buf = BytesMut::from(&b"POO\r\n"[..]);
/// let err = ServerOpDecoder::new().decode(&mut buf).unwrap_err();
/// assert!(matches!(err, ProtoError::UnknownOperation { .. }));
/// assert_eq!(err.to_string(), "unknown protocol operation \"POO\"");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProtoError {
    /// The control line starts with something that is not an operation of this direction.
    #[error("unknown protocol operation {op:?}")]
    UnknownOperation {
        /// The start of the offending line (at most 32 bytes, lossily decoded).
        op: String,
    },
    /// A control line grew past the limit without its terminating newline.
    #[error("maximum control line exceeded: more than {limit} bytes without a line end")]
    ControlLineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A message announced a payload larger than allowed.
    #[error("maximum payload violation: {size} bytes announced, limit is {limit}")]
    PayloadTooLarge {
        /// The announced size.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// An operation had the wrong number or form of arguments.
    #[error("malformed {op} arguments: {reason}")]
    InvalidArguments {
        /// The operation, such as `MSG`.
        op: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A payload was not followed by `\r\n`.
    #[error("{op} payload is not followed by CRLF")]
    MissingPayloadTerminator {
        /// The operation whose payload was unterminated.
        op: &'static str,
    },
    /// A subject, reply subject or queue name on the wire is not valid UTF-8. Unlike most
    /// errors, the stream stays in step: the whole frame (with its payload) was taken out, and
    /// the decoder can go on with what follows.
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 {
        /// Which field was affected.
        what: &'static str,
    },
    /// The JSON of an INFO or CONNECT did not parse.
    #[error("invalid {op} JSON: {reason}")]
    InvalidJson {
        /// `INFO` or `CONNECT`.
        op: &'static str,
        /// The JSON parser's words.
        reason: String,
    },
    /// A header block did not parse, or a header name or value may not be put on the wire.
    #[error("invalid headers: {0}")]
    InvalidHeaders(String),
    /// A subject or queue name is not valid for the use it was given.
    #[error("invalid {kind} {subject:?}: {reason}")]
    InvalidSubject {
        /// `publish subject`, `subscribe subject`, `reply subject` or `queue group`.
        kind: &'static str,
        /// The offending text.
        subject: String,
        /// What rule it broke.
        reason: &'static str,
    },
}
