//! The four scenarios of the client benchmark, written once for any [`Contender`].

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;

use crate::contenders::Contender;

/// 16 bytes, as in the figures.
pub fn payload() -> Bytes {
    Bytes::from_static(b"0123456789abcdef")
}

/// Publishes `count` messages; timed until a flush round trip returns. Returns msgs/s.
///
/// Each scenario's sending loop runs on a worker thread (see [`on_worker`]).
pub async fn publish<C: Contender>(url: &str, count: u64) -> f64 {
    let client = C::connect(url).await;
    on_worker(async move {
        let payload = payload();
        let start = Instant::now();
        for _ in 0..count {
            client.publish("bench.pub", payload.clone()).await;
        }
        client.flush().await;
        count as f64 / start.elapsed().as_secs_f64()
    })
    .await
}

/// Runs `work` as a task on the runtime's worker threads, where an application's code runs and
/// where `natskit bench` runs its clients. Awaited on the `block_on` thread instead, every
/// round trip would also pay for waking that thread from a worker (about 30 us per request
/// on the 2-core VM): a cost of the harness, not of the client under test.
async fn on_worker<T: Send + 'static>(work: impl Future<Output = T> + Send + 'static) -> T {
    tokio::spawn(work).await.expect("benchmark task")
}

/// Result of a pub/sub run.
pub struct PubSub {
    /// Messages each subscriber received per second (all received / subscribers / time).
    pub rate: f64,
    /// Messages published times subscribers, minus all received.
    pub lost: u64,
}

/// How much the subscribers' client may hold unread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Room {
    /// The client's defaults: a subscriber that falls behind loses messages in its client.
    Default,
    /// Every message of the run: only the server can lose messages.
    Everything,
}

/// One publisher and `subscribers` subscriber connections on the same subject; timed from the
/// first publish to the last message received by every subscriber.
pub async fn pubsub<C: Contender>(url: &str, count: u64, subscribers: usize, room: Room) -> PubSub {
    let mut connections = Vec::with_capacity(subscribers);
    let mut counters = Vec::with_capacity(subscribers);
    for _ in 0..subscribers {
        let subscriber = match room {
            Room::Default => C::connect(url).await,
            Room::Everything => C::connect_holding(url, count).await,
        };
        counters.push(
            subscriber
                .count_messages("bench.ps", count, Duration::from_secs(2))
                .await,
        );
        connections.push(subscriber);
    }
    let publisher = C::connect(url).await;
    let start = on_worker(async move {
        let payload = payload();
        let start = Instant::now();
        for _ in 0..count {
            publisher.publish("bench.ps", payload.clone()).await;
        }
        publisher.flush().await;
        start
    })
    .await;
    let (mut received, mut last) = (0, start);
    for counter in counters {
        let (n, at) = counter.await.expect("counter task");
        received += n;
        last = last.max(at);
    }
    drop(connections);
    let subscribers = subscribers as u64;
    PubSub {
        rate: received as f64 / subscribers as f64 / last.duration_since(start).as_secs_f64(),
        lost: count * subscribers - received,
    }
}

/// Sequential requests to one echo responder; returns (p50, p99) in microseconds.
pub async fn sequential_requests<C: Contender>(url: &str, count: u64) -> (f64, f64) {
    let server_side = C::connect(url).await;
    let responder = server_side.responder("bench.req", None).await;
    let client = C::connect(url).await;
    let histogram = on_worker(async move {
        let mut histogram = Histogram::<u64>::new(3).expect("histogram");
        let payload = payload();
        for _ in 0..count {
            let start = Instant::now();
            client.request("bench.req", payload.clone()).await;
            histogram
                .record(start.elapsed().as_nanos() as u64)
                .expect("record");
        }
        histogram
    })
    .await;
    responder.abort();
    (
        histogram.value_at_quantile(0.5) as f64 / 1e3,
        histogram.value_at_quantile(0.99) as f64 / 1e3,
    )
}

/// `requesters` tasks on one connection share `count` requests over 2 queue responders.
/// Returns requests per second.
pub async fn concurrent_requests<C: Contender>(url: &str, requesters: u64, count: u64) -> f64 {
    let mut responders = Vec::new();
    for _ in 0..2 {
        let conn = C::connect(url).await;
        responders.push(conn.responder("bench.qreq", Some("echo")).await);
    }
    let client = C::connect(url).await;
    let per_task = count / requesters;
    let start = Instant::now();
    let payload = Arc::new(payload());
    let tasks: Vec<_> = (0..requesters)
        .map(|_| {
            let client = client.clone();
            let payload = Arc::clone(&payload);
            tokio::spawn(async move {
                for _ in 0..per_task {
                    client.request("bench.qreq", (*payload).clone()).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("requester task");
    }
    let rate = (per_task * requesters) as f64 / start.elapsed().as_secs_f64();
    responders.iter().for_each(|r| r.abort());
    rate
}
