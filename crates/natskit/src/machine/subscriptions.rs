//! The subscription table: what each subscription asked for, what it has received, and how
//! much its reader holds unread.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use natskit_proto::{Subject, WriteBuffer};

use super::sid_map::IdMap;

/// Messages and bytes a subscription holds unread, shared with its reader (the
/// [`Subscriber`](crate::Subscriber)), which counts down what it takes. Plain atomics: the
/// reader never takes the connection's lock per message.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    messages: AtomicUsize,
    bytes: AtomicUsize,
    dropped: AtomicU64,
}

impl Pending {
    /// Called by the reader for each message it takes.
    pub(crate) fn taken(&self, bytes: usize) {
        self.messages.fetch_sub(1, Ordering::Relaxed);
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
    }

    /// Messages delivered and not yet taken.
    pub(crate) fn messages(&self) -> usize {
        self.messages.load(Ordering::Relaxed)
    }

    /// Messages dropped because the reader fell behind.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn would_overflow(&self, size: usize, limits: PendingLimits) -> bool {
        self.messages.load(Ordering::Relaxed) >= limits.messages
            || self.bytes.load(Ordering::Relaxed) + size > limits.bytes
    }

    fn add(&self, size: usize) {
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(size, Ordering::Relaxed);
    }
}

/// How much a subscription may hold unread before messages are dropped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingLimits {
    pub(crate) messages: usize,
    pub(crate) bytes: usize,
}

/// One subscription.
#[derive(Debug)]
struct Subscription {
    subject: Subject,
    queue: Option<Subject>,
    pending: Arc<Pending>,
    delivered: u64,
    max: Option<u64>,
    /// In a slow-consumer episode: dropping since the last message delivered.
    slow: bool,
}

/// What became of one message for a subscription.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Routed {
    /// Hand it to the reader; `last` when the subscription ended with it (auto-unsubscribe).
    Deliver { last: bool },
    /// Dropped at a full subscription; the subject comes with the first drop of an episode
    /// (for the slow-consumer event), not with every drop.
    Dropped {
        first_of_episode: Option<String>,
        last: bool,
    },
    /// No such subscription (a late message after an unsubscribe).
    Unknown,
}

/// Every subscription of the client, by id.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions {
    subs: IdMap<Subscription>,
}

impl Subscriptions {
    pub(crate) fn insert(
        &mut self,
        sid: u64,
        subject: Subject,
        queue: Option<Subject>,
    ) -> Arc<Pending> {
        let pending = Arc::new(Pending::default());
        self.subs.insert(
            sid,
            Subscription {
                subject,
                queue,
                pending: Arc::clone(&pending),
                delivered: 0,
                max: None,
                slow: false,
            },
        );
        pending
    }

    #[cfg(test)]
    pub(crate) fn contains(&self, sid: u64) -> bool {
        self.subs.contains_key(&sid)
    }

    /// Removes a subscription; false if it was not there.
    pub(crate) fn remove(&mut self, sid: u64) -> bool {
        self.subs.remove(&sid).is_some()
    }

    /// Every subscription id.
    pub(crate) fn ids(&self) -> Vec<u64> {
        self.subs.keys().copied().collect()
    }

    /// Sets an auto-unsubscribe limit: `Some(true)` when that many were delivered already (the
    /// subscription is then removed), `None` when there is no such subscription.
    pub(crate) fn limit(&mut self, sid: u64, max: u64) -> Option<bool> {
        let sub = self.subs.get_mut(&sid)?;
        if sub.delivered >= max {
            self.subs.remove(&sid);
            return Some(true);
        }
        sub.max = Some(max);
        Some(false)
    }

    /// Counts one message of `size` payload bytes for `sid` against its limits.
    pub(crate) fn route(&mut self, sid: u64, size: usize, limits: PendingLimits) -> Routed {
        let Some(sub) = self.subs.get_mut(&sid) else {
            return Routed::Unknown;
        };
        sub.delivered += 1;
        let last = sub.max.is_some_and(|max| sub.delivered >= max);
        let routed = if sub.pending.would_overflow(size, limits) {
            sub.pending.dropped.fetch_add(1, Ordering::Relaxed);
            let first_of_episode = (!sub.slow).then(|| sub.subject.to_string());
            sub.slow = true;
            Routed::Dropped {
                first_of_episode,
                last,
            }
        } else {
            sub.pending.add(size);
            sub.slow = false;
            Routed::Deliver { last }
        };
        if last {
            self.subs.remove(&sid);
        }
        routed
    }

    /// Writes a SUB for every subscription, with an UNSUB for what an auto-unsubscribe still
    /// allows: the table replayed on a new connection.
    pub(crate) fn replay(&self, out: &mut WriteBuffer) {
        let mut sids: Vec<_> = self.subs.keys().copied().collect();
        sids.sort_unstable(); // In the order they were made: easier to read in a trace.
        for sid in sids {
            let sub = &self.subs[&sid];
            out.put_sub(&sub.subject, sub.queue.as_deref(), sid);
            if let Some(max) = sub.max {
                out.put_unsub(sid, Some(max.saturating_sub(sub.delivered)));
            }
        }
    }
}
