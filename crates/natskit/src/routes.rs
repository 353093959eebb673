//! Where incoming messages go: the subscription table and the request multiplexer.
//!
//! Requests share one wildcard subscription, `<inbox prefix>.<nuid>.*`, created by the first
//! request. Each request gets the next number as its last token and a one-shot waiter; the
//! answer is routed by that token. A timed-out or abandoned request removes its waiter.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use natskit_proto::{Msg, Subject, WriteBuffer};
use tokio::sync::{mpsc, oneshot};

use crate::Message;

/// Messages and bytes a subscription holds unread, shared with its [`Subscriber`](crate::Subscriber).
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub(crate) messages: AtomicUsize,
    pub(crate) bytes: AtomicUsize,
    pub(crate) dropped: AtomicU64,
}

impl Pending {
    /// Called by the subscriber for each message it takes.
    pub(crate) fn taken(&self, bytes: usize) {
        self.messages.fetch_sub(1, Ordering::Relaxed);
        self.bytes.fetch_sub(bytes, Ordering::Relaxed);
    }
}

/// One subscription, as the connection task sees it.
pub(crate) struct Route {
    pub(crate) subject: Subject,
    pub(crate) queue: Option<Subject>,
    pub(crate) tx: mpsc::UnboundedSender<Message>,
    pub(crate) pending: Arc<Pending>,
    pub(crate) delivered: u64,
    pub(crate) max: Option<u64>,
    /// In a slow-consumer episode: dropping since the last successful delivery.
    pub(crate) slow: bool,
}

/// What happened to one incoming message.
pub(crate) enum Delivery {
    /// Handed to a subscriber or request.
    Delivered,
    /// Dropped at a full subscription; `first` is true for the first drop of an episode.
    Dropped {
        sid: u64,
        subject: String,
        first: bool,
    },
    /// Nobody wanted it (a late message after unsubscribe, or a timed-out request's answer).
    Unrouted,
}

/// The request multiplexer.
pub(crate) struct Mux {
    /// `<prefix>.<nuid>.`: reply subjects are this plus a token.
    pub(crate) prefix: String,
    pub(crate) sid: Option<u64>,
    next_token: u64,
    waiters: HashMap<u64, oneshot::Sender<Message>>,
}

/// The routing table.
pub(crate) struct Routes {
    subs: HashMap<u64, Route>,
    pub(crate) mux: Mux,
}

/// Per-subscription pending limits.
#[derive(Clone, Copy)]
pub(crate) struct PendingLimits {
    pub(crate) messages: usize,
    pub(crate) bytes: usize,
}

impl Routes {
    pub(crate) fn new(inbox_prefix: String) -> Self {
        Routes {
            subs: HashMap::new(),
            mux: Mux {
                prefix: inbox_prefix,
                sid: None,
                next_token: 0,
                waiters: HashMap::new(),
            },
        }
    }

    pub(crate) fn insert(&mut self, sid: u64, route: Route) {
        self.subs.insert(sid, route);
    }

    /// The ids of every subscription (the request inbox aside).
    pub(crate) fn subscription_ids(&self) -> Vec<u64> {
        self.subs.keys().copied().collect()
    }

    /// Removes a subscription; false if it was not there.
    pub(crate) fn remove(&mut self, sid: u64) -> bool {
        self.subs.remove(&sid).is_some()
    }

    /// Sets an auto-unsubscribe limit. `Some(true)` when the limit is already reached (the
    /// subscription is then removed), `None` when there is no such subscription.
    pub(crate) fn limit(&mut self, sid: u64, max: u64) -> Option<bool> {
        let route = self.subs.get_mut(&sid)?;
        if route.delivered >= max {
            self.subs.remove(&sid);
            return Some(true);
        }
        route.max = Some(max);
        Some(false)
    }

    /// Ends every subscription stream and fails every waiting request.
    pub(crate) fn clear(&mut self) {
        self.subs.clear();
        self.mux.waiters.clear();
    }

    /// Registers a request waiter; returns its reply subject.
    pub(crate) fn add_waiter(&mut self, tx: oneshot::Sender<Message>) -> (u64, String) {
        self.mux.next_token += 1;
        let token = self.mux.next_token;
        self.mux.waiters.insert(token, tx);
        (token, format!("{}{}", self.mux.prefix, token))
    }

    /// Forgets a request waiter (timeout or failed publish).
    pub(crate) fn remove_waiter(&mut self, token: u64) {
        self.mux.waiters.remove(&token);
    }

    /// The request token of a reply subject of ours, if it is one.
    pub(crate) fn token_of(&self, reply: &str) -> Option<u64> {
        reply
            .strip_prefix(self.mux.prefix.as_str())
            .and_then(|t| t.parse().ok())
    }

    /// Fails (by dropping their waiters) the requests not in `keep`: after a disconnect, those
    /// that went out and whose answer can no longer arrive.
    pub(crate) fn fail_waiters_except(&mut self, keep: &HashSet<u64>) {
        self.mux.waiters.retain(|token, _| keep.contains(token));
    }

    /// Writes a SUB for every subscription (and the request inbox), with an UNSUB for the
    /// messages an auto-unsubscribe still allows: the table replayed on a new connection.
    pub(crate) fn resubscribe(&self, out: &mut WriteBuffer) {
        for (&sid, route) in &self.subs {
            out.put_sub(&route.subject, route.queue.as_deref(), sid);
            if let Some(max) = route.max {
                out.put_unsub(sid, Some(max.saturating_sub(route.delivered)));
            }
        }
        if let Some(sid) = self.mux.sid {
            out.put_sub(&format!("{}*", self.mux.prefix), None, sid);
        }
    }

    /// Number of requests waiting for an answer.
    pub(crate) fn waiting(&self) -> usize {
        self.mux.waiters.len()
    }

    /// Routes one message from the server.
    pub(crate) fn deliver(
        &mut self,
        msg: Msg,
        limits: PendingLimits,
        to_message: impl FnOnce(Msg) -> Message,
    ) -> Delivery {
        if Some(msg.sid) == self.mux.sid {
            let token = self.token_of(&msg.subject);
            return match token.and_then(|t| self.mux.waiters.remove(&t)) {
                Some(waiter) => {
                    let _ = waiter.send(to_message(msg));
                    Delivery::Delivered
                }
                None => Delivery::Unrouted,
            };
        }
        let sid = msg.sid;
        let Some(route) = self.subs.get_mut(&sid) else {
            return Delivery::Unrouted;
        };
        route.delivered += 1;
        let size = msg.payload.len();
        let pending = &route.pending;
        let full = pending.messages.load(Ordering::Relaxed) >= limits.messages
            || pending.bytes.load(Ordering::Relaxed) + size > limits.bytes;
        let outcome = if full {
            pending.dropped.fetch_add(1, Ordering::Relaxed);
            let first = !route.slow;
            route.slow = true;
            Delivery::Dropped {
                sid,
                subject: route.subject.to_string(),
                first,
            }
        } else {
            pending.messages.fetch_add(1, Ordering::Relaxed);
            pending.bytes.fetch_add(size, Ordering::Relaxed);
            route.slow = false;
            if route.tx.send(to_message(msg)).is_err() {
                // The subscriber is gone; its Drop is removing the route.
                pending.taken(size);
            }
            Delivery::Delivered
        };
        if route.max.is_some_and(|max| route.delivered >= max) {
            self.subs.remove(&sid);
        }
        outcome
    }
}
