//! Stream and consumer configurations as the `$JS.API` carries them: read leniently (unknown
//! fields ignored, `null` taken as absent, zeros meaning "the default") and written back with
//! every field nats-server 2.10 writes, so strict clients parse our answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Nanoseconds, as the API writes durations.
pub(crate) type Nanos = i64;

/// 120 s: nats-server's duplicate window when none is given.
pub(crate) const DEFAULT_DUPLICATE_WINDOW: Nanos = 120_000_000_000;
/// 30 s: nats-server's ack wait.
pub(crate) const DEFAULT_ACK_WAIT: Nanos = 30_000_000_000;
/// nats-server's `max_ack_pending` when none is given.
pub(crate) const DEFAULT_MAX_ACK_PENDING: i64 = 1000;
/// nats-server's `max_waiting` for pull consumers.
pub(crate) const DEFAULT_MAX_WAITING: i64 = 512;
/// How long an ephemeral consumer lives without interest when it set no threshold.
pub(crate) const DEFAULT_INACTIVE_THRESHOLD: Nanos = 5_000_000_000;

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero_i64(n: &i64) -> bool {
    *n == 0
}
fn is_zero_u64(n: &u64) -> bool {
    *n == 0
}

/// Removes `null` members (at every depth), so `serde(default)` fills them in as nats-server
/// treats a null: as absent.
pub(crate) fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// When a stream lets messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Retention {
    #[default]
    Limits,
    Interest,
    #[serde(alias = "work_queue")]
    Workqueue,
}

/// What a full stream does with a new message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Discard {
    #[default]
    Old,
    New,
}

/// Where a stream keeps its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Storage {
    #[default]
    File,
    Memory,
}

/// Defaults for the consumers of a stream.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ConsumerLimits {
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) inactive_threshold: Nanos,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) max_ack_pending: i64,
}

/// A stream's configuration (`StreamConfig` of the API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct StreamConfig {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) subjects: Vec<String>,
    pub(crate) retention: Retention,
    pub(crate) max_consumers: i64,
    pub(crate) max_msgs: i64,
    pub(crate) max_bytes: i64,
    pub(crate) max_age: Nanos,
    pub(crate) max_msgs_per_subject: i64,
    pub(crate) max_msg_size: i64,
    pub(crate) discard: Discard,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) discard_new_per_subject: bool,
    pub(crate) storage: Storage,
    pub(crate) num_replicas: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) no_ack: bool,
    pub(crate) duplicate_window: Nanos,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) placement: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) mirror: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sources: Option<Value>,
    pub(crate) compression: String,
    pub(crate) allow_direct: bool,
    pub(crate) mirror_direct: bool,
    pub(crate) sealed: bool,
    pub(crate) deny_delete: bool,
    pub(crate) deny_purge: bool,
    pub(crate) allow_rollup_hdrs: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) republish: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subject_transform: Option<Value>,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub(crate) first_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<BTreeMap<String, String>>,
    pub(crate) consumer_limits: ConsumerLimits,
}

impl Default for StreamConfig {
    fn default() -> Self {
        StreamConfig {
            name: String::new(),
            description: String::new(),
            subjects: Vec::new(),
            retention: Retention::Limits,
            max_consumers: -1,
            max_msgs: -1,
            max_bytes: -1,
            max_age: 0,
            max_msgs_per_subject: -1,
            max_msg_size: -1,
            discard: Discard::Old,
            discard_new_per_subject: false,
            storage: Storage::File,
            num_replicas: 1,
            no_ack: false,
            duplicate_window: 0,
            placement: None,
            mirror: None,
            sources: None,
            compression: "none".into(),
            allow_direct: false,
            mirror_direct: false,
            sealed: false,
            deny_delete: false,
            deny_purge: false,
            allow_rollup_hdrs: false,
            republish: None,
            subject_transform: None,
            first_seq: 0,
            metadata: None,
            consumer_limits: ConsumerLimits::default(),
        }
    }
}

impl StreamConfig {
    /// Fills in what nats-server fills in: zero limits are unlimited, the duplicate window
    /// defaults to 120 s (no longer than `max_age`), one replica, no subjects means the name.
    pub(crate) fn normalize(&mut self) {
        for limit in [
            &mut self.max_consumers,
            &mut self.max_msgs,
            &mut self.max_bytes,
            &mut self.max_msgs_per_subject,
            &mut self.max_msg_size,
        ] {
            if *limit == 0 {
                *limit = -1;
            }
        }
        if self.duplicate_window == 0 {
            self.duplicate_window = if self.max_age > 0 && self.max_age < DEFAULT_DUPLICATE_WINDOW {
                self.max_age
            } else {
                DEFAULT_DUPLICATE_WINDOW
            };
        }
        if self.num_replicas <= 0 {
            self.num_replicas = 1;
        }
        if self.compression.is_empty() {
            self.compression = "none".into();
        }
        if self.subjects.is_empty() && self.mirror.is_none() && self.sources.is_none() {
            self.subjects = vec![self.name.clone()];
        }
        if let Some(metadata) = &self.metadata {
            if metadata.is_empty() {
                self.metadata = None;
            }
        }
    }
}

/// Which messages a consumer starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeliverPolicy {
    #[default]
    All,
    Last,
    New,
    #[serde(rename = "by_start_sequence")]
    ByStartSequence,
    #[serde(rename = "by_start_time")]
    ByStartTime,
    #[serde(rename = "last_per_subject")]
    LastPerSubject,
}

/// What a consumer wants acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AckPolicy {
    /// nats-server's default when a request names none (Go's zero value).
    #[default]
    None,
    All,
    Explicit,
}

/// How fast a consumer replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ReplayPolicy {
    #[default]
    Instant,
    Original,
}

/// A consumer's configuration (`ConsumerConfig` of the API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ConsumerConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) durable_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) description: String,
    pub(crate) deliver_policy: DeliverPolicy,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub(crate) opt_start_seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) opt_start_time: Option<String>,
    pub(crate) ack_policy: AckPolicy,
    pub(crate) ack_wait: Nanos,
    pub(crate) max_deliver: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) backoff: Vec<Nanos>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) filter_subject: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) filter_subjects: Vec<String>,
    pub(crate) replay_policy: ReplayPolicy,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub(crate) rate_limit_bps: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) sample_freq: String,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) max_waiting: i64,
    pub(crate) max_ack_pending: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) flow_control: bool,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) idle_heartbeat: Nanos,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) headers_only: bool,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) max_batch: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) max_expires: Nanos,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) max_bytes: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) deliver_subject: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) deliver_group: String,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub(crate) inactive_threshold: Nanos,
    pub(crate) num_replicas: i64,
    #[serde(skip_serializing_if = "is_false")]
    pub(crate) mem_storage: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) metadata: Option<BTreeMap<String, String>>,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            durable_name: String::new(),
            name: String::new(),
            description: String::new(),
            deliver_policy: DeliverPolicy::All,
            opt_start_seq: 0,
            opt_start_time: None,
            ack_policy: AckPolicy::None,
            ack_wait: 0,
            max_deliver: 0,
            backoff: Vec::new(),
            filter_subject: String::new(),
            filter_subjects: Vec::new(),
            replay_policy: ReplayPolicy::Instant,
            rate_limit_bps: 0,
            sample_freq: String::new(),
            max_waiting: 0,
            max_ack_pending: 0,
            flow_control: false,
            idle_heartbeat: 0,
            headers_only: false,
            max_batch: 0,
            max_expires: 0,
            max_bytes: 0,
            deliver_subject: String::new(),
            deliver_group: String::new(),
            inactive_threshold: 0,
            num_replicas: 0,
            mem_storage: false,
            metadata: None,
        }
    }
}

impl ConsumerConfig {
    /// A pull consumer has no deliver subject.
    pub(crate) fn is_pull(&self) -> bool {
        self.deliver_subject.is_empty()
    }

    /// Its filters, whichever field carried them.
    pub(crate) fn filters(&self) -> Vec<String> {
        if self.filter_subject.is_empty() {
            self.filter_subjects.clone()
        } else {
            vec![self.filter_subject.clone()]
        }
    }

    /// Fills in nats-server's defaults (for a stream with `limits`).
    pub(crate) fn normalize(&mut self, limits: &ConsumerLimits) {
        // With a backoff, its first step is the ack wait, whatever was asked.
        if let Some(first) = self.backoff.first() {
            self.ack_wait = *first;
        } else if self.ack_wait == 0 {
            self.ack_wait = DEFAULT_ACK_WAIT;
        }
        if self.max_deliver == 0 {
            self.max_deliver = -1;
        }
        if self.max_ack_pending == 0 && self.ack_policy != AckPolicy::None {
            self.max_ack_pending = if limits.max_ack_pending > 0 {
                limits.max_ack_pending
            } else {
                DEFAULT_MAX_ACK_PENDING
            };
        }
        if self.max_waiting == 0 && self.is_pull() {
            self.max_waiting = DEFAULT_MAX_WAITING;
        }
        if self.durable_name.is_empty() && self.inactive_threshold == 0 {
            self.inactive_threshold = if limits.inactive_threshold > 0 {
                limits.inactive_threshold
            } else {
                DEFAULT_INACTIVE_THRESHOLD
            };
        }
        if !self.durable_name.is_empty() && self.name.is_empty() {
            self.name = self.durable_name.clone();
        }
        if let Some(metadata) = &self.metadata {
            if metadata.is_empty() {
                self.metadata = None;
            }
        }
    }
}
