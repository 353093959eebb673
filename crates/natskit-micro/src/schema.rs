//! The JSON documents of the service API: what `$SRV.PING|INFO|STATS` answer with.
//!
//! Field names and types follow the spec (ADR-32). The types serialize what a service sends and
//! deserialize what other services send, so reading is lenient: a missing or `null` metadata,
//! description or queue group reads as empty (Go services write `null` for an empty map).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// `type` of a ping answer.
///
/// ```
/// assert_eq!(natskit_micro::PING_RESPONSE_TYPE, "io.nats.micro.v1.ping_response");
/// ```
pub const PING_RESPONSE_TYPE: &str = "io.nats.micro.v1.ping_response";
/// `type` of an info answer.
///
/// ```
/// assert_eq!(natskit_micro::INFO_RESPONSE_TYPE, "io.nats.micro.v1.info_response");
/// ```
pub const INFO_RESPONSE_TYPE: &str = "io.nats.micro.v1.info_response";
/// `type` of a stats answer.
///
/// ```
/// assert_eq!(natskit_micro::STATS_RESPONSE_TYPE, "io.nats.micro.v1.stats_response");
/// ```
pub const STATS_RESPONSE_TYPE: &str = "io.nats.micro.v1.stats_response";

/// Metadata: string keys to string values, sorted so documents are stable.
///
/// ```
/// let metadata: natskit_micro::Metadata = [("b", "2"), ("a", "1")]
///     .map(|(k, v)| (k.to_owned(), v.to_owned()))
///     .into();
/// assert_eq!(metadata.keys().collect::<Vec<_>>(), ["a", "b"]);
/// ```
pub type Metadata = BTreeMap<String, String>;

/// Reads `null` as the type's default (empty string, empty map).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The answer to `$SRV.PING`: who is there.
///
/// ```
/// let doc = r#"{"type":"io.nats.micro.v1.ping_response","name":"greeter","id":"x1","version":"1.0.0","metadata":null}"#;
/// let ping: natskit_micro::PingResponse = serde_json::from_str(doc)?;
/// assert_eq!(ping.name, "greeter");
/// assert!(ping.metadata.is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PingResponse {
    /// Always [`PING_RESPONSE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The service's name, shared by all its instances.
    pub name: String,
    /// This instance's id (a NUID).
    pub id: String,
    /// The service's semantic version.
    pub version: String,
    /// The service's metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
}

/// The answer to `$SRV.INFO`: the service and its endpoints.
///
/// ```
/// let doc = r#"{"type":"io.nats.micro.v1.info_response","name":"calc","id":"x1","version":"1.0.0",
///   "metadata":{},"description":"adds","endpoints":[{"name":"add","subject":"math.add","queue_group":"q","metadata":null}]}"#;
/// let info: natskit_micro::InfoResponse = serde_json::from_str(doc)?;
/// assert_eq!(info.endpoints[0].subject, "math.add");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InfoResponse {
    /// Always [`INFO_RESPONSE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The service's name.
    pub name: String,
    /// This instance's id.
    pub id: String,
    /// The service's semantic version.
    pub version: String,
    /// The service's metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
    /// What the service does.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// Its endpoints, in the order they were added.
    #[serde(default, deserialize_with = "null_as_default")]
    pub endpoints: Vec<EndpointInfo>,
}

/// One endpoint in an [`InfoResponse`].
///
/// ```
/// let doc = r#"{"name":"add","subject":"math.add","queue_group":"q","metadata":{"unit":"none"}}"#;
/// let endpoint: natskit_micro::EndpointInfo = serde_json::from_str(doc)?;
/// assert_eq!(endpoint.metadata["unit"], "none");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointInfo {
    /// The endpoint's name.
    pub name: String,
    /// The subject it listens on.
    pub subject: String,
    /// Its queue group; empty when it has none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub queue_group: String,
    /// The endpoint's metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
}

/// The answer to `$SRV.STATS`: counters per endpoint since start (or the last reset).
///
/// ```
/// let doc = r#"{"type":"io.nats.micro.v1.stats_response","name":"calc","id":"x1","version":"1.0.0",
///   "metadata":{},"started":"2026-11-23T12:00:00.123456Z","endpoints":[]}"#;
/// let stats: natskit_micro::StatsResponse = serde_json::from_str(doc)?;
/// assert_eq!(stats.started, "2026-11-23T12:00:00.123456Z");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsResponse {
    /// Always [`STATS_RESPONSE_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The service's name.
    pub name: String,
    /// This instance's id.
    pub id: String,
    /// The service's semantic version.
    pub version: String,
    /// The service's metadata.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Metadata,
    /// When the service started, RFC 3339 in UTC.
    pub started: String,
    /// The counters of each endpoint.
    #[serde(default, deserialize_with = "null_as_default")]
    pub endpoints: Vec<EndpointStats>,
}

/// One endpoint's counters in a [`StatsResponse`]. Times are in nanoseconds.
///
/// ```
/// let doc = r#"{"name":"add","subject":"math.add","queue_group":"q","num_requests":2,"num_errors":1,
///   "last_error":"400:bad input","processing_time":3000,"average_processing_time":1500,"data":null}"#;
/// let stats: natskit_micro::EndpointStats = serde_json::from_str(doc)?;
/// assert_eq!(stats.average_processing_time, 1500);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointStats {
    /// The endpoint's name.
    pub name: String,
    /// The subject it listens on.
    pub subject: String,
    /// Its queue group; empty when it has none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub queue_group: String,
    /// Requests answered (or dropped unanswered).
    pub num_requests: u64,
    /// Requests answered with an error.
    pub num_errors: u64,
    /// The last error, as `"<code>:<description>"`; empty when none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub last_error: String,
    /// Time spent on all requests, in nanoseconds.
    pub processing_time: u64,
    /// `processing_time / num_requests`, in nanoseconds.
    pub average_processing_time: u64,
    /// What the service's stats handler added; `null` without one (always written: nats-py
    /// requires the field).
    #[serde(default)]
    pub data: Option<serde_json::Value>,
}
