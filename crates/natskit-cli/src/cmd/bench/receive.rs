//! One subscriber: counts what arrives, timed from the first message to the last, with the
//! age of stamped payloads as its latency.

use std::pin::pin;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use natskit::{Message, Subscriber};

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
            msg = sub.next() => match msg {
                Some(msg) => {
                    last = Instant::now();
                    take(&mut out, &msg, last);
                    counter.tick(out.msgs);
                    if let (1, Some(idle)) = (out.msgs, until.idle) {
                        idle_timer.as_mut().reset((last + idle).into());
                    }
                }
                // The connection closed: what came is what there is.
                None => break,
            },
            _ = &mut end => {
                while out.msgs < expected {
                    let Some(Some(msg)) = sub.next().now_or_never() else { break };
                    take(&mut out, &msg, Instant::now());
                    counter.tick(out.msgs);
                }
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
    out.dropped = Some(sub.dropped());
    out
}

/// Counts `msg`, received `at`, and its age if it carries a stamp.
fn take(out: &mut ClientStats, msg: &Message, at: Instant) {
    out.msgs += 1;
    out.bytes += msg.payload.len() as u64;
    out.first.get_or_insert(at);
    out.last = Some(at);
    if let Some(age) = payload::age(&msg.payload) {
        stats::record(&mut out.latency, age);
    }
}
