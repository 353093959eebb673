//! The subscription table: what each subscription asked for, what it has received, and how
//! much its reader holds unread.
//!
//! "How much" is the memory a message really holds: its subject, reply, headers and payload and
//! a fixed cost per message ([`footprint`]). A message straight from the read buffer shares
//! that buffer (no copy), so while the reader holds it, the whole buffer stays alive. A
//! subscription's reader may therefore hold shared messages from one read only; once it falls
//! further behind, the next messages are copied into chunks of its own ([`compacted`]), and
//! what it holds stays within its limit plus one read buffer and two chunks. A message of
//! [`LARGE`] bytes or more is the exception: it is always copied, into a buffer of its own
//! that the connection uses again once the message is dropped (see `large_copies`).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::BytesMut;
use natskit_proto::{Msg, Subject, WriteBuffer};

use super::large_copies::LargeCopies;
use super::sid_map::IdMap;

/// Messages and bytes a subscription holds unread, shared with its reader (the
/// [`Subscriber`](crate::Subscriber)), which counts down what it takes. Plain atomics: the
/// reader never takes the connection's lock per message.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    messages: AtomicUsize,
    bytes: AtomicUsize,
    /// Messages held unread that share a read buffer (see [`Delivery::shared`]).
    shared: AtomicUsize,
    dropped: AtomicU64,
}

impl Pending {
    /// Counts down one message taken (the machine's tests, which stand in for a reader).
    #[cfg(test)]
    pub(crate) fn taken(&self, delivery: &Delivery) {
        let mut taken = Counts::default();
        taken.add(delivery);
        self.count_down(&mut taken);
    }

    /// Counts down what the reader took (and zeroes `taken`): once per batch rather than per
    /// message, since these counters are shared with the connection task's worker and each
    /// change moves their cache line between the two.
    pub(crate) fn count_down(&self, taken: &mut Counts) {
        let Counts {
            messages,
            bytes,
            shared,
        } = std::mem::take(taken);
        if messages > 0 {
            self.messages.fetch_sub(messages, Ordering::Relaxed);
            self.bytes.fetch_sub(bytes, Ordering::Relaxed);
        }
        if shared > 0 {
            self.shared.fetch_sub(shared, Ordering::Relaxed);
        }
    }

    /// Bytes ([`footprint`]s) delivered and not yet taken.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Messages delivered and not yet taken.
    pub(crate) fn messages(&self) -> usize {
        self.messages.load(Ordering::Relaxed)
    }

    /// Messages dropped because the reader fell behind.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// With `uncounted` delivered and not yet counted in.
    fn would_overflow(&self, size: usize, uncounted: &Counts, limits: PendingLimits) -> bool {
        self.messages.load(Ordering::Relaxed) + uncounted.messages >= limits.messages
            || self.bytes.load(Ordering::Relaxed) + uncounted.bytes + size > limits.bytes
    }

    /// Counts in what was delivered (and zeroes `delivered`).
    pub(crate) fn count_in(&self, delivered: &mut Counts) {
        let Counts {
            messages,
            bytes,
            shared,
        } = std::mem::take(delivered);
        self.messages.fetch_add(messages, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        if shared > 0 {
            self.shared.fetch_add(shared, Ordering::Relaxed);
        }
    }
}

/// Messages, bytes and shared messages counted into or out of a [`Pending`] together, once
/// per batch: what the machine delivered during one `handle_input`, and what a reader handed
/// out of its current batch. The counters are shared between the connection task's worker and
/// the reader's, and each change moved their cache line between the two. Until counted out,
/// messages handed out count as still held, which they were a moment ago (a conservative
/// limit); deliveries are always counted in before their batch reaches the reader.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    messages: usize,
    bytes: usize,
    shared: usize,
}

impl Counts {
    /// Adds one message.
    pub(crate) fn add(&mut self, delivery: &Delivery) {
        self.messages += 1;
        self.bytes += delivery.cost;
        self.shared += usize::from(delivery.shared);
    }

    /// Messages counted here.
    pub(crate) fn messages(&self) -> usize {
        self.messages
    }
}

/// A message on its way to a subscription's reader.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub(crate) msg: Msg,
    /// Its bytes are slices of a read buffer rather than a compact copy of their own.
    pub(crate) shared: bool,
    /// What it was counted in at: the [`footprint`] of the message as decoded, counted out the
    /// same when taken, though a copy's frame is shorter (it starts at the subject).
    pub(crate) cost: usize,
}

impl Delivery {
    /// A delivery costing the message's [`footprint`] (the tests, which make messages whole).
    #[cfg(test)]
    pub(crate) fn of(msg: Msg, shared: bool) -> Self {
        let cost = footprint(&msg);
        Delivery { msg, shared, cost }
    }
}

/// The messages for one subscription's reader from one change of the machine, oldest first.
/// They go through the reader's channel together: a channel's send and receive cost about as
/// much as the rest of a small message's way to its reader (callgrind). A lone message costs
/// no allocation (`rest` stays empty).
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) first: Delivery,
    pub(crate) rest: Vec<Delivery>,
}

impl Batch {
    pub(crate) fn new(first: Delivery) -> Self {
        Batch {
            first,
            rest: Vec::new(),
        }
    }
}

impl IntoIterator for Batch {
    type Item = Delivery;
    type IntoIter = std::iter::Chain<std::iter::Once<Delivery>, std::vec::IntoIter<Delivery>>;

    fn into_iter(self) -> Self::IntoIter {
        std::iter::once(self.first).chain(self.rest)
    }
}

/// Fixed memory of one message held unread, beyond its bytes: the message itself in the
/// reader's queue, and the allocations holding its bytes (their headers and rounding, and
/// the shared count of a copy).
const PER_MESSAGE: usize = std::mem::size_of::<Delivery>() + 96;

/// The memory a message held unread costs: what is counted against the pending byte limit.
pub(crate) fn footprint(msg: &Msg) -> usize {
    msg.frame_len() + msg.headers().map_or(0, |headers| headers.encoded_len()) + PER_MESSAGE
}

/// Size of a subscription's chunks of copies (see [`compacted`]).
const COPY_CHUNK: usize = 64 * 1024;

/// A message costing at least this much ([`footprint`]) is always copied, into a buffer of
/// its own ([`LargeCopies`]), even for a reader that keeps up: shared, it would keep a read
/// buffer grown for it, and every such read buffer would be fresh memory.
const LARGE: usize = COPY_CHUNK;

/// `msg` with its frame (subject, reply and payload) copied out of the read buffer, so that
/// holding it no longer keeps that buffer alive. The copies go into `chunk`, a subscription's own chunk of
/// [`COPY_CHUNK`] bytes shared by the messages copied into it (a new one when it is full; a
/// message larger than a chunk gets an allocation of its own): copying into one allocation per
/// message cost two allocations and two frees per message, most of a flooded subscriber's work.
/// A chunk holds one subscription's messages only, so what its reader holds stays within its
/// limit plus one read buffer and two chunks.
pub(crate) fn compacted(msg: Msg, chunk: &mut BytesMut) -> Msg {
    if chunk.capacity() < msg.frame_len() {
        *chunk = BytesMut::with_capacity(msg.frame_len().max(COPY_CHUNK));
    }
    msg.copied_to(chunk)
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
    /// The read its unread shared messages came from (see [`Delivery::shared`]).
    shared_read: u64,
    /// Where its messages are copied while its reader is behind (see [`compacted`]).
    copies: BytesMut,
    /// Delivered during this `handle_input`, counted into `pending` at its end.
    uncounted: Counts,
}

/// What became of one message for a subscription.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Routed {
    /// Hand it to the reader; `last` when the subscription ended with it (auto-unsubscribe).
    /// `copy`: [`Subscriptions::compact`] first; otherwise as it is. `shared`: as it is, and
    /// counted among the reader's messages sharing one read ([`Delivery::shared`]); a message
    /// of [`LARGE`] bytes or more is always copied, never shared.
    Deliver {
        last: bool,
        shared: bool,
        copy: bool,
    },
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
    /// Subscriptions with deliveries not yet counted in (see [`Counts`]).
    uncounted: Vec<u64>,
    /// Where messages of [`LARGE`] bytes or more are copied, for every subscription.
    large: LargeCopies,
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
                shared_read: 0,
                copies: BytesMut::new(),
                uncounted: Counts::default(),
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

    /// The subject of subscription `sid`, if it is open.
    pub(crate) fn subject(&self, sid: u64) -> Option<&str> {
        self.subs.get(&sid).map(|sub| sub.subject.as_str())
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

    /// Counts one message costing `size` bytes ([`footprint`]) for `sid` against its limits;
    /// `read` numbers the read buffer it came from.
    pub(crate) fn route(
        &mut self,
        sid: u64,
        size: usize,
        limits: PendingLimits,
        read: u64,
    ) -> Routed {
        let Some(sub) = self.subs.get_mut(&sid) else {
            return Routed::Unknown;
        };
        sub.delivered += 1;
        let last = sub.max.is_some_and(|max| sub.delivered >= max);
        let routed = if sub.pending.would_overflow(size, &sub.uncounted, limits) {
            sub.pending.dropped.fetch_add(1, Ordering::Relaxed);
            let first_of_episode = (!sub.slow).then(|| sub.subject.to_string());
            sub.slow = true;
            Routed::Dropped {
                first_of_episode,
                last,
            }
        } else {
            if sub.uncounted.messages == 0 {
                self.uncounted.push(sid);
            }
            sub.uncounted.messages += 1;
            sub.uncounted.bytes += size;
            sub.slow = false;
            // Shared only if every shared message the reader still holds is from this read.
            let small = size < LARGE;
            let shared = small
                && (sub.shared_read == read
                    || sub.pending.shared.load(Ordering::Relaxed) + sub.uncounted.shared == 0);
            if shared {
                sub.uncounted.shared += 1;
                sub.shared_read = read;
                // Caught up: the chunk of copies goes with the last message copied into it.
                if sub.copies.capacity() > 0 {
                    sub.copies = BytesMut::new();
                }
            }
            let copy = !shared;
            Routed::Deliver { last, shared, copy }
        };
        if last {
            if let Some(mut sub) = self.subs.remove(&sid) {
                sub.pending.count_in(&mut sub.uncounted);
            }
        }
        routed
    }

    /// Counts into each subscription's [`Pending`] what was delivered to it since the last
    /// call: before the deliveries reach the readers, who count them out.
    pub(crate) fn count_in_deliveries(&mut self) {
        for sid in self.uncounted.drain(..) {
            if let Some(sub) = self.subs.get_mut(&sid) {
                sub.pending.count_in(&mut sub.uncounted);
            }
        }
    }

    /// `msg` for subscription `sid`, costing `cost` ([`footprint`]), copied out of the read
    /// buffer: a large one into a buffer of its own ([`LargeCopies`]), others into the
    /// subscription's chunk ([`compacted`]; into a chunk of their own when the subscription
    /// just ended).
    pub(crate) fn compact(&mut self, sid: u64, msg: Msg, cost: usize) -> Msg {
        if cost >= LARGE {
            return self.large.copy(msg);
        }
        match self.subs.get_mut(&sid) {
            Some(sub) => compacted(msg, &mut sub.copies),
            None => compacted(msg, &mut BytesMut::new()),
        }
    }

    /// `msg`, copied out of the read buffer if it is large (a request's answer: see
    /// [`LargeCopies`]).
    pub(crate) fn copied_if_large(&mut self, msg: Msg) -> Msg {
        if footprint(&msg) >= LARGE {
            self.large.copy(msg)
        } else {
            msg
        }
    }

    /// Lets go of the spare buffers of large messages beyond the few kept (see
    /// [`LargeCopies::let_go_of_spares`]).
    pub(crate) fn let_go_of_spare_copies(&mut self) {
        self.large.let_go_of_spares();
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
