//! The documents `--json` prints, one a line: streams and consumers in the shape of the
//! server's own info answers (every policy spelled out, durations in nanoseconds, as the
//! server writes them; keys sorted), messages with their headers as lists and the payload as
//! text or base64, as `sub --json` has them, and key-value entries, writes and bucket statuses
//! (keys in the order documented), and object stores' statuses and objects' info.

use base64::Engine as _;
use natskit::jetstream::kv::{Entry, KvStatus, Operation};
use natskit::jetstream::object::{ObjectInfo, ObjectStoreStatus};
use natskit::jetstream::{
    ConsumerConfig, ConsumerInfo, DeliverPolicy, Message, MessageInfo, SequenceInfo, StoredMessage,
    StreamConfig, StreamInfo,
};
use natskit::HeaderMap;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::CliError;
use crate::js::show;
use crate::json::Headers;

/// `value` as one line of text.
pub fn line(value: &Value) -> Result<String, CliError> {
    encode(value)
}

/// A stream's info: `config`, `created`, `state`, `ts`.
pub fn stream_info(info: &StreamInfo) -> Value {
    let state = &info.state;
    let mut state_json = json!({
        "messages": state.messages,
        "bytes": state.bytes,
        "first_seq": state.first_seq,
        "first_ts": state.first_ts,
        "last_seq": state.last_seq,
        "last_ts": state.last_ts,
        "num_subjects": state.num_subjects,
        "num_deleted": state.num_deleted,
        "consumer_count": state.consumer_count,
    });
    if !state.subjects.is_empty() {
        state_json["subjects"] = json!(state.subjects);
    }
    if !state.deleted.is_empty() {
        state_json["deleted"] = json!(state.deleted);
    }
    json!({
        "config": stream_config(&info.config),
        "created": info.created,
        "state": state_json,
        "ts": info.ts,
    })
}

/// A stream's configuration with its policies written out even where they are the defaults
/// (the library leaves defaults out of what it sends).
fn stream_config(config: &StreamConfig) -> Value {
    let mut value = serde_json::to_value(config).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut value {
        fill(map, "subjects", json!(config.subjects));
        fill(map, "retention", json!(config.retention));
        fill(map, "storage", json!(config.storage));
        fill(map, "discard", json!(config.discard));
        fill(map, "num_replicas", json!(config.num_replicas));
        fill(map, "max_consumers", json!(config.max_consumers));
        fill(map, "max_msgs", json!(config.max_msgs));
        fill(map, "max_bytes", json!(config.max_bytes));
        fill(map, "max_age", json!(0));
        fill(
            map,
            "max_msgs_per_subject",
            json!(config.max_msgs_per_subject),
        );
        fill(map, "max_msg_size", json!(config.max_msg_size));
        fill(map, "allow_direct", json!(config.allow_direct));
        fill(map, "deny_delete", json!(config.deny_delete));
        fill(map, "deny_purge", json!(config.deny_purge));
        fill(map, "allow_rollup_hdrs", json!(config.allow_rollup_hdrs));
        fill(map, "sealed", json!(config.sealed));
    }
    value
}

/// A consumer's info: `stream_name`, `name`, `created`, `config`, `delivered`, `ack_floor`
/// and the counts.
pub fn consumer_info(info: &ConsumerInfo) -> Value {
    json!({
        "stream_name": info.stream_name,
        "name": info.name,
        "created": info.created,
        "config": consumer_config(&info.config),
        "delivered": sequence(&info.delivered),
        "ack_floor": sequence(&info.ack_floor),
        "num_ack_pending": info.num_ack_pending,
        "num_redelivered": info.num_redelivered,
        "num_waiting": info.num_waiting,
        "num_pending": info.num_pending,
        "push_bound": info.push_bound,
    })
}

/// A consumer's configuration with its policies written out.
fn consumer_config(config: &ConsumerConfig) -> Value {
    let mut value = serde_json::to_value(config).unwrap_or_else(|_| json!({}));
    if let Value::Object(map) = &mut value {
        if config.deliver_policy == DeliverPolicy::All {
            fill(map, "deliver_policy", json!("all"));
        }
        fill(map, "replay_policy", json!(config.replay_policy));
        fill(map, "max_deliver", json!(config.max_deliver));
        fill(map, "max_ack_pending", json!(config.max_ack_pending));
    }
    value
}

/// A position in the consumer's and the stream's sequences.
fn sequence(s: &SequenceInfo) -> Value {
    json!({
        "consumer_seq": s.consumer_seq,
        "stream_seq": s.stream_seq,
        "last_active": s.last_active,
    })
}

/// A message's headers and payload, as `sub --json` has them: `headers` (each name with the
/// list of its values), then `payload` when it is UTF-8 text, else `payload_base64`.
#[derive(Serialize)]
struct Body<'a> {
    headers: Headers<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload_base64: Option<String>,
}

impl<'a> Body<'a> {
    fn new(headers: Option<&'a HeaderMap>, payload: &'a [u8]) -> Self {
        let text = std::str::from_utf8(payload).ok();
        Body {
            headers: Headers(headers),
            payload: text,
            payload_base64: match text {
                Some(_) => None,
                None => Some(base64::engine::general_purpose::STANDARD.encode(payload)),
            },
        }
    }
}

/// `stream get --json`.
#[derive(Serialize)]
struct Stored<'a> {
    stream: &'a str,
    seq: u64,
    subject: &'a str,
    time: &'a str,
    #[serde(flatten)]
    body: Body<'a>,
}

/// `consumer next --json`.
#[derive(Serialize)]
struct Delivered<'a> {
    stream: &'a str,
    consumer: &'a str,
    subject: &'a str,
    stream_seq: u64,
    consumer_seq: u64,
    delivered: u64,
    pending: u64,
    published: String,
    #[serde(flatten)]
    body: Body<'a>,
}

/// A stored message (`stream get`): `stream`, `seq`, `subject`, `time`, `headers`, then
/// `payload` or `payload_base64`.
pub fn stored_message(stream: &str, msg: &StoredMessage) -> Result<String, CliError> {
    encode(&Stored {
        stream,
        seq: msg.sequence,
        subject: &msg.subject,
        time: &msg.time,
        body: Body::new(msg.headers.as_ref(), &msg.payload),
    })
}

/// A message a consumer delivered (`consumer next`): `stream`, `consumer`, `subject`, the
/// sequences, `delivered` (how many times), `pending`, `published` (RFC 3339), `headers`,
/// then `payload` or `payload_base64`.
pub fn delivered_message(msg: &Message, info: &MessageInfo) -> Result<String, CliError> {
    encode(&Delivered {
        stream: &info.stream,
        consumer: &info.consumer,
        subject: msg.subject.as_str(),
        stream_seq: info.stream_sequence,
        consumer_seq: info.consumer_sequence,
        delivered: info.delivered,
        pending: info.pending,
        published: crate::clock::rfc3339_millis(info.published),
        body: Body::new(msg.headers.as_ref(), &msg.payload),
    })
}

/// A bucket's status (`kv status`, `kv ls`, `kv add`): `bucket`, `description`, `values`,
/// `history`, `ttl` (nanoseconds), `bytes`, `max_value_size`, `max_bucket_size` (-1 for no
/// limit), `storage`, `replicas`, `compressed`, `backing_store`, and `stream`, the info of the
/// stream underneath as `stream info --json` has it (keys sorted, as in the info documents).
pub fn kv_status(status: &KvStatus) -> Value {
    let config = &status.stream.config;
    json!({
        "bucket": status.bucket,
        "description": config.description,
        "values": status.values,
        "history": status.history,
        "ttl": u64::try_from(status.ttl.as_nanos()).unwrap_or(u64::MAX),
        "bytes": status.bytes,
        "max_value_size": config.max_msg_size,
        "max_bucket_size": config.max_bytes,
        "storage": config.storage,
        "replicas": config.num_replicas.max(1),
        "compressed": status.compressed,
        "backing_store": status.backing_store,
        "stream": stream_info(&status.stream),
    })
}

/// A key's value (or its deletion), with the value as text or base64 like a message's payload.
#[derive(Serialize)]
struct KvEntry<'a> {
    bucket: &'a str,
    key: &'a str,
    revision: u64,
    operation: &'static str,
    created: &'a str,
    delta: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_base64: Option<String>,
}

/// An entry (`kv get`, `kv history`, `kv watch`): `bucket`, `key`, `revision`, `operation`
/// (`PUT`, `DEL` or `PURGE`), `created` (RFC 3339), `delta` (how many newer entries followed
/// when it was read), then `value` when it is UTF-8 text, else `value_base64`.
pub fn kv_entry(entry: &Entry) -> Result<String, CliError> {
    let text = std::str::from_utf8(&entry.value).ok();
    encode(&KvEntry {
        bucket: &entry.bucket,
        key: &entry.key,
        revision: entry.revision,
        operation: show::operation(entry.operation),
        created: &entry.created,
        delta: entry.delta,
        value: text,
        value_base64: match text {
            Some(_) => None,
            None => Some(base64::engine::general_purpose::STANDARD.encode(&entry.value)),
        },
    })
}

/// What a write did (`kv put`, `create`, `update`, `del`, `purge`): `bucket`, `key`,
/// `revision` (the new one), `operation`.
#[derive(Serialize)]
struct KvWritten<'a> {
    bucket: &'a str,
    key: &'a str,
    revision: u64,
    operation: &'static str,
}

/// A write's document: `{"bucket", "key", "revision", "operation"}`.
pub fn kv_written(
    bucket: &str,
    key: &str,
    revision: u64,
    operation: Operation,
) -> Result<String, CliError> {
    encode(&KvWritten {
        bucket,
        key,
        revision,
        operation: show::operation(operation),
    })
}

/// The line `kv watch --json` prints once the values stored when it began are all sent:
/// `{"bucket": ..., "end_of_initial": true}`.
pub fn kv_end_of_initial(bucket: &str) -> Result<String, CliError> {
    encode(&json!({"bucket": bucket, "end_of_initial": true}))
}

/// An object store bucket's status (`obj info BUCKET`, `obj ls`, `obj add`, `obj seal`):
/// `bucket`, `description`, `ttl` (nanoseconds), `size` (bytes stored), `max_bucket_size` (-1
/// for no limit), `storage`, `replicas`, `sealed`, `compressed`, `metadata`, `backing_store`,
/// and `stream`, the stream underneath as `stream info --json` has it.
pub fn obj_status(status: &ObjectStoreStatus) -> Value {
    json!({
        "bucket": status.bucket,
        "description": status.description,
        "ttl": u64::try_from(status.ttl.as_nanos()).unwrap_or(u64::MAX),
        "size": status.size,
        "max_bucket_size": status.stream_info.config.max_bytes,
        "storage": status.storage,
        "replicas": status.replicas.max(1),
        "sealed": status.sealed,
        "compressed": status.compressed,
        "metadata": status.metadata,
        "backing_store": status.backing_store(),
        "stream": stream_info(&status.stream_info),
    })
}

/// An object's info (`obj info BUCKET NAME`, `obj put`, `obj ls BUCKET`, `obj watch`):
/// `bucket`, `name`, `description`, `size`, `chunks`, `digest` (`SHA-256=<base64url>`, empty
/// for a deleted object or a link), `modified` (RFC 3339), `deleted`, `nuid`, `chunk_size`,
/// `headers` (each name with the list of its values), `metadata`, and `link` (`null`, or the
/// `bucket` and `name` it points at; no name for a whole bucket).
pub fn obj_info(info: &ObjectInfo) -> Value {
    let link = info.options.link.as_ref().map(|link| {
        json!({
            "bucket": link.bucket,
            "name": if link.is_bucket() { Value::Null } else { json!(link.name) },
        })
    });
    json!({
        "bucket": info.bucket,
        "name": info.name,
        "description": info.description,
        "size": info.size,
        "chunks": info.chunks,
        "digest": info.digest,
        "modified": info.mtime,
        "deleted": info.deleted,
        "nuid": info.nuid,
        "chunk_size": info.options.max_chunk_size,
        "headers": info.headers,
        "metadata": info.metadata,
        "link": link,
    })
}

/// The line `obj watch --json` prints once the objects stored when it began are all sent:
/// `{"bucket": ..., "end_of_initial": true}`, as `kv watch --json` has it.
pub fn obj_end_of_initial(bucket: &str) -> Result<String, CliError> {
    kv_end_of_initial(bucket)
}

/// `document` as one line of text.
fn encode(document: &impl Serialize) -> Result<String, CliError> {
    serde_json::to_string(document)
        .map(|mut text| {
            text.push('\n');
            text
        })
        .map_err(|e| CliError::msg(format!("cannot encode JSON: {e}")))
}

/// Sets `key` when the serialized configuration left it out.
fn fill(map: &mut Map<String, Value>, key: &str, value: Value) {
    map.entry(key).or_insert(value);
}
