//! [`KvError`]: what can go wrong with a bucket, each case named.

use thiserror::Error;

use crate::jetstream::error::{
    ApiError, ConsumeError, DirectGetError, JetStreamError, PublishError,
};
use crate::jetstream::name::InvalidName;

/// Why a key-value call failed.
///
/// ```
/// use natskit::jetstream::kv::KvError;
///
/// let e = KvError::KeyExists { key: "k".into(), revision: 7 };
/// assert_eq!(e.to_string(), "key \"k\" already exists (revision 7)");
/// ```
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KvError {
    /// A bucket name, key or key filter that cannot be used; nothing was sent.
    #[error(transparent)]
    InvalidName(#[from] InvalidName),
    /// A configuration refused before anything was sent.
    #[error("invalid bucket configuration: {reason}")]
    InvalidConfig {
        /// What is wrong with it.
        reason: String,
    },
    /// No such bucket.
    #[error("key-value bucket {bucket:?} does not exist")]
    BucketNotFound {
        /// The bucket asked for.
        bucket: String,
    },
    /// `create` found a value there.
    #[error("key {key:?} already exists (revision {revision})")]
    KeyExists {
        /// The key.
        key: String,
        /// The revision of its current value.
        revision: u64,
    },
    /// `update` expected another revision than the key's latest.
    #[error("key {key:?} is not at revision {expected}: {description}")]
    WrongRevision {
        /// The key.
        key: String,
        /// The revision the update expected.
        expected: u64,
        /// The server's words.
        description: String,
    },
    /// The value is larger than the bucket or the server allows; nothing was sent.
    #[error("a value of {size} bytes is larger than the {limit_name} of {limit} bytes")]
    ValueTooLarge {
        /// The value's size.
        size: usize,
        /// The limit.
        limit: usize,
        /// Which limit: the bucket's `max_value_size` or the server's `max_payload`.
        limit_name: &'static str,
    },
    /// The bucket asks for what the server's JetStream API level does not offer; nothing was
    /// sent.
    #[error("{feature} needs JetStream API level {needs} (nats-server 2.11 or newer); this server reports level {server}")]
    Unsupported {
        /// What was asked for.
        feature: &'static str,
        /// The API level it needs.
        needs: u32,
        /// The server's API level.
        server: u32,
    },
    /// A JetStream API call failed.
    #[error(transparent)]
    JetStream(#[from] JetStreamError),
    /// A write failed.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// A direct read failed.
    #[error(transparent)]
    DirectGet(#[from] DirectGetError),
    /// A watch, history or key listing failed.
    #[error(transparent)]
    Watch(#[from] ConsumeError),
}

/// A JetStream error, with a missing stream told as the missing bucket it is.
pub(crate) fn not_found(error: JetStreamError, bucket: &str) -> KvError {
    match error {
        JetStreamError::Api(e) if e.is(ApiError::STREAM_NOT_FOUND) => KvError::BucketNotFound {
            bucket: bucket.to_owned(),
        },
        other => KvError::JetStream(other),
    }
}
