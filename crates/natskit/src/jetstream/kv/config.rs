//! [`KvConfig`]: a bucket as its user sees it, and the stream it becomes (ADR-8); [`KvStatus`]:
//! the bucket as the server reports it now.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::jetstream::stream::config::{
    Compression, DiscardPolicy, Placement, Republish, StorageType, StreamConfig,
};
use crate::jetstream::stream::info::StreamInfo;

/// The most history a bucket keeps per key (ADR-8).
pub const MAX_HISTORY: i64 = 64;

/// The duplicate window of a bucket with a TTL longer than this is this long (ADR-8).
const DUPLICATE_WINDOW: Duration = Duration::from_secs(120);

/// How a bucket is configured; `KvConfig::new(bucket)` and struct update syntax for the rest.
///
/// ```
/// use std::time::Duration;
/// use natskit::jetstream::kv::KvConfig;
///
/// let config = KvConfig { history: 5, ttl: Duration::from_secs(3600), ..KvConfig::new("settings") };
/// let stream = config.stream_config();
/// assert_eq!(stream.name, "KV_settings");
/// assert_eq!(stream.subjects, ["$KV.settings.>"]);
/// assert_eq!(stream.max_msgs_per_subject, 5);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KvConfig {
    /// The bucket's name (see [`validate_bucket`](crate::jetstream::kv::validate_bucket)).
    pub bucket: String,
    /// What it is for.
    pub description: String,
    /// Values kept per key, the latest included: 1 (the default when 0) to 64.
    pub history: i64,
    /// How long a value is kept; zero for ever.
    pub ttl: Duration,
    /// The largest value in bytes; 0 for the server's limit.
    pub max_value_size: i32,
    /// The bucket's size limit in bytes; 0 for none.
    pub max_bytes: i64,
    /// File (the default) or memory.
    pub storage: StorageType,
    /// Copies in a cluster; 0 means 1.
    pub replicas: usize,
    /// Compress stored values (S2).
    pub compression: bool,
    /// Where a cluster places it.
    pub placement: Option<Placement>,
    /// Republish every change to other subjects.
    pub republish: Option<Republish>,
    /// Free-form labels.
    pub metadata: BTreeMap<String, String>,
    /// Keep a marker this long when the server removes a key by its TTL (2.11 limit markers,
    /// ADR-48); zero for none. Needs JetStream API level 1: refused before anything is sent on
    /// an older server.
    pub limit_marker_ttl: Duration,
}

impl KvConfig {
    /// A bucket named `bucket` with the defaults: one value per key, kept for ever, on file.
    ///
    /// ```
    /// let config = natskit::jetstream::kv::KvConfig::new("settings");
    /// assert_eq!(config.bucket, "settings");
    /// ```
    pub fn new(bucket: impl Into<String>) -> Self {
        KvConfig {
            bucket: bucket.into(),
            ..KvConfig::default()
        }
    }

    /// The stream this bucket is: `KV_<bucket>` on `$KV.<bucket>.>`, discarding new writes when
    /// full, with rollups allowed, message deletes denied, direct gets on (ADR-8).
    ///
    /// ```
    /// let stream = natskit::jetstream::kv::KvConfig::new("b").stream_config();
    /// assert!(stream.allow_direct && stream.allow_rollup_hdrs && stream.deny_delete);
    /// assert_eq!(stream.max_msgs_per_subject, 1);
    /// ```
    pub fn stream_config(&self) -> StreamConfig {
        let history = if self.history == 0 { 1 } else { self.history };
        let duplicate_window = if self.ttl.is_zero() {
            Duration::ZERO
        } else {
            self.ttl.min(DUPLICATE_WINDOW)
        };
        StreamConfig {
            description: self.description.clone(),
            max_msgs_per_subject: history,
            max_age: self.ttl,
            max_msg_size: self.max_value_size,
            max_bytes: self.max_bytes,
            storage: self.storage,
            num_replicas: self.replicas,
            discard: DiscardPolicy::New,
            allow_rollup_hdrs: true,
            deny_delete: true,
            allow_direct: true,
            duplicate_window,
            compression: if self.compression {
                Compression::S2
            } else {
                Compression::None
            },
            placement: self.placement.clone(),
            republish: self.republish.clone(),
            metadata: self.metadata.clone(),
            extra: self.limit_marker_fields(),
            ..StreamConfig::new(stream_name(&self.bucket))
                .subjects([format!("$KV.{}.>", self.bucket)])
        }
    }

    /// The 2.11 stream fields limit markers need, which the 2.10 configuration does not have.
    fn limit_marker_fields(&self) -> BTreeMap<String, serde_json::Value> {
        if self.limit_marker_ttl.is_zero() {
            return BTreeMap::new();
        }
        let nanos = u64::try_from(self.limit_marker_ttl.as_nanos()).unwrap_or(u64::MAX);
        BTreeMap::from([
            ("allow_msg_ttl".to_owned(), serde_json::Value::Bool(true)),
            ("subject_delete_marker_ttl".to_owned(), nanos.into()),
        ])
    }
}

/// The stream of bucket `bucket`.
pub(crate) fn stream_name(bucket: &str) -> String {
    format!("KV_{bucket}")
}

/// A bucket as the server reports it at the moment of asking (never a cached copy).
///
/// ```no_run
/// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
/// let status = kv.status().await?;
/// println!("{}: {} values, {} bytes", status.bucket, status.values, status.bytes);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KvStatus {
    /// The bucket's name.
    pub bucket: String,
    /// Values stored, history included.
    pub values: u64,
    /// Values kept per key.
    pub history: i64,
    /// How long values are kept; zero for ever.
    pub ttl: Duration,
    /// Bytes stored.
    pub bytes: u64,
    /// Whether values are compressed.
    pub compressed: bool,
    /// `"JetStream"`.
    pub backing_store: &'static str,
    /// The stream underneath, as reported.
    pub stream: StreamInfo,
}

impl KvStatus {
    pub(crate) fn new(bucket: &str, stream: StreamInfo) -> Self {
        KvStatus {
            bucket: bucket.to_owned(),
            values: stream.state.messages,
            history: stream.config.max_msgs_per_subject,
            ttl: stream.config.max_age,
            bytes: stream.state.bytes,
            compressed: stream.config.compression == Compression::S2,
            backing_store: "JetStream",
            stream,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_duplicate_window_follows_the_ttl_up_to_two_minutes() {
        let short = KvConfig {
            ttl: Duration::from_secs(30),
            ..KvConfig::new("b")
        };
        assert_eq!(
            short.stream_config().duplicate_window,
            Duration::from_secs(30)
        );
        let long = KvConfig {
            ttl: Duration::from_secs(3600),
            ..KvConfig::new("b")
        };
        assert_eq!(long.stream_config().duplicate_window, DUPLICATE_WINDOW);
        assert_eq!(
            KvConfig::new("b").stream_config().duplicate_window,
            Duration::ZERO
        );
    }

    #[test]
    fn compression_and_history_map_to_the_stream() {
        let config = KvConfig {
            history: 10,
            compression: true,
            ..KvConfig::new("b")
        };
        let stream = config.stream_config();
        assert_eq!(stream.max_msgs_per_subject, 10);
        assert_eq!(stream.compression, Compression::S2);
        assert_eq!(stream.discard, DiscardPolicy::New);
    }
}
