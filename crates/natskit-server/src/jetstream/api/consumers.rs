//! The consumer requests: create (every subject form), info, delete, names, list, and the
//! pull request `MSG.NEXT`.

use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;
use serde_json::{json, Value};

use super::config::{AckPolicy, ConsumerConfig, Retention};
use super::errors::ApiError;
use super::{api_time, now_text, parse_as, parse_body};
use crate::jetstream::consumer::{epoch_nanos, Consumer, PullRequest};
use crate::jetstream::engine::Engine;
use crate::jetstream::stream::Stream;
use crate::jetstream::subjects::{overlap, valid_name};

const NAMES_PAGE: usize = 1024;
const LIST_PAGE: usize = 256;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CreateRequest {
    stream_name: String,
    config: ConsumerConfig,
    action: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageRequest {
    offset: usize,
}

#[derive(Debug, Deserialize)]
#[serde(default)]
struct NextRequest {
    batch: i64,
    expires: i64,
    no_wait: bool,
    max_bytes: i64,
    idle_heartbeat: i64,
}

impl Default for NextRequest {
    fn default() -> Self {
        NextRequest {
            batch: 1,
            expires: 0,
            no_wait: false,
            max_bytes: 0,
            idle_heartbeat: 0,
        }
    }
}

impl Engine {
    /// `CONSUMER.CREATE.<stream>[.<consumer>[.<filter>]]` and `CONSUMER.DURABLE.CREATE`.
    pub(crate) fn consumer_create(
        &mut self,
        stream_name: &str,
        name_in_subject: Option<&str>,
        filter_in_subject: Option<&str>,
        reply: Option<&str>,
        payload: &[u8],
    ) {
        let kind = "consumer_create_response";
        match self.try_consumer_create(stream_name, name_in_subject, filter_in_subject, payload) {
            Ok(name) => {
                let body = self.consumer_info_json(stream_name, &name, kind);
                self.answer(reply, &body);
                self.pump_stream(stream_name, Instant::now());
            }
            Err(e) => self.fail(reply, kind, &e),
        }
    }

    fn try_consumer_create(
        &mut self,
        stream_name: &str,
        name_in_subject: Option<&str>,
        filter_in_subject: Option<&str>,
        payload: &[u8],
    ) -> Result<String, ApiError> {
        if parse_body(payload)?.is_none() {
            return Err(ApiError::invalid_json());
        }
        let request: CreateRequest = parse_as(payload)?;
        if request.stream_name != stream_name {
            return Err(ApiError::stream_name_mismatch());
        }
        let mut config = request.config;
        if let Some(name) = name_in_subject {
            if !config.durable_name.is_empty() && config.durable_name != name {
                return Err(ApiError::consumer_name_mismatch());
            }
            if !config.name.is_empty() && config.name != name {
                return Err(ApiError::consumer_name_mismatch());
            }
            if config.name.is_empty() {
                config.name = name.to_owned();
            }
        }
        if !config.durable_name.is_empty()
            && !config.name.is_empty()
            && config.durable_name != config.name
        {
            return Err(ApiError::consumer_create(
                "Consumer Durable and Name have to be equal if both are provided",
            ));
        }
        if let Some(filter) = filter_in_subject {
            if config.filter_subject != filter {
                return Err(ApiError::filter_mismatch());
            }
        }
        for name in [&config.durable_name, &config.name] {
            if !name.is_empty() && !valid_name(name) {
                return Err(ApiError::durable_name_illegal());
            }
        }
        if !config.filter_subject.is_empty() && !config.filter_subjects.is_empty() {
            return Err(ApiError::consumer_create(
                "consumer cannot have both FilterSubject and FilterSubjects specified",
            ));
        }
        let stream = self
            .streams
            .get(stream_name)
            .ok_or_else(ApiError::stream_not_found)?;
        config.normalize(&stream.config.consumer_limits);
        check_against_stream(stream, &config)?;
        let name = if !config.name.is_empty() {
            config.name.clone()
        } else {
            ephemeral_name()
        };
        let stream = self.streams.get_mut(stream_name).expect("checked above");
        if let Some(existing) = stream.consumers.get_mut(&name) {
            let mut wanted = config.clone();
            if wanted.name.is_empty() {
                wanted.name = existing.config.name.clone();
            }
            if existing.config == wanted {
                return Ok(name);
            }
            if request.action == "create" {
                return Err(ApiError::consumer_exists());
            }
            if existing.config.is_pull() != wanted.is_pull() {
                return Err(ApiError::pull_on_push_or_push_on_pull());
            }
            existing.config = wanted;
            let durable = !existing.config.durable_name.is_empty();
            if durable {
                self.save_consumer(stream_name, &name);
            }
            return Ok(name);
        }
        if request.action == "update" {
            return Err(ApiError::consumer_does_not_exist());
        }
        if stream.config.max_consumers > 0
            && stream.consumers.len() as i64 >= stream.config.max_consumers
        {
            return Err(ApiError::max_consumers());
        }
        let consumer = Consumer::new(
            name.clone(),
            config,
            &*stream.store,
            SystemTime::now(),
            Instant::now(),
        );
        let durable = !consumer.config.durable_name.is_empty();
        stream.consumers.insert(name.clone(), consumer);
        if durable {
            self.save_consumer(stream_name, &name);
        }
        Ok(name)
    }

    /// `CONSUMER.INFO`.
    pub(crate) fn consumer_info(&mut self, stream: &str, consumer: &str, reply: Option<&str>) {
        let kind = "consumer_info_response";
        match self.streams.get(stream) {
            None => self.fail(reply, kind, &ApiError::stream_not_found()),
            Some(s) if !s.consumers.contains_key(consumer) => {
                self.fail(reply, kind, &ApiError::consumer_not_found())
            }
            Some(_) => {
                let body = self.consumer_info_json(stream, consumer, kind);
                self.answer(reply, &body);
            }
        }
    }

    /// A consumer's info as `kind`'s response.
    pub(crate) fn consumer_info_json(&self, stream: &str, consumer: &str, kind: &str) -> Value {
        let Some(s) = self.streams.get(stream) else {
            return super::error_body(kind, &ApiError::stream_not_found());
        };
        let Some(c) = s.consumers.get(consumer) else {
            return super::error_body(kind, &ApiError::consumer_not_found());
        };
        let mut body = consumer_info(s, c);
        body["type"] = json!(format!("io.nats.jetstream.api.v1.{kind}"));
        if !c.config.is_pull() {
            let bound =
                crate::jetstream::deliver::has_interest(&self.space, &c.config.deliver_subject);
            if bound {
                body["push_bound"] = json!(true);
            }
        }
        body
    }

    /// `CONSUMER.DELETE`.
    pub(crate) fn consumer_delete(&mut self, stream: &str, consumer: &str, reply: Option<&str>) {
        let kind = "consumer_delete_response";
        let Some(s) = self.streams.get_mut(stream) else {
            return self.fail(reply, kind, &ApiError::stream_not_found());
        };
        let Some(gone) = s.consumers.remove(consumer) else {
            return self.fail(reply, kind, &ApiError::consumer_not_found());
        };
        self.consumer_gone(&gone);
        self.remove_consumer_files(stream, consumer);
        self.answer(
            reply,
            &json!({"type": format!("io.nats.jetstream.api.v1.{kind}"), "success": true}),
        );
        self.after_consumer_removed(stream);
    }

    /// Tells a removed consumer's waiting pull requests it is gone.
    pub(crate) fn consumer_gone(&self, consumer: &Consumer) {
        for request in &consumer.waiting {
            self.send(
                &request.reply,
                Some(b"NATS/1.0 409 Consumer Deleted\r\n\r\n"),
                b"",
            );
        }
    }

    /// `CONSUMER.NAMES`.
    pub(crate) fn consumer_names(&mut self, stream: &str, reply: Option<&str>, payload: &[u8]) {
        let kind = "consumer_names_response";
        let request: PageRequest = match parse_as(payload) {
            Ok(r) => r,
            Err(e) => return self.fail(reply, kind, &e),
        };
        let Some(s) = self.streams.get(stream) else {
            return self.fail(reply, kind, &ApiError::stream_not_found());
        };
        let names: Vec<&String> = s
            .consumers
            .keys()
            .skip(request.offset)
            .take(NAMES_PAGE)
            .collect();
        let body = json!({
            "type": format!("io.nats.jetstream.api.v1.{kind}"),
            "total": s.consumers.len(),
            "offset": request.offset,
            "limit": NAMES_PAGE,
            "consumers": names,
        });
        self.answer(reply, &body);
    }

    /// `CONSUMER.LIST`.
    pub(crate) fn consumer_list(&mut self, stream: &str, reply: Option<&str>, payload: &[u8]) {
        let kind = "consumer_list_response";
        let request: PageRequest = match parse_as(payload) {
            Ok(r) => r,
            Err(e) => return self.fail(reply, kind, &e),
        };
        let Some(s) = self.streams.get(stream) else {
            return self.fail(reply, kind, &ApiError::stream_not_found());
        };
        let infos: Vec<Value> = s
            .consumers
            .values()
            .skip(request.offset)
            .take(LIST_PAGE)
            .map(|c| consumer_info(s, c))
            .collect();
        let body = json!({
            "type": format!("io.nats.jetstream.api.v1.{kind}"),
            "total": s.consumers.len(),
            "offset": request.offset,
            "limit": LIST_PAGE,
            "consumers": infos,
        });
        self.answer(reply, &body);
    }

    /// `CONSUMER.MSG.NEXT`: a pull request, served now as far as messages allow and then
    /// kept waiting (unless `no_wait`) until it expires.
    pub(crate) fn consumer_next(
        &mut self,
        stream: &str,
        consumer: &str,
        reply: Option<&str>,
        payload: &[u8],
    ) {
        let Some(reply) = reply else {
            return;
        };
        let now = Instant::now();
        let request = match parse_next(payload) {
            Ok(r) => r,
            Err(_) => {
                return self.send(reply, Some(b"NATS/1.0 400 Bad Request\r\n\r\n"), b"");
            }
        };
        let Some(c) = self
            .streams
            .get_mut(stream)
            .and_then(|s| s.consumers.get_mut(consumer))
        else {
            // nats-server has no subscriber for a consumer that does not exist.
            return self.send(reply, Some(b"NATS/1.0 503\r\n\r\n"), b"");
        };
        if !c.config.is_pull() {
            return self.send(
                reply,
                Some(b"NATS/1.0 409 Consumer is push based\r\n\r\n"),
                b"",
            );
        }
        c.last_active = now;
        if c.config.max_waiting > 0 && c.waiting.len() as i64 >= c.config.max_waiting {
            return self.send(
                reply,
                Some(b"NATS/1.0 409 Exceeded MaxWaiting\r\n\r\n"),
                b"",
            );
        }
        if c.config.max_batch > 0 && request.batch > c.config.max_batch {
            let status = format!(
                "NATS/1.0 409 Exceeded MaxRequestBatch of {}\r\n\r\n",
                c.config.max_batch
            );
            return self.send(reply, Some(status.as_bytes()), b"");
        }
        if c.config.max_expires > 0 && request.expires > c.config.max_expires {
            let status = format!(
                "NATS/1.0 409 Exceeded MaxRequestExpires of {}\r\n\r\n",
                Duration::from_nanos(c.config.max_expires as u64).as_millis()
            );
            return self.send(reply, Some(status.as_bytes()), b"");
        }
        let heartbeat = (request.idle_heartbeat > 0)
            .then(|| Duration::from_nanos(request.idle_heartbeat as u64));
        c.waiting.push_back(PullRequest {
            reply: reply.to_owned(),
            batch: request.batch.max(1),
            max_bytes: request.max_bytes.max(0),
            expires: (request.expires > 0)
                .then(|| now + Duration::from_nanos(request.expires as u64)),
            no_wait: request.no_wait,
            heartbeat,
            next_heartbeat: heartbeat.map(|h| now + h),
            delivered: false,
        });
        self.pump_stream(stream, now);
        self.finish_no_wait(stream, consumer);
    }
}

/// A pull request body: JSON, a bare batch size, or nothing (one message).
fn parse_next(payload: &[u8]) -> Result<NextRequest, ApiError> {
    let text = std::str::from_utf8(payload)
        .map_err(|_| ApiError::bad_request())?
        .trim();
    if let Ok(batch) = text.parse::<i64>() {
        return Ok(NextRequest {
            batch,
            ..NextRequest::default()
        });
    }
    parse_as(payload)
}

/// What a consumer's configuration must agree with in its stream.
fn check_against_stream(stream: &Stream, config: &ConsumerConfig) -> Result<(), ApiError> {
    if config.max_deliver > 0
        && !config.backoff.is_empty()
        && config.max_deliver <= config.backoff.len() as i64
    {
        return Err(ApiError::max_deliver_backoff());
    }
    let filters = config.filters();
    for (i, filter) in filters.iter().enumerate() {
        if filter.is_empty() {
            return Err(ApiError::consumer_create(
                "consumer filter in FilterSubjects cannot be empty",
            ));
        }
        if filters[i + 1..].iter().any(|other| overlap(filter, other)) {
            return Err(ApiError::overlapping_filters());
        }
    }
    check_start(config)?;
    if config.flow_control && config.idle_heartbeat == 0 {
        return Err(ApiError::flow_control_needs_heartbeats());
    }
    if stream.config.retention == Retention::Workqueue {
        if config.ack_policy != AckPolicy::Explicit {
            return Err(ApiError::workqueue_must_be_explicit());
        }
        for other in stream.consumers.values() {
            if other.name == config.name && !config.name.is_empty() {
                continue;
            }
            let theirs = other.filters();
            if filters.is_empty() || theirs.is_empty() {
                return Err(ApiError::push_on_workqueue_needs_unique_filter());
            }
            if filters.iter().any(|f| theirs.iter().any(|t| overlap(f, t))) {
                return Err(ApiError::workqueue_overlap());
            }
        }
    }
    Ok(())
}

/// Eight characters, as nats-server names ephemeral consumers.
fn ephemeral_name() -> String {
    natskit_proto::nuid::next().chars().rev().take(8).collect()
}

/// A consumer's info (without its `type`).
fn consumer_info(stream: &Stream, c: &Consumer) -> Value {
    json!({
        "stream_name": stream.config.name,
        "name": c.name,
        "created": api_time(epoch_nanos(c.created)),
        "config": c.config,
        "delivered": {
            "consumer_seq": c.delivered_consumer_seq,
            "stream_seq": c.delivered_stream_seq,
        },
        "ack_floor": {
            "consumer_seq": c.ack_floor_consumer_seq,
            "stream_seq": c.ack_floor_stream_seq,
        },
        "num_ack_pending": c.num_ack_pending(),
        "num_redelivered": c.num_redelivered(),
        "num_waiting": c.waiting.len(),
        "num_pending": c.num_pending(&*stream.store),
        "ts": now_text(),
    })
}

/// The deliver policy against the optional start given with it, as nats-server checks them.
fn check_start(config: &ConsumerConfig) -> Result<(), ApiError> {
    use super::config::DeliverPolicy::*;
    let (seq, time) = (config.opt_start_seq > 0, config.opt_start_time.is_some());
    let bad = |policy: &str, start: &str| {
        Err(ApiError::invalid_policy(format!(
            "consumer delivery policy is deliver {policy}, but optional start {start} is also set"
        )))
    };
    let missing = |policy: &str, what: &str| {
        Err(ApiError::invalid_policy(format!(
            "consumer delivery policy is deliver {policy}, but optional {what} is not set"
        )))
    };
    match config.deliver_policy {
        All if seq => bad("all", "sequence"),
        All if time => bad("all", "time"),
        Last if seq => bad("last", "sequence"),
        Last if time => bad("last", "time"),
        LastPerSubject if seq => bad("last per subject", "sequence"),
        LastPerSubject if time => bad("last per subject", "time"),
        LastPerSubject if config.filters().is_empty() => {
            missing("last per subject", "filter subject")
        }
        New if seq => bad("new", "sequence"),
        New if time => bad("new", "time"),
        ByStartSequence if !seq => missing("by start sequence", "start sequence"),
        ByStartSequence if time => bad("by start sequence", "time"),
        ByStartTime if !time => missing("by start time", "start time"),
        ByStartTime if seq => bad("by start time", "start sequence"),
        _ => Ok(()),
    }
}
