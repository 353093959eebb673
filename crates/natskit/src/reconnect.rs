//! How the client reconnects: the options and the delay between attempts.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;

/// Default size of the reconnect buffer: publishes kept while disconnected (8 MiB).
pub const DEFAULT_RECONNECT_BUFFER: usize = 8 * 1024 * 1024;

/// The wait before another attempt on a server that failed `failures` times in a row.
///
/// ```
/// use std::time::Duration;
/// use natskit::ReconnectDelay;
///
/// let backoff = ReconnectDelay::backoff(Duration::from_millis(100), Duration::from_secs(4), Duration::ZERO);
/// assert_eq!(backoff.delay(1), Duration::from_millis(100));
/// assert_eq!(backoff.delay(3), Duration::from_millis(400));
/// assert_eq!(backoff.delay(30), Duration::from_secs(4));
///
/// // Ten quick retries before the doubling starts.
/// let quick = backoff.quick_retries(10);
/// assert_eq!(quick.delay(10), Duration::from_millis(100));
/// assert_eq!(quick.delay(12), Duration::from_millis(400));
///
/// let fixed = ReconnectDelay::custom(|_failures| Duration::from_millis(250));
/// assert_eq!(fixed.delay(7), Duration::from_millis(250));
/// ```
#[derive(Clone)]
pub enum ReconnectDelay {
    /// `first` for the first `quick` failures, then doubled after each further failure up to
    /// `max`, plus a random extra of up to `jitter` so that many clients do not come back in
    /// step.
    Backoff {
        /// Wait after the first failure.
        first: Duration,
        /// Longest wait.
        max: Duration,
        /// Most random extra added to each wait.
        jitter: Duration,
        /// Failures in a row waited out with `first` alone before the doubling starts.
        quick: u32,
    },
    /// A function of the number of failures in a row (1 for the first).
    Custom(Arc<dyn Fn(u32) -> Duration + Send + Sync>),
}

impl ReconnectDelay {
    /// Exponential backoff with jitter, doubling from the first failure.
    pub fn backoff(first: Duration, max: Duration, jitter: Duration) -> Self {
        ReconnectDelay::Backoff {
            first,
            max,
            jitter,
            quick: 0,
        }
    }

    /// The same backoff, waiting only `first` for the first `failures` failures: a server that
    /// is back soon is rejoined soon. No change to a custom delay.
    pub fn quick_retries(self, failures: u32) -> Self {
        match self {
            ReconnectDelay::Backoff {
                first, max, jitter, ..
            } => ReconnectDelay::Backoff {
                first,
                max,
                jitter,
                quick: failures,
            },
            custom => custom,
        }
    }

    /// Waits whatever `delay(failures)` says.
    pub fn custom(delay: impl Fn(u32) -> Duration + Send + Sync + 'static) -> Self {
        ReconnectDelay::Custom(Arc::new(delay))
    }

    /// The wait after `failures` failures in a row (at least 1).
    pub fn delay(&self, failures: u32) -> Duration {
        match self {
            ReconnectDelay::Backoff {
                first,
                max,
                jitter,
                quick,
            } => {
                let doublings = failures.saturating_sub((*quick).max(1)).min(20);
                let base = first.saturating_mul(1 << doublings).min(*max);
                let extra = if jitter.is_zero() {
                    Duration::ZERO
                } else {
                    jitter.mul_f64(rand::rng().random::<f64>())
                };
                base + extra
            }
            ReconnectDelay::Custom(delay) => delay(failures),
        }
    }
}

impl Default for ReconnectDelay {
    /// 50 ms for the first 20 failures (about 1.5 s with the jitter), then doubling from
    /// 100 ms up to 4 s; plus up to 50 ms of jitter on every wait. A server back within a
    /// second or so is rejoined within about 100 ms, and clients still spread out.
    fn default() -> Self {
        ReconnectDelay::backoff(
            Duration::from_millis(50),
            Duration::from_secs(4),
            Duration::from_millis(50),
        )
        .quick_retries(20)
    }
}

impl fmt::Debug for ReconnectDelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReconnectDelay::Backoff {
                first,
                max,
                jitter,
                quick,
            } => f
                .debug_struct("Backoff")
                .field("first", first)
                .field("max", max)
                .field("jitter", jitter)
                .field("quick", quick)
                .finish(),
            ReconnectDelay::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// Reconnection settings (see the `reconnect_*` methods of
/// [`ConnectOptions`](crate::ConnectOptions)).
#[derive(Debug, Clone)]
pub(crate) struct ReconnectOptions {
    /// Reconnect at all; when false, a lost connection closes the client.
    pub(crate) enabled: bool,
    /// Failed attempts in a row after which a server is skipped; `None`: no limit.
    pub(crate) max_per_server: Option<u32>,
    /// Failed attempts in all before the client gives up; `None`: no limit.
    pub(crate) max_total: Option<u64>,
    pub(crate) delay: ReconnectDelay,
    /// Bytes of publishes kept while disconnected.
    pub(crate) buffer: usize,
    /// Shuffle the configured servers.
    pub(crate) randomize: bool,
    /// Add the servers announced in INFO's `connect_urls` to the pool.
    pub(crate) use_discovered: bool,
}

impl Default for ReconnectOptions {
    fn default() -> Self {
        ReconnectOptions {
            enabled: true,
            max_per_server: None,
            max_total: None,
            delay: ReconnectDelay::default(),
            buffer: DEFAULT_RECONNECT_BUFFER,
            randomize: true,
            use_discovered: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_a_server_back_within_a_second_is_retried_every_100_ms_at_most() {
        let delay = ReconnectDelay::default();
        let quick: Vec<Duration> = (1..=20).map(|failures| delay.delay(failures)).collect();
        for wait in &quick {
            assert!(
                (Duration::from_millis(50)..=Duration::from_millis(100)).contains(wait),
                "{wait:?}"
            );
        }
        // The quick waits cover at least a second of outage before the backoff starts.
        assert!(quick.iter().sum::<Duration>() >= Duration::from_secs(1));
    }

    #[test]
    fn after_the_quick_retries_the_wait_doubles_up_to_4_s_with_jitter() {
        let delay = ReconnectDelay::default();
        let base = |failures| {
            let wait = delay.delay(failures);
            assert!(wait >= Duration::from_millis(100), "{wait:?}");
            wait
        };
        let within = |wait: Duration, low: u64| {
            (Duration::from_millis(low)..=Duration::from_millis(low + 50)).contains(&wait)
        };
        assert!(within(base(21), 100));
        assert!(within(base(22), 200));
        assert!(within(base(23), 400));
        assert!(within(base(40), 4_000));
    }

    #[test]
    fn quick_retries_leave_a_custom_delay_alone() {
        let custom = ReconnectDelay::custom(|failures| Duration::from_millis(u64::from(failures)));
        assert_eq!(custom.quick_retries(5).delay(3), Duration::from_millis(3));
    }
}
