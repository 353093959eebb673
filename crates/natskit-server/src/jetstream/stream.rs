//! One stream: its configuration, its store, and what a publish into it checks (the expected
//! headers, the duplicate window, rollups, the size and discard limits) before and after the
//! message is stored.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use natskit_proto::HeaderMap;

use super::api::config::{Discard, StreamConfig};
use super::api::errors::ApiError;
use super::consumer::Consumer;
use super::store::{message_size, Purge, Store};

/// A stream held by the engine.
pub(crate) struct Stream {
    pub(crate) config: StreamConfig,
    pub(crate) created: SystemTime,
    pub(crate) store: Box<dyn Store>,
    pub(crate) consumers: BTreeMap<String, Consumer>,
    /// Message ids seen within the duplicate window: id -> sequence.
    dedup: HashMap<String, u64>,
    /// The same ids by arrival time, oldest first, to forget them when the window passes.
    dedup_order: VecDeque<(i64, String)>,
    last_msg_id: String,
}

/// What a publish into a stream came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stored {
    pub(crate) seq: u64,
    /// The message id was seen within the window: nothing was stored.
    pub(crate) duplicate: bool,
}

impl Stream {
    /// A stream over `store`, created at `created`.
    pub(crate) fn new(config: StreamConfig, store: Box<dyn Store>, created: SystemTime) -> Self {
        Stream {
            config,
            created,
            store,
            consumers: BTreeMap::new(),
            dedup: HashMap::new(),
            dedup_order: VecDeque::new(),
            last_msg_id: String::new(),
        }
    }

    /// Takes a message published to `subject`, as nats-server checks it, in its order.
    pub(crate) fn publish(
        &mut self,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: Bytes,
        now: i64,
    ) -> Result<Stored, ApiError> {
        if self.config.sealed {
            return Err(ApiError::stream_sealed());
        }
        self.forget_old_ids(now);
        let header = |name: &str| headers.and_then(|h| h.get(name));
        if let Some(expected) = header("Nats-Expected-Stream") {
            if !expected.is_empty() && expected != self.config.name {
                return Err(ApiError::expected_stream_mismatch());
            }
        }
        let msg_id = header("Nats-Msg-Id").unwrap_or_default().to_owned();
        if !msg_id.is_empty() {
            if let Some(seq) = self.dedup.get(&msg_id) {
                return Ok(Stored {
                    seq: *seq,
                    duplicate: true,
                });
            }
        }
        if let Some(expected) = header("Nats-Expected-Last-Subject-Sequence") {
            let expected: u64 = expected.trim().parse().unwrap_or(u64::MAX);
            let last = self.store.subject_state(subject).map_or(0, |s| s.last);
            if last != expected {
                return Err(ApiError::wrong_last_sequence(last));
            }
        }
        if let Some(expected) = header("Nats-Expected-Last-Sequence") {
            let last = self.store.state().last_seq;
            if expected.trim().parse::<u64>().ok() != Some(last) {
                return Err(ApiError::wrong_last_sequence(last));
            }
        }
        if let Some(expected) = header("Nats-Expected-Last-Msg-Id") {
            if !expected.is_empty() && expected != self.last_msg_id {
                return Err(ApiError::wrong_last_msg_id(&self.last_msg_id));
            }
        }
        let mut rollup = None;
        if let Some(value) = header("Nats-Rollup") {
            if !self.config.allow_rollup_hdrs || self.config.deny_purge {
                return Err(ApiError::rollup_not_permitted());
            }
            match value {
                "sub" => rollup = Some(false),
                "all" => rollup = Some(true),
                other => return Err(ApiError::invalid_rollup(other)),
            }
        }
        let header_block = headers.map(encode_headers);
        let header_len = header_block.as_ref().map_or(0, |h| h.len());
        if self.config.max_msg_size >= 0
            && (header_len + payload.len()) as i64 > self.config.max_msg_size
        {
            return Err(ApiError::message_too_big());
        }
        if self.config.discard == Discard::New {
            self.check_room(subject, header_block.as_ref(), &payload)?;
        }
        let seq = self
            .store
            .append(subject, header_block, payload, now)
            .map_err(ApiError::store_failed)?;
        self.last_msg_id = msg_id.clone();
        if !msg_id.is_empty() {
            self.dedup.insert(msg_id.clone(), seq);
            self.dedup_order.push_back((now, msg_id));
        }
        if rollup.is_some() {
            self.forget_pending();
        }
        match rollup {
            Some(false) => self.purge_quietly(Purge {
                filter: Some(subject.to_owned()),
                keep: Some(1),
                up_to: None,
            }),
            Some(true) => self.purge_quietly(Purge {
                filter: None,
                keep: Some(1),
                up_to: None,
            }),
            None => {}
        }
        // The new message counts for the consumers that want it before limits take any.
        for consumer in self.consumers.values_mut() {
            if consumer.wants(subject) {
                consumer.note_stored();
            }
        }
        self.enforce_limits(Some(subject), now);
        Ok(Stored {
            seq,
            duplicate: false,
        })
    }

    /// Every consumer counts its pending messages again (messages left other than by acks).
    pub(crate) fn forget_pending(&mut self) {
        for consumer in self.consumers.values_mut() {
            consumer.forget_pending();
        }
    }

    /// With `discard: new`, refuses a message that would pass a limit.
    fn check_room(
        &self,
        subject: &str,
        headers: Option<&Bytes>,
        payload: &[u8],
    ) -> Result<(), ApiError> {
        let state = self.store.state();
        let config = &self.config;
        if config.max_msgs > 0 && state.msgs >= config.max_msgs as u64 {
            return Err(ApiError::maximum_messages_exceeded());
        }
        if config.max_bytes > 0
            && state.bytes + message_size(subject, headers, payload) > config.max_bytes as u64
        {
            return Err(ApiError::maximum_bytes_exceeded());
        }
        if config.discard_new_per_subject && config.max_msgs_per_subject > 0 {
            let held = self.store.subject_state(subject).map_or(0, |s| s.msgs);
            if held >= config.max_msgs_per_subject as u64 {
                return Err(ApiError::maximum_messages_per_subject_exceeded());
            }
        }
        Ok(())
    }

    /// Removes what the limits no longer allow: the oldest messages past `max_msgs`,
    /// `max_bytes` and `max_age`, and on `subject` past `max_msgs_per_subject`. Returns the
    /// sequences removed.
    pub(crate) fn enforce_limits(&mut self, subject: Option<&str>, now: i64) -> Vec<u64> {
        let mut removed = Vec::new();
        let config = self.config.clone();
        if let (Some(subject), true) = (subject, config.max_msgs_per_subject > 0) {
            while let Some(state) = self.store.subject_state(subject) {
                if state.msgs <= config.max_msgs_per_subject as u64 {
                    break;
                }
                self.remove_quietly(state.first, &mut removed);
            }
        }
        if config.max_age > 0 {
            let oldest_allowed = now - config.max_age;
            loop {
                let state = self.store.state();
                if state.msgs == 0 || state.first_time > oldest_allowed {
                    break;
                }
                self.remove_quietly(state.first_seq, &mut removed);
            }
        }
        if config.discard == Discard::Old {
            loop {
                let state = self.store.state();
                let over_msgs = config.max_msgs > 0 && state.msgs > config.max_msgs as u64;
                let over_bytes = config.max_bytes > 0 && state.bytes > config.max_bytes as u64;
                if state.msgs == 0 || !(over_msgs || over_bytes) {
                    break;
                }
                self.remove_quietly(state.first_seq, &mut removed);
            }
        }
        if !removed.is_empty() {
            self.forget_pending();
        }
        removed
    }

    /// When the oldest message will pass `max_age` (nanoseconds since the epoch), if it will.
    pub(crate) fn next_expiry(&self) -> Option<i64> {
        if self.config.max_age <= 0 {
            return None;
        }
        let state = self.store.state();
        (state.msgs > 0).then(|| state.first_time + self.config.max_age)
    }

    fn remove_quietly(&mut self, seq: u64, removed: &mut Vec<u64>) {
        match self.store.remove(seq) {
            Ok(true) => removed.push(seq),
            Ok(false) => {}
            Err(e) => tracing::error!("JetStream: removing {seq} from {}: {e}", self.config.name),
        }
    }

    fn purge_quietly(&mut self, purge: Purge) {
        if let Err(e) = self.store.purge(&purge) {
            tracing::error!("JetStream: purging {}: {e}", self.config.name);
        }
    }

    /// Forgets message ids older than the duplicate window.
    fn forget_old_ids(&mut self, now: i64) {
        let window = self.config.duplicate_window;
        while let Some((time, _)) = self.dedup_order.front() {
            if now - *time < window {
                break;
            }
            let (_, id) = self.dedup_order.pop_front().expect("front exists");
            self.dedup.remove(&id);
        }
    }
}

/// A header block as the store keeps it and deliveries carry it.
pub(crate) fn encode_headers(headers: &HeaderMap) -> Bytes {
    let mut block = BytesMut::with_capacity(headers.encoded_len());
    headers.encode(&mut block);
    block.freeze()
}
