//! JetStream failures in words: what was being done, to which stream, consumer or bucket, and
//! why, with the server's `err_code` kept for the refusals that have no sentence of their own.
//!
//! ```text
//! error: stream "ORDERS" not found
//! error: cannot create stream "ORDERS": subjects overlap with an existing stream (err_code 10065)
//! error: JetStream is not available: nothing answers on "$JS.API.STREAM.LIST" (JetStream is not enabled on the server, or --js-domain names a domain it does not have)
//! ```

use std::fmt;

use natskit::jetstream::{AckError, ApiError, ConsumeError, JetStreamError};
use natskit::RequestError;

use crate::error::CliError;

/// What an API call was about, so the message can name it.
#[derive(Debug, Clone, Copy)]
pub enum About<'a> {
    /// The account's streams as a whole (listing them).
    Streams,
    /// One stream.
    Stream(&'a str),
    /// One consumer of a stream.
    Consumer {
        /// The stream.
        stream: &'a str,
        /// The consumer.
        consumer: &'a str,
    },
    /// A stream's message by sequence.
    Sequence {
        /// The stream.
        stream: &'a str,
        /// The sequence asked for.
        sequence: u64,
    },
    /// The last message of a stream on a subject.
    LastFor {
        /// The stream.
        stream: &'a str,
        /// The subject asked for.
        subject: &'a str,
    },
    /// A key-value bucket (its stream is `KV_<bucket>`, named as the bucket in messages).
    Bucket(&'a str),
}

impl About<'_> {
    /// The stream named, if any.
    fn stream(&self) -> Option<&str> {
        match *self {
            About::Streams | About::Bucket(_) => None,
            About::Stream(stream)
            | About::Consumer { stream, .. }
            | About::Sequence { stream, .. }
            | About::LastFor { stream, .. } => Some(stream),
        }
    }
}

/// `consumer "C" of stream "S"`, for messages.
pub struct ConsumerName<'a>(pub &'a str, pub &'a str);

impl fmt::Display for ConsumerName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "consumer {:?} of stream {:?}", self.1, self.0)
    }
}

/// The failure of `doing` (`create stream "ORDERS"`) on `about` as one sentence.
pub fn failed(doing: &str, about: About<'_>, error: JetStreamError) -> CliError {
    let message = match error {
        JetStreamError::InvalidName(e) => e.to_string(),
        JetStreamError::Unavailable { subject } => format!(
            "JetStream is not available: nothing answers on {subject:?} (JetStream is not \
             enabled on the server, or --js-domain names a domain it does not have)"
        ),
        JetStreamError::Api(e) => refused(doing, about, &e),
        JetStreamError::Request(RequestError::TimedOut { timeout, .. }) => format!(
            "cannot {doing}: JetStream did not answer within {timeout:?} (--timeout sets how long to wait)"
        ),
        JetStreamError::InvalidConfig { reason } => format!("cannot {doing}: {reason}"),
        other => format!("cannot {doing}: {other}"),
    };
    CliError::msg(message)
}

/// A server's refusal: a sentence of ours for the common ones, else its description.
fn refused(doing: &str, about: About<'_>, e: &ApiError) -> String {
    let code = e.err_code;
    match about {
        _ if code == ApiError::NOT_ENABLED => {
            format!("JetStream is not enabled on the server ({})", e.description)
        }
        _ if code == ApiError::NOT_ENABLED_FOR_ACCOUNT => {
            format!(
                "JetStream is not enabled for this account ({})",
                e.description
            )
        }
        About::Bucket(bucket) if code == ApiError::STREAM_NOT_FOUND => {
            format!("bucket {bucket:?} not found")
        }
        About::Bucket(bucket) if code == ApiError::STREAM_NAME_IN_USE => {
            format!("bucket {bucket:?} already exists with a different configuration")
        }
        about if code == ApiError::STREAM_NOT_FOUND && about.stream().is_some() => {
            format!("stream {:?} not found", about.stream().unwrap_or_default())
        }
        About::Consumer { stream, consumer } if code == ApiError::CONSUMER_NOT_FOUND => {
            format!("{} not found", ConsumerName(stream, consumer))
        }
        About::Sequence { stream, sequence } if code == ApiError::NO_MESSAGE_FOUND => {
            format!("stream {stream:?} has no message with sequence {sequence}")
        }
        About::LastFor { stream, subject } if code == ApiError::NO_MESSAGE_FOUND => {
            format!("stream {stream:?} has no message on {subject:?}")
        }
        About::Stream(stream) if code == ApiError::STREAM_NAME_IN_USE => {
            format!("stream {stream:?} already exists with a different configuration")
        }
        About::Consumer { stream, consumer } if code == ApiError::CONSUMER_ALREADY_EXISTS => {
            format!(
                "{} already exists with a different configuration",
                ConsumerName(stream, consumer)
            )
        }
        _ if e.description.is_empty() => {
            format!(
                "cannot {doing}: the server refused with status {} (err_code {code})",
                e.code
            )
        }
        _ => format!("cannot {doing}: {} (err_code {code})", e.description),
    }
}

/// A fetch's failure while reading `consumer` of `stream`.
pub fn consume_failed(stream: &str, consumer: &str, error: &ConsumeError) -> CliError {
    let name = ConsumerName(stream, consumer);
    CliError::msg(match error {
        ConsumeError::ConsumerDeleted => format!("{name} was deleted while waiting for messages"),
        ConsumeError::NoResponders => {
            format!("{name} did not answer the pull request: it was deleted, or its server is not ready")
        }
        ConsumeError::Api(e) => format!("cannot read {name}: {e}"),
        other => format!("cannot read {name}: {other}"),
    })
}

/// An acknowledgement that failed.
pub fn ack_failed(sequence: u64, error: &AckError) -> CliError {
    CliError::msg(format!(
        "cannot acknowledge the message with stream sequence {sequence}: {error}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: u16, err_code: u16, description: &str) -> JetStreamError {
        JetStreamError::Api(ApiError {
            code,
            err_code,
            description: description.into(),
        })
    }

    #[test]
    fn common_refusals_read_as_sentences() {
        let say = |about, error| failed("do it", about, error).to_string();
        assert_eq!(
            say(
                About::Stream("S"),
                api(404, ApiError::STREAM_NOT_FOUND, "stream not found")
            ),
            "stream \"S\" not found"
        );
        assert_eq!(
            say(
                About::Consumer {
                    stream: "S",
                    consumer: "C"
                },
                api(404, ApiError::CONSUMER_NOT_FOUND, "consumer not found")
            ),
            "consumer \"C\" of stream \"S\" not found"
        );
        assert_eq!(
            say(
                About::Sequence {
                    stream: "S",
                    sequence: 9
                },
                api(404, ApiError::NO_MESSAGE_FOUND, "no message found")
            ),
            "stream \"S\" has no message with sequence 9"
        );
        assert_eq!(
            say(
                About::Stream("S"),
                api(400, 10065, "subjects overlap with an existing stream")
            ),
            "cannot do it: subjects overlap with an existing stream (err_code 10065)"
        );
        assert_eq!(
            say(
                About::Bucket("B"),
                api(
                    400,
                    ApiError::STREAM_NAME_IN_USE,
                    "stream name already in use"
                )
            ),
            "bucket \"B\" already exists with a different configuration"
        );
        assert!(say(
            About::Streams,
            JetStreamError::Unavailable {
                subject: "$JS.API.INFO".into()
            }
        )
        .starts_with("JetStream is not available: nothing answers on \"$JS.API.INFO\""));
    }
}
