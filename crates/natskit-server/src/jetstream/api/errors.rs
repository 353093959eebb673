//! The `$JS.API` errors, with nats-server's HTTP-like code, its `err_code` and its words, so
//! clients that branch on `err_code` behave as they do against nats-server.

use serde_json::{json, Value};

/// One API error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) code: u16,
    pub(crate) err_code: u16,
    pub(crate) description: String,
}

impl ApiError {
    fn new(code: u16, err_code: u16, description: impl Into<String>) -> Self {
        ApiError {
            code,
            err_code,
            description: description.into(),
        }
    }

    /// The `error` object of a response.
    pub(crate) fn to_json(&self) -> Value {
        json!({"code": self.code, "err_code": self.err_code, "description": self.description})
    }

    pub(crate) fn bad_request() -> Self {
        Self::new(400, 10003, "bad request")
    }
    pub(crate) fn invalid_json() -> Self {
        Self::new(400, 10025, "invalid JSON")
    }
    pub(crate) fn stream_not_found() -> Self {
        Self::new(404, 10059, "stream not found")
    }
    pub(crate) fn consumer_not_found() -> Self {
        Self::new(404, 10014, "consumer not found")
    }
    pub(crate) fn stream_name_in_use() -> Self {
        Self::new(
            400,
            10058,
            "stream name already in use with a different configuration",
        )
    }
    pub(crate) fn subjects_overlap() -> Self {
        Self::new(400, 10065, "subjects overlap with an existing stream")
    }
    pub(crate) fn stream_name_mismatch() -> Self {
        Self::new(400, 10056, "stream name in subject does not match request")
    }
    pub(crate) fn stream_name_required() -> Self {
        Self::new(400, 10049, "stream name is required")
    }
    pub(crate) fn invalid_stream_name() -> Self {
        Self::new(400, 10052, "invalid stream name")
    }
    pub(crate) fn stream_config(description: impl std::fmt::Display) -> Self {
        Self::new(500, 10052, description.to_string())
    }
    pub(crate) fn invalid_config(description: impl std::fmt::Display) -> Self {
        Self::new(400, 10052, description.to_string())
    }
    pub(crate) fn no_message_found() -> Self {
        Self::new(404, 10037, "no message found")
    }
    pub(crate) fn delete_no_message() -> Self {
        Self::new(500, 10057, "no message found")
    }
    pub(crate) fn wrong_last_sequence(last: u64) -> Self {
        Self::new(400, 10071, format!("wrong last sequence: {last}"))
    }
    pub(crate) fn expected_stream_mismatch() -> Self {
        Self::new(400, 10060, "expected stream does not match")
    }
    pub(crate) fn wrong_last_msg_id(last: &str) -> Self {
        Self::new(400, 10070, format!("wrong last msg ID: {last}"))
    }
    pub(crate) fn message_too_big() -> Self {
        Self::new(400, 10054, "message size exceeds maximum allowed")
    }
    pub(crate) fn maximum_messages_exceeded() -> Self {
        Self::store_failed("maximum messages exceeded")
    }
    pub(crate) fn maximum_bytes_exceeded() -> Self {
        Self::store_failed("maximum bytes exceeded")
    }
    pub(crate) fn maximum_messages_per_subject_exceeded() -> Self {
        Self::store_failed("maximum messages per subject exceeded")
    }
    pub(crate) fn rollup_not_permitted() -> Self {
        Self::new(500, 10111, "rollup not permitted")
    }
    pub(crate) fn invalid_rollup(value: &str) -> Self {
        Self::new(500, 10111, format!("rollup value invalid: {value:?}"))
    }
    pub(crate) fn delete_denied() -> Self {
        Self::new(500, 10057, "message delete not permitted")
    }
    pub(crate) fn purge_denied() -> Self {
        Self::new(500, 10110, "stream purge not permitted")
    }
    pub(crate) fn storage_change() -> Self {
        Self::new(
            500,
            10052,
            "stream configuration update can not change storage type",
        )
    }
    pub(crate) fn invalid_policy(description: String) -> Self {
        Self::new(400, 10094, description)
    }
    pub(crate) fn overlapping_filters() -> Self {
        Self::new(400, 10138, "consumer subject filters cannot overlap")
    }
    pub(crate) fn flow_control_needs_heartbeats() -> Self {
        Self::new(
            400,
            10108,
            "consumer with flow control also needs heartbeats",
        )
    }
    pub(crate) fn replicas_not_supported() -> Self {
        Self::new(
            500,
            10074,
            "replicas > 1 not supported in non-clustered mode",
        )
    }
    pub(crate) fn not_enabled_for_account() -> Self {
        Self::new(503, 10039, "JetStream not enabled for account")
    }
    pub(crate) fn insufficient_memory() -> Self {
        Self::new(500, 10028, "insufficient memory resources available")
    }
    pub(crate) fn insufficient_storage() -> Self {
        Self::new(500, 10047, "insufficient storage resources available")
    }
    pub(crate) fn insufficient_resources() -> Self {
        Self::new(503, 10023, "insufficient resources")
    }
    pub(crate) fn consumer_name_mismatch() -> Self {
        Self::new(
            400,
            10017,
            "consumer name in subject does not match durable name in request",
        )
    }
    pub(crate) fn consumer_does_not_exist() -> Self {
        Self::new(400, 10149, "consumer does not exist")
    }
    pub(crate) fn max_deliver_backoff() -> Self {
        Self::new(
            400,
            10116,
            "max deliver is required to be > length of backoff values",
        )
    }
    pub(crate) fn consumer_exists() -> Self {
        Self::new(400, 10148, "consumer already exists")
    }
    pub(crate) fn consumer_create(description: impl std::fmt::Display) -> Self {
        Self::new(400, 10012, description.to_string())
    }
    pub(crate) fn filter_mismatch() -> Self {
        Self::new(
            400,
            10131,
            "Consumer create request did not match filtered subject from create subject",
        )
    }
    pub(crate) fn push_on_workqueue_needs_unique_filter() -> Self {
        Self::new(
            400,
            10099,
            "multiple non-filtered consumers not allowed on workqueue stream",
        )
    }
    pub(crate) fn workqueue_overlap() -> Self {
        Self::new(
            400,
            10100,
            "filtered consumer not unique on workqueue stream",
        )
    }
    pub(crate) fn workqueue_must_be_explicit() -> Self {
        Self::new(400, 10098, "workqueue stream requires explicit ack")
    }
    pub(crate) fn durable_name_illegal() -> Self {
        Self::new(400, 10103, "durable name can not contain '.', '*', '>'")
    }
    pub(crate) fn pull_on_push_or_push_on_pull() -> Self {
        Self::new(400, 10105, "consumer deliver subject can not be updated")
    }
    pub(crate) fn stream_sealed() -> Self {
        Self::new(400, 10109, "invalid operation on sealed stream")
    }
    pub(crate) fn max_consumers() -> Self {
        Self::new(400, 10026, "maximum consumers limit reached")
    }
    pub(crate) fn store_failed(why: impl std::fmt::Display) -> Self {
        Self::new(503, 10077, why.to_string())
    }
}
