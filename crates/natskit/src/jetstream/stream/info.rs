//! [`StreamInfo`]: a stream's configuration and state as the server reports them.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::jetstream::stream::config::StreamConfig;
use crate::jetstream::wire::null_default;

/// A stream's configuration (with the server's defaults filled in) and state.
///
/// Times are RFC 3339 text as the server writes them.
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
/// let info = js.stream_info("ORDERS").await?;
/// println!("{}: {} messages, {} .. {}", info.config.name, info.state.messages,
///     info.state.first_seq, info.state.last_seq);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StreamInfo {
    /// The configuration in force.
    pub config: StreamConfig,
    /// When the stream was created.
    pub created: String,
    /// What it holds.
    pub state: StreamState,
    /// When the server gathered this.
    pub ts: Option<String>,
}

/// What a stream holds.
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
/// let state = js.stream_info("ORDERS").await?.state;
/// println!("{} messages in {} bytes, {} consumers", state.messages, state.bytes, state.consumer_count);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct StreamState {
    /// Messages stored.
    pub messages: u64,
    /// Bytes stored.
    pub bytes: u64,
    /// Sequence of the first message (the next one's when empty).
    pub first_seq: u64,
    /// Time of the first message.
    pub first_ts: String,
    /// Sequence of the last message.
    pub last_seq: u64,
    /// Time of the last message.
    pub last_ts: String,
    /// Distinct subjects.
    pub num_subjects: u64,
    /// Messages per subject, when asked for.
    #[serde(deserialize_with = "null_default")]
    pub subjects: BTreeMap<String, u64>,
    /// Messages deleted inside the range.
    pub num_deleted: u64,
    /// Their sequences, when asked for.
    #[serde(deserialize_with = "null_default")]
    pub deleted: Vec<u64>,
    /// Consumers.
    pub consumer_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_info_of_2_10_reads() {
        let json = r#"{"type":"io.nats.jetstream.api.v1.stream_info_response","total":0,"offset":0,"limit":0,
            "config":{"name":"S","subjects":["s.>"],"retention":"limits","storage":"memory","num_replicas":1},
            "created":"2026-12-02T20:00:00.123456789Z",
            "state":{"messages":2,"bytes":80,"first_seq":1,"first_ts":"2026-12-02T20:00:01Z",
                     "last_seq":2,"last_ts":"2026-12-02T20:00:02Z","num_subjects":1,"consumer_count":0},
            "cluster":{"leader":"x"},"ts":"2026-12-02T20:00:03Z"}"#;
        let info: StreamInfo = serde_json::from_str(json).expect("parses");
        assert_eq!(info.config.name, "S");
        assert_eq!((info.state.messages, info.state.last_seq), (2, 2));
        assert!(info.state.subjects.is_empty());
        assert_eq!(info.ts.as_deref(), Some("2026-12-02T20:00:03Z"));
    }
}
