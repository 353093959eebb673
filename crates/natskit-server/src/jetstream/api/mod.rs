//! The `$JS.API` requests: which subject asks for what, and the JSON around the answers.

pub(crate) mod config;
pub(crate) mod consumers;
pub(crate) mod errors;
pub(crate) mod streams;

use std::time::SystemTime;

use bytes::Bytes;
use natskit_proto::time::{rfc3339, Precision};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::engine::Engine;
use errors::ApiError;

/// The time format of the API (`0001-01-01T00:00:00Z` for "never").
pub(crate) fn api_time(nanos: i64) -> String {
    if nanos <= 0 {
        return "0001-01-01T00:00:00Z".to_owned();
    }
    rfc3339(
        SystemTime::UNIX_EPOCH + std::time::Duration::from_nanos(nanos as u64),
        Precision::Nanos,
    )
}

/// Now, in the API's format.
pub(crate) fn now_text() -> String {
    rfc3339(SystemTime::now(), Precision::Nanos)
}

/// An error answer of response type `kind`.
pub(crate) fn error_body(kind: &str, error: &ApiError) -> Value {
    json!({"type": format!("io.nats.jetstream.api.v1.{kind}"), "error": error.to_json()})
}

/// Reads a request body as nats-server does: empty and `null` are "nothing"; `None` for
/// them, an error for text that is not JSON.
pub(crate) fn parse_body(payload: &[u8]) -> Result<Option<Value>, ApiError> {
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(payload).map_err(|_| ApiError::invalid_json())?;
    Ok(match value {
        Value::Null => None,
        other => Some(config::without_nulls(other)),
    })
}

/// A typed request body, its defaults when the body was empty or `null`.
pub(crate) fn parse_as<T: DeserializeOwned + Default>(payload: &[u8]) -> Result<T, ApiError> {
    match parse_body(payload)? {
        None => Ok(T::default()),
        // `[]` from clients that send an empty list for "nothing".
        Some(Value::Array(items)) if items.is_empty() => Ok(T::default()),
        Some(value) => serde_json::from_value(value).map_err(|_| ApiError::invalid_json()),
    }
}

impl Engine {
    /// Routes one `$JS.API` request.
    pub(crate) fn api(&mut self, subject: &str, reply: Option<&str>, payload: Bytes) {
        let Some(rest) = subject.strip_prefix("$JS.API.") else {
            return;
        };
        self.api_total += 1;
        let tokens: Vec<&str> = rest.split('.').collect();
        match tokens.as_slice() {
            ["INFO"] => {
                let body = self.account_info();
                self.answer(reply, &body);
            }
            ["STREAM", "CREATE", name] => self.stream_create(name, reply, &payload, false),
            ["STREAM", "UPDATE", name] => self.stream_create(name, reply, &payload, true),
            ["STREAM", "INFO", name] => self.stream_info(name, reply, &payload),
            ["STREAM", "DELETE", name] => self.stream_delete(name, reply),
            ["STREAM", "PURGE", name] => self.stream_purge(name, reply, &payload),
            ["STREAM", "NAMES"] => self.stream_names(reply, &payload),
            ["STREAM", "LIST"] => self.stream_list(reply, &payload),
            ["STREAM", "MSG", "GET", name] => self.stream_msg_get(name, reply, &payload),
            ["STREAM", "MSG", "DELETE", name] => self.stream_msg_delete(name, reply, &payload),
            ["DIRECT", "GET", name] => self.direct_get(name, None, reply, &payload),
            ["DIRECT", "GET", name, subject @ ..] if !subject.is_empty() => {
                let subject = subject.join(".");
                self.direct_get(name, Some(&subject), reply, &payload)
            }
            ["CONSUMER", "CREATE", stream] => {
                self.consumer_create(stream, None, None, reply, &payload)
            }
            ["CONSUMER", "CREATE", stream, consumer] => {
                self.consumer_create(stream, Some(consumer), None, reply, &payload)
            }
            ["CONSUMER", "CREATE", stream, consumer, filter @ ..] => {
                let filter = filter.join(".");
                self.consumer_create(stream, Some(consumer), Some(&filter), reply, &payload)
            }
            ["CONSUMER", "DURABLE", "CREATE", stream, consumer] => {
                self.consumer_create(stream, Some(consumer), None, reply, &payload)
            }
            ["CONSUMER", "INFO", stream, consumer] => self.consumer_info(stream, consumer, reply),
            ["CONSUMER", "DELETE", stream, consumer] => {
                self.consumer_delete(stream, consumer, reply)
            }
            ["CONSUMER", "NAMES", stream] => self.consumer_names(stream, reply, &payload),
            ["CONSUMER", "LIST", stream] => self.consumer_list(stream, reply, &payload),
            ["CONSUMER", "MSG", "NEXT", stream, consumer] => {
                self.consumer_next(stream, consumer, reply, &payload)
            }
            // nats-server does not answer what it does not know.
            _ => self.api_total -= 1,
        }
    }

    /// Answers with an error of response type `kind`, and counts it.
    pub(crate) fn fail(&mut self, reply: Option<&str>, kind: &str, error: &ApiError) {
        self.api_errors += 1;
        self.answer(reply, &error_body(kind, error));
    }

    /// `$JS.API.INFO`: the account's usage and limits.
    fn account_info(&self) -> Value {
        let (mut memory, mut storage, mut consumers) = (0u64, 0u64, 0usize);
        for stream in self.streams.values() {
            let bytes = stream.store.state().bytes;
            match stream.config.storage {
                config::Storage::Memory => memory += bytes,
                config::Storage::File => storage += bytes,
            }
            consumers += stream.consumers.len();
        }
        let mut info = json!({
            "type": "io.nats.jetstream.api.v1.account_info_response",
            "memory": memory,
            "storage": storage,
            "reserved_memory": 0,
            "reserved_storage": 0,
            "streams": self.streams.len(),
            "consumers": consumers,
            "limits": {
                // The account's own limits: none (the server's apply to all accounts).
                "max_memory": -1,
                "max_storage": -1,
                "max_streams": -1,
                "max_consumers": -1,
                "max_ack_pending": -1,
                "memory_max_stream_bytes": -1,
                "storage_max_stream_bytes": -1,
                "max_bytes_required": false,
            },
            "api": {"total": self.api_total, "errors": self.api_errors},
        });
        if let Some(domain) = &self.options.domain {
            info["domain"] = json!(domain);
        }
        info
    }
}
