//! One client subscription as the broker holds it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use natskit_proto::Subject;

use crate::conn::Conn;

/// A `SUB` of one connection, shared by the subject index and the connection's sid table.
#[derive(Debug)]
pub(crate) struct Subscription {
    pub(crate) conn: Arc<Conn>,
    pub(crate) sid: u64,
    pub(crate) subject: Subject,
    pub(crate) queue: Option<Subject>,
    /// Total deliveries after which it ends (`UNSUB <sid> <max>`); 0 for none.
    max: AtomicU64,
    delivered: AtomicU64,
    /// Set once it left the index: cached lookups may still hold it for a moment.
    removed: AtomicBool,
}

/// What a delivery attempt found out about the subscription's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Deliver; more may follow.
    Open,
    /// Deliver; this was the last one allowed, so remove the subscription.
    Last,
    /// Do not deliver: the subscription is gone.
    Closed,
    /// Do not deliver: the limit was passed (a concurrent `UNSUB <sid> <max>` lowered it), so
    /// remove the subscription if nobody did.
    Exhausted,
}

impl Subscription {
    pub(crate) fn new(conn: Arc<Conn>, sid: u64, subject: Subject, queue: Option<Subject>) -> Self {
        Subscription {
            conn,
            sid,
            subject,
            queue,
            max: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            removed: AtomicBool::new(false),
        }
    }

    /// Claims one delivery.
    #[inline]
    pub(crate) fn claim(&self) -> Slot {
        if self.removed.load(Ordering::Relaxed) {
            return Slot::Closed;
        }
        let max = self.max.load(Ordering::Relaxed);
        let n = self.delivered.fetch_add(1, Ordering::Relaxed) + 1;
        match max {
            0 => Slot::Open,
            max if n < max => Slot::Open,
            max if n == max => Slot::Last,
            _ => Slot::Exhausted,
        }
    }

    /// True once removed from the index.
    pub(crate) fn is_removed(&self) -> bool {
        self.removed.load(Ordering::Acquire)
    }

    /// Messages delivered so far.
    pub(crate) fn delivered(&self) -> u64 {
        self.delivered.load(Ordering::Relaxed)
    }

    /// Ends the subscription after `max` deliveries in all; false when that many were delivered
    /// already (the caller removes it now).
    pub(crate) fn limit(&self, max: u64) -> bool {
        self.max.store(max, Ordering::Relaxed);
        self.delivered() < max
    }

    /// Marks it gone; true for the first caller only.
    pub(crate) fn mark_removed(&self) -> bool {
        !self.removed.swap(true, Ordering::AcqRel)
    }
}
