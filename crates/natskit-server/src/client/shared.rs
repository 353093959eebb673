//! The part of a client connection that other connections touch: its outbound buffer (where
//! every publisher appends the messages it is owed), its subscriptions and its counters
//! ([`Conn`]), and each of its subscriptions as the subject index holds it ([`Subscription`]).
//! The two are one module because each holds the other: a `Conn` its subscriptions by sid, a
//! `Subscription` the `Conn` it delivers to.
//!
//! The buffer is a [`WriteBuffer`] behind a mutex held only to append or to swap it out; the
//! connection's writer task swaps it out and writes it with vectored writes, so publishers never
//! wait on a socket. A publisher that finds the buffer empty is the one that wakes the writer
//! (after its whole read batch, see [`crate::client::protocol`]), which keeps wake-ups to one per batch.

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use natskit_proto::{ConnectInfo, WriteBuffer};
use tokio::sync::Notify;

use crate::cert::CertIdentity;
use crate::permissions::{Permissions, Responses};
use natskit_proto::sync::lock;

/// Room a connection's outbound buffers start with (and go back to when idle): most
/// connections never need more, and a broker may hold tens of thousands.
pub(crate) const WRITE_MIN: usize = 1024;

/// An empty outbound buffer with [`WRITE_MIN`] bytes of room; it grows as needed.
pub(crate) fn small_write_buffer() -> WriteBuffer {
    WriteBuffer::with_capacity(WRITE_MIN, natskit_proto::encode::DEFAULT_COPY_THRESHOLD)
}

/// Counters of one connection, for monitoring.
#[derive(Debug, Default)]
pub(crate) struct ConnCounters {
    pub(crate) in_msgs: AtomicU64,
    pub(crate) in_bytes: AtomicU64,
    pub(crate) out_msgs: AtomicU64,
    pub(crate) out_bytes: AtomicU64,
}

/// What the client said about itself in CONNECT.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientMeta {
    pub(crate) name: String,
    pub(crate) lang: String,
    pub(crate) version: String,
    pub(crate) user: String,
}

#[derive(Debug)]
struct Outbound {
    buf: WriteBuffer,
    /// Nothing more is queued once set; the writer sends what is there and closes.
    closed: bool,
    reason: Option<String>,
    /// The `-ERR` text sent when it was closed, if any.
    error: Option<String>,
}

/// Why appending to a connection's buffer did not happen, or whether it must be woken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Queued {
    /// Appended to an empty buffer: the caller must [`Conn::wake`] the writer.
    First,
    /// Appended behind other bytes: someone already owes the writer a wake-up.
    Behind,
    /// Appended behind other bytes, and more than half the pending limit waits now: the
    /// publisher should pause until the writer catches up (see [`Conn::drained`]).
    Stall,
    /// The connection is closed (or closing): nothing appended.
    Closed,
    /// Appending would pass the pending limit: the connection was closed as a slow consumer.
    SlowConsumer,
}

/// Reply subjects owed answers past which the expired ones are swept out (nats-server's
/// `replyPermLimit`).
const REPLIES_SWEEP: usize = 4096;

/// A reply subject a user with `allow_responses` may answer on: when it was received, and how
/// many answers went to it.
#[derive(Debug)]
struct Owed {
    since: Instant,
    sent: u64,
}

/// A client connection as the rest of the broker sees it.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) id: u64,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) started: SystemTime,
    /// When the client last sent something, in nanoseconds since the epoch (for `/connz`).
    last_activity: AtomicU64,
    max_pending: usize,
    out: Mutex<Outbound>,
    /// Bytes taken by the writer and not yet written: they count as pending too.
    in_flight: AtomicUsize,
    /// Wakes the writer task.
    writer: Notify,
    /// Wakes the reader task when the connection is closed from elsewhere.
    reader: Notify,
    /// Wakes publishers paused in [`Conn::drained`] after each write.
    drained: Notify,
    pub(crate) counters: ConnCounters,
    /// Its subscriptions, found by sid: the bytes the client sent (nats-server takes any token).
    pub(crate) subs: Mutex<HashSet<BySid>>,
    pub(crate) meta: Mutex<ClientMeta>,
    /// The client understands HMSG (said in CONNECT).
    pub(crate) headers: AtomicBool,
    /// The permissions of the user it authenticated as; `None`: anything goes. A reload may
    /// replace them, so they are read through [`Conn::permissions`].
    permissions: RwLock<Option<Arc<Permissions>>>,
    /// Whether `permissions` is set: deliveries to a connection without permissions (most)
    /// read this flag only.
    restricted: AtomicBool,
    /// Bumped at each change of `permissions`, for the connection's own cached copy.
    permissions_generation: AtomicU64,
    /// The credentials of its CONNECT and the nonce of its INFO, kept so a reload can check
    /// them against the new users (as nats-server does); `None` before CONNECT.
    pub(crate) login: Mutex<Option<Login>>,
    /// It came through the WebSocket listener (INFO and `/connz` say so).
    pub(crate) websocket: bool,
    /// Reply subjects of messages delivered to it that its user may answer although its
    /// publish permissions deny them (`allow_responses`); empty otherwise.
    replies: Mutex<HashMap<Box<[u8]>, Owed>>,
    /// The account it authenticated into, as its index in `State::spaces`, set at CONNECT (so
    /// set: it sent a valid CONNECT). An index, not the space, so that this module needs no
    /// import of `space` (which imports the subject index, which imports this).
    pub(crate) account: OnceLock<usize>,
    /// The names in the client's TLS certificate, when it presented one.
    pub(crate) cert: OnceLock<CertIdentity>,
    /// Its disconnect was announced to the system account (once).
    pub(crate) gone_announced: AtomicBool,
    /// The broker's own client (JetStream), in this account: no credentials asked, no
    /// output limit, not listed among the clients.
    pub(crate) internal: Option<usize>,
}

impl Conn {
    pub(crate) fn new(id: u64, peer: Option<SocketAddr>, max_pending: usize) -> Self {
        let started = SystemTime::now();
        Conn {
            id,
            peer,
            started,
            last_activity: AtomicU64::new(epoch_nanos(started)),
            max_pending,
            out: Mutex::new(Outbound {
                buf: small_write_buffer(),
                closed: false,
                reason: None,
                error: None,
            }),
            in_flight: AtomicUsize::new(0),
            writer: Notify::new(),
            reader: Notify::new(),
            drained: Notify::new(),
            counters: ConnCounters::default(),
            subs: Mutex::new(HashSet::new()),
            meta: Mutex::new(ClientMeta::default()),
            headers: AtomicBool::new(false),
            permissions: RwLock::new(None),
            restricted: AtomicBool::new(false),
            permissions_generation: AtomicU64::new(0),
            login: Mutex::new(None),
            websocket: false,
            replies: Mutex::new(HashMap::new()),
            account: OnceLock::new(),
            cert: OnceLock::new(),
            gone_announced: AtomicBool::new(false),
            internal: None,
        }
    }

    /// How log lines name it, as nats-server's do: `127.0.0.1:50312 - cid:7` (`wid:` for a
    /// WebSocket client, `pipe` for an in-process one).
    pub(crate) fn label(&self) -> String {
        let kind = if self.websocket { "wid" } else { "cid" };
        match self.peer {
            Some(peer) => format!("{peer} - {kind}:{}", self.id),
            None => format!("pipe - {kind}:{}", self.id),
        }
    }

    /// The permissions it has now; `None`: anything goes.
    #[inline]
    pub(crate) fn permissions(&self) -> Option<Arc<Permissions>> {
        if !self.restricted.load(Ordering::Acquire) {
            return None;
        }
        self.permissions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces its permissions (at CONNECT, or by a reload).
    pub(crate) fn set_permissions(&self, permissions: Option<Arc<Permissions>>) {
        let mut slot = self.permissions.write().unwrap_or_else(|p| p.into_inner());
        self.restricted
            .store(permissions.is_some(), Ordering::Release);
        *slot = permissions;
        self.permissions_generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Changes with each [`Conn::set_permissions`]: a cached copy older than this is stale.
    #[inline]
    pub(crate) fn permissions_generation(&self) -> u64 {
        self.permissions_generation.load(Ordering::Acquire)
    }

    /// Notes that it received a message with `reply`, which its user may answer within
    /// `limits`; sweeps out expired ones when many are owed.
    pub(crate) fn owe_reply(&self, reply: &[u8], limits: &Responses) {
        let mut replies = lock(&self.replies);
        if replies.len() >= REPLIES_SWEEP {
            let now = Instant::now();
            replies.retain(|_, owed| {
                limits
                    .expires
                    .is_none_or(|ttl| now.duration_since(owed.since) <= ttl)
            });
        }
        let owed = Owed {
            since: Instant::now(),
            sent: 0,
        };
        replies.insert(reply.into(), owed);
    }

    /// Whether its user may publish to `subject` as an answer owed (counting it), as
    /// nats-server's `responseAllowed`: the answer past `max`, or one after `expires`, is
    /// refused and the reply forgotten.
    pub(crate) fn answer_reply(&self, subject: &[u8], limits: &Responses) -> bool {
        let mut replies = lock(&self.replies);
        let Some(owed) = replies.get_mut(subject) else {
            return false;
        };
        owed.sent += 1;
        let over = limits.max > 0 && owed.sent > limits.max;
        let late = limits.expires.is_some_and(|ttl| owed.since.elapsed() > ttl);
        if over || late {
            replies.remove(subject);
            return false;
        }
        true
    }

    /// Notes that the client sent something now.
    pub(crate) fn touch(&self) {
        self.last_activity
            .store(epoch_nanos(SystemTime::now()), Ordering::Relaxed);
    }

    /// When the client last sent something (its start before that).
    pub(crate) fn last_activity(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH
            + std::time::Duration::from_nanos(self.last_activity.load(Ordering::Relaxed))
    }

    /// Appends what `write` writes, unless the connection is closed or `size` more bytes would
    /// pass the pending limit (then it is closed as a slow consumer, without an -ERR, as
    /// nats-server does).
    ///
    /// For a message to `sub`, the subscription is checked again under the buffer's lock: once
    /// an UNSUB removed it and queued its answer, no message for it can follow that answer.
    #[inline]
    fn enqueue(
        &self,
        size: usize,
        sub: Option<&Subscription>,
        write: impl FnOnce(&mut WriteBuffer),
    ) -> Queued {
        let queued = self.enqueue_locked(&mut lock(&self.out), size, sub, write);
        if queued == Queued::SlowConsumer {
            self.closed_as_slow();
        }
        queued
    }

    /// Claims one delivery to `sub`, one of this connection's subscriptions ([`Subscription::claim`]),
    /// and when it may have it, queues the message as [`Conn::enqueue`] does and counts it (with
    /// `data_len` bytes of data) among the messages delivered to this connection. Both under
    /// the output lock, which every delivery to the connection takes anyway: the claim is then
    /// a load and a store rather than an atomic addition, which was a quarter of a delivery's
    /// time (`perf`, 4 subscribers). `None` when the claim refused it (nothing queued).
    #[inline]
    pub(crate) fn deliver_msg(
        &self,
        sub: &Subscription,
        size: usize,
        data_len: usize,
        write: impl FnOnce(&mut WriteBuffer),
    ) -> (Slot, Option<Queued>) {
        let mut out = lock(&self.out);
        let slot = sub.claim(&out);
        if matches!(slot, Slot::Closed | Slot::Exhausted) {
            return (slot, None);
        }
        let queued = self.enqueue_locked(&mut out, size, Some(sub), write);
        if matches!(queued, Queued::First | Queued::Behind | Queued::Stall) {
            // Every delivery counts here, under the lock: a load and a store do, without the
            // cost of two atomic additions per message.
            let counters = &self.counters;
            let msgs = counters.out_msgs.load(Ordering::Relaxed);
            counters.out_msgs.store(msgs + 1, Ordering::Relaxed);
            let bytes = counters.out_bytes.load(Ordering::Relaxed);
            counters
                .out_bytes
                .store(bytes + data_len as u64, Ordering::Relaxed);
        }
        drop(out);
        if queued == Queued::SlowConsumer {
            self.closed_as_slow();
        }
        (slot, Some(queued))
    }

    /// After [`Conn::enqueue_locked`] closed it as a slow consumer (its lock released): the
    /// writer sends what is queued, the reader and paused publishers find it closed.
    #[cold]
    fn closed_as_slow(&self) {
        self.wake();
        self.reader.notify_one();
        self.drained.notify_waiters();
    }

    /// [`Conn::enqueue`] with the buffer's lock held; the caller wakes everyone on
    /// [`Queued::SlowConsumer`].
    #[inline]
    fn enqueue_locked(
        &self,
        out: &mut Outbound,
        size: usize,
        sub: Option<&Subscription>,
        write: impl FnOnce(&mut WriteBuffer),
    ) -> Queued {
        if out.closed || sub.is_some_and(Subscription::is_removed) {
            return Queued::Closed;
        }
        let pending = self.pending(out);
        if pending > 0 && pending + size > self.max_pending {
            out.closed = true;
            out.reason = Some("slow consumer".into());
            return Queued::SlowConsumer;
        }
        let first = out.buf.is_empty();
        write(&mut out.buf);
        if first {
            Queued::First
        } else if pending + size > self.max_pending / 2 {
            Queued::Stall
        } else {
            Queued::Behind
        }
    }

    /// Waits until at most half the pending limit waits, or the connection closed. Publishers
    /// pause here, as with nats-server, so a consumer that reads slower than it is fed
    /// slows its publishers down before it counts as a slow consumer.
    pub(crate) async fn drained(&self) {
        loop {
            let notified = self.drained.notified();
            {
                let out = lock(&self.out);
                if out.closed || self.pending(&out) <= self.max_pending / 2 {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Appends and wakes the writer at once: for the connection's own answers (PONG, +OK, INFO).
    pub(crate) fn send(&self, write: impl FnOnce(&mut WriteBuffer)) {
        if self.enqueue(0, None, write) == Queued::First {
            self.wake();
        }
    }

    /// Wakes the writer task.
    pub(crate) fn wake(&self) {
        self.writer.notify_one();
    }

    /// Closes the connection, after `err` (an `-ERR` text) if given and after what is queued.
    /// Only the first close counts.
    pub(crate) fn close(&self, reason: &str, err: Option<&str>) {
        let mut out = lock(&self.out);
        if out.closed {
            return;
        }
        if let Some(text) = err {
            out.buf.put_err(text);
            out.error = Some(text.to_owned());
        }
        out.closed = true;
        out.reason = Some(reason.to_owned());
        drop(out);
        self.wake();
        self.reader.notify_one();
        self.drained.notify_waiters();
    }

    /// Why it was closed, once it is.
    pub(crate) fn close_reason(&self) -> Option<String> {
        lock(&self.out).reason.clone()
    }

    /// Why it was closed and the `-ERR` text it was sent then, if any.
    pub(crate) fn close_cause(&self) -> (Option<String>, Option<String>) {
        let out = lock(&self.out);
        (out.reason.clone(), out.error.clone())
    }

    /// Waits for any publisher queueing into this buffer right now to finish (see
    /// [`Conn::enqueue`]).
    pub(crate) fn barrier(&self) {
        drop(lock(&self.out));
    }

    /// Drops what could not be written: the connection is gone.
    pub(crate) fn discard_pending(&self) {
        let mut out = lock(&self.out);
        out.buf = WriteBuffer::with_capacity(0, natskit_proto::encode::DEFAULT_COPY_THRESHOLD);
    }

    /// For the writer, after a quiet while: swaps a buffer grown by earlier traffic for a
    /// small one, if nothing waits in it.
    pub(crate) fn shrink_idle(&self) {
        let mut out = lock(&self.out);
        if out.buf.is_empty() {
            out.buf = small_write_buffer();
        }
    }

    /// Bytes waiting to be written.
    pub(crate) fn pending_bytes(&self) -> usize {
        self.pending(&lock(&self.out))
    }

    /// Bytes queued in `out` and bytes the writer took but has not written yet.
    #[inline]
    fn pending(&self, out: &Outbound) -> usize {
        out.buf.len() + self.in_flight.load(Ordering::Relaxed)
    }

    /// For the writer: swaps the queued bytes into `spare` (which must be empty); returns
    /// whether the connection is closed.
    pub(crate) fn take(&self, spare: &mut WriteBuffer) -> bool {
        let mut out = lock(&self.out);
        std::mem::swap(&mut out.buf, spare);
        self.in_flight.store(spare.len(), Ordering::Relaxed);
        out.closed
    }

    /// For the writer: what it took is written.
    pub(crate) fn written(&self) {
        self.in_flight.store(0, Ordering::Relaxed);
        self.drained.notify_waiters();
    }

    /// For the writer: waits until there is something to write or the connection closes.
    pub(crate) async fn writer_wakeup(&self) {
        self.writer.notified().await;
    }

    /// For the reader: waits until the connection is closed from elsewhere.
    pub(crate) async fn closed(&self) {
        self.reader.notified().await;
    }
}

/// What a connection authenticated with: its CONNECT (credentials included) and the nonce
/// its INFO carried. `Debug` redacts the secrets (as [`ConnectInfo`]'s does).
#[derive(Debug, Clone)]
pub(crate) struct Login {
    pub(crate) connect: ConnectInfo,
    pub(crate) nonce: String,
}

/// Who a CONNECT says the client is, as nats-server's log lines put it: `User "alice"`,
/// `Nkey "U..."`.
pub(crate) fn who(connect: &ConnectInfo) -> String {
    match (&connect.nkey, &connect.user) {
        (Some(key), _) => format!("Nkey {}", crate::quoted::quoted(key.as_bytes())),
        (None, Some(user)) => format!("User {}", crate::quoted::quoted(user.as_bytes())),
        (None, None) => "Unknown User".into(),
    }
}

/// Nanoseconds since the epoch, saturating (far beyond any real clock).
fn epoch_nanos(time: SystemTime) -> u64 {
    let since = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
}

/// A `SUB` of one connection, shared by the subject index and the connection's sid table.
#[derive(Debug)]
pub(crate) struct Subscription {
    pub(crate) conn: Arc<Conn>,
    /// The sid as the client sent it, written back as is in each `MSG`.
    pub(crate) sid: Bytes,
    /// Subject and queue group as sent: bytes, which need not be UTF-8, as with nats-server.
    pub(crate) subject: Bytes,
    pub(crate) queue: Option<Bytes>,
    /// Total deliveries after which it ends (`UNSUB <sid> <max>`); 0 for none.
    max: AtomicU64,
    delivered: AtomicU64,
    /// Set once it left the index: cached lookups may still hold it for a moment.
    removed: AtomicBool,
}

/// A subscription in its connection's table, looked up by its sid (`&[u8]`): the table holds
/// no second copy of the sid as a key, which would cost every subscription 32 bytes more.
#[derive(Debug, Clone)]
pub(crate) struct BySid(pub(crate) Arc<Subscription>);

impl PartialEq for BySid {
    fn eq(&self, other: &Self) -> bool {
        self.0.sid == other.0.sid
    }
}

impl Eq for BySid {}

/// Hashed as its sid's bytes are, which [`Borrow`] requires.
impl Hash for BySid {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.sid[..].hash(state);
    }
}

impl Borrow<[u8]> for BySid {
    fn borrow(&self) -> &[u8] {
        &self.0.sid
    }
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
    pub(crate) fn new(conn: Arc<Conn>, sid: Bytes, subject: Bytes, queue: Option<Bytes>) -> Self {
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

    /// Claims one delivery. `_locked` is its connection's output, locked: every change of the
    /// count and of the limit is made under that lock, so a load and a store count exactly.
    #[inline]
    fn claim(&self, _locked: &Outbound) -> Slot {
        if self.removed.load(Ordering::Relaxed) {
            return Slot::Closed;
        }
        let max = self.max.load(Ordering::Relaxed);
        let n = self.delivered.load(Ordering::Relaxed) + 1;
        self.delivered.store(n, Ordering::Relaxed);
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

    /// The delivery limit `UNSUB <sid> <max>` set; 0 for none.
    pub(crate) fn max(&self) -> u64 {
        self.max.load(Ordering::Relaxed)
    }

    /// Ends the subscription after `max` deliveries in all; false when that many were delivered
    /// already (the caller removes it now).
    pub(crate) fn limit(&self, max: u64) -> bool {
        // Under the lock the claims take, so none sees half of it.
        let _locked = lock(&self.conn.out);
        self.max.store(max, Ordering::Relaxed);
        self.delivered() < max
    }

    /// Marks it gone; true for the first caller only.
    pub(crate) fn mark_removed(&self) -> bool {
        !self.removed.swap(true, Ordering::AcqRel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn owed_replies_are_answered_up_to_max_and_not_after_they_expire() {
        let conn = Conn::new(1, None, 1024);
        let twice = Responses {
            max: 2,
            expires: None,
        };
        assert!(!conn.answer_reply(b"r", &twice));
        conn.owe_reply(b"r", &twice);
        assert!(conn.answer_reply(b"r", &twice));
        assert!(conn.answer_reply(b"r", &twice));
        assert!(!conn.answer_reply(b"r", &twice));
        assert!(!conn.answer_reply(b"r", &twice), "forgotten once refused");
        let any = Responses {
            max: 0,
            expires: None,
        };
        conn.owe_reply(b"s", &any);
        assert!((0..100).all(|_| conn.answer_reply(b"s", &any)));
        let brief = Responses {
            max: 0,
            expires: Some(Duration::from_millis(1)),
        };
        conn.owe_reply(b"t", &brief);
        // Time passing is what is tested: the answer comes after the reply expired.
        std::thread::sleep(Duration::from_millis(5));
        assert!(!conn.answer_reply(b"t", &brief));
    }
}
