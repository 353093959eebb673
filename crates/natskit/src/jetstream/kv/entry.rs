//! [`Entry`]: one value of a key (or its deletion), however it was read.

use bytes::Bytes;
use natskit_proto::time::{rfc3339, Precision};
use natskit_proto::HeaderMap;

use crate::jetstream::consumer::message::Message;
use crate::jetstream::stream::message::StoredMessage;

/// `KV-Operation`: what a stored message does to its key.
pub(crate) const OPERATION: &str = "KV-Operation";
/// `Nats-Marker-Reason`: why the server removed a key (2.11 limit markers).
const MARKER_REASON: &str = "Nats-Marker-Reason";

/// What an entry does to its key.
///
/// ```
/// assert_ne!(natskit::jetstream::kv::Operation::Put, natskit::jetstream::kv::Operation::Delete);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A value was written.
    Put,
    /// The key was deleted; its history is kept.
    Delete,
    /// The key was purged: its history is gone.
    Purge,
}

impl Operation {
    /// The operation a stored message's headers say (a message without one is a put).
    pub(crate) fn of(headers: Option<&HeaderMap>) -> Operation {
        let Some(headers) = headers else {
            return Operation::Put;
        };
        match headers.get(OPERATION) {
            Some("DEL") => Operation::Delete,
            Some("PURGE") => Operation::Purge,
            _ => match headers.get(MARKER_REASON) {
                Some("MaxAge") | Some("Purge") => Operation::Purge,
                Some("Remove") => Operation::Delete,
                _ => Operation::Put,
            },
        }
    }

    /// The header value written for a delete or purge.
    pub(crate) fn header(self) -> &'static str {
        match self {
            Operation::Put => "PUT",
            Operation::Delete => "DEL",
            Operation::Purge => "PURGE",
        }
    }
}

/// A key's value at one revision, or its deletion.
///
/// ```no_run
/// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
/// if let Some(entry) = kv.entry("device.text").await? {
///     println!("{} = {:?} (revision {})", entry.key, entry.value, entry.revision);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// The value; empty for a delete or purge.
    pub value: Bytes,
    /// The revision: the stream sequence of this write, unique in the bucket.
    pub revision: u64,
    /// When it was written, RFC 3339.
    pub created: String,
    /// How many newer entries follow (in a watch or history: 0 for the latest).
    pub delta: u64,
    /// What it does to the key.
    pub operation: Operation,
}

/// The key of `subject` in bucket `bucket` (`$KV.<bucket>.<key>`).
pub(crate) fn key_of<'a>(bucket: &str, subject: &'a str) -> &'a str {
    let prefix_len = "$KV.".len() + bucket.len() + 1;
    subject.get(prefix_len..).unwrap_or(subject)
}

impl Entry {
    /// When it was written, read back from [`created`](Self::created); the epoch when that does
    /// not parse.
    pub(crate) fn created_at(&self) -> std::time::SystemTime {
        natskit_proto::time::parse_rfc3339(&self.created).unwrap_or(std::time::UNIX_EPOCH)
    }

    /// An entry read by a get.
    pub(crate) fn from_stored(bucket: &str, stored: StoredMessage) -> Entry {
        Entry {
            bucket: bucket.to_owned(),
            key: key_of(bucket, &stored.subject).to_owned(),
            operation: Operation::of(stored.headers.as_ref()),
            value: stored.payload,
            revision: stored.sequence,
            created: stored.time,
            delta: 0,
        }
    }

    /// An entry delivered by a consumer (watch, history, keys).
    pub(crate) fn from_message(bucket: &str, msg: &Message) -> Option<Entry> {
        let info = msg.info().ok()?;
        Some(Entry {
            bucket: bucket.to_owned(),
            key: key_of(bucket, &msg.subject).to_owned(),
            operation: Operation::of(msg.headers.as_ref()),
            value: msg.payload.clone(),
            revision: info.stream_sequence,
            created: rfc3339(info.published, Precision::Nanos),
            delta: info.pending,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_is_read_from_the_headers() {
        assert_eq!(Operation::of(None), Operation::Put);
        let mut headers = HeaderMap::new();
        headers.insert(OPERATION, "DEL").expect("valid");
        assert_eq!(Operation::of(Some(&headers)), Operation::Delete);
        headers.insert(OPERATION, "PURGE").expect("valid");
        assert_eq!(Operation::of(Some(&headers)), Operation::Purge);
        let mut marker = HeaderMap::new();
        marker.insert(MARKER_REASON, "MaxAge").expect("valid");
        assert_eq!(Operation::of(Some(&marker)), Operation::Purge);
    }

    #[test]
    fn the_key_is_the_subject_after_the_bucket() {
        assert_eq!(key_of("b", "$KV.b.device.text"), "device.text");
        assert_eq!(key_of("bucket", "$KV.bucket.k"), "k");
    }
}
