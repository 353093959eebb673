//! What the driver hands the machine (bytes read, the time) and takes from it (output,
//! the next deadline, effects, whether to leave the connection).

use std::collections::VecDeque;
use std::time::Instant;

use bytes::BytesMut;
use natskit_proto::{HeaderMap, MalformedMsg, Msg, ProtoError, ServerInfo, ServerOp};

use crate::events::Event;

use super::keepalive::{OnPong, Tick};
use super::subscriptions::{footprint, Batch, Delivery, Routed};
use super::{Connection, Effect, Failure, Link, Transmit, INPUT_CHUNK};

impl<W, F> Connection<W, F> {
    /// Handles the whole operations at the start of `input`, [`INPUT_CHUNK`] at most (what
    /// is left stays in `input`). Returns true when it stopped at that limit: call again after
    /// carrying out the effects, so subscribers get the first messages of a large read while
    /// the rest is decoded. A protocol error means the connection is unusable.
    pub(crate) fn handle_input(&mut self, input: &mut BytesMut) -> Result<bool, ProtoError> {
        let handled = self.decode_input(input);
        self.subscriptions.count_in_deliveries();
        handled
    }

    fn decode_input(&mut self, input: &mut BytesMut) -> Result<bool, ProtoError> {
        for _ in 0..INPUT_CHUNK {
            let Some(op) = self.decoder.decode(input)? else {
                return Ok(false);
            };
            match op {
                ServerOp::Msg(msg) => self.handle_msg(msg),
                ServerOp::Ping => self.output.put_pong(),
                ServerOp::Pong => self.handle_pong(),
                ServerOp::Info(info) => self.update_info(*info),
                ServerOp::Err(text) => self
                    .effects
                    .push_back(Effect::Event(Event::ServerError(text))),
                ServerOp::Ok => {}
                ServerOp::Malformed(bad) => self.handle_malformed(bad),
            }
        }
        Ok(true)
    }

    /// The bytes [`handle_input`](Self::handle_input) gets next come from a new read: messages
    /// taken from them may share another read buffer than those before.
    pub(crate) fn new_read(&mut self) {
        self.reads += 1;
        self.subscriptions.let_go_of_spare_copies();
    }

    fn handle_msg(&mut self, msg: Msg) {
        let size = msg.payload().len();
        self.counters.in_messages += 1;
        self.counters.in_bytes += size as u64;
        if Some(msg.sid()) == self.requests.sid() {
            let Some(waiter) = self.requests.answer(msg.subject()) else {
                return; // A late answer to a request abandoned or timed out.
            };
            let no_responders = size == 0
                && msg.headers().and_then(HeaderMap::status)
                    == Some(natskit_proto::headers::STATUS_NO_RESPONDERS);
            self.effects.push_back(if no_responders {
                Effect::NoResponders { waiter }
            } else {
                let msg = self.subscriptions.copied_if_large(msg);
                Effect::Answer { waiter, msg }
            });
            return;
        }
        let sid = msg.sid();
        let cost = footprint(&msg);
        match self
            .subscriptions
            .route(sid, cost, self.config.pending, self.reads)
        {
            Routed::Deliver { last, shared, copy } => {
                let msg = if copy {
                    self.subscriptions.compact(sid, msg, cost)
                } else {
                    msg
                };
                self.deliver(sid, Delivery { msg, shared, cost });
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

    /// Queues `delivery` for subscription `sid`: in the batch of the effect before, if that one
    /// is for the same subscription.
    fn deliver(&mut self, sid: u64, delivery: Delivery) {
        if let Some(Effect::Deliver { sid: last, batch }) = self.effects.back_mut() {
            if *last == sid {
                return batch.rest.push(delivery);
            }
        }
        let batch = Batch::new(delivery);
        self.effects.push_back(Effect::Deliver { sid, batch });
    }

    /// A message that cannot be read (see [`MalformedMsg`]): dropped, counted and reported,
    /// and the connection kept. Handing it on without its headers would let a reader take a
    /// status or a JetStream message for something else.
    fn handle_malformed(&mut self, bad: MalformedMsg) {
        self.counters.malformed_messages += 1;
        let subject = self.subscriptions.subject(bad.sid).map(str::to_owned);
        self.effects
            .push_back(Effect::Event(Event::MalformedMessage {
                sid: bad.sid,
                subject,
                reason: bad.error.to_string(),
            }));
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
    pub(super) fn learn_servers(&mut self, info: &ServerInfo) {
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
        self.subscriptions.let_go_of_spare_copies();
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

    /// Bytes of output waiting for [`poll_transmit`](Self::poll_transmit).
    pub(crate) fn output_len(&self) -> usize {
        self.output.len()
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
}
