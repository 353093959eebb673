//! Where a stream's messages live: the [`Store`] trait, and its two kinds, `memory` (a map in
//! this process) and `file` (append-only segments on disk). A stream owns one store and keeps
//! its limits (messages, bytes, age, per subject) by asking the store to remove what falls out.

pub(crate) mod file;
pub(crate) mod memory;

#[cfg(test)]
pub(crate) mod contract;

use bytes::Bytes;
use std::sync::Arc;

/// One stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredMessage {
    /// Its stream sequence, from 1.
    pub(crate) seq: u64,
    pub(crate) subject: Arc<str>,
    /// The whole header block as received (`NATS/1.0\r\n...\r\n\r\n`), if it had one.
    pub(crate) headers: Option<Bytes>,
    pub(crate) payload: Bytes,
    /// When the stream took it, in nanoseconds since the Unix epoch.
    pub(crate) time: i64,
}

impl StoredMessage {
    /// The size counted against a stream's byte limit, as nats-server's memory store counts it:
    /// subject, headers and payload, and 16 bytes for the sequence and time.
    pub(crate) fn size(&self) -> u64 {
        message_size(&self.subject, self.headers.as_ref(), &self.payload)
    }
}

/// The size a message with these parts counts for (see [`StoredMessage::size`]).
pub(crate) fn message_size(subject: &str, headers: Option<&Bytes>, payload: &[u8]) -> u64 {
    (subject.len() + headers.map_or(0, |h| h.len()) + payload.len() + 16) as u64
}

/// What a store holds, as `STREAM.INFO`'s `state` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StoreState {
    pub(crate) msgs: u64,
    pub(crate) bytes: u64,
    /// The first sequence still held (or, when empty, the next one to be given out).
    pub(crate) first_seq: u64,
    /// Its time (0 when empty).
    pub(crate) first_time: i64,
    /// The last sequence given out (0 before any).
    pub(crate) last_seq: u64,
    /// Its time (0 before any).
    pub(crate) last_time: i64,
    /// How many distinct subjects the messages have.
    pub(crate) num_subjects: u64,
    /// Sequences between first and last that were removed.
    pub(crate) num_deleted: u64,
}

/// How many messages one subject holds, and its first and last sequence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SubjectState {
    pub(crate) msgs: u64,
    pub(crate) first: u64,
    pub(crate) last: u64,
}

/// What a purge removes (`STREAM.PURGE`'s request): everything, or what `filter` matches;
/// with `keep`, all but the last `keep` of them; with `up_to`, only sequences below it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Purge {
    pub(crate) filter: Option<String>,
    pub(crate) keep: Option<u64>,
    pub(crate) up_to: Option<u64>,
}

/// Why a store could not do what it was asked.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StoreError {
    /// Reading or writing its files failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Its files do not hold what a store writes.
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    /// Another store, in this process or another, holds the directory.
    #[error("{0}")]
    Locked(String),
    /// The directory was written by another version of its format.
    #[error("{0}")]
    Version(String),
}

/// A stream's storage. Sequences are given out by the store, one more than the last, and never
/// reused; removing a message leaves a gap.
pub(crate) trait Store: Send {
    /// Adds a message with the next sequence, which it returns.
    fn append(
        &mut self,
        subject: &str,
        headers: Option<Bytes>,
        payload: Bytes,
        time: i64,
    ) -> Result<u64, StoreError>;

    /// The message with this sequence, if it is still held.
    fn get(&self, seq: u64) -> Option<StoredMessage>;

    /// The first message at or after `start` whose subject matches `filter` (any subject when
    /// `filter` is empty; several patterns match when any does).
    fn next_matching(&self, start: u64, filter: &[String]) -> Option<StoredMessage>;

    /// The last message whose subject matches `pattern` (which may hold wildcards).
    fn last_matching(&self, pattern: &str) -> Option<StoredMessage>;

    /// Removes one message; false when it was not held.
    fn remove(&mut self, seq: u64) -> Result<bool, StoreError>;

    /// Removes what `purge` names and says how many went.
    fn purge(&mut self, purge: &Purge) -> Result<u64, StoreError>;

    /// The counters of `STREAM.INFO`.
    fn state(&self) -> StoreState;

    /// The state of one literal subject (None when it holds nothing).
    fn subject_state(&self, subject: &str) -> Option<SubjectState>;

    /// Every subject matching `pattern` with how many messages it holds.
    fn subjects(&self, pattern: &str) -> Vec<(Arc<str>, u64)>;

    /// The sequences removed between first and last, lowest first.
    fn deleted(&self) -> Vec<u64>;

    /// How many messages at or after `start` match `filter` (as in [`Store::next_matching`]).
    fn count_matching(&self, start: u64, filter: &[String]) -> u64;

    /// The first sequence whose time is at or after `time` (the next sequence when none is).
    fn first_at_or_after(&self, time: i64) -> u64;

    /// Writes what is buffered to stable storage (a no-op for memory).
    fn sync(&mut self) -> Result<(), StoreError>;

    /// Removes everything the store keeps, its files too (the stream is deleted).
    fn destroy(&mut self) -> Result<(), StoreError>;
}

/// Whether `subject` is taken by `filter` (see [`Store::next_matching`]).
pub(crate) fn filter_matches(filter: &[String], subject: &str) -> bool {
    filter.is_empty()
        || filter
            .iter()
            .any(|pattern| natskit_proto::subject::matches(pattern, subject))
}

/// Whether `pattern` has no wildcard token.
pub(crate) fn is_literal(pattern: &str) -> bool {
    !pattern.split('.').any(|token| token == "*" || token == ">")
}
