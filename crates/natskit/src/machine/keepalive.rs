//! PINGs and what each PONG completes: the keepalive (a PING every interval; too many
//! unanswered and the connection is stale) and the flushes waiting on their own PONG.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// What the PONG to one of our PINGs completes. The server answers PINGs in order, so the
/// queue is in wire order.
#[derive(Debug)]
pub(crate) enum OnPong<F> {
    /// A keepalive PING: nothing waits on it.
    Keepalive,
    /// A flush: wake its waiter.
    Flush(F),
    /// A subscription drain: the server has sent everything before its UNSUB; end it, then
    /// wake the waiter.
    EndSubscription { sid: u64, waiter: F },
    /// The first step of a client drain: end these subscriptions, refuse publishes from now
    /// on, and flush once more for `waiter`.
    EndAll { sids: Vec<u64>, waiter: F },
}

/// The keepalive timer and the PONGs awaited.
#[derive(Debug)]
pub(crate) struct Keepalive<F> {
    interval: Duration,
    max_outstanding: usize,
    /// Keepalive PINGs sent since the last PONG.
    outstanding: usize,
    /// When the next keepalive PING is due; `None` while not connected.
    next: Option<Instant>,
    awaited: VecDeque<OnPong<F>>,
}

/// What the keepalive timer says when it fires.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Tick {
    /// Not yet time.
    Wait,
    /// Send a PING.
    Ping,
    /// Too many PINGs unanswered: the connection is stale.
    Stale,
}

impl<F> Keepalive<F> {
    /// A PING every `interval` (at least 10 ms); stale after `max_outstanding` unanswered.
    pub(crate) fn new(interval: Duration, max_outstanding: usize) -> Self {
        Keepalive {
            interval: interval.max(Duration::from_millis(10)),
            max_outstanding,
            outstanding: 0,
            next: None,
            awaited: VecDeque::new(),
        }
    }

    /// A connection is up at `now`: the first keepalive PING is due an interval later.
    pub(crate) fn start(&mut self, now: Instant) {
        self.outstanding = 0;
        self.next = Some(now + self.interval);
    }

    /// The connection is gone: no more keepalives, and the PONGs awaited will not come
    /// (returned for their waiters to be failed).
    pub(crate) fn stop(&mut self) -> VecDeque<OnPong<F>> {
        self.next = None;
        self.outstanding = 0;
        std::mem::take(&mut self.awaited)
    }

    /// When the timer wants to run next.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.next
    }

    /// Runs the timer at `now`.
    pub(crate) fn tick(&mut self, now: Instant) -> Tick {
        let Some(next) = self.next else {
            return Tick::Wait;
        };
        if now < next {
            return Tick::Wait;
        }
        if self.outstanding >= self.max_outstanding {
            return Tick::Stale;
        }
        self.outstanding += 1;
        self.next = Some(now + self.interval);
        self.awaited.push_back(OnPong::Keepalive);
        Tick::Ping
    }

    /// A PING of ours was queued for `on_pong`.
    pub(crate) fn await_pong(&mut self, on_pong: OnPong<F>) {
        self.awaited.push_back(on_pong);
    }

    /// A PONG came: the connection is alive; returns what it completes.
    pub(crate) fn pong(&mut self) -> Option<OnPong<F>> {
        self.outstanding = 0;
        self.awaited.pop_front()
    }
}
