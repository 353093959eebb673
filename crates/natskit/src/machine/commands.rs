//! What the handles ask of the machine: publish, subscribe, unsubscribe, request, flush,
//! drain and close.

use bytes::Bytes;
use natskit_proto::subject::{
    validate_publish, validate_queue, validate_reply, validate_subscribe,
};
use natskit_proto::{HeaderMap, Subject};

use crate::error::{PublishError, SubscribeError};
use crate::events::{ConnectionState, Event};

use super::keepalive::OnPong;
use super::{Connection, Effect, Failure, Link, Pending, Queued};

impl<W, F> Connection<W, F> {
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
    pub(super) fn end_subscription(&mut self, sid: u64) -> bool {
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

    /// Asks to leave the connection in use and connect again (see
    /// [`take_leave`](Self::take_leave)), as after a failure. Nothing happens while not
    /// connected: a reconnect is under way already, and the connection it makes is kept.
    pub(crate) fn force_reconnect(&mut self) {
        if self.link == Link::Connected {
            self.leave = Some("reconnect forced by the client".into());
        }
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

    pub(super) fn fail_pongs(&mut self, why: Failure) {
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
}
