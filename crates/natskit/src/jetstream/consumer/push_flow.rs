//! [`PushFlow`]: the push side of a consumer as state alone (ADR-9): flow control requests to
//! answer, heartbeats to expect, a stalled consumer to wake. The caller hands in `Instant`s and
//! what arrived, and sends the answers it is told to.

use std::time::{Duration, Instant};

use crate::jetstream::consumer::incoming::Incoming;
use crate::jetstream::error::ConsumeError;

/// What to do with an arrival on a push consumer's subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PushVerdict {
    /// Give the message to the user.
    Deliver,
    /// Nothing to do.
    Skip,
    /// Publish an empty message to this subject (a flow control request answered once the
    /// messages before it are taken; a stalled consumer woken).
    Answer(String),
    /// A heartbeat, with the last consumer sequence it names (for an ordered consumer's gap
    /// check) and the subject to answer if the consumer is stalled.
    Heartbeat {
        last_consumer: Option<u64>,
        answer: Option<String>,
    },
    /// Tell the user, and go on.
    Warn(ConsumeError),
    /// Stop, with the error to report.
    End(ConsumeError),
}

/// The state of one push subscription.
#[derive(Debug)]
pub(crate) struct PushFlow {
    /// The consumer's idle heartbeat; zero when it has none.
    heartbeat: Duration,
    deadline: Option<Instant>,
    connected: bool,
}

impl PushFlow {
    /// A flow expecting a heartbeat every `heartbeat` (zero: none), from `now`.
    pub(crate) fn new(heartbeat: Duration, now: Instant) -> Self {
        let mut flow = PushFlow {
            heartbeat,
            deadline: None,
            connected: true,
        };
        flow.arm(now);
        flow
    }

    /// What an arrival means.
    pub(crate) fn on_incoming(&mut self, now: Instant, incoming: &Incoming) -> PushVerdict {
        if self.connected {
            self.arm(now);
        }
        match incoming {
            Incoming::User { .. } => PushVerdict::Deliver,
            Incoming::FlowControl { reply } if !reply.is_empty() => {
                PushVerdict::Answer(reply.clone())
            }
            Incoming::FlowControl { .. } | Incoming::NoResponders => PushVerdict::Skip,
            Incoming::Heartbeat {
                last_consumer,
                stalled,
                ..
            } => PushVerdict::Heartbeat {
                last_consumer: *last_consumer,
                answer: stalled.clone(),
            },
            Incoming::Status {
                code, description, ..
            } => {
                if *code == 409
                    && description
                        .to_ascii_lowercase()
                        .starts_with("consumer deleted")
                {
                    PushVerdict::End(ConsumeError::ConsumerDeleted)
                } else {
                    PushVerdict::Warn(ConsumeError::Status {
                        code: *code,
                        description: description.clone(),
                    })
                }
            }
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) has something to do.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.deadline
    }

    /// Twice the heartbeat without anything: reported, and the clock starts again.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Option<ConsumeError> {
        if self.deadline.is_none_or(|d| now < d) {
            return None;
        }
        self.arm(now);
        Some(ConsumeError::MissedHeartbeats {
            heartbeat: self.heartbeat,
        })
    }

    /// The connection is lost: the clock stops.
    pub(crate) fn disconnected(&mut self) {
        self.connected = false;
        self.deadline = None;
    }

    /// The connection is back: the clock starts again.
    pub(crate) fn reconnected(&mut self, now: Instant) {
        self.connected = true;
        self.arm(now);
    }

    fn arm(&mut self, now: Instant) {
        self.deadline = (!self.heartbeat.is_zero()).then(|| now + 2 * self.heartbeat);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HB: Duration = Duration::from_secs(5);

    #[test]
    fn flow_control_is_answered_and_a_stalled_heartbeat_too() {
        let t0 = Instant::now();
        let mut flow = PushFlow::new(HB, t0);
        assert_eq!(
            flow.on_incoming(t0, &Incoming::User { size: 1 }),
            PushVerdict::Deliver
        );
        assert_eq!(
            flow.on_incoming(
                t0,
                &Incoming::FlowControl {
                    reply: "$JS.FC.S.C.1".into()
                }
            ),
            PushVerdict::Answer("$JS.FC.S.C.1".into())
        );
        assert_eq!(
            flow.on_incoming(
                t0,
                &Incoming::Heartbeat {
                    last_consumer: Some(3),
                    last_stream: Some(9),
                    stalled: Some("$JS.FC.S.C.2".into())
                }
            ),
            PushVerdict::Heartbeat {
                last_consumer: Some(3),
                answer: Some("$JS.FC.S.C.2".into())
            }
        );
    }

    #[test]
    fn missed_heartbeats_are_reported_every_two_intervals_but_not_while_disconnected() {
        let t0 = Instant::now();
        let mut flow = PushFlow::new(HB, t0);
        assert_eq!(flow.poll_timeout(), Some(t0 + 2 * HB));
        assert_eq!(flow.handle_timeout(t0 + HB), None);
        let late = t0 + 2 * HB;
        assert_eq!(
            flow.handle_timeout(late),
            Some(ConsumeError::MissedHeartbeats { heartbeat: HB })
        );
        assert_eq!(flow.poll_timeout(), Some(late + 2 * HB));
        flow.disconnected();
        assert_eq!(flow.poll_timeout(), None);
        assert_eq!(flow.handle_timeout(late + 10 * HB), None);
        flow.reconnected(late + 10 * HB);
        assert_eq!(flow.poll_timeout(), Some(late + 12 * HB));
    }

    #[test]
    fn without_heartbeats_there_is_no_timer() {
        let t0 = Instant::now();
        let mut flow = PushFlow::new(Duration::ZERO, t0);
        assert_eq!(flow.poll_timeout(), None);
        assert_eq!(flow.handle_timeout(t0 + Duration::from_secs(3600)), None);
    }

    #[test]
    fn a_deleted_consumer_ends_and_other_statuses_warn() {
        let t0 = Instant::now();
        let mut flow = PushFlow::new(HB, t0);
        let deleted = Incoming::Status {
            code: 409,
            description: "Consumer Deleted".into(),
            pending_messages: 0,
            pending_bytes: 0,
        };
        assert_eq!(
            flow.on_incoming(t0, &deleted),
            PushVerdict::End(ConsumeError::ConsumerDeleted)
        );
        let odd = Incoming::Status {
            code: 418,
            description: "Teapot".into(),
            pending_messages: 0,
            pending_bytes: 0,
        };
        assert!(matches!(
            flow.on_incoming(t0, &odd),
            PushVerdict::Warn(ConsumeError::Status { code: 418, .. })
        ));
    }
}
