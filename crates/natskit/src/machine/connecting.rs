//! Which server to try and when, and what a connection made or lost changes.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use natskit_proto::{ServerInfo, ServerOpDecoder, WriteBuffer};

use crate::events::{ConnectionState, Event};

use super::pool::delay_before;
use super::{Attempt, Connection, Effect, Failure, Link, Transmit};

impl<W, F> Connection<W, F> {
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
            delay: delay_before(options, entry.failures),
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
}
