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
/// let fixed = ReconnectDelay::custom(|_failures| Duration::from_millis(250));
/// assert_eq!(fixed.delay(7), Duration::from_millis(250));
/// ```
#[derive(Clone)]
pub enum ReconnectDelay {
    /// `first`, doubled after each failure up to `max`, plus a random extra of up to `jitter`
    /// so that many clients do not come back in step.
    Backoff {
        /// Wait after the first failure.
        first: Duration,
        /// Longest wait.
        max: Duration,
        /// Most random extra added to each wait.
        jitter: Duration,
    },
    /// A function of the number of failures in a row (1 for the first).
    Custom(Arc<dyn Fn(u32) -> Duration + Send + Sync>),
}

impl ReconnectDelay {
    /// Exponential backoff with jitter.
    pub fn backoff(first: Duration, max: Duration, jitter: Duration) -> Self {
        ReconnectDelay::Backoff { first, max, jitter }
    }

    /// Waits whatever `delay(failures)` says.
    pub fn custom(delay: impl Fn(u32) -> Duration + Send + Sync + 'static) -> Self {
        ReconnectDelay::Custom(Arc::new(delay))
    }

    /// The wait after `failures` failures in a row (at least 1).
    pub fn delay(&self, failures: u32) -> Duration {
        match self {
            ReconnectDelay::Backoff { first, max, jitter } => {
                let doublings = failures.saturating_sub(1).min(20);
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
    /// 100 ms doubling up to 4 s, plus up to 100 ms of jitter.
    fn default() -> Self {
        ReconnectDelay::backoff(
            Duration::from_millis(100),
            Duration::from_secs(4),
            Duration::from_millis(100),
        )
    }
}

impl fmt::Debug for ReconnectDelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReconnectDelay::Backoff { first, max, jitter } => f
                .debug_struct("Backoff")
                .field("first", first)
                .field("max", max)
                .field("jitter", jitter)
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
