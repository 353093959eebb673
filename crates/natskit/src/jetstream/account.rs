//! The account's JetStream usage and limits (`$JS.API.INFO`).

use serde::Deserialize;

use crate::jetstream::context::Context;
use crate::jetstream::error::JetStreamError;

/// What the account uses of JetStream and what it may use, as `$JS.API.INFO` reports it.
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
/// let info = js.account_info().await?;
/// println!("{} streams, {} bytes on disk, API level {}", info.streams, info.storage, info.api.level);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AccountInfo {
    /// Bytes of memory storage in use.
    pub memory: u64,
    /// Bytes of file storage in use.
    pub storage: u64,
    /// Bytes of memory storage reserved by streams' `max_bytes`.
    pub reserved_memory: u64,
    /// Bytes of file storage reserved by streams' `max_bytes`.
    pub reserved_storage: u64,
    /// Number of streams.
    pub streams: u64,
    /// Number of consumers.
    pub consumers: u64,
    /// The account's limits.
    pub limits: AccountLimits,
    /// The JetStream domain, when the server has one.
    pub domain: Option<String>,
    /// API call counts.
    pub api: ApiStats,
}

/// The limits of an account; -1 means unlimited.
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
/// let limits = js.account_info().await?.limits;
/// if limits.max_streams == -1 { println!("as many streams as you like") }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct AccountLimits {
    /// Bytes of memory storage.
    pub max_memory: i64,
    /// Bytes of file storage.
    pub max_storage: i64,
    /// Streams.
    pub max_streams: i64,
    /// Consumers.
    pub max_consumers: i64,
    /// Unacknowledged messages per consumer.
    pub max_ack_pending: i64,
    /// Bytes of one memory stream.
    pub memory_max_stream_bytes: i64,
    /// Bytes of one file stream.
    pub storage_max_stream_bytes: i64,
    /// Whether every stream must set `max_bytes`.
    pub max_bytes_required: bool,
}

/// How the account has used the API.
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
/// let api = js.account_info().await?.api;
/// println!("{} calls, {} errors", api.total, api.errors);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ApiStats {
    /// API calls made.
    pub total: u64,
    /// API calls that failed.
    pub errors: u64,
    /// The API level the server supports (0 before nats-server 2.11, which added it): gate
    /// newer features on it.
    pub level: u32,
}

impl Context {
    /// The account's JetStream usage and limits.
    ///
    /// Fails with [`JetStreamError::Unavailable`] when nobody answers (JetStream off, or a
    /// wrong domain or prefix), and with an [`ApiError`](crate::jetstream::ApiError) of
    /// [`NOT_ENABLED_FOR_ACCOUNT`](crate::jetstream::ApiError::NOT_ENABLED_FOR_ACCOUNT) when
    /// this account has no JetStream.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let info = js.account_info().await?;
    /// println!("{info:?}");
    /// # Ok(()) }
    /// ```
    pub async fn account_info(&self) -> Result<AccountInfo, JetStreamError> {
        self.api_call_raw(&self.api_subject("INFO"), bytes::Bytes::new())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_info_reads_what_2_10_sends_and_ignores_the_rest() {
        let json = r#"{"type":"io.nats.jetstream.api.v1.account_info_response","memory":0,"storage":120,
            "reserved_memory":0,"reserved_storage":0,"streams":1,"consumers":0,
            "limits":{"max_memory":-1,"max_storage":-1,"max_streams":-1,"max_consumers":-1,
            "max_ack_pending":-1,"memory_max_stream_bytes":-1,"storage_max_stream_bytes":-1,
            "max_bytes_required":false},"api":{"total":3,"errors":1},"tiers":{"R1":{}}}"#;
        let info: AccountInfo = serde_json::from_str(json).expect("parses");
        assert_eq!((info.streams, info.storage, info.api.total), (1, 120, 3));
        assert_eq!(info.limits.max_streams, -1);
        assert_eq!(info.domain, None);
        assert_eq!(info.api.level, 0);
    }
}
