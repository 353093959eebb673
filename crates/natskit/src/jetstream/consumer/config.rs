//! [`ConsumerConfig`]: the whole consumer configuration of nats-server 2.10, serialized as the
//! server expects it.
//!
//! As for streams, zero values are left out so the server applies its defaults, and fields this
//! version does not know are kept in `extra`. The deliver policy is one enum here
//! ([`DeliverPolicy::ByStartSequence`] carries its sequence) and two or three fields on the
//! wire (`deliver_policy`, `opt_start_seq`, `opt_start_time`); `Wire` does the translation.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::jetstream::wire::{is_default, nanos, null_default};

/// How a consumer is configured; `ConsumerConfig::durable(name)` or `ConsumerConfig::default()`
/// (an ephemeral one) and struct update syntax for the rest.
///
/// ```
/// use std::time::Duration;
/// use natskit::jetstream::{AckPolicy, ConsumerConfig, DeliverPolicy};
///
/// let config = ConsumerConfig {
///     filter_subject: "orders.eu.>".into(),
///     deliver_policy: DeliverPolicy::ByStartSequence(100),
///     ack_wait: Duration::from_secs(10),
///     max_deliver: 5,
///     ..ConsumerConfig::durable("billing")
/// };
/// let json = serde_json::to_string(&config).unwrap();
/// assert_eq!(
///     json,
///     r#"{"durable_name":"billing","deliver_policy":"by_start_sequence","opt_start_seq":100,"ack_policy":"explicit","ack_wait":10000000000,"max_deliver":5,"filter_subject":"orders.eu.>"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Wire", from = "Wire")]
pub struct ConsumerConfig {
    /// The name of a durable consumer: it outlives its clients (unless `inactive_threshold`
    /// is set). Empty for an ephemeral one.
    pub durable_name: String,
    /// The consumer's name (2.9+); for an ephemeral consumer the server picks one when empty.
    pub name: String,
    /// What the consumer is for.
    pub description: String,
    /// Where a push consumer delivers; empty for a pull consumer.
    pub deliver_subject: String,
    /// The queue group a push consumer's subscribers share.
    pub deliver_group: String,
    /// Where in the stream delivery starts.
    pub deliver_policy: DeliverPolicy,
    /// Which deliveries need an acknowledgement.
    pub ack_policy: AckPolicy,
    /// How long the server waits for an acknowledgement before delivering again; zero for the
    /// server's 30 s.
    pub ack_wait: Duration,
    /// How many times a message is delivered at most; 0 or -1 for no limit.
    pub max_deliver: i64,
    /// The one subject (wildcards allowed) it delivers from; empty for all of the stream's.
    pub filter_subject: String,
    /// Several filter subjects (2.10+); use this or `filter_subject`, not both.
    pub filter_subjects: Vec<String>,
    /// Delivery as fast as possible, or at the pace the messages were stored.
    pub replay_policy: ReplayPolicy,
    /// A push consumer's delivery limit in bits per second; 0 for none.
    pub rate_limit_bps: u64,
    /// The percentage of acknowledgements sampled for latency advisories, such as `"100%"`.
    pub sample_freq: String,
    /// How many pull requests may wait at once; 0 for the server's 512.
    pub max_waiting: i64,
    /// How many deliveries may wait for their acknowledgement; 0 for the server's 1,000, -1
    /// for no limit.
    pub max_ack_pending: i64,
    /// Push only: the server pauses until the client answers its flow control messages.
    pub flow_control: bool,
    /// The server sends a heartbeat after this long without messages; zero for none.
    pub idle_heartbeat: Duration,
    /// Deliver only the headers (and `Nats-Msg-Size`), not the payloads.
    pub headers_only: bool,
    /// The largest batch a pull request may ask for; 0 for no limit.
    pub max_batch: i64,
    /// The longest `expires` a pull request may have; zero for no limit.
    pub max_expires: Duration,
    /// The largest `max_bytes` a pull request may ask for; 0 for no limit.
    pub max_bytes: i64,
    /// The consumer is removed after this long without clients; zero for the server's default
    /// (5 s for an ephemeral consumer, never for a durable one).
    pub inactive_threshold: Duration,
    /// The waits before each redelivery, instead of `ack_wait` (the last one repeats).
    pub backoff: Vec<Duration>,
    /// Copies in a cluster; 0 for the stream's.
    pub num_replicas: i64,
    /// Keep the consumer's state in memory even on a file stream.
    pub mem_storage: bool,
    /// Free-form labels (2.10+).
    pub metadata: BTreeMap<String, String>,
    /// Fields the server sent that this version does not know, written back as they were.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl ConsumerConfig {
    /// A durable pull consumer named `name` with explicit acknowledgements.
    ///
    /// ```
    /// let config = natskit::jetstream::ConsumerConfig::durable("workers");
    /// assert_eq!(config.durable_name, "workers");
    /// assert_eq!(config.ack_policy, natskit::jetstream::AckPolicy::Explicit);
    /// ```
    pub fn durable(name: impl Into<String>) -> Self {
        ConsumerConfig {
            durable_name: name.into(),
            ..ConsumerConfig::default()
        }
    }

    /// The consumer's name: `name`, else `durable_name` (empty for an ephemeral consumer the
    /// server will name).
    ///
    /// ```
    /// let config = natskit::jetstream::ConsumerConfig::durable("workers");
    /// assert_eq!(config.effective_name(), "workers");
    /// ```
    pub fn effective_name(&self) -> &str {
        if self.name.is_empty() {
            &self.durable_name
        } else {
            &self.name
        }
    }
}

/// Where in the stream a consumer starts.
///
/// ```
/// use natskit::jetstream::{ConsumerConfig, DeliverPolicy};
///
/// let config = ConsumerConfig { deliver_policy: DeliverPolicy::LastPerSubject, ..Default::default() };
/// assert!(serde_json::to_string(&config).unwrap().contains(r#""deliver_policy":"last_per_subject""#));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum DeliverPolicy {
    /// From the first message.
    #[default]
    All,
    /// From the last message.
    Last,
    /// Only messages stored after the consumer was made.
    New,
    /// From this stream sequence.
    ByStartSequence(u64),
    /// From the first message stored at or after this RFC 3339 time (see
    /// [`DeliverPolicy::by_start_time`]).
    ByStartTime(String),
    /// The last message of each subject, then every new one.
    LastPerSubject,
}

impl DeliverPolicy {
    /// From the first message stored at or after `time`.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use natskit::jetstream::DeliverPolicy;
    ///
    /// let policy = DeliverPolicy::by_start_time(UNIX_EPOCH + Duration::from_secs(86_400));
    /// assert_eq!(policy, DeliverPolicy::ByStartTime("1970-01-02T00:00:00.000000000Z".into()));
    /// ```
    pub fn by_start_time(time: std::time::SystemTime) -> Self {
        use natskit_proto::time::{rfc3339, Precision};
        DeliverPolicy::ByStartTime(rfc3339(time, Precision::Nanos))
    }
}

/// Which deliveries a consumer wants acknowledged.
///
/// ```
/// let json = serde_json::to_string(&natskit::jetstream::AckPolicy::None).unwrap();
/// assert_eq!(json, r#""none""#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AckPolicy {
    /// Each message on its own.
    #[default]
    Explicit,
    /// None: a message counts as handled once delivered.
    None,
    /// An acknowledgement covers every earlier delivery too.
    All,
}

/// At which pace a consumer delivers.
///
/// ```
/// let json = serde_json::to_string(&natskit::jetstream::ReplayPolicy::Original).unwrap();
/// assert_eq!(json, r#""original""#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplayPolicy {
    /// As fast as the consumer takes them.
    #[default]
    Instant,
    /// With the gaps they were stored with.
    Original,
}

/// The configuration as the JSON has it.
#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct Wire {
    #[serde(skip_serializing_if = "String::is_empty")]
    durable_name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    description: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    deliver_subject: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    deliver_group: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    deliver_policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    opt_start_seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    opt_start_time: Option<String>,
    // Always written: the server's default for a missing ack policy is "none".
    ack_policy: AckPolicy,
    #[serde(with = "nanos", skip_serializing_if = "Duration::is_zero")]
    ack_wait: Duration,
    #[serde(skip_serializing_if = "is_default")]
    max_deliver: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    filter_subject: String,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_default"
    )]
    filter_subjects: Vec<String>,
    #[serde(skip_serializing_if = "is_default")]
    replay_policy: ReplayPolicy,
    #[serde(skip_serializing_if = "is_default")]
    rate_limit_bps: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    sample_freq: String,
    #[serde(skip_serializing_if = "is_default")]
    max_waiting: i64,
    #[serde(skip_serializing_if = "is_default")]
    max_ack_pending: i64,
    #[serde(skip_serializing_if = "is_default")]
    flow_control: bool,
    #[serde(with = "nanos", skip_serializing_if = "Duration::is_zero")]
    idle_heartbeat: Duration,
    #[serde(skip_serializing_if = "is_default")]
    headers_only: bool,
    #[serde(skip_serializing_if = "is_default")]
    max_batch: i64,
    #[serde(with = "nanos", skip_serializing_if = "Duration::is_zero")]
    max_expires: Duration,
    #[serde(skip_serializing_if = "is_default")]
    max_bytes: i64,
    #[serde(with = "nanos", skip_serializing_if = "Duration::is_zero")]
    inactive_threshold: Duration,
    #[serde(with = "nanos_list", skip_serializing_if = "Vec::is_empty")]
    backoff: Vec<Duration>,
    #[serde(skip_serializing_if = "is_default")]
    num_replicas: i64,
    #[serde(skip_serializing_if = "is_default")]
    mem_storage: bool,
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    metadata: BTreeMap<String, String>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_json::Value>,
}

impl From<ConsumerConfig> for Wire {
    fn from(c: ConsumerConfig) -> Wire {
        let (deliver_policy, opt_start_seq, opt_start_time) = match c.deliver_policy {
            DeliverPolicy::All => ("", None, None),
            DeliverPolicy::Last => ("last", None, None),
            DeliverPolicy::New => ("new", None, None),
            DeliverPolicy::ByStartSequence(seq) => ("by_start_sequence", Some(seq), None),
            DeliverPolicy::ByStartTime(time) => ("by_start_time", None, Some(time)),
            DeliverPolicy::LastPerSubject => ("last_per_subject", None, None),
        };
        Wire {
            durable_name: c.durable_name,
            name: c.name,
            description: c.description,
            deliver_subject: c.deliver_subject,
            deliver_group: c.deliver_group,
            deliver_policy: deliver_policy.to_owned(),
            opt_start_seq,
            opt_start_time,
            ack_policy: c.ack_policy,
            ack_wait: c.ack_wait,
            max_deliver: c.max_deliver,
            filter_subject: c.filter_subject,
            filter_subjects: c.filter_subjects,
            replay_policy: c.replay_policy,
            rate_limit_bps: c.rate_limit_bps,
            sample_freq: c.sample_freq,
            max_waiting: c.max_waiting,
            max_ack_pending: c.max_ack_pending,
            flow_control: c.flow_control,
            idle_heartbeat: c.idle_heartbeat,
            headers_only: c.headers_only,
            max_batch: c.max_batch,
            max_expires: c.max_expires,
            max_bytes: c.max_bytes,
            inactive_threshold: c.inactive_threshold,
            backoff: c.backoff,
            num_replicas: c.num_replicas,
            mem_storage: c.mem_storage,
            metadata: c.metadata,
            extra: c.extra,
        }
    }
}

impl From<Wire> for ConsumerConfig {
    fn from(w: Wire) -> ConsumerConfig {
        let deliver_policy = match w.deliver_policy.as_str() {
            "last" => DeliverPolicy::Last,
            "new" => DeliverPolicy::New,
            "by_start_sequence" => DeliverPolicy::ByStartSequence(w.opt_start_seq.unwrap_or(0)),
            "by_start_time" => DeliverPolicy::ByStartTime(w.opt_start_time.unwrap_or_default()),
            "last_per_subject" => DeliverPolicy::LastPerSubject,
            _ => DeliverPolicy::All,
        };
        ConsumerConfig {
            durable_name: w.durable_name,
            name: w.name,
            description: w.description,
            deliver_subject: w.deliver_subject,
            deliver_group: w.deliver_group,
            deliver_policy,
            ack_policy: w.ack_policy,
            ack_wait: w.ack_wait,
            max_deliver: w.max_deliver,
            filter_subject: w.filter_subject,
            filter_subjects: w.filter_subjects,
            replay_policy: w.replay_policy,
            rate_limit_bps: w.rate_limit_bps,
            sample_freq: w.sample_freq,
            max_waiting: w.max_waiting,
            max_ack_pending: w.max_ack_pending,
            flow_control: w.flow_control,
            idle_heartbeat: w.idle_heartbeat,
            headers_only: w.headers_only,
            max_batch: w.max_batch,
            max_expires: w.max_expires,
            max_bytes: w.max_bytes,
            inactive_threshold: w.inactive_threshold,
            backoff: w.backoff,
            num_replicas: w.num_replicas,
            mem_storage: w.mem_storage,
            metadata: w.metadata,
            extra: w.extra,
        }
    }
}

/// A list of durations as nanoseconds; `null` reads as empty.
mod nanos_list {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(list: &[Duration], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            list.iter()
                .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
        )
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Duration>, D::Error> {
        let list = Option::<Vec<i64>>::deserialize(d)?.unwrap_or_default();
        Ok(list
            .into_iter()
            .map(|n| Duration::from_nanos(u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ephemeral_default_writes_only_the_ack_policy() {
        let json = serde_json::to_string(&ConsumerConfig::default()).expect("serializes");
        assert_eq!(json, r#"{"ack_policy":"explicit"}"#);
    }

    #[test]
    fn every_deliver_policy_round_trips() {
        for policy in [
            DeliverPolicy::All,
            DeliverPolicy::Last,
            DeliverPolicy::New,
            DeliverPolicy::ByStartSequence(42),
            DeliverPolicy::ByStartTime("2026-12-02T10:00:00Z".into()),
            DeliverPolicy::LastPerSubject,
        ] {
            let config = ConsumerConfig {
                deliver_policy: policy.clone(),
                ..ConsumerConfig::default()
            };
            let json = serde_json::to_string(&config).expect("serializes");
            let back: ConsumerConfig = serde_json::from_str(&json).expect("parses");
            assert_eq!(back.deliver_policy, policy, "{json}");
        }
    }

    #[test]
    fn the_servers_answer_reads_with_nulls_and_unknown_fields_kept() {
        let json = r#"{"durable_name":"d","name":"d","deliver_policy":"all","ack_policy":"explicit",
            "ack_wait":30000000000,"max_deliver":-1,"filter_subjects":null,"replay_policy":"instant",
            "max_waiting":512,"max_ack_pending":1000,"backoff":[1000000000,5000000000],
            "num_replicas":0,"metadata":null,"priority_groups":["a"],"pause_until":null}"#;
        let config: ConsumerConfig = serde_json::from_str(json).expect("parses");
        assert_eq!(config.ack_wait, Duration::from_secs(30));
        assert_eq!(
            config.backoff,
            [Duration::from_secs(1), Duration::from_secs(5)]
        );
        assert_eq!(config.max_deliver, -1);
        assert!(config.filter_subjects.is_empty() && config.metadata.is_empty());
        assert_eq!(config.extra.len(), 2, "{:?}", config.extra);
        let again = serde_json::to_value(&config).expect("serializes");
        assert_eq!(again["priority_groups"], serde_json::json!(["a"]));
    }
}
