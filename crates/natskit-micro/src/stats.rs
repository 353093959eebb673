//! Per-endpoint counters, updated as requests are answered and read by `$SRV.STATS`.

use std::sync::Mutex;
use std::time::Duration;

use crate::lock;

/// One endpoint's counters. A mutex: an update is a few additions, and readers are rare.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    inner: Mutex<Snapshot>,
}

/// The counters at one moment.
#[derive(Debug, Default, Clone)]
pub(crate) struct Snapshot {
    pub(crate) requests: u64,
    pub(crate) errors: u64,
    pub(crate) last_error: String,
    pub(crate) processing: Duration,
}

impl Snapshot {
    /// Average processing time, zero before the first request.
    pub(crate) fn average(&self) -> Duration {
        match u32::try_from(self.requests) {
            Ok(0) => Duration::ZERO,
            Ok(n) => self.processing / n,
            // More than 4 billion requests: divide the nanoseconds instead.
            Err(_) => Duration::from_nanos(nanos(self.processing) / self.requests),
        }
    }
}

/// Nanoseconds as the documents carry them (saturating: 584 years fit).
pub(crate) fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Counters {
    /// Counts one request that took `took`, failed with `error` when given.
    pub(crate) fn record(&self, took: Duration, error: Option<String>) {
        let mut s = lock(&self.inner);
        s.requests += 1;
        s.processing += took;
        if let Some(error) = error {
            s.errors += 1;
            s.last_error = error;
        }
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        lock(&self.inner).clone()
    }

    pub(crate) fn reset(&self) {
        *lock(&self.inner) = Snapshot::default();
    }
}
