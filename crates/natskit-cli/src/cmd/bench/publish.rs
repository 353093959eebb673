//! One publisher: publishes its share, timed until a flush round trip returns, while a side
//! task samples flush round trips as its latency.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use natskit::Client;
use natskit_proto::sync::lock;
use tokio::time::MissedTickBehavior;

use super::control::{Counter, Stop};
use super::payload::Payloads;
use super::stats::{self, ClientStats, Role};
use crate::error::CliError;

/// The side task sends at most one flush per this long while publishing.
const SAMPLE_EVERY: Duration = Duration::from_millis(1);

/// What a publisher is told to do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Subject to publish to.
    pub subject: Arc<str>,
    /// Its payloads.
    pub payloads: Payloads,
    /// How many messages, or `None` to publish until [`Stop`].
    pub quota: Option<u64>,
}

/// Publishes as `plan` says on `client` (its own connection) as publisher `id`.
///
/// The span runs from the first publish until a flush returns, so every message has reached
/// the server. The latency samples are flush round trips: one at a time from a side task
/// while publishing (at most one a millisecond), and the final one; each tells how long the
/// server took to take in what was queued ahead of it.
pub async fn publish(
    client: &Client,
    id: usize,
    plan: Plan,
    stop: Stop,
    counter: Counter,
) -> Result<ClientStats, CliError> {
    let samples = Arc::new(Mutex::new(stats::histogram()));
    let sampler = tokio::spawn(sample_flushes(client.clone(), Arc::clone(&samples)));
    let mut out = ClientStats::new(Role::Pub, id);
    let quota = plan.quota.unwrap_or(u64::MAX);
    let subject = &*plan.subject;
    let start = Instant::now();
    let mut sent = 0;
    let published = async {
        while sent < quota && !stop.is_set() {
            client.publish(subject, plan.payloads.next(sent)).await?;
            sent += 1;
            counter.tick(sent);
        }
        Ok::<_, CliError>(())
    }
    .await;
    let flush_start = Instant::now();
    let flushed = match published {
        Ok(()) => client.flush().await.map_err(CliError::from),
        Err(e) => Err(e),
    };
    let end = Instant::now();
    sampler.abort();
    let _ = sampler.await;
    counter.finish(sent);
    flushed?;
    out.latency = std::mem::replace(&mut *lock(&samples), stats::histogram());
    stats::record(&mut out.latency, end - flush_start);
    out.msgs = sent;
    out.bytes = sent * plan.payloads.size() as u64;
    out.first = Some(start);
    out.last = Some(end);
    Ok(out)
}

/// Sends a flush every [`SAMPLE_EVERY`] and records its round trip, until aborted.
async fn sample_flushes(client: Client, samples: Arc<Mutex<Histogram<u64>>>) {
    let mut tick = tokio::time::interval(SAMPLE_EVERY);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // The first tick is immediate: let the publisher get going first.
    tick.tick().await;
    loop {
        tick.tick().await;
        let start = Instant::now();
        if client.flush().await.is_err() {
            return;
        }
        let rtt = start.elapsed();
        stats::record(&mut lock(&samples), rtt);
    }
}
