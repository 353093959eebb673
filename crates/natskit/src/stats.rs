//! Connection statistics.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counts of what went through the connection, from [`Client::statistics`](crate::Client::statistics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statistics {
    /// Messages received.
    pub in_messages: u64,
    /// Payload bytes received.
    pub in_bytes: u64,
    /// Messages published.
    pub out_messages: u64,
    /// Payload bytes published.
    pub out_bytes: u64,
    /// Times the client reconnected.
    pub reconnects: u64,
}

/// The counters the connection task updates; publish counts live under the output lock.
#[derive(Debug, Default)]
pub(crate) struct InCounters {
    pub(crate) messages: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) reconnects: AtomicU64,
}

impl InCounters {
    pub(crate) fn add(&self, messages: u64, bytes: u64) {
        if messages > 0 {
            self.messages.fetch_add(messages, Ordering::Relaxed);
            self.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }
}
