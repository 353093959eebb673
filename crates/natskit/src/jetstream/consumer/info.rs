//! [`ConsumerInfo`]: a consumer's configuration and progress as the server reports them.

use serde::Deserialize;

use crate::jetstream::consumer::config::ConsumerConfig;

/// A consumer as `CONSUMER.INFO` (or a create) reports it.
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
/// let info = js.consumer_info("ORDERS", "billing").await?;
/// println!("{} to deliver, {} awaiting an ack", info.num_pending, info.num_ack_pending);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ConsumerInfo {
    /// The stream it reads.
    pub stream_name: String,
    /// Its name.
    pub name: String,
    /// When it was made, RFC 3339.
    pub created: String,
    /// Its configuration, with the server's defaults filled in.
    pub config: ConsumerConfig,
    /// The last delivery.
    pub delivered: SequenceInfo,
    /// Everything up to here is acknowledged.
    pub ack_floor: SequenceInfo,
    /// Deliveries waiting for their acknowledgement.
    pub num_ack_pending: u64,
    /// Messages delivered more than once and not yet acknowledged.
    pub num_redelivered: u64,
    /// Pull requests waiting.
    pub num_waiting: u64,
    /// Messages matching its filter not yet delivered.
    pub num_pending: u64,
    /// A push consumer: whether a subscription is on its deliver subject.
    pub push_bound: bool,
}

/// A position in the consumer's and the stream's sequences.
///
/// ```
/// let s: natskit::jetstream::SequenceInfo =
///     serde_json::from_str(r#"{"consumer_seq":3,"stream_seq":10}"#).unwrap();
/// assert_eq!((s.consumer_seq, s.stream_seq), (3, 10));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct SequenceInfo {
    /// The consumer's sequence: deliveries counted.
    pub consumer_seq: u64,
    /// The stream's sequence of the message.
    pub stream_seq: u64,
    /// When it was last active, RFC 3339, if ever.
    pub last_active: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumer_info_of_2_10_reads() {
        let json = r#"{"type":"io.nats.jetstream.api.v1.consumer_create_response","stream_name":"S","name":"d",
            "created":"2026-12-02T20:00:00Z","config":{"durable_name":"d","ack_policy":"explicit"},
            "delivered":{"consumer_seq":2,"stream_seq":5,"last_active":"2026-12-02T20:00:01Z"},
            "ack_floor":{"consumer_seq":1,"stream_seq":4},"num_ack_pending":1,"num_redelivered":0,
            "num_waiting":1,"num_pending":7,"cluster":{"leader":"x"},"ts":"2026-12-02T20:00:03Z"}"#;
        let info: ConsumerInfo = serde_json::from_str(json).expect("parses");
        assert_eq!((info.stream_name.as_str(), info.name.as_str()), ("S", "d"));
        assert_eq!(info.delivered.stream_seq, 5);
        assert_eq!(info.ack_floor.last_active, None);
        assert_eq!((info.num_pending, info.num_waiting), (7, 1));
    }
}
