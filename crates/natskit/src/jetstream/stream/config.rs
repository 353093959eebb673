//! [`StreamConfig`]: the whole stream configuration of nats-server 2.10, serialized as the
//! server expects it.
//!
//! Zero values (0, empty, `false`, `None`, the first variant of each policy) are left out of
//! the JSON, so the server applies its defaults: 0 limits become -1 (unlimited), 0 replicas
//! one, no duplicate window two minutes. Reading tolerates fields the server leaves out or
//! sends as `null`, and keeps those this version does not know (`extra`) to write them back.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::jetstream::wire::{is_default, nanos, null_default};

/// How a stream is configured; `StreamConfig::new(name)` and struct update syntax for the rest.
///
/// ```
/// use std::time::Duration;
/// use natskit::jetstream::{DiscardPolicy, RetentionPolicy, StreamConfig};
///
/// let config = StreamConfig {
///     subjects: vec!["orders.>".into()],
///     retention: RetentionPolicy::WorkQueue,
///     max_age: Duration::from_secs(3600),
///     discard: DiscardPolicy::New,
///     ..StreamConfig::new("ORDERS")
/// };
/// let json = serde_json::to_string(&config).unwrap();
/// assert_eq!(
///     json,
///     r#"{"name":"ORDERS","subjects":["orders.>"],"retention":"workqueue","max_age":3600000000000,"discard":"new"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamConfig {
    /// The stream's name (see [`validate_stream_name`](crate::jetstream::validate_stream_name)).
    pub name: String,
    /// What the stream is for.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The subjects it captures, wildcards allowed; none for a mirror, or when it only sources.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub subjects: Vec<String>,
    /// When messages may be removed.
    #[serde(skip_serializing_if = "is_default")]
    pub retention: RetentionPolicy,
    /// How many consumers it may have; 0 or -1 for no limit.
    #[serde(skip_serializing_if = "is_default")]
    pub max_consumers: i64,
    /// How many messages it keeps; 0 or -1 for no limit.
    #[serde(skip_serializing_if = "is_default")]
    pub max_msgs: i64,
    /// How many bytes it keeps; 0 or -1 for no limit.
    #[serde(skip_serializing_if = "is_default")]
    pub max_bytes: i64,
    /// How long it keeps a message (nanoseconds on the wire); zero for ever.
    #[serde(with = "nanos", skip_serializing_if = "Duration::is_zero")]
    pub max_age: Duration,
    /// How many messages it keeps per subject; 0 or -1 for no limit.
    #[serde(skip_serializing_if = "is_default")]
    pub max_msgs_per_subject: i64,
    /// The largest message it accepts in bytes; 0 or -1 for the server's limit.
    #[serde(skip_serializing_if = "is_default")]
    pub max_msg_size: i32,
    /// What happens when a limit is reached.
    #[serde(skip_serializing_if = "is_default")]
    pub discard: DiscardPolicy,
    /// With [`DiscardPolicy::New`], apply `max_msgs_per_subject` by refusing new messages.
    #[serde(skip_serializing_if = "is_default")]
    pub discard_new_per_subject: bool,
    /// File or memory.
    #[serde(skip_serializing_if = "is_default")]
    pub storage: StorageType,
    /// Copies in a cluster; 0 means 1.
    #[serde(skip_serializing_if = "is_default")]
    pub num_replicas: usize,
    /// Publishes are not acknowledged.
    #[serde(skip_serializing_if = "is_default")]
    pub no_ack: bool,
    /// How long `Nats-Msg-Id` duplicates are detected (nanoseconds on the wire); zero for the
    /// server's two minutes.
    #[serde(with = "nanos", skip_serializing_if = "Duration::is_zero")]
    pub duplicate_window: Duration,
    /// Where in a cluster it is placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// The stream this one mirrors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Source>,
    /// The streams this one takes messages from.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub sources: Vec<Source>,
    /// Compression of stored messages.
    #[serde(skip_serializing_if = "is_default")]
    pub compression: Compression,
    /// The sequence number of the first message.
    #[serde(skip_serializing_if = "is_default")]
    pub first_seq: u64,
    /// Rewrites the subjects of incoming messages before they are stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_transform: Option<SubjectTransform>,
    /// Publishes each stored message again to another subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub republish: Option<Republish>,
    /// Messages may be read with direct gets (ADR-31), from any replica.
    #[serde(skip_serializing_if = "is_default")]
    pub allow_direct: bool,
    /// A mirror answers direct gets for the stream it mirrors.
    #[serde(skip_serializing_if = "is_default")]
    pub mirror_direct: bool,
    /// No message may be added, deleted or purged again (cannot be undone).
    #[serde(skip_serializing_if = "is_default")]
    pub sealed: bool,
    /// Messages may not be deleted.
    #[serde(skip_serializing_if = "is_default")]
    pub deny_delete: bool,
    /// The stream may not be purged.
    #[serde(skip_serializing_if = "is_default")]
    pub deny_purge: bool,
    /// A `Nats-Rollup` header may purge the messages before it.
    #[serde(skip_serializing_if = "is_default")]
    pub allow_rollup_hdrs: bool,
    /// Defaults for the stream's consumers.
    #[serde(skip_serializing_if = "is_default")]
    pub consumer_limits: ConsumerLimits,
    /// Your own key-value notes (ADR-33).
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    pub metadata: BTreeMap<String, String>,
    /// Fields this version does not know, as a newer server sent them; written back
    /// unchanged, so a configuration read from the server and updated keeps them.
    #[serde(flatten, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl StreamConfig {
    /// A configuration named `name`, everything else the server's default.
    ///
    /// ```
    /// let config = natskit::jetstream::StreamConfig::new("ORDERS");
    /// assert_eq!(serde_json::to_string(&config).unwrap(), r#"{"name":"ORDERS"}"#);
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        StreamConfig {
            name: name.into(),
            ..StreamConfig::default()
        }
    }

    /// The same configuration capturing `subjects`.
    ///
    /// ```
    /// let config = natskit::jetstream::StreamConfig::new("ORDERS").subjects(["orders.>"]);
    /// assert_eq!(config.subjects, ["orders.>"]);
    /// ```
    pub fn subjects<I, S>(mut self, subjects: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.subjects = subjects.into_iter().map(Into::into).collect();
        self
    }
}

/// When a stream may remove messages besides its limits.
///
/// ```
/// let json = serde_json::to_string(&natskit::jetstream::RetentionPolicy::WorkQueue).unwrap();
/// assert_eq!(json, r#""workqueue""#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetentionPolicy {
    /// Only the limits remove messages.
    #[default]
    Limits,
    /// A message is removed once every consumer has acknowledged it.
    Interest,
    /// A message is removed once one consumer has acknowledged it.
    WorkQueue,
}

/// What a stream does when a limit is reached.
///
/// ```
/// let json = serde_json::to_string(&natskit::jetstream::DiscardPolicy::New).unwrap();
/// assert_eq!(json, r#""new""#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiscardPolicy {
    /// Remove the oldest messages.
    #[default]
    Old,
    /// Refuse new messages.
    New,
}

/// Where a stream keeps its messages.
///
/// ```
/// let json = serde_json::to_string(&natskit::jetstream::StorageType::Memory).unwrap();
/// assert_eq!(json, r#""memory""#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageType {
    /// On disk.
    #[default]
    File,
    /// In memory.
    Memory,
}

/// How a stream compresses stored messages (file storage only).
///
/// ```
/// let json = serde_json::to_string(&natskit::jetstream::Compression::S2).unwrap();
/// assert_eq!(json, r#""s2""#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Not compressed.
    #[default]
    None,
    /// S2 compression.
    S2,
}

/// A subject transform: messages on subjects matching `src` are stored as `dest` (ADR-36).
///
/// ```
/// use natskit::jetstream::SubjectTransform;
/// let t = SubjectTransform::new("orders.*", "orders.eu.{{wildcard(1)}}");
/// assert_eq!(t.dest, "orders.eu.{{wildcard(1)}}");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubjectTransform {
    /// The subjects transformed.
    pub src: String,
    /// What they become.
    pub dest: String,
}

impl SubjectTransform {
    /// A transform of `src` into `dest`.
    ///
    /// ```
    /// let t = natskit::jetstream::SubjectTransform::new("a.>", "b.>");
    /// assert_eq!(t.src, "a.>");
    /// ```
    pub fn new(src: impl Into<String>, dest: impl Into<String>) -> Self {
        SubjectTransform {
            src: src.into(),
            dest: dest.into(),
        }
    }
}

/// Republishing: each stored message on a subject matching `src` is published again to `dest`.
///
/// ```
/// use natskit::jetstream::Republish;
/// let r = Republish { src: "orders.>".into(), dest: "audit.>".into(), headers_only: true };
/// assert!(serde_json::to_string(&r).unwrap().contains(r#""headers_only":true"#));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Republish {
    /// The subjects republished (all when empty).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub src: String,
    /// Where they go.
    pub dest: String,
    /// Only the headers are republished, with the payload's size in `Nats-Msg-Size`.
    #[serde(skip_serializing_if = "is_default")]
    pub headers_only: bool,
}

/// A stream another one takes messages from, as its mirror or one of its sources.
///
/// ```
/// use natskit::jetstream::{Source, StreamConfig};
///
/// let all_orders = StreamConfig {
///     sources: vec![Source::new("ORDERS_EU"), Source::new("ORDERS_US")],
///     ..StreamConfig::new("ORDERS")
/// };
/// # let _ = all_orders;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Source {
    /// The stream's name.
    pub name: String,
    /// Start at this sequence.
    #[serde(skip_serializing_if = "is_default")]
    pub opt_start_seq: u64,
    /// Start at this time (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_start_time: Option<String>,
    /// Take only messages on subjects matching this.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub filter_subject: String,
    /// Take only messages matching these transforms' sources, transformed.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub subject_transforms: Vec<SubjectTransform>,
    /// Where the stream's API is, when it is in another account or domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external: Option<External>,
}

impl Source {
    /// The stream named `name`, from its first message.
    ///
    /// ```
    /// assert_eq!(natskit::jetstream::Source::new("ORDERS").name, "ORDERS");
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            ..Source::default()
        }
    }
}

/// The API and delivery prefixes of a stream in another account or domain.
///
/// ```
/// let e = natskit::jetstream::External { api: "$JS.hub.API".into(), deliver: String::new() };
/// assert_eq!(serde_json::to_string(&e).unwrap(), r#"{"api":"$JS.hub.API"}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct External {
    /// The API prefix.
    pub api: String,
    /// The delivery prefix.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub deliver: String,
}

/// Where a stream is placed in a cluster.
///
/// ```
/// let p = natskit::jetstream::Placement { cluster: "east".into(), tags: vec!["ssd".into()] };
/// # let _ = p;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    /// The cluster.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    /// Tags the servers must have.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    pub tags: Vec<String>,
}

/// Defaults a stream gives its consumers.
///
/// ```
/// use std::time::Duration;
/// let limits = natskit::jetstream::ConsumerLimits {
///     inactive_threshold: Duration::from_secs(30),
///     max_ack_pending: 100,
/// };
/// assert_eq!(
///     serde_json::to_string(&limits).unwrap(),
///     r#"{"inactive_threshold":30000000000,"max_ack_pending":100}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerLimits {
    /// An inactive consumer is removed after this long (nanoseconds on the wire).
    #[serde(with = "nanos", skip_serializing_if = "Duration::is_zero")]
    pub inactive_threshold: Duration,
    /// Unacknowledged messages per consumer.
    #[serde(skip_serializing_if = "is_default")]
    pub max_ack_pending: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_values_are_left_out() {
        let json = serde_json::to_string(&StreamConfig::new("S")).expect("serializes");
        assert_eq!(json, r#"{"name":"S"}"#);
    }

    #[test]
    fn every_field_is_written_under_the_servers_name() {
        let config = StreamConfig {
            description: "d".into(),
            subjects: vec!["a.>".into()],
            retention: RetentionPolicy::Interest,
            max_consumers: 5,
            max_msgs: 10,
            max_bytes: 1024,
            max_age: Duration::from_millis(1500),
            max_msgs_per_subject: 2,
            max_msg_size: 512,
            discard: DiscardPolicy::New,
            discard_new_per_subject: true,
            storage: StorageType::Memory,
            num_replicas: 1,
            no_ack: true,
            duplicate_window: Duration::from_secs(30),
            placement: Some(Placement {
                cluster: "c".into(),
                tags: vec![],
            }),
            mirror: None,
            sources: vec![Source::new("OTHER")],
            compression: Compression::S2,
            first_seq: 100,
            subject_transform: Some(SubjectTransform::new("a.>", "b.>")),
            republish: Some(Republish {
                src: String::new(),
                dest: "r.>".into(),
                headers_only: false,
            }),
            allow_direct: true,
            mirror_direct: true,
            sealed: true,
            deny_delete: true,
            deny_purge: true,
            allow_rollup_hdrs: true,
            consumer_limits: ConsumerLimits {
                inactive_threshold: Duration::from_secs(1),
                max_ack_pending: 0,
            },
            metadata: BTreeMap::from([("owner".into(), "team".into())]),
            ..StreamConfig::new("S")
        };
        let value = serde_json::to_value(&config).expect("serializes");
        let expected = serde_json::json!({
            "name": "S", "description": "d", "subjects": ["a.>"], "retention": "interest",
            "max_consumers": 5, "max_msgs": 10, "max_bytes": 1024, "max_age": 1_500_000_000u64,
            "max_msgs_per_subject": 2, "max_msg_size": 512, "discard": "new",
            "discard_new_per_subject": true, "storage": "memory", "num_replicas": 1,
            "no_ack": true, "duplicate_window": 30_000_000_000u64,
            "placement": {"cluster": "c"}, "sources": [{"name": "OTHER"}],
            "compression": "s2", "first_seq": 100,
            "subject_transform": {"src": "a.>", "dest": "b.>"},
            "republish": {"dest": "r.>"},
            "allow_direct": true, "mirror_direct": true, "sealed": true, "deny_delete": true,
            "deny_purge": true, "allow_rollup_hdrs": true,
            "consumer_limits": {"inactive_threshold": 1_000_000_000u64},
            "metadata": {"owner": "team"}
        });
        assert_eq!(value, expected);
        let back: StreamConfig = serde_json::from_value(value).expect("parses");
        assert_eq!(back, config);
    }

    #[test]
    fn what_the_server_sends_back_reads_with_unknown_fields_and_nulls() {
        // A 2.10.26 answer, plus a field from a newer server and nulls where Go writes nil.
        let json = r#"{"name":"S","subjects":["a"],"retention":"limits","max_consumers":-1,
            "max_msgs":-1,"max_bytes":-1,"max_age":0,"max_msgs_per_subject":-1,"max_msg_size":-1,
            "discard":"old","storage":"file","num_replicas":1,"duplicate_window":120000000000,
            "compression":"none","allow_direct":false,"mirror_direct":false,"sealed":false,
            "deny_delete":false,"deny_purge":false,"allow_rollup_hdrs":false,
            "consumer_limits":{},"sources":null,"metadata":null,"allow_msg_ttl":true,
            "future":{"nested":[1,2]}}"#;
        let config: StreamConfig = serde_json::from_str(json).expect("parses");
        assert_eq!(config.max_msgs, -1);
        assert_eq!(config.duplicate_window, Duration::from_secs(120));
        assert!(config.sources.is_empty() && config.metadata.is_empty());
        assert_eq!(config.extra.len(), 2, "{:?}", config.extra);

        // Written back, the unknown fields go with it, unchanged.
        let written = serde_json::to_value(&config).expect("serializes");
        assert_eq!(written["allow_msg_ttl"], true);
        assert_eq!(written["future"], serde_json::json!({"nested": [1, 2]}));
        assert_eq!(written["max_msgs"], -1);
    }
}
