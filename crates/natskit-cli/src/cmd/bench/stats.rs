//! What each client measured, and the figures made from it: per client and for all clients of
//! a role together.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

/// What a client did in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Publishes.
    Pub,
    /// Receives.
    Sub,
    /// Sends requests and waits for each answer.
    Req,
}

impl Role {
    /// The short name shown in tables and CSV.
    pub fn name(self) -> &'static str {
        match self {
            Role::Pub => "pub",
            Role::Sub => "sub",
            Role::Req => "req",
        }
    }

    /// What one of its messages is called in a rate: `msgs/s` or `req/s`.
    pub fn unit(self) -> &'static str {
        match self {
            Role::Req => "req/s",
            Role::Pub | Role::Sub => "msgs/s",
        }
    }
}

/// A new latency histogram in nanoseconds, three significant figures, growing as needed.
pub fn histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant figures is a valid histogram")
}

/// Records `d` in nanoseconds (at least 1: the histogram's lowest value).
pub fn record(histogram: &mut Histogram<u64>, d: Duration) {
    let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX).max(1);
    // Auto-resizing histograms take any value; the result is Ok.
    let _ = histogram.record(nanos);
}

/// What one client measured.
#[derive(Debug, Clone)]
pub struct ClientStats {
    /// What it did.
    pub role: Role,
    /// Its number among the clients of its role, from 1.
    pub id: usize,
    /// Messages published, received, or requests answered.
    pub msgs: u64,
    /// Payload bytes of those messages (requests: the requests' payloads).
    pub bytes: u64,
    /// Messages a subscriber should have received but did not, when that is known.
    pub lost: Option<u64>,
    /// Of those, how many its own client dropped: the subscriber fell behind the client's
    /// pending limits (subscribers only).
    pub dropped: Option<u64>,
    /// Start of its timed span: first publish or request, or first message received.
    pub first: Option<Instant>,
    /// End of its timed span: flush returned, last answer, or last message received.
    pub last: Option<Instant>,
    /// Latency samples in nanoseconds (see [`crate::cmd::bench`] for what they mean per role).
    pub latency: Histogram<u64>,
}

impl ClientStats {
    /// An empty record for client `id` of `role`.
    pub fn new(role: Role, id: usize) -> Self {
        ClientStats {
            role,
            id,
            msgs: 0,
            bytes: 0,
            lost: None,
            dropped: None,
            first: None,
            last: None,
            latency: histogram(),
        }
    }
}

/// Latency percentiles of a histogram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    /// How many samples the figures come from.
    pub samples: u64,
    /// Smallest sample.
    #[serde(serialize_with = "micros")]
    pub min: Duration,
    /// Mean of the samples.
    #[serde(serialize_with = "micros")]
    pub avg: Duration,
    /// Median.
    #[serde(serialize_with = "micros")]
    pub p50: Duration,
    /// 90th percentile.
    #[serde(serialize_with = "micros")]
    pub p90: Duration,
    /// 99th percentile.
    #[serde(serialize_with = "micros")]
    pub p99: Duration,
    /// 99.9th percentile.
    #[serde(rename = "p99_9", serialize_with = "micros")]
    pub p999: Duration,
    /// Largest sample.
    #[serde(serialize_with = "micros")]
    pub max: Duration,
}

impl Latency {
    /// The percentiles of `histogram`, or `None` when it has no samples.
    pub fn of(histogram: &Histogram<u64>) -> Option<Latency> {
        if histogram.is_empty() {
            return None;
        }
        let at = |q: f64| Duration::from_nanos(histogram.value_at_quantile(q));
        Some(Latency {
            samples: histogram.len(),
            min: Duration::from_nanos(histogram.min()),
            avg: Duration::from_nanos(histogram.mean().round() as u64),
            p50: at(0.5),
            p90: at(0.9),
            p99: at(0.99),
            p999: at(0.999),
            max: Duration::from_nanos(histogram.max()),
        })
    }
}

/// Durations in JSON: microseconds as a number.
fn micros<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1e6)
}

/// One line of results: a client, or all clients of a role together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// What the clients did.
    pub role: Role,
    /// The client's number, or `None` for the aggregate of the role.
    pub client: Option<usize>,
    /// Messages (or requests).
    pub msgs: u64,
    /// Payload bytes.
    pub bytes: u64,
    /// Messages lost, when known (subscribers).
    pub lost: Option<u64>,
    /// Of the lost, those dropped by the subscriber's own client (subscribers).
    pub dropped: Option<u64>,
    /// The timed span, when there is one (a subscriber with one message has none).
    #[serde(rename = "seconds", serialize_with = "seconds")]
    pub elapsed: Option<Duration>,
    /// Messages per second over the span.
    pub msgs_per_sec: Option<f64>,
    /// Payload bytes per second over the span.
    pub bytes_per_sec: Option<f64>,
    /// Latency, when there are samples.
    #[serde(rename = "latency_us")]
    pub latency: Option<Latency>,
}

/// Spans in JSON: seconds as a number.
fn seconds<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.as_secs_f64()),
        None => s.serialize_none(),
    }
}

impl Row {
    /// The figures of one client.
    pub fn client(stats: &ClientStats) -> Row {
        let counts = Counts {
            msgs: stats.msgs,
            bytes: stats.bytes,
            lost: stats.lost,
            dropped: stats.dropped,
        };
        let span = span(stats.first, stats.last);
        Row::new(stats.role, Some(stats.id), counts, span, &stats.latency)
    }

    /// The figures of all `clients` (of one role) together: totals over the span from the
    /// earliest start to the latest end, and every latency sample.
    pub fn aggregate(role: Role, clients: &[ClientStats]) -> Row {
        let mut latency = histogram();
        for c in clients {
            // Both grow as needed, so adding cannot fail.
            let _ = latency.add(&c.latency);
        }
        let first = clients.iter().filter_map(|c| c.first).min();
        let last = clients.iter().filter_map(|c| c.last).max();
        let counts = Counts {
            msgs: clients.iter().map(|c| c.msgs).sum(),
            bytes: clients.iter().map(|c| c.bytes).sum(),
            // `sub -n` takes any count up to u64::MAX, and each subscriber's lost can be that.
            lost: clients
                .iter()
                .filter_map(|c| c.lost)
                .reduce(u64::saturating_add),
            dropped: clients
                .iter()
                .filter_map(|c| c.dropped)
                .reduce(u64::saturating_add),
        };
        Row::new(role, None, counts, span(first, last), &latency)
    }

    fn new(
        role: Role,
        client: Option<usize>,
        counts: Counts,
        elapsed: Option<Duration>,
        latency: &Histogram<u64>,
    ) -> Row {
        let Counts {
            msgs,
            bytes,
            lost,
            dropped,
        } = counts;
        let per_sec = |n: u64| {
            elapsed
                .filter(|d| !d.is_zero())
                .map(|d| n as f64 / d.as_secs_f64())
        };
        Row {
            role,
            client,
            msgs,
            bytes,
            lost,
            dropped,
            elapsed,
            msgs_per_sec: per_sec(msgs),
            bytes_per_sec: per_sec(bytes),
            latency: Latency::of(latency),
        }
    }
}

/// What a row counts, for [`Row::new`].
struct Counts {
    msgs: u64,
    bytes: u64,
    lost: Option<u64>,
    dropped: Option<u64>,
}

/// `last - first` when both are known.
fn span(first: Option<Instant>, last: Option<Instant>) -> Option<Duration> {
    Some(last?.saturating_duration_since(first?))
}

/// Per-client rows then the aggregate, for each role present: publishers, subscribers,
/// requesters (clients in the order given).
pub fn rows(clients: &[ClientStats]) -> Vec<Row> {
    let mut rows = Vec::new();
    for role in [Role::Pub, Role::Sub, Role::Req] {
        let of_role: Vec<ClientStats> =
            clients.iter().filter(|c| c.role == role).cloned().collect();
        if of_role.is_empty() {
            continue;
        }
        rows.extend(of_role.iter().map(Row::client));
        rows.push(Row::aggregate(role, &of_role));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(id: usize, msgs: u64, from_ms: u64, to_ms: u64, samples: &[u64]) -> ClientStats {
        let base = Instant::now();
        let mut stats = ClientStats::new(Role::Pub, id);
        stats.msgs = msgs;
        stats.bytes = msgs * 16;
        stats.first = Some(base + Duration::from_millis(from_ms));
        stats.last = Some(base + Duration::from_millis(to_ms));
        for &us in samples {
            record(&mut stats.latency, Duration::from_micros(us));
        }
        stats
    }

    /// Two clients share one base instant so their spans can be compared.
    fn two_clients() -> Vec<ClientStats> {
        let base = Instant::now();
        let mut a = client(1, 1_000, 0, 0, &[100, 200, 300]);
        a.first = Some(base);
        a.last = Some(base + Duration::from_millis(500));
        let mut b = client(2, 3_000, 0, 0, &[400]);
        b.first = Some(base + Duration::from_millis(100));
        b.last = Some(base + Duration::from_millis(1_000));
        vec![a, b]
    }

    #[test]
    fn a_client_rate_is_its_messages_over_its_own_span() {
        let row = Row::client(&client(1, 1_000, 0, 500, &[]));
        assert_eq!(row.elapsed, Some(Duration::from_millis(500)));
        assert_eq!(row.msgs_per_sec, Some(2_000.0));
        assert_eq!(row.bytes_per_sec, Some(32_000.0));
        assert_eq!(row.latency, None);
    }

    #[test]
    fn the_aggregate_spans_earliest_start_to_latest_end() {
        let clients = two_clients();
        let row = Row::aggregate(Role::Pub, &clients);
        assert_eq!(row.client, None);
        assert_eq!(row.msgs, 4_000);
        assert_eq!(row.bytes, 64_000);
        assert_eq!(row.elapsed, Some(Duration::from_secs(1)));
        assert_eq!(row.msgs_per_sec, Some(4_000.0));
        let latency = row.latency.expect("samples");
        assert_eq!(latency.samples, 4);
        // Three significant figures: within 0.1 %.
        let near = |d: Duration, us: f64| (d.as_secs_f64() * 1e6 - us).abs() <= us * 1e-3;
        assert!(near(latency.min, 100.0), "{latency:?}");
        assert!(near(latency.max, 400.0), "{latency:?}");
        assert!(near(latency.avg, 250.0), "{latency:?}");
        assert!(near(latency.p50, 200.0), "{latency:?}");
    }

    #[test]
    fn lost_adds_up_when_known() {
        let mut clients = two_clients();
        assert_eq!(Row::aggregate(Role::Sub, &clients).lost, None);
        clients[0].lost = Some(3);
        clients[1].lost = Some(4);
        clients[1].dropped = Some(2);
        let row = Row::aggregate(Role::Sub, &clients);
        assert_eq!((row.lost, row.dropped), (Some(7), Some(2)));
    }

    #[test]
    fn lost_beyond_a_u64_stays_at_its_largest() {
        // `sub -c 2 -n 18446744073709551615` that got nothing.
        let mut clients = two_clients();
        for c in &mut clients {
            c.lost = Some(u64::MAX);
        }
        assert_eq!(Row::aggregate(Role::Sub, &clients).lost, Some(u64::MAX));
    }

    #[test]
    fn no_span_means_no_rate() {
        let mut one = client(1, 1, 0, 0, &[]);
        assert_eq!(Row::client(&one).msgs_per_sec, None);
        one.first = None;
        assert_eq!(Row::client(&one).elapsed, None);
    }

    #[test]
    fn percentiles_of_a_spread() {
        let mut h = histogram();
        for us in 1..=1_000 {
            record(&mut h, Duration::from_micros(us));
        }
        let l = Latency::of(&h).expect("samples");
        let us = |d: Duration| (d.as_secs_f64() * 1e6).round() as u64;
        assert_eq!(l.samples, 1_000);
        assert_eq!((us(l.min), us(l.p50), us(l.p90)), (1, 500, 900));
        assert_eq!((us(l.p99), us(l.p999), us(l.max)), (990, 999, 1_000));
    }

    #[test]
    fn rows_list_clients_then_their_aggregate_per_role() {
        let mut clients = two_clients();
        clients.push(ClientStats::new(Role::Sub, 1));
        let rows = rows(&clients);
        let shape: Vec<_> = rows.iter().map(|r| (r.role, r.client)).collect();
        assert_eq!(
            shape,
            [
                (Role::Pub, Some(1)),
                (Role::Pub, Some(2)),
                (Role::Pub, None),
                (Role::Sub, Some(1)),
                (Role::Sub, None)
            ]
        );
    }
}
