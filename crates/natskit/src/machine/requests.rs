//! The request multiplexer: every request shares one wildcard subscription,
//! `<inbox prefix>.<nuid>.*`, made by the first request. Each request gets the next number as
//! the last token of its reply subject, and its waiter is found again by that token.

use std::collections::HashSet;

use super::sid_map::IdMap;

/// Waiting requests, by token. `W` is whatever the caller wakes with the answer.
#[derive(Debug)]
pub(crate) struct Requests<W> {
    /// `<prefix>.<nuid>.`: reply subjects are this plus a token.
    prefix: String,
    /// The wildcard subscription's id, once the first request made it.
    sid: Option<u64>,
    next_token: u64,
    waiters: IdMap<W>,
    /// Requests registered whose publish is not queued yet (the output was full): they can
    /// still be sent after a reconnect, so a disconnect does not fail them.
    unqueued: HashSet<u64>,
}

impl<W> Requests<W> {
    /// A multiplexer whose reply subjects start with `prefix` (ending in `.`).
    pub(crate) fn new(prefix: String) -> Self {
        Requests {
            prefix,
            sid: None,
            next_token: 0,
            waiters: IdMap::default(),
            unqueued: HashSet::new(),
        }
    }

    /// The wildcard subscription's id, if made.
    pub(crate) fn sid(&self) -> Option<u64> {
        self.sid
    }

    /// Records the id of the wildcard subscription; returns its subject.
    pub(crate) fn subscribed(&mut self, sid: u64) -> String {
        self.sid = Some(sid);
        self.wildcard()
    }

    /// `<prefix>*`, the subject of the wildcard subscription.
    pub(crate) fn wildcard(&self) -> String {
        format!("{}*", self.prefix)
    }

    /// Registers a waiter; returns its token and reply subject.
    pub(crate) fn add(&mut self, waiter: W) -> (u64, String) {
        self.next_token += 1;
        let token = self.next_token;
        self.waiters.insert(token, waiter);
        (token, format!("{}{token}", self.prefix))
    }

    /// Takes the waiter of `token` (answered, abandoned or failed).
    pub(crate) fn remove(&mut self, token: u64) -> Option<W> {
        if !self.unqueued.is_empty() {
            self.unqueued.remove(&token);
        }
        self.waiters.remove(&token)
    }

    /// True while request `token` waits for its answer.
    pub(crate) fn is_waiting(&self, token: u64) -> bool {
        self.waiters.contains_key(&token)
    }

    /// Request `token`'s publish could not be queued yet, or now was.
    pub(crate) fn set_queued(&mut self, token: u64, queued: bool) {
        if queued {
            if !self.unqueued.is_empty() {
                self.unqueued.remove(&token);
            }
        } else {
            self.unqueued.insert(token);
        }
    }

    /// Takes the waiter a reply subject of ours names.
    pub(crate) fn answer(&mut self, subject: &str) -> Option<W> {
        let token = subject.strip_prefix(self.prefix.as_str())?.parse().ok()?;
        self.remove(token)
    }

    /// Takes every waiter whose token is not in `keep`, nor one whose publish waits to be
    /// queued (it can still go out after a reconnect).
    pub(crate) fn take_all_except(&mut self, keep: &HashSet<u64>) -> Vec<W> {
        let gone: Vec<u64> = self
            .waiters
            .keys()
            .copied()
            .filter(|token| !keep.contains(token) && !self.unqueued.contains(token))
            .collect();
        gone.into_iter().filter_map(|t| self.remove(t)).collect()
    }

    /// Takes every waiter.
    pub(crate) fn take_all(&mut self) -> Vec<W> {
        self.unqueued.clear();
        self.waiters.drain().map(|(_, waiter)| waiter).collect()
    }

    /// Requests waiting for an answer.
    pub(crate) fn len(&self) -> usize {
        self.waiters.len()
    }
}
