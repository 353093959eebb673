//! State shared by the client handles and the connection task.
//!
//! Publishers encode straight into one output buffer under a short lock, and wake the
//! connection task only when the buffer goes from empty to non-empty: a publish costs a lock, an
//! encode and (rarely) a wake-up, never a channel hop. Everything that must reach the wire in
//! order (SUB, PUB, UNSUB, PING) goes through that one buffer, so a subscribe followed by a
//! publish is written in that order. Lock order, where both are held: `routes`, then `out`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use bytes::Bytes;
use natskit_proto::subject::{validate_publish, validate_reply};
use natskit_proto::{HeaderMap, ServerInfo, WriteBuffer};
use tokio::sync::{broadcast, oneshot, watch, Notify};
use tracing::debug;

use crate::events::{ConnectionState, Event};
use crate::options::ConnectOptions;
use crate::routes::Routes;
use crate::stats::InCounters;
use crate::PublishError;

// Locks a mutex; a panic elsewhere while it was held does not poison our state machine,
// whose invariants hold between any two statements.
pub(crate) use natskit_proto::sync::lock;

/// Output waiting for the connection task, and what publishes are checked against.
pub(crate) struct Outbound {
    pub(crate) buf: WriteBuffer,
    /// One entry per PING in the output, in wire order: `Some` for a flush waiting on it.
    pub(crate) pongs: VecDeque<Option<oneshot::Sender<()>>>,
    /// Set once the client is closed: everything is refused from then on.
    pub(crate) closed: bool,
    /// Set by `Client::drain`: publishes are refused from then on.
    pub(crate) draining: bool,
    /// False while reconnecting: publishes go to the reconnect buffer, and SUB/UNSUB are not
    /// queued (the subscription table is replayed after reconnecting).
    pub(crate) connected: bool,
    pub(crate) max_payload: usize,
    pub(crate) headers_supported: bool,
    pub(crate) out_messages: u64,
    pub(crate) out_bytes: u64,
}

pub(crate) struct Shared {
    pub(crate) out: Mutex<Outbound>,
    /// Wakes the connection task: output is waiting.
    pub(crate) out_ready: Notify,
    /// Wakes publishers waiting for room in the output buffer.
    pub(crate) out_space: Notify,
    pub(crate) routes: Mutex<Routes>,
    pub(crate) info: Mutex<ServerInfo>,
    pub(crate) in_counters: InCounters,
    pub(crate) events: broadcast::Sender<Event>,
    /// Subscribed before the first event, handed to the first caller of `events()`, so that
    /// reader misses nothing since connect.
    pub(crate) first_events: Mutex<Option<broadcast::Receiver<Event>>>,
    pub(crate) options: ConnectOptions,
    pub(crate) next_sid: AtomicU64,
    /// Asks the connection task to stop.
    pub(crate) shutdown: Notify,
    /// Asks the connection task to drop the connection and reconnect.
    pub(crate) reconnect_now: Notify,
    /// Connected, reconnecting or closed; closed once the connection task has stopped.
    pub(crate) state: watch::Sender<ConnectionState>,
    /// The server in use (credentials hidden).
    pub(crate) server: Mutex<String>,
    /// Every server the client may use, for `Client::servers`.
    pub(crate) servers: Mutex<Vec<String>>,
}

impl Shared {
    pub(crate) fn new(options: ConnectOptions, info: ServerInfo, server: String) -> Self {
        let (events, first_events) = broadcast::channel(options.limits.event_capacity);
        // The request mux's reply subjects are this plus a token.
        let inbox = options.protocol.new_inbox() + ".";
        Shared {
            out: Mutex::new(Outbound {
                buf: WriteBuffer::new(),
                pongs: VecDeque::new(),
                closed: false,
                connected: true,
                draining: false,
                max_payload: info.max_payload,
                headers_supported: info.headers,
                out_messages: 0,
                out_bytes: 0,
            }),
            out_ready: Notify::new(),
            out_space: Notify::new(),
            routes: Mutex::new(Routes::new(inbox)),
            info: Mutex::new(info),
            in_counters: InCounters::default(),
            events,
            first_events: Mutex::new(Some(first_events)),
            options,
            next_sid: AtomicU64::new(1),
            shutdown: Notify::new(),
            reconnect_now: Notify::new(),
            state: watch::channel(ConnectionState::Connected).0,
            server: Mutex::new(server),
            servers: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn emit(&self, event: Event) {
        debug!(?event, "natskit event");
        // An error only means nobody listens; the event was also logged.
        let _ = self.events.send(event);
    }

    /// True once closed. Reads the output's flag, which the connection task sets before it
    /// fails the waiters and emits `Event::Closed` (the state watch changes last).
    pub(crate) fn is_closed(&self) -> bool {
        lock(&self.out).closed
    }

    pub(crate) fn next_sid(&self) -> u64 {
        self.next_sid.fetch_add(1, Ordering::Relaxed)
    }

    /// Runs `write` on the output under its lock, and wakes the connection task if the buffer
    /// was empty. Fails when the client is closed.
    pub(crate) fn write_out<R>(&self, write: impl FnOnce(&mut Outbound) -> R) -> Option<R> {
        let mut out = lock(&self.out);
        if out.closed {
            return None;
        }
        let was_empty = out.buf.is_empty();
        let result = write(&mut out);
        drop(out);
        if was_empty {
            self.out_ready.notify_one();
        }
        Some(result)
    }

    /// Queues a SUB or UNSUB. While reconnecting nothing is queued: the connection task replays
    /// the subscription table (with auto-unsubscribe counts) once it is back. Fails when the
    /// client is closed.
    pub(crate) fn write_subscription(&self, write: impl FnOnce(&mut WriteBuffer)) -> Option<()> {
        let mut out = lock(&self.out);
        if out.closed {
            return None;
        }
        if !out.connected {
            return Some(());
        }
        let was_empty = out.buf.is_empty();
        write(&mut out.buf);
        drop(out);
        if was_empty {
            self.out_ready.notify_one();
        }
        Some(())
    }

    /// Checks and queues a publish, waiting while the output buffer is full.
    pub(crate) async fn publish(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: Bytes,
    ) -> Result<(), PublishError> {
        validate_publish(subject).map_err(PublishError::InvalidSubject)?;
        if let Some(reply) = reply {
            validate_reply(reply).map_err(PublishError::InvalidSubject)?;
        }
        if self.try_queue_pub(subject, reply, headers, &payload)? {
            return Ok(());
        }
        loop {
            // The buffer is full. Register for the wake-up before checking again, so the
            // connection task taking the buffer cannot slip between the check and the wait.
            let room = self.out_space.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            if self.try_queue_pub(subject, reply, headers, &payload)? {
                return Ok(());
            }
            room.await;
        }
    }

    /// Queues a publish if the output buffer has room: `Ok(false)` when it is full.
    fn try_queue_pub(
        &self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) -> Result<bool, PublishError> {
        let mut out = lock(&self.out);
        if out.closed {
            return Err(PublishError::Closed);
        }
        if out.draining {
            return Err(PublishError::Draining);
        }
        let size = payload.len() + headers.map_or(0, HeaderMap::encoded_len);
        if headers.is_some() && !out.headers_supported {
            return Err(PublishError::HeadersNotSupported);
        }
        if size > out.max_payload {
            return Err(PublishError::TooLarge {
                size,
                max_payload: out.max_payload,
            });
        }
        if !out.connected {
            // Kept for after the reconnect, up to the reconnect buffer; never waits.
            let limit = self.options.reconnect.buffer;
            if out.buf.len() + size + subject.len() + 64 > limit {
                return Err(PublishError::ReconnectBufferFull { limit });
            }
        } else if out.buf.len() >= self.options.limits.write_buffer {
            return Ok(false);
        }
        let was_empty = out.buf.is_empty();
        out.buf.put_pub(subject, reply, headers, payload);
        out.out_messages += 1;
        out.out_bytes += payload.len() as u64;
        drop(out);
        if was_empty {
            self.out_ready.notify_one();
        }
        Ok(true)
    }

    /// Queues a PING and returns the receiver its PONG will complete.
    pub(crate) fn ping(&self) -> Option<oneshot::Receiver<()>> {
        let (tx, rx) = oneshot::channel();
        self.write_out(|out| {
            out.buf.put_raw(b"PING\r\n");
            out.pongs.push_back(Some(tx));
        })?;
        Some(rx)
    }

    /// Removes a subscription and tells the server; `max` asks the server to stop after that
    /// many messages in all instead. Synchronous, so `Drop` can call it.
    pub(crate) fn unsubscribe(&self, sid: u64, max: Option<u64>) {
        let mut routes = lock(&self.routes);
        let max = match max {
            Some(max) => match routes.limit(sid, max) {
                // Already delivered that many: end it now.
                Some(true) | None => None,
                Some(false) => Some(max),
            },
            None => None,
        };
        if max.is_none() && !routes.remove(sid) {
            return;
        }
        self.write_subscription(|buf| buf.put_unsub(sid, max));
    }
}
