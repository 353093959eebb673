//! The stream requests: create, update, info, delete, purge, names, list, message get and
//! delete, direct get.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Value};

use super::config::{Storage, StreamConfig};
use super::errors::ApiError;
use super::{api_time, now_text, parse_as, parse_body};
use crate::jetstream::engine::Engine;
use crate::jetstream::store::{Purge, StoredMessage};
use crate::jetstream::stream::Stream;
use crate::jetstream::subjects::{overlap, valid_name};

/// How many names one `STREAM.NAMES` page holds, and streams one `STREAM.LIST` page.
const NAMES_PAGE: usize = 1024;
const LIST_PAGE: usize = 256;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InfoRequest {
    subjects_filter: String,
    deleted_details: bool,
    offset: usize,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NamesRequest {
    offset: usize,
    subject: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PurgeRequest {
    filter: String,
    seq: u64,
    keep: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GetRequest {
    seq: u64,
    last_by_subj: String,
    next_by_subj: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeleteRequest {
    seq: u64,
    no_erase: bool,
}

impl Engine {
    /// `STREAM.CREATE` (or `STREAM.UPDATE` when `update`).
    pub(crate) fn stream_create(
        &mut self,
        name: &str,
        reply: Option<&str>,
        payload: &[u8],
        update: bool,
    ) {
        let kind = if update {
            "stream_update_response"
        } else {
            "stream_create_response"
        };
        let result = self.try_stream_create(name, payload, update);
        match result {
            Ok(created) => {
                let mut body = self.stream_info_json(name, kind, &InfoRequest::default());
                if created {
                    body["did_create"] = json!(true);
                }
                self.answer(reply, &body);
            }
            Err(e) => self.fail(reply, kind, &e),
        }
    }

    /// Creates or updates; true when a stream was created.
    fn try_stream_create(
        &mut self,
        name: &str,
        payload: &[u8],
        update: bool,
    ) -> Result<bool, ApiError> {
        if payload.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid_json());
        }
        let mut config: StreamConfig = parse_as(payload)?;
        if config.name.is_empty() && !update && name.is_empty() {
            return Err(ApiError::stream_name_required());
        }
        if config.name != name {
            return Err(ApiError::stream_name_mismatch());
        }
        if !valid_name(name) {
            return Err(ApiError::invalid_stream_name());
        }
        config.normalize();
        self.check_config(&config)?;
        if let Some(existing) = self.streams.get(name) {
            if !update {
                return if existing.config == config {
                    Ok(false)
                } else {
                    Err(ApiError::stream_name_in_use())
                };
            }
            if existing.config.storage != config.storage {
                return Err(ApiError::storage_change());
            }
            if existing.config.retention != config.retention {
                return Err(ApiError::stream_config(
                    "stream configuration update can not change retention policy",
                ));
            }
            self.check_overlap(name, &config)?;
            let stream = self.streams.get_mut(name).expect("checked above");
            stream.config = config;
            let now = crate::jetstream::consumer::epoch_nanos(std::time::SystemTime::now());
            stream.enforce_limits(None, now);
            self.save_stream(name);
            self.subscribe_stream(name);
            return Ok(false);
        }
        if update {
            return Err(ApiError::stream_not_found());
        }
        self.check_overlap(name, &config)?;
        if !self.reservation_fits(&config) {
            return Err(match config.storage {
                Storage::Memory => ApiError::insufficient_memory(),
                Storage::File => ApiError::insufficient_storage(),
            });
        }
        let mut store = self
            .open_store(name, &config)
            .map_err(ApiError::store_failed)?;
        if config.first_seq > 1 && store.state().last_seq == 0 {
            // An empty stream that starts later: as if everything before had been purged.
            store
                .purge(&Purge {
                    up_to: Some(config.first_seq),
                    ..Purge::default()
                })
                .map_err(ApiError::store_failed)?;
        }
        let stream = Stream::new(config, store, std::time::SystemTime::now());
        self.streams.insert(name.to_owned(), stream);
        self.save_stream(name);
        self.subscribe_stream(name);
        Ok(true)
    }

    /// What nats-server refuses in a configuration whatever else exists.
    fn check_config(&self, config: &StreamConfig) -> Result<(), ApiError> {
        for subject in &config.subjects {
            if natskit_proto::subject::validate_subscribe(subject).is_err() {
                return Err(ApiError::invalid_config(format!(
                    "invalid subject {subject:?}"
                )));
            }
        }
        if config.max_age < 0 {
            return Err(ApiError::invalid_config("max age needs to be >= 0"));
        }
        if config.duplicate_window > config.max_age && config.max_age > 0 {
            return Err(ApiError::invalid_config(
                "duplicates window can not be larger then max age",
            ));
        }
        if config.allow_rollup_hdrs && config.deny_purge {
            return Err(ApiError::stream_config(
                "roll-ups require the purge permission",
            ));
        }
        if config.num_replicas > 1 {
            return Err(ApiError::replicas_not_supported());
        }
        // Said plainly rather than taken and ignored.
        if config.republish.is_some() || config.subject_transform.is_some() {
            return Err(ApiError::invalid_config(
                "republish and subject transforms are not supported by the embedded broker",
            ));
        }
        if config.mirror.is_some() || config.sources.is_some() {
            return Err(ApiError::invalid_config(
                "mirrors and sources are not supported by the embedded broker",
            ));
        }
        Ok(())
    }

    /// Refuses subjects another stream already captures.
    fn check_overlap(&self, name: &str, config: &StreamConfig) -> Result<(), ApiError> {
        for (other_name, other) in &self.streams {
            if other_name == name {
                continue;
            }
            for a in &config.subjects {
                if other.config.subjects.iter().any(|b| overlap(a, b)) {
                    return Err(ApiError::subjects_overlap());
                }
            }
        }
        Ok(())
    }

    /// `STREAM.INFO`.
    pub(crate) fn stream_info(&mut self, name: &str, reply: Option<&str>, payload: &[u8]) {
        let kind = "stream_info_response";
        let request: InfoRequest = match parse_as(payload) {
            Ok(r) => r,
            Err(e) => return self.fail(reply, kind, &e),
        };
        if !self.streams.contains_key(name) {
            self.api_errors += 1;
            let mut body = super::error_body(kind, &ApiError::stream_not_found());
            body["total"] = json!(0);
            body["offset"] = json!(0);
            body["limit"] = json!(0);
            return self.answer(reply, &body);
        }
        let body = self.stream_info_json(name, kind, &request);
        self.answer(reply, &body);
    }

    /// A stream's info, as `kind`'s response.
    fn stream_info_json(&self, name: &str, kind: &str, request: &InfoRequest) -> Value {
        let Some(stream) = self.streams.get(name) else {
            return super::error_body(kind, &ApiError::stream_not_found());
        };
        let mut body = stream_info(stream, request);
        body["type"] = json!(format!("io.nats.jetstream.api.v1.{kind}"));
        if kind == "stream_info_response" {
            let total = body["state"]["subjects"].as_object().map_or(0, |s| s.len());
            body["total"] = json!(total);
            body["offset"] = json!(request.offset);
            body["limit"] = json!(if request.subjects_filter.is_empty() {
                0
            } else {
                100_000
            });
            body["cluster"] = json!({"leader": self.state.server_name()});
        }
        body
    }

    /// `STREAM.DELETE`.
    pub(crate) fn stream_delete(&mut self, name: &str, reply: Option<&str>) {
        let kind = "stream_delete_response";
        let Some(mut stream) = self.streams.remove(name) else {
            return self.fail(reply, kind, &ApiError::stream_not_found());
        };
        self.unsubscribe_stream(name);
        let consumers: Vec<String> = stream.consumers.keys().cloned().collect();
        for consumer in consumers {
            if let Some(consumer) = stream.consumers.remove(&consumer) {
                self.consumer_gone(&consumer);
            }
        }
        if let Err(e) = stream.store.destroy() {
            tracing::error!("JetStream: removing the files of {name}: {e}");
        }
        self.remove_stream_files(name);
        self.answer(
            reply,
            &json!({"type": "io.nats.jetstream.api.v1.stream_delete_response", "success": true}),
        );
    }

    /// `STREAM.PURGE`.
    pub(crate) fn stream_purge(&mut self, name: &str, reply: Option<&str>, payload: &[u8]) {
        let kind = "stream_purge_response";
        let request: PurgeRequest = match parse_as(payload) {
            Ok(r) => r,
            Err(e) => return self.fail(reply, kind, &e),
        };
        let Some(stream) = self.streams.get_mut(name) else {
            return self.fail(reply, kind, &ApiError::stream_not_found());
        };
        if stream.config.deny_purge {
            return self.fail(reply, kind, &ApiError::purge_denied());
        }
        if stream.config.sealed {
            return self.fail(reply, kind, &ApiError::stream_sealed());
        }
        if request.keep > 0 && request.seq > 0 {
            return self.fail(reply, kind, &ApiError::bad_request());
        }
        let purge = Purge {
            filter: (!request.filter.is_empty()).then_some(request.filter),
            keep: (request.keep > 0).then_some(request.keep),
            up_to: (request.seq > 0).then_some(request.seq),
        };
        stream.forget_pending();
        match stream.store.purge(&purge) {
            Ok(purged) => self.answer(
                reply,
                &json!({"type": format!("io.nats.jetstream.api.v1.{kind}"), "success": true, "purged": purged}),
            ),
            Err(e) => self.fail(reply, kind, &ApiError::store_failed(e)),
        }
    }

    /// `STREAM.NAMES`, with an optional subject the streams must capture.
    pub(crate) fn stream_names(&mut self, reply: Option<&str>, payload: &[u8]) {
        let kind = "stream_names_response";
        let request: NamesRequest = match parse_as(payload) {
            Ok(r) => r,
            Err(e) => return self.fail(reply, kind, &e),
        };
        let names = self.matching_streams(&request.subject);
        let page: Vec<&String> = names.iter().skip(request.offset).take(NAMES_PAGE).collect();
        self.answer(
            reply,
            &json!({
                "type": format!("io.nats.jetstream.api.v1.{kind}"),
                "total": names.len(),
                "offset": request.offset,
                "limit": NAMES_PAGE,
                "streams": page,
            }),
        );
    }

    /// `STREAM.LIST`.
    pub(crate) fn stream_list(&mut self, reply: Option<&str>, payload: &[u8]) {
        let kind = "stream_list_response";
        let request: NamesRequest = match parse_as(payload) {
            Ok(r) => r,
            Err(e) => return self.fail(reply, kind, &e),
        };
        let names = self.matching_streams(&request.subject);
        let infos: Vec<Value> = names
            .iter()
            .skip(request.offset)
            .take(LIST_PAGE)
            .filter_map(|n| self.streams.get(n))
            .map(|s| {
                let mut info = stream_info(s, &InfoRequest::default());
                info["ts"] = json!(now_text());
                info
            })
            .collect();
        self.answer(
            reply,
            &json!({
                "type": format!("io.nats.jetstream.api.v1.{kind}"),
                "total": names.len(),
                "offset": request.offset,
                "limit": LIST_PAGE,
                "streams": infos,
            }),
        );
    }

    /// The names of the streams capturing `subject` (all of them when it is empty), sorted.
    fn matching_streams(&self, subject: &str) -> Vec<String> {
        self.streams
            .iter()
            .filter(|(_, s)| {
                subject.is_empty() || s.config.subjects.iter().any(|own| overlap(own, subject))
            })
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// `STREAM.MSG.GET`.
    pub(crate) fn stream_msg_get(&mut self, name: &str, reply: Option<&str>, payload: &[u8]) {
        let kind = "stream_msg_get_response";
        let found = self.find_message(name, None, payload);
        match found {
            Ok(message) => {
                let mut body = json!({
                    "subject": &*message.subject,
                    "seq": message.seq,
                    "time": api_time(message.time),
                });
                let b64 = base64::engine::general_purpose::STANDARD;
                if let Some(headers) = &message.headers {
                    body["hdrs"] = json!(b64.encode(headers));
                }
                if !message.payload.is_empty() {
                    body["data"] = json!(b64.encode(&message.payload));
                }
                self.answer(
                    reply,
                    &json!({"type": format!("io.nats.jetstream.api.v1.{kind}"), "message": body}),
                );
            }
            Err(e) => self.fail(reply, kind, &e),
        }
    }

    /// The message a get request names: by sequence, last by subject (wildcards too), or
    /// next by subject from a sequence; `subject` is the direct get's subject form.
    fn find_message(
        &self,
        name: &str,
        subject: Option<&str>,
        payload: &[u8],
    ) -> Result<StoredMessage, ApiError> {
        let stream = self
            .streams
            .get(name)
            .ok_or_else(ApiError::stream_not_found)?;
        let store = &stream.store;
        if let Some(subject) = subject {
            return store
                .last_matching(subject)
                .ok_or_else(ApiError::no_message_found);
        }
        if parse_body(payload)?.is_none() {
            return Err(ApiError::bad_request());
        }
        let request: GetRequest = parse_as(payload)?;
        let found = if !request.next_by_subj.is_empty() {
            store.next_matching(
                request.seq.max(1),
                std::slice::from_ref(&request.next_by_subj),
            )
        } else if !request.last_by_subj.is_empty() {
            store.last_matching(&request.last_by_subj)
        } else if request.seq > 0 {
            store.get(request.seq)
        } else {
            return Err(ApiError::bad_request());
        };
        found.ok_or_else(ApiError::no_message_found)
    }

    /// `STREAM.MSG.DELETE`.
    pub(crate) fn stream_msg_delete(&mut self, name: &str, reply: Option<&str>, payload: &[u8]) {
        let kind = "stream_msg_delete_response";
        let request: DeleteRequest = match parse_as(payload) {
            Ok(r) => r,
            Err(e) => return self.fail(reply, kind, &e),
        };
        // `no_erase` or not, a removal is logical: the bytes stay in their segment until it is
        // compacted (nats-server overwrites them unless asked not to).
        let _ = request.no_erase;
        let Some(stream) = self.streams.get_mut(name) else {
            return self.fail(reply, kind, &ApiError::stream_not_found());
        };
        if stream.config.deny_delete {
            return self.fail(reply, kind, &ApiError::delete_denied());
        }
        stream.forget_pending();
        match stream.store.remove(request.seq) {
            Ok(true) => self.answer(
                reply,
                &json!({"type": format!("io.nats.jetstream.api.v1.{kind}"), "success": true}),
            ),
            Ok(false) => self.fail(reply, kind, &ApiError::delete_no_message()),
            Err(e) => self.fail(reply, kind, &ApiError::store_failed(e)),
        }
    }

    /// `DIRECT.GET`: the message itself with its stream, subject, sequence and time in
    /// headers, or a 404 status.
    pub(crate) fn direct_get(
        &mut self,
        name: &str,
        subject: Option<&str>,
        reply: Option<&str>,
        payload: &[u8],
    ) {
        let Some(reply) = reply else {
            return;
        };
        if !self
            .streams
            .get(name)
            .is_some_and(|s| s.config.allow_direct)
        {
            // nats-server has no subscriber for it: the requester's no-responders status.
            return self.send(reply, Some(b"NATS/1.0 503\r\n\r\n"), b"");
        }
        match self.find_message(name, subject, payload) {
            Ok(message) => {
                let mut headers = match &message.headers {
                    Some(block) => natskit_proto::HeaderMap::decode(block).unwrap_or_default(),
                    None => natskit_proto::HeaderMap::new(),
                };
                let _ = headers.insert("Nats-Stream", name);
                let _ = headers.insert("Nats-Subject", &*message.subject);
                let _ = headers.insert("Nats-Sequence", message.seq.to_string());
                let _ = headers.insert("Nats-Time-Stamp", api_time(message.time));
                let block = crate::jetstream::stream::encode_headers(&headers);
                self.send(reply, Some(&block), &message.payload);
            }
            Err(e) if e.code == 404 => {
                self.send(reply, Some(b"NATS/1.0 404 Message Not Found\r\n\r\n"), b"")
            }
            Err(_) => self.send(reply, Some(b"NATS/1.0 408 Bad Request\r\n\r\n"), b""),
        }
    }
}

/// A stream's `config`, `created` and `state`, and `ts`.
fn stream_info(stream: &Stream, request: &InfoRequest) -> Value {
    let state = stream.store.state();
    let empty_stream = state.last_seq == 0 && state.msgs == 0;
    let mut body_state = json!({
        "messages": state.msgs,
        "bytes": state.bytes,
        "first_seq": if empty_stream { 0 } else { state.first_seq },
        "first_ts": api_time(state.first_time),
        "last_seq": state.last_seq,
        "last_ts": api_time(state.last_time),
        "consumer_count": stream.consumers.len(),
    });
    if state.num_subjects > 0 {
        body_state["num_subjects"] = json!(state.num_subjects);
    }
    if state.num_deleted > 0 {
        body_state["num_deleted"] = json!(state.num_deleted);
        if request.deleted_details {
            body_state["deleted"] = json!(stream.store.deleted());
        }
    }
    if !request.subjects_filter.is_empty() {
        let subjects: serde_json::Map<String, Value> = stream
            .store
            .subjects(&request.subjects_filter)
            .into_iter()
            .map(|(subject, count)| (subject.to_string(), json!(count)))
            .collect();
        if !subjects.is_empty() {
            body_state["subjects"] = Value::Object(subjects);
        }
    }
    json!({
        "config": stream.config,
        "created": api_time(crate::jetstream::consumer::epoch_nanos(stream.created)),
        "state": body_state,
        "ts": now_text(),
    })
}
