//! [`ObjectStoreConfig`]: a bucket as its user sees it, and the stream it becomes (ADR-20);
//! [`ObjectStoreStatus`]: the bucket as the server reports it now.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::jetstream::object::name::{all_chunks, all_meta, stream_name, STREAM_PREFIX};
use crate::jetstream::stream::config::{
    Compression, DiscardPolicy, Placement, StorageType, StreamConfig,
};
use crate::jetstream::stream::info::StreamInfo;

/// How a bucket is configured; `ObjectStoreConfig::new(bucket)` and struct update syntax for
/// the rest.
///
/// ```
/// use std::time::Duration;
/// use natskit::jetstream::object::ObjectStoreConfig;
///
/// let config = ObjectStoreConfig { ttl: Duration::from_secs(86_400), compression: true, ..ObjectStoreConfig::new("photos") };
/// let stream = config.stream_config();
/// assert_eq!(stream.name, "OBJ_photos");
/// assert_eq!(stream.subjects, ["$O.photos.C.>", "$O.photos.M.>"]);
/// assert!(stream.allow_rollup_hdrs && stream.allow_direct);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectStoreConfig {
    /// The bucket's name (see [`validate_bucket`](crate::jetstream::object::validate_bucket)).
    pub bucket: String,
    /// What it is for.
    pub description: String,
    /// How long an object is kept (the stream's `max_age`); zero for ever.
    pub ttl: Duration,
    /// The bucket's size limit in bytes, chunks and meta together; 0 for none. A put that
    /// would pass it is refused (the stream discards new messages).
    pub max_bytes: i64,
    /// File (the default) or memory.
    pub storage: StorageType,
    /// Copies in a cluster; 0 means 1.
    pub replicas: usize,
    /// Where a cluster places it.
    pub placement: Option<Placement>,
    /// Compress stored chunks (S2; file storage).
    pub compression: bool,
    /// Free-form labels of the bucket (its stream's metadata, nats-server 2.10).
    pub metadata: BTreeMap<String, String>,
}

impl ObjectStoreConfig {
    /// A bucket named `bucket` with the defaults: kept for ever, unlimited, on file.
    ///
    /// ```
    /// let config = natskit::jetstream::object::ObjectStoreConfig::new("photos");
    /// assert_eq!(config.bucket, "photos");
    /// ```
    pub fn new(bucket: impl Into<String>) -> Self {
        ObjectStoreConfig {
            bucket: bucket.into(),
            ..ObjectStoreConfig::default()
        }
    }

    /// The stream configuration of the bucket, as nats.go and nats-py make it: `OBJ_<bucket>`
    /// capturing `$O.<bucket>.C.>` and `$O.<bucket>.M.>`, rollups allowed (each meta message
    /// replaces the one before), new messages discarded when full, direct gets allowed. Limits
    /// left at 0 are written as the server's "unlimited" (-1) and replicas as 1, so the same
    /// bucket created by another client compares equal.
    ///
    /// ```
    /// use natskit::jetstream::{DiscardPolicy, StorageType};
    /// use natskit::jetstream::object::ObjectStoreConfig;
    ///
    /// let config = ObjectStoreConfig { storage: StorageType::Memory, ..ObjectStoreConfig::new("b") };
    /// let stream = config.stream_config();
    /// assert_eq!((stream.discard, stream.max_bytes, stream.num_replicas), (DiscardPolicy::New, -1, 1));
    /// ```
    pub fn stream_config(&self) -> StreamConfig {
        StreamConfig {
            description: self.description.clone(),
            subjects: vec![all_chunks(&self.bucket), all_meta(&self.bucket)],
            max_age: self.ttl,
            max_bytes: if self.max_bytes == 0 {
                -1
            } else {
                self.max_bytes
            },
            storage: self.storage,
            num_replicas: self.replicas.max(1),
            placement: self.placement.clone(),
            discard: DiscardPolicy::New,
            allow_rollup_hdrs: true,
            allow_direct: true,
            compression: if self.compression {
                Compression::S2
            } else {
                Compression::None
            },
            metadata: self.metadata.clone(),
            ..StreamConfig::new(stream_name(&self.bucket))
        }
    }
}

/// A bucket as the server reports it now (ADR-20's ObjectStoreStatus), with the stream info
/// it was read from.
///
/// ```no_run
/// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
/// let status = store.status().await?;
/// println!("{}: {} bytes, sealed: {}, backed by {}", status.bucket, status.size, status.sealed, status.backing_store());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectStoreStatus {
    /// The bucket's name.
    pub bucket: String,
    /// Its description.
    pub description: String,
    /// How long objects are kept; zero for ever.
    pub ttl: Duration,
    /// File or memory.
    pub storage: StorageType,
    /// Copies kept.
    pub replicas: usize,
    /// Nothing can be stored, changed or deleted any more.
    pub sealed: bool,
    /// Bytes stored, chunks and meta together.
    pub size: u64,
    /// Chunks are compressed on disk.
    pub compressed: bool,
    /// The bucket's labels.
    pub metadata: BTreeMap<String, String>,
    /// The stream info all this comes from.
    pub stream_info: StreamInfo,
}

impl ObjectStoreStatus {
    /// The status of the bucket whose stream reports `info`.
    pub(crate) fn from_stream(info: StreamInfo) -> Self {
        let config = &info.config;
        ObjectStoreStatus {
            bucket: config
                .name
                .strip_prefix(STREAM_PREFIX)
                .unwrap_or(&config.name)
                .to_owned(),
            description: config.description.clone(),
            ttl: config.max_age,
            storage: config.storage,
            replicas: config.num_replicas,
            sealed: config.sealed,
            size: info.state.bytes,
            compressed: config.compression != Compression::None,
            metadata: config.metadata.clone(),
            stream_info: info,
        }
    }

    /// What stores the bucket: always `"JetStream"`.
    ///
    /// ```no_run
    /// # fn demo(status: natskit::jetstream::object::ObjectStoreStatus) {
    /// assert_eq!(status.backing_store(), "JetStream");
    /// # }
    /// ```
    pub fn backing_store(&self) -> &'static str {
        "JetStream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_what_adr_20_says() {
        let config = ObjectStoreConfig {
            description: "d".into(),
            ttl: Duration::from_secs(60),
            max_bytes: 1 << 20,
            storage: StorageType::Memory,
            replicas: 3,
            compression: true,
            metadata: [("owner".to_owned(), "me".to_owned())].into(),
            ..ObjectStoreConfig::new("MY-STORE")
        };
        let json = serde_json::to_value(config.stream_config()).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({
                "name": "OBJ_MY-STORE",
                "description": "d",
                "subjects": ["$O.MY-STORE.C.>", "$O.MY-STORE.M.>"],
                "max_bytes": 1048576,
                "max_age": 60_000_000_000u64,
                "discard": "new",
                "storage": "memory",
                "num_replicas": 3,
                "compression": "s2",
                "allow_direct": true,
                "allow_rollup_hdrs": true,
                "metadata": {"owner": "me"}
            })
        );
    }

    #[test]
    fn status_reads_the_stream() {
        let mut info = StreamInfo {
            config: ObjectStoreConfig {
                compression: true,
                ..ObjectStoreConfig::new("b")
            }
            .stream_config(),
            ..StreamInfo::default()
        };
        info.config.sealed = true;
        info.state.bytes = 42;
        let status = ObjectStoreStatus::from_stream(info);
        assert_eq!(status.bucket, "b");
        assert!(status.sealed && status.compressed);
        assert_eq!((status.size, status.replicas), (42, 1));
        assert_eq!(status.backing_store(), "JetStream");
    }
}
