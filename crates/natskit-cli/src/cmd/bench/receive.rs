//! One subscriber: counts what arrives, timed from the first message to the last, with the
//! age of stamped payloads as its latency.

use std::pin::pin;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use natskit::Subscriber;

use super::control::{Counter, Stop};
use super::payload;
use super::stats::{self, ClientStats, Role};

/// When a subscriber is done.
#[derive(Debug, Clone)]
pub struct Until {
    /// After this many messages, when known.
    pub expected: Option<u64>,
    /// When this is given: it takes what has already arrived, then ends.
    pub end: Stop,
    /// After this long without a message, once the first has come.
    pub idle: Option<Duration>,
}

/// What [`count`] reads: payloads, and how many have arrived and wait to be taken.
trait Inbox {
    /// The next payload; `None` once the subscription has ended.
    async fn next_payload(&mut self) -> Option<Bytes>;
    /// Messages received and not yet taken.
    fn queued(&self) -> usize;
}

impl Inbox for Subscriber {
    async fn next_payload(&mut self) -> Option<Bytes> {
        self.next().await.map(|msg| msg.payload)
    }

    fn queued(&self) -> usize {
        self.pending_messages()
    }
}

/// Receives on `sub` as subscriber `id` until `until` says it is done.
///
/// The span runs from the first message to the last; the latency samples are the ages of the
/// payloads that carry a send time (see [`payload`]). `lost` is left for the caller, who knows
/// how many were sent.
pub async fn receive(
    mut sub: Subscriber,
    id: usize,
    until: Until,
    counter: Counter,
) -> ClientStats {
    let mut out = count(&mut sub, id, &until, &counter).await;
    out.dropped = Some(sub.dropped());
    out
}

/// The loop of [`receive`], for any [`Inbox`].
async fn count<I: Inbox>(
    inbox: &mut I,
    id: usize,
    until: &Until,
    counter: &Counter,
) -> ClientStats {
    let mut out = ClientStats::new(Role::Sub, id);
    let expected = until.expected.unwrap_or(u64::MAX);
    let mut end = pin!(until.end.wait());
    // Armed by the first message, and then re-armed from the last one each time it fires.
    let mut idle_timer = pin!(tokio::time::sleep(Duration::from_secs(3600)));
    let mut last = Instant::now();
    while out.msgs < expected {
        tokio::select! {
            // Messages first: a subscriber that has work does not look at the rest.
            biased;
            msg = inbox.next_payload() => match msg {
                Some(msg) => {
                    last = Instant::now();
                    take(&mut out, &msg, last);
                    counter.tick(out.msgs);
                    if let (1, Some(idle)) = (out.msgs, until.idle) {
                        idle_timer.as_mut().reset((last + idle).into());
                    }
                    // Under a flood the branch above is always ready and the one below is
                    // never polled: the flag (one relaxed load) is how the signal gets in.
                    if until.end.is_set() {
                        drain(inbox, &mut out, expected, counter);
                        break;
                    }
                }
                // The connection closed: what came is what there is.
                None => break,
            },
            _ = &mut end => {
                drain(inbox, &mut out, expected, counter);
                break;
            }
            _ = &mut idle_timer, if out.msgs > 0 && until.idle.is_some() => {
                let idle = until.idle.unwrap_or_default();
                if last.elapsed() >= idle {
                    break;
                }
                idle_timer.as_mut().reset((last + idle).into());
            }
        }
    }
    counter.finish(out.msgs);
    out
}

/// Takes the messages that have already arrived (up to `expected` in all), and no more: under
/// a flood that does not stop, taking until none is ready would never end.
fn drain<I: Inbox>(inbox: &mut I, out: &mut ClientStats, expected: u64, counter: &Counter) {
    for _ in 0..inbox.queued() {
        if out.msgs >= expected {
            break;
        }
        // Unconstrained: out of tokio's task budget, the channel would say "nothing yet" after
        // 128 messages and the rest would count as lost; `queued` bounds the loop instead.
        let Some(Some(msg)) = tokio::task::unconstrained(inbox.next_payload()).now_or_never()
        else {
            break;
        };
        take(out, &msg, Instant::now());
        counter.tick(out.msgs);
    }
}

/// Counts a message with `payload`, received `at`, and its age if it carries a stamp.
fn take(out: &mut ClientStats, payload: &[u8], at: Instant) {
    out.msgs += 1;
    out.bytes += payload.len() as u64;
    out.first.get_or_insert(at);
    out.last = Some(at);
    if let Some(age) = payload::age(payload) {
        stats::record(&mut out.latency, age);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A flood that never ends: a payload is always ready, and `queued` always wait. Like the
    /// subscriber's channel, it takes from the task's budget, so the task yields now and then.
    struct Flood {
        queued: usize,
    }

    impl Inbox for Flood {
        async fn next_payload(&mut self) -> Option<Bytes> {
            tokio::task::consume_budget().await;
            Some(Bytes::from_static(&[0; 16]))
        }

        fn queued(&self) -> usize {
            self.queued
        }
    }

    fn flood(queued: usize) -> Flood {
        Flood { queued }
    }

    #[tokio::test]
    async fn the_stop_signal_ends_a_subscriber_under_a_flood() {
        let until = Until {
            expected: None,
            end: Stop::new(),
            idle: None,
        };
        let stopper = {
            let stop = until.end.clone();
            tokio::spawn(async move { stop.set() })
        };
        let (mut inbox, counter) = (flood(100), Counter::default());
        let counted = count(&mut inbox, 1, &until, &counter);
        let out = tokio::time::timeout(Duration::from_secs(10), counted)
            .await
            .expect("the subscriber ends once the signal is given");
        stopper.await.expect("stopper");
        assert!(out.msgs >= 100, "{}", out.msgs);
    }

    #[tokio::test]
    async fn stopping_takes_what_has_arrived_and_no_more() {
        let until = Until {
            expected: Some(5_000),
            end: Stop::new(),
            idle: None,
        };
        until.end.set();
        // More are waiting than tokio's task budget (128) lets a task take in one go.
        let out = count(&mut flood(300), 1, &until, &Counter::default()).await;
        // The message that showed the signal, then the 300 waiting.
        assert_eq!(out.msgs, 301);
        let until = Until {
            expected: Some(10),
            ..until
        };
        let out = count(&mut flood(30), 1, &until, &Counter::default()).await;
        assert_eq!(out.msgs, 10);
    }
}
