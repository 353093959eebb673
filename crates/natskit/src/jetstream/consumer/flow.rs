//! [`PullFlow`]: the pull side of a consumer as state alone (ADR-13, ADR-37): which pull
//! requests to send and when, what each arrival means, when heartbeats are missed. No
//! sockets, no clock: the caller hands in `Instant`s and what arrived, and sends what
//! [`PullFlow::poll_request`] returns, so the unit tests below drive it with a fake clock.
//!
//! The counts follow ADR-37: `pending` is what was asked for and not yet received; a request
//! goes out when it falls to the threshold, asking for enough to fill the buffer again; a
//! status ending a request (408, 409 ...) gives back what that request had left
//! (`Nats-Pending-Messages` / `-Bytes`). Anything received resets the heartbeat timer; twice the
//! heartbeat without anything is a missed heartbeat, reported and answered with a fresh pull.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::jetstream::consumer::incoming::Incoming;
use crate::jetstream::error::ConsumeError;

/// The batch of a request limited by bytes: large, so the bytes are what limits it (ADR-37).
const BATCH_FOR_BYTES: u64 = 1_000_000;

/// How long pulls pause after the server said it has too many waiting, or after the consumer
/// was found to exist behind a "no responders": long enough not to spin, short enough to
/// resume at once.
const PULL_PAUSE: Duration = Duration::from_secs(1);

/// A `CONSUMER.MSG.NEXT` request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PullRequest {
    /// Messages asked for.
    pub(crate) batch: u64,
    /// Bytes asked for; 0 for no byte limit.
    #[serde(skip_serializing_if = "is_zero")]
    pub(crate) max_bytes: u64,
    /// How long the server keeps the request, in nanoseconds; zero (left out) with `no_wait`.
    #[serde(
        with = "crate::jetstream::wire::nanos",
        skip_serializing_if = "Duration::is_zero"
    )]
    pub(crate) expires: Duration,
    /// The heartbeat the server sends while the request waits; zero for none.
    #[serde(
        with = "crate::jetstream::wire::nanos",
        skip_serializing_if = "Duration::is_zero"
    )]
    pub(crate) idle_heartbeat: Duration,
    /// Answer at once (404) when there is nothing to deliver.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) no_wait: bool,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What the pulling asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PullLimits {
    /// Messages in the buffer (continuous) or in the batch (once).
    pub(crate) max_messages: u64,
    /// Bytes instead of messages; 0 when messages limit.
    pub(crate) max_bytes: u64,
    /// Refill when this few messages (or bytes, with `max_bytes`) are still to come.
    pub(crate) threshold: u64,
    /// Each request's life on the server.
    pub(crate) expires: Duration,
    /// The server's heartbeat interval; zero for none (fetch only).
    pub(crate) heartbeat: Duration,
}

/// One request, or requests without end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Fetch: one request; the flow finishes when it does.
    Once { no_wait: bool },
    /// Consume: requests whenever the buffer runs low, until stopped or a terminal error.
    Continuous,
}

/// What to do with an arrival.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Give the message to the user.
    Deliver,
    /// Nothing for the user (a heartbeat, the end of a request while consuming).
    Skip,
    /// Tell the user, and go on.
    Warn(ConsumeError),
    /// Stop; with the error to report, if any.
    End(Option<ConsumeError>),
    /// "No responders" on the pull subject: find out whether the consumer still exists, and
    /// tell the flow with [`PullFlow::consumer_exists`].
    CheckConsumer,
}

/// The pull state of one fetch or consume.
#[derive(Debug)]
pub(crate) struct PullFlow {
    limits: PullLimits,
    mode: Mode,
    pending_messages: u64,
    pending_bytes: u64,
    /// Fetch: what was received of the batch.
    received_messages: u64,
    received_bytes: u64,
    /// When a missed heartbeat is declared; `None` while disconnected or before the first
    /// request.
    heartbeat_deadline: Option<Instant>,
    /// Fetch: when the request is over whatever the server says.
    fetch_deadline: Option<Instant>,
    /// No pulls before this.
    paused_until: Option<Instant>,
    sent: bool,
    connected: bool,
    finished: bool,
}

impl PullFlow {
    /// A flow that has sent nothing yet.
    pub(crate) fn new(limits: PullLimits, mode: Mode) -> Self {
        PullFlow {
            limits,
            mode,
            pending_messages: 0,
            pending_bytes: 0,
            received_messages: 0,
            received_bytes: 0,
            heartbeat_deadline: None,
            fetch_deadline: None,
            paused_until: None,
            sent: false,
            connected: true,
            finished: false,
        }
    }

    /// True once nothing more will be delivered.
    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    /// What was asked for and not yet received: (messages, bytes).
    #[cfg(test)]
    pub(crate) fn pending(&self) -> (u64, u64) {
        (self.pending_messages, self.pending_bytes)
    }

    /// The pull request to send now, if one is due; it is counted as sent.
    pub(crate) fn poll_request(&mut self, now: Instant) -> Option<PullRequest> {
        if self.finished || !self.connected || self.paused_until.is_some_and(|t| now < t) {
            return None;
        }
        self.paused_until = None;
        let limits = self.limits;
        let (batch, max_bytes) = match self.mode {
            Mode::Once { .. } if self.sent => return None,
            Mode::Once { .. } => (limits.max_messages, limits.max_bytes),
            Mode::Continuous if limits.max_bytes > 0 => {
                if self.pending_bytes > limits.threshold {
                    return None;
                }
                (BATCH_FOR_BYTES, limits.max_bytes - self.pending_bytes)
            }
            Mode::Continuous => {
                if self.pending_messages > limits.threshold {
                    return None;
                }
                (limits.max_messages - self.pending_messages, 0)
            }
        };
        if batch == 0 {
            return None;
        }
        self.pending_messages += batch;
        self.pending_bytes += max_bytes;
        if !self.sent {
            self.sent = true;
            if let Mode::Once { .. } = self.mode {
                // A little past the request's own end, so the server's 408 normally comes first.
                self.fetch_deadline = Some(now + limits.expires + limits.expires / 10);
            }
        }
        if self.heartbeat_deadline.is_none() {
            self.arm_heartbeat(now);
        }
        let no_wait = matches!(self.mode, Mode::Once { no_wait: true });
        Some(PullRequest {
            batch,
            max_bytes,
            expires: if no_wait {
                Duration::ZERO
            } else {
                limits.expires
            },
            idle_heartbeat: limits.heartbeat,
            no_wait,
        })
    }

    /// The next instant [`handle_timeout`](Self::handle_timeout) has something to do.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        if self.finished {
            return None;
        }
        [
            self.heartbeat_deadline,
            self.fetch_deadline,
            self.paused_until,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Time has come to `now`: a fetch past its end finishes; a missed heartbeat is reported
    /// (and ends a fetch; a consume pulls afresh).
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Option<ConsumeError> {
        if self.finished {
            return None;
        }
        if self.paused_until.is_some_and(|t| now >= t) {
            self.paused_until = None;
        }
        if self.fetch_deadline.is_some_and(|t| now >= t) {
            self.finished = true;
            return None;
        }
        let deadline = self.heartbeat_deadline?;
        if now < deadline {
            return None;
        }
        let missed = ConsumeError::MissedHeartbeats {
            heartbeat: self.limits.heartbeat,
        };
        match self.mode {
            Mode::Once { .. } => self.finished = true,
            Mode::Continuous => {
                // Whatever was asked is presumed lost: ask again, and watch the new request.
                self.forget_pending();
                self.arm_heartbeat(now);
            }
        }
        Some(missed)
    }

    /// What an arrival means, and its effect on the counts.
    pub(crate) fn on_incoming(&mut self, now: Instant, incoming: &Incoming) -> Verdict {
        if self.finished {
            return Verdict::End(None);
        }
        if self.connected && self.heartbeat_deadline.is_some() {
            self.arm_heartbeat(now);
        }
        match incoming {
            Incoming::User { size } => {
                self.pending_messages = self.pending_messages.saturating_sub(1);
                self.pending_bytes = self.pending_bytes.saturating_sub(*size);
                self.received_messages += 1;
                self.received_bytes += size;
                if let Mode::Once { .. } = self.mode {
                    let bytes_done =
                        self.limits.max_bytes > 0 && self.received_bytes >= self.limits.max_bytes;
                    if self.received_messages >= self.limits.max_messages || bytes_done {
                        self.finished = true;
                    }
                }
                Verdict::Deliver
            }
            Incoming::Heartbeat { .. } | Incoming::FlowControl { .. } => Verdict::Skip,
            Incoming::NoResponders => match self.mode {
                Mode::Once { .. } => self.end(Some(ConsumeError::NoResponders)),
                Mode::Continuous => Verdict::CheckConsumer,
            },
            Incoming::Status {
                code,
                description,
                pending_messages,
                pending_bytes,
            } => self.on_status(now, *code, description, (*pending_messages, *pending_bytes)),
        }
    }

    fn on_status(
        &mut self,
        now: Instant,
        code: u16,
        description: &str,
        (messages, bytes): (u64, u64),
    ) -> Verdict {
        self.pending_messages = self.pending_messages.saturating_sub(messages);
        self.pending_bytes = self.pending_bytes.saturating_sub(bytes);
        let once = matches!(self.mode, Mode::Once { .. });
        let lower = description.to_ascii_lowercase();
        match code {
            // The request ended: no messages, expired, or the next message is too large.
            404 | 408 => {
                if once {
                    self.end(None)
                } else {
                    Verdict::Skip
                }
            }
            409 if lower.starts_with("consumer deleted") => {
                self.end(Some(ConsumeError::ConsumerDeleted))
            }
            409 if lower.contains("push based") => self.end(Some(ConsumeError::PushBased)),
            409 if lower.starts_with("message size exceeds maxbytes") => {
                if once {
                    self.end(None)
                } else {
                    Verdict::Skip
                }
            }
            // The request asks for more than the consumer allows: every request would.
            409 if lower.starts_with("exceeded maxrequest") => {
                self.end(Some(ConsumeError::Refused {
                    description: description.to_owned(),
                }))
            }
            409 if lower.starts_with("exceeded maxwaiting") => {
                let warning = ConsumeError::TooManyWaiting;
                if once {
                    return self.end(Some(warning));
                }
                self.forget_pending();
                self.paused_until = Some(now + PULL_PAUSE);
                Verdict::Warn(warning)
            }
            // The request was dropped (leadership change, server shutdown, ...): ask again.
            409 => {
                if once {
                    return self.end(None);
                }
                if messages == 0 {
                    self.forget_pending();
                }
                Verdict::Skip
            }
            400 => self.end(Some(ConsumeError::BadRequest {
                description: description.to_owned(),
            })),
            _ => {
                let error = ConsumeError::Status {
                    code,
                    description: description.to_owned(),
                };
                if once {
                    return self.end(Some(error));
                }
                self.forget_pending();
                Verdict::Warn(error)
            }
        }
    }

    /// The answer to [`Verdict::CheckConsumer`]: when the consumer exists (the server was not
    /// ready), pulls resume shortly; when it is gone, the flow ends.
    pub(crate) fn consumer_exists(&mut self, now: Instant, exists: bool) -> Option<ConsumeError> {
        if !exists {
            self.finished = true;
            return Some(ConsumeError::ConsumerDeleted);
        }
        self.forget_pending();
        self.paused_until = Some(now + PULL_PAUSE);
        None
    }

    /// `request` could not be sent: it asks for nothing after all, and the next one waits a
    /// moment (a fetch ends).
    pub(crate) fn request_failed(&mut self, now: Instant, request: &PullRequest) {
        self.pending_messages = self.pending_messages.saturating_sub(request.batch);
        self.pending_bytes = self.pending_bytes.saturating_sub(request.max_bytes);
        match self.mode {
            Mode::Once { .. } => self.finished = true,
            Mode::Continuous => self.paused_until = Some(now + PULL_PAUSE),
        }
    }

    /// The connection is lost: no pulls, no heartbeat timer, until it is back.
    pub(crate) fn disconnected(&mut self) {
        self.connected = false;
        self.heartbeat_deadline = None;
    }

    /// The connection is back: a consume pulls afresh (requests may have died with the
    /// server) and restarts its timer.
    pub(crate) fn reconnected(&mut self, now: Instant) {
        self.connected = true;
        if self.finished {
            return;
        }
        if let Mode::Continuous = self.mode {
            self.forget_pending();
        }
        if self.sent {
            self.arm_heartbeat(now);
        }
    }

    /// Stops pulling; what was asked for is still delivered, and the flow finishes when it
    /// has arrived or the requests have ended.
    pub(crate) fn stop(&mut self) {
        self.mode = Mode::Once { no_wait: false };
        self.sent = true;
        if self.pending_messages == 0 {
            self.finished = true;
        }
        self.limits.max_messages = self.received_messages + self.pending_messages;
    }

    fn forget_pending(&mut self) {
        self.pending_messages = 0;
        self.pending_bytes = 0;
    }

    fn arm_heartbeat(&mut self, now: Instant) {
        self.heartbeat_deadline =
            (!self.limits.heartbeat.is_zero()).then(|| now + 2 * self.limits.heartbeat);
    }

    fn end(&mut self, error: Option<ConsumeError>) -> Verdict {
        self.finished = true;
        Verdict::End(error)
    }
}

#[cfg(test)]
#[path = "flow_tests.rs"]
mod tests;
