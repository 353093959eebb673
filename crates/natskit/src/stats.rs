//! Connection statistics.

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
    /// Messages dropped because their subject or header block could not be read (each also
    /// reported as [`Event::MalformedMessage`](crate::Event::MalformedMessage)).
    pub malformed_messages: u64,
}
