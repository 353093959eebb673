//! The client's connection as a state machine with no I/O, no runtime and no clock: bytes and
//! `Instant`s go in, and what to do comes out.
//!
//! [`Connection`] owns everything the protocol decides: the subscription table with its
//! auto-unsubscribe counts and pending limits, the request multiplexer, the PINGs awaited
//! (keepalive and flushes), the output with a record of each publish in it, the reconnect
//! buffer, the server pool and what INFO says, and whether the client is connecting,
//! connected, reconnecting, draining or closed.
//!
//! - In: commands from the handles ([`publish`](Connection::publish),
//!   [`subscribe`](Connection::subscribe), [`unsubscribe`](Connection::unsubscribe),
//!   [`request`](Connection::request), [`flush`](Connection::flush),
//!   [`drain`](Connection::drain), [`close`](Connection::close)); from the driver, bytes read
//!   ([`handle_input`](Connection::handle_input)), the time
//!   ([`handle_timeout`](Connection::handle_timeout)), and how connecting went
//!   ([`next_attempt`](Connection::next_attempt), [`connected`](Connection::connected),
//!   [`attempt_failed`](Connection::attempt_failed),
//!   [`connection_lost`](Connection::connection_lost)).
//! - Out: [`poll_transmit`](Connection::poll_transmit) (bytes to write),
//!   [`poll_timeout`](Connection::poll_timeout) (the next deadline),
//!   [`take_effects`](Connection::take_effects) (deliveries, answers, completed flushes,
//!   connection events, in order; the tests take them one by one) and
//!   [`take_leave`](Connection::take_leave) (drop this connection).
//!
//! It lives in natskit, not natskit-proto, because it holds the client's policy (pending
//! limits, the reconnect buffer, the server pool, the errors of the client's API), while
//! natskit-proto is the wire format both sides share. It is kept free of tokio: `W` and `F` are
//! whatever the caller wakes a request and a flush with (oneshot senders in the client, plain
//! values in the tests), and the tests drive it with made-up instants and bytes.

mod keepalive;
mod output;
mod pool;
mod requests;
mod sid_map;
mod subscriptions;

#[cfg(test)]
mod tests;

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use natskit_proto::subject::{
    validate_publish, validate_queue, validate_reply, validate_subscribe,
};
use natskit_proto::{
    HeaderMap, Msg, ProtoError, ServerInfo, ServerOp, ServerOpDecoder, Subject, WriteBuffer,
};

use crate::error::PublishError;
use crate::error::SubscribeError;
use crate::events::{ConnectionState, Event};
use crate::options::ConnectOptions;
use crate::reconnect::ReconnectOptions;
use crate::server_addr::ServerAddr;

use keepalive::{Keepalive, OnPong, Tick};
use output::Output;
pub(crate) use output::Transmit;
pub(crate) use pool::ServerPool;
use requests::Requests;
pub(crate) use sid_map::IdMap;
pub(crate) use subscriptions::{Pending, PendingLimits};
use subscriptions::{Routed, Subscriptions};

/// Operations [`Connection::handle_input`] handles in one call.
pub(crate) const INPUT_CHUNK: usize = 64;

/// Settings the machine works with, taken from [`ConnectOptions`].
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) ping_interval: Duration,
    pub(crate) max_pings_outstanding: usize,
    pub(crate) pending: PendingLimits,
    /// Output bytes queued before publishers wait for the socket.
    pub(crate) write_buffer: usize,
    pub(crate) reconnect: ReconnectOptions,
    /// Reply subjects of requests start with this (it ends with a `.`).
    pub(crate) request_prefix: String,
}

impl Config {
    pub(crate) fn from_options(options: &ConnectOptions) -> Self {
        Config {
            ping_interval: options.timing.ping_interval,
            max_pings_outstanding: options.timing.max_pings_outstanding,
            pending: PendingLimits {
                messages: options.limits.pending_messages,
                bytes: options.limits.pending_bytes,
            },
            write_buffer: options.limits.write_buffer,
            reconnect: options.reconnect.clone(),
            request_prefix: options.protocol.new_inbox() + ".",
        }
    }
}

/// Why a waiting request or flush will get no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection broke after it went out.
    Disconnected,
    /// The client closed.
    Closed,
}

/// Something the caller must do, from [`Connection::take_effects`], in order.
#[derive(Debug)]
pub(crate) enum Effect<W, F> {
    /// Hand `msg` to the reader of subscription `sid`.
    Deliver { sid: u64, msg: Msg },
    /// Subscription `sid` has ended: its reader gets nothing more (after what it was handed).
    EndSubscription { sid: u64 },
    /// The answer to a request.
    Answer { waiter: W, msg: Msg },
    /// A request's "no responders" notice (status 503).
    NoResponders { waiter: W },
    /// A request that will get no answer.
    FailRequest { waiter: W, why: Failure },
    /// The PONG a flush waited for came.
    Flushed { waiter: F },
    /// A flush whose PONG will not come.
    FailFlush { waiter: F, why: Failure },
    /// Report this to the client's event readers.
    Event(Event),
    /// The connection's state changed.
    State(ConnectionState),
}

/// Where the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Before the first connection: publishes are refused until it is made.
    Connecting,
    Connected,
    /// Lost; publishes go to the reconnect buffer.
    Reconnecting,
    Closed,
}

/// A server to try, from [`Connection::next_attempt`].
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    /// Its place in the pool, for [`Connection::connected`] and [`Connection::attempt_failed`].
    pub(crate) index: usize,
    pub(crate) addr: ServerAddr,
    /// Wait this long before trying.
    pub(crate) delay: Duration,
}

/// Counts of what went through, for [`Client::statistics`](crate::Client::statistics).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counters {
    pub(crate) in_messages: u64,
    pub(crate) in_bytes: u64,
    pub(crate) out_messages: u64,
    pub(crate) out_bytes: u64,
    pub(crate) reconnects: u64,
}

/// How a publish fared, from [`Connection::publish`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Queued {
    /// In the output (or the reconnect buffer).
    Yes,
    /// The output is full: wait for the driver to take it, then try again.
    Full,
}

/// One client connection's protocol state. See the [module docs](self).
#[derive(Debug)]
pub(crate) struct Connection<W, F> {
    config: Config,
    link: Link,
    /// Set by the second step of a client drain: publishes are refused.
    draining: bool,
    info: ServerInfo,
    decoder: ServerOpDecoder,
    output: Output,
    subscriptions: Subscriptions,
    requests: Requests<W>,
    keepalive: Keepalive<F>,
    pool: ServerPool,
    /// Attempts since the connection was lost.
    attempts: u64,
    last_error: String,
    /// Why the connection in use should be dropped (stale, lame duck mode), until taken.
    leave: Option<String>,
    /// The server in use, or last used (credentials hidden).
    server: String,
    next_sid: u64,
    counters: Counters,
    effects: VecDeque<Effect<W, F>>,
}

impl<W, F> Connection<W, F> {
    /// A client that has not connected yet, with the servers of `pool` to try.
    pub(crate) fn new(config: Config, pool: ServerPool) -> Self {
        let keepalive = Keepalive::new(config.ping_interval, config.max_pings_outstanding);
        let requests = Requests::new(config.request_prefix.clone());
        Connection {
            config,
            link: Link::Connecting,
            draining: false,
            info: ServerInfo::default(),
            decoder: ServerOpDecoder::new(),
            output: Output::default(),
            subscriptions: Subscriptions::default(),
            requests,
            keepalive,
            pool,
            attempts: 0,
            last_error: String::from("no attempt made"),
            leave: None,
            server: String::new(),
            next_sid: 1,
            counters: Counters::default(),
            effects: VecDeque::new(),
        }
    }

    // ----- what the handles ask -----

    /// Checks and queues a publish. Nothing is queued when it fails.
    pub(crate) fn publish(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) -> Result<Queued, PublishError> {
        validate_publish(subject).map_err(PublishError::InvalidSubject)?;
        if let Some(reply) = reply {
            validate_reply(reply).map_err(PublishError::InvalidSubject)?;
        }
        self.queue_publish(subject, reply, headers, payload, None)
    }

    /// Queues the publish of request `token`, which [`request`](Self::request) registered
    /// but could not queue. Nothing is queued for a request no longer waiting (cancelled, or
    /// failed by a close): its caller has its answer already.
    pub(crate) fn publish_request(
        &mut self,
        token: u64,
        subject: &str,
        reply: &str,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) -> Result<Queued, PublishError> {
        if !self.requests.is_waiting(token) {
            return Ok(Queued::Yes);
        }
        let queued = self.queue_publish(subject, Some(reply), headers, payload, Some(token))?;
        self.requests.set_queued(token, queued == Queued::Yes);
        Ok(queued)
    }

    fn queue_publish(
        &mut self,
        subject: &str,
        reply: Option<&str>,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
        request: Option<u64>,
    ) -> Result<Queued, PublishError> {
        match self.link {
            Link::Closed | Link::Connecting => return Err(PublishError::Closed),
            Link::Connected | Link::Reconnecting => {}
        }
        if self.draining {
            return Err(PublishError::Draining);
        }
        if headers.is_some() && !self.info.headers {
            return Err(PublishError::HeadersNotSupported);
        }
        let size = payload.len() + headers.map_or(0, HeaderMap::encoded_len);
        if size > self.info.max_payload {
            return Err(PublishError::TooLarge {
                size,
                max_payload: self.info.max_payload,
            });
        }
        if self.link == Link::Reconnecting {
            // Kept for after the reconnect, up to the reconnect buffer; never waits.
            let limit = self.config.reconnect.buffer;
            if self.output.len() + size + subject.len() + 64 > limit {
                return Err(PublishError::ReconnectBufferFull { limit });
            }
        } else if self.output.len() >= self.config.write_buffer {
            return Ok(Queued::Full);
        }
        self.output
            .put_pub(subject, reply, headers, payload, request);
        self.counters.out_messages += 1;
        self.counters.out_bytes += payload.len() as u64;
        Ok(Queued::Yes)
    }

    /// Makes a subscription; returns its id and the counters its reader shares.
    pub(crate) fn subscribe(
        &mut self,
        subject: &str,
        queue: Option<&str>,
    ) -> Result<(u64, std::sync::Arc<Pending>), SubscribeError> {
        validate_subscribe(subject).map_err(SubscribeError::Invalid)?;
        if let Some(queue) = queue {
            validate_queue(queue).map_err(SubscribeError::Invalid)?;
        }
        if self.link == Link::Closed {
            return Err(SubscribeError::Closed);
        }
        let sid = self.take_sid();
        if self.link == Link::Connected {
            self.output.control().put_sub(subject, queue, sid);
        }
        let pending =
            self.subscriptions
                .insert(sid, Subject::from(subject), queue.map(Subject::from));
        Ok((sid, pending))
    }

    fn take_sid(&mut self) -> u64 {
        let sid = self.next_sid;
        self.next_sid += 1;
        sid
    }

    /// Ends subscription `sid` now (`max: None`), or after `max` messages in all. Nothing
    /// happens for a subscription that is not there.
    pub(crate) fn unsubscribe(&mut self, sid: u64, max: Option<u64>) {
        let wire_max = match max {
            Some(max) => match self.subscriptions.limit(sid, max) {
                None => return,
                // The server stops after the rest; so does `route`.
                Some(false) => Some(max),
                // Already delivered that many: it ends now.
                Some(true) => {
                    self.effects.push_back(Effect::EndSubscription { sid });
                    None
                }
            },
            None => {
                if !self.subscriptions.remove(sid) {
                    return;
                }
                self.effects.push_back(Effect::EndSubscription { sid });
                None
            }
        };
        if self.link == Link::Connected {
            self.output.control().put_unsub(sid, wire_max);
        }
    }

    /// Ends subscription `sid` if its drain did not (its PONG did not come in time, or the
    /// connection broke meanwhile): with an UNSUB again when connected, since a reconnect may
    /// have made it anew at the server.
    pub(crate) fn forget_subscription(&mut self, sid: u64) {
        if self.end_subscription(sid) && self.link == Link::Connected {
            self.output.control().put_unsub(sid, None);
        }
    }

    /// Removes subscription `sid` and ends its stream; false if it was not there.
    fn end_subscription(&mut self, sid: u64) -> bool {
        let ended = self.subscriptions.remove(sid);
        if ended {
            self.effects.push_back(Effect::EndSubscription { sid });
        }
        ended
    }

    /// Registers a request and queues its publish: returns its token, its reply subject and
    /// whether the publish was queued. When the output is full ([`Queued::Full`]) the request
    /// stays registered and its publish follows with [`publish_request`](Self::publish_request).
    /// An abandoned request is removed with [`cancel_request`](Self::cancel_request).
    pub(crate) fn request(
        &mut self,
        waiter: W,
        subject: &str,
        headers: Option<&HeaderMap>,
        payload: &Bytes,
    ) -> Result<(u64, String, Queued), PublishError> {
        validate_publish(subject).map_err(PublishError::InvalidSubject)?;
        let (token, reply) = self.add_request(waiter)?;
        match self.queue_publish(subject, Some(&reply), headers, payload, Some(token)) {
            Ok(queued) => {
                self.requests.set_queued(token, queued == Queued::Yes);
                Ok((token, reply, queued))
            }
            Err(e) => {
                self.requests.remove(token);
                Err(e)
            }
        }
    }

    /// Registers a request waiting for its answer: returns its token and reply subject.
    fn add_request(&mut self, waiter: W) -> Result<(u64, String), PublishError> {
        if self.link == Link::Closed || self.link == Link::Connecting {
            return Err(PublishError::Closed);
        }
        if self.requests.sid().is_none() {
            let sid = self.take_sid();
            let wildcard = self.requests.subscribed(sid);
            if self.link == Link::Connected {
                self.output.control().put_sub(&wildcard, None, sid);
            }
        }
        Ok(self.requests.add(waiter))
    }

    /// Forgets request `token` (timed out, or its caller gone); a late answer is dropped.
    pub(crate) fn cancel_request(&mut self, token: u64) -> Option<W> {
        self.requests.remove(token)
    }

    /// Queues a PING whose PONG completes `waiter`.
    pub(crate) fn flush(&mut self, waiter: F) -> Result<(), F> {
        if !self.can_ping() {
            return Err(waiter);
        }
        self.queue_ping(OnPong::Flush(waiter));
        Ok(())
    }

    /// Drains subscription `sid`: UNSUB now, and when the PONG after it comes (everything
    /// the server sent before the UNSUB is in), the subscription ends and `waiter` is woken.
    pub(crate) fn drain_subscription(&mut self, sid: u64, waiter: F) -> Result<(), F> {
        match self.link {
            Link::Connected => {
                self.output.control().put_unsub(sid, None);
                self.queue_ping(OnPong::EndSubscription { sid, waiter });
            }
            // No server sends anything meanwhile, and the next one must not get its SUB.
            Link::Reconnecting => {
                self.end_subscription(sid);
                self.effects.push_back(Effect::Flushed { waiter });
            }
            Link::Connecting | Link::Closed => return Err(waiter),
        }
        Ok(())
    }

    /// Drains the client: UNSUB every subscription; when the PONG after them comes, they end,
    /// publishes are refused, and a last flush completes `waiter`.
    pub(crate) fn drain(&mut self, waiter: F) -> Result<(), F> {
        if !self.can_ping() {
            return Err(waiter);
        }
        let mut sids = self.subscriptions.ids();
        sids.sort_unstable();
        if self.link == Link::Connected {
            for &sid in &sids {
                self.output.control().put_unsub(sid, None);
            }
        }
        self.queue_ping(OnPong::EndAll { sids, waiter });
        Ok(())
    }

    /// PINGs can be queued: connected, or reconnecting (then the PING waits in the reconnect
    /// buffer and goes out after it).
    fn can_ping(&self) -> bool {
        matches!(self.link, Link::Connected | Link::Reconnecting)
    }

    fn queue_ping(&mut self, on_pong: OnPong<F>) {
        self.output.control().put_raw(b"PING\r\n");
        self.keepalive.await_pong(on_pong);
    }

    /// Closes the client for good: every subscription ends, every waiter fails, the output is
    /// dropped. The driver writes what it wants sent before calling this.
    pub(crate) fn close(&mut self, reason: String) {
        if self.link == Link::Closed {
            return;
        }
        self.link = Link::Closed;
        self.output.clear();
        self.fail_pongs(Failure::Closed);
        for waiter in self.requests.take_all() {
            self.effects.push_back(Effect::FailRequest {
                waiter,
                why: Failure::Closed,
            });
        }
        let mut sids = self.subscriptions.ids();
        sids.sort_unstable();
        for sid in sids {
            self.subscriptions.remove(sid);
            self.effects.push_back(Effect::EndSubscription { sid });
        }
        // The event first: whoever the state change wakes finds it in the stream already.
        self.effects
            .push_back(Effect::Event(Event::Closed { reason }));
        self.effects
            .push_back(Effect::State(ConnectionState::Closed));
    }

    fn fail_pongs(&mut self, why: Failure) {
        for on_pong in self.keepalive.stop() {
            let waiter = match on_pong {
                OnPong::Keepalive => continue,
                OnPong::Flush(waiter)
                | OnPong::EndSubscription { waiter, .. }
                | OnPong::EndAll { waiter, .. } => waiter,
            };
            self.effects.push_back(Effect::FailFlush { waiter, why });
        }
    }

    // ----- what the driver reports -----

    /// Handles the whole operations at the start of `input`, [`INPUT_CHUNK`] at most (what
    /// is left stays in `input`). Returns true when it stopped at that limit: call again after
    /// carrying out the effects, so subscribers get the first messages of a large read while
    /// the rest is decoded. A protocol error means the connection is unusable.
    pub(crate) fn handle_input(&mut self, input: &mut BytesMut) -> Result<bool, ProtoError> {
        for _ in 0..INPUT_CHUNK {
            let Some(op) = self.decoder.decode(input)? else {
                return Ok(false);
            };
            match op {
                ServerOp::Msg(msg) => self.handle_msg(msg),
                ServerOp::Ping => self.output.control().put_raw(b"PONG\r\n"),
                ServerOp::Pong => self.handle_pong(),
                ServerOp::Info(info) => self.update_info(*info),
                ServerOp::Err(text) => self
                    .effects
                    .push_back(Effect::Event(Event::ServerError(text))),
                ServerOp::Ok => {}
            }
        }
        Ok(true)
    }

    fn handle_msg(&mut self, msg: Msg) {
        let size = msg.payload.len();
        self.counters.in_messages += 1;
        self.counters.in_bytes += size as u64;
        if Some(msg.sid) == self.requests.sid() {
            let Some(waiter) = self.requests.answer(&msg.subject) else {
                return; // A late answer to a request abandoned or timed out.
            };
            let no_responders = size == 0
                && msg.headers.as_ref().and_then(HeaderMap::status)
                    == Some(natskit_proto::headers::STATUS_NO_RESPONDERS);
            self.effects.push_back(if no_responders {
                Effect::NoResponders { waiter }
            } else {
                Effect::Answer { waiter, msg }
            });
            return;
        }
        let sid = msg.sid;
        match self.subscriptions.route(sid, size, self.config.pending) {
            Routed::Deliver { last } => {
                self.effects.push_back(Effect::Deliver { sid, msg });
                if last {
                    self.effects.push_back(Effect::EndSubscription { sid });
                }
            }
            Routed::Dropped {
                first_of_episode,
                last,
            } => {
                if let Some(subject) = first_of_episode {
                    self.effects
                        .push_back(Effect::Event(Event::SlowConsumer { sid, subject }));
                }
                if last {
                    self.effects.push_back(Effect::EndSubscription { sid });
                }
            }
            Routed::Unknown => {}
        }
    }

    fn handle_pong(&mut self) {
        match self.keepalive.pong() {
            None | Some(OnPong::Keepalive) => {}
            Some(OnPong::Flush(waiter)) => self.effects.push_back(Effect::Flushed { waiter }),
            Some(OnPong::EndSubscription { sid, waiter }) => {
                self.end_subscription(sid);
                self.effects.push_back(Effect::Flushed { waiter });
            }
            Some(OnPong::EndAll { sids, waiter }) => {
                for sid in sids {
                    self.end_subscription(sid);
                }
                self.draining = true;
                if let Err(waiter) = self.flush(waiter) {
                    self.effects.push_back(Effect::FailFlush {
                        waiter,
                        why: Failure::Closed,
                    });
                }
            }
        }
    }

    fn update_info(&mut self, info: ServerInfo) {
        self.decoder
            .set_max_payload(info.max_payload.max(natskit_proto::DEFAULT_MAX_PAYLOAD));
        self.learn_servers(&info);
        if info.lame_duck_mode {
            self.effects.push_back(Effect::Event(Event::LameDuckMode));
            if self.pool.has_other(&self.config.reconnect) {
                self.leave = Some("the server entered lame duck mode".into());
            }
        }
        self.info = info;
    }

    /// Adds the servers an INFO announces to the pool (unless told not to).
    fn learn_servers(&mut self, info: &ServerInfo) {
        if !self.config.reconnect.use_discovered {
            return;
        }
        let Some(template) = self.pool.current().map(|e| e.addr.clone()) else {
            return;
        };
        let added = self.pool.update_discovered(&info.connect_urls, &template);
        if !added.is_empty() {
            let servers = added.iter().map(ToString::to_string).collect();
            self.effects
                .push_back(Effect::Event(Event::ServersDiscovered { servers }));
        }
    }

    /// Runs the timers at `now`: a keepalive PING when due, or the verdict that the
    /// connection is stale (see [`take_leave`](Self::take_leave)).
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        match self.keepalive.tick(now) {
            Tick::Wait => {}
            Tick::Ping => self.output.control().put_raw(b"PING\r\n"),
            Tick::Stale => {
                self.leave = Some("stale connection: the server did not answer PING".into());
            }
        }
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) wants to run at.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.keepalive.deadline()
    }

    /// Output to write, if any (none while not connected: it waits for the next connection).
    pub(crate) fn poll_transmit(&mut self) -> Option<Transmit> {
        if self.link != Link::Connected {
            return None;
        }
        self.output.take()
    }

    /// True when output is waiting for [`poll_transmit`](Self::poll_transmit).
    pub(crate) fn has_output(&self) -> bool {
        self.link == Link::Connected && !self.output.is_empty()
    }

    /// A batch went out whole; its buffer is reused.
    pub(crate) fn transmitted(&mut self, transmit: Transmit) {
        self.output.recycle(transmit);
    }

    /// The next thing for the caller to do.
    #[cfg(test)]
    pub(crate) fn poll_effect(&mut self) -> Option<Effect<W, F>> {
        self.effects.pop_front()
    }

    /// True when effects wait for [`take_effects`](Self::take_effects).
    pub(crate) fn has_effects(&self) -> bool {
        !self.effects.is_empty()
    }

    /// Moves every effect, in order, to the end of `into`.
    pub(crate) fn take_effects(&mut self, into: &mut VecDeque<Effect<W, F>>) {
        if into.is_empty() {
            std::mem::swap(into, &mut self.effects);
        } else {
            into.append(&mut self.effects);
        }
    }

    /// Why the connection in use should be dropped, once: it went stale, or its server is in
    /// lame duck mode and another one is available.
    pub(crate) fn take_leave(&mut self) -> Option<String> {
        self.leave.take()
    }

    // ----- connecting -----

    /// The server to try next and how long to wait first, or why no attempt is left (then
    /// the client should close with that reason). Before the first connection each server
    /// is tried once, with no wait; after a disconnect, until the reconnect limits are used.
    pub(crate) fn next_attempt(&mut self) -> Result<Attempt, String> {
        if self.link == Link::Connecting {
            let index = self.attempts as usize;
            let addr = self.pool.entry(index).map(|e| e.addr.clone());
            return match addr {
                Some(addr) => {
                    self.attempts += 1;
                    Ok(Attempt {
                        index,
                        addr,
                        delay: Duration::ZERO,
                    })
                }
                None => Err(format!(
                    "no server could be reached; last error: {}",
                    self.last_error
                )),
            };
        }
        let options = &self.config.reconnect;
        if !options.enabled {
            // The client closes for the reason the connection was lost.
            return Err(self.last_error.clone());
        }
        let Some(index) = self.pool.next_candidate(options) else {
            return Err(format!(
                "no server left to reconnect to; last error: {}",
                self.last_error
            ));
        };
        if options.max_total.is_some_and(|max| self.attempts >= max) {
            return Err(format!(
                "gave up after {} reconnect attempts; last error: {}",
                self.attempts, self.last_error
            ));
        }
        let Some(entry) = self.pool.entry(index) else {
            return Err("the server pool is empty".into());
        };
        let attempt = Attempt {
            index,
            addr: entry.addr.clone(),
            delay: pool::delay_before(options, entry.failures),
        };
        self.attempts += 1;
        self.effects.push_back(Effect::Event(Event::Reconnecting {
            attempt: self.attempts,
            server: attempt.addr.to_string(),
        }));
        Ok(attempt)
    }

    /// An attempt failed; `refusal` is the server's `-ERR` text when it refused us (the same
    /// authorization error twice gives a server up).
    pub(crate) fn attempt_failed(&mut self, index: usize, refusal: Option<&str>, error: String) {
        // A server down when the client started is not held against it later.
        if self.link != Link::Connecting {
            self.pool.failed(index, refusal);
        }
        self.last_error = error;
    }

    /// The handshake with the server at pool `index` completed at `now` (`info` is its last
    /// INFO). On a reconnect the subscriptions are replayed first, then the reconnect buffer
    /// goes out behind them.
    pub(crate) fn connected(&mut self, index: usize, info: ServerInfo, now: Instant) {
        let first = self.link == Link::Connecting;
        self.pool.connected(index);
        self.server = self
            .pool
            .entry(index)
            .map(|e| e.addr.to_string())
            .unwrap_or_default();
        self.decoder = ServerOpDecoder::new();
        self.decoder
            .set_max_payload(info.max_payload.max(natskit_proto::DEFAULT_MAX_PAYLOAD));
        self.keepalive.start(now);
        self.attempts = 0;
        self.leave = None;
        self.link = Link::Connected;
        let server = self.server.clone();
        if first {
            // Connected first, then the servers its INFO announces.
            self.effects
                .push_back(Effect::State(ConnectionState::Connected));
            self.effects
                .push_back(Effect::Event(Event::Connected { server }));
            self.learn_servers(&info);
        } else {
            let mut replay = WriteBuffer::new();
            self.subscriptions.replay(&mut replay);
            if let Some(sid) = self.requests.sid() {
                replay.put_sub(&self.requests.wildcard(), None, sid);
            }
            self.output.prepend(replay);
            self.counters.reconnects += 1;
            // The servers announced first, then Reconnected, the last step.
            self.learn_servers(&info);
            self.effects
                .push_back(Effect::State(ConnectionState::Connected));
            self.effects
                .push_back(Effect::Event(Event::Reconnected { server }));
        }
        self.info = info;
    }

    /// The connection broke (or was dropped on purpose) for `reason`. `unfinished` is the
    /// batch being written and how many of its bytes the socket took. Publishes that did not
    /// go out whole are kept for the next connection, in order; flushes fail, and so do the
    /// requests already sent (their answer can no longer come).
    pub(crate) fn connection_lost(
        &mut self,
        reason: String,
        unfinished: Option<(Transmit, usize)>,
    ) {
        if self.link != Link::Connected {
            return;
        }
        self.link = Link::Reconnecting;
        self.last_error.clone_from(&reason);
        self.effects
            .push_back(Effect::Event(Event::Disconnected { reason }));
        let answerable: HashSet<u64> = self
            .output
            .keep_unsent_publishes(unfinished)
            .into_iter()
            .collect();
        self.fail_pongs(Failure::Disconnected);
        for waiter in self.requests.take_all_except(&answerable) {
            self.effects.push_back(Effect::FailRequest {
                waiter,
                why: Failure::Disconnected,
            });
        }
        // Only now: whoever sees `Reconnecting` finds publishes already going to the buffer.
        self.effects
            .push_back(Effect::State(ConnectionState::Reconnecting));
    }

    // ----- what the handles read -----

    /// True once closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.link == Link::Closed
    }

    /// The server's latest INFO.
    pub(crate) fn info(&self) -> &ServerInfo {
        &self.info
    }

    /// The server in use, or last used (credentials hidden).
    pub(crate) fn server(&self) -> &str {
        &self.server
    }

    /// Every server the client may use, in trying order.
    pub(crate) fn servers(&self) -> Vec<String> {
        self.pool
            .addresses()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Requests waiting for their answer.
    pub(crate) fn requests_waiting(&self) -> usize {
        self.requests.len()
    }

    pub(crate) fn counters(&self) -> Counters {
        self.counters
    }

    /// True while subscription `sid` exists.
    #[cfg(test)]
    pub(crate) fn has_subscription(&self, sid: u64) -> bool {
        self.subscriptions.contains(sid)
    }
}
