//! [`Statistics`]: a snapshot of a broker's counters.

use std::sync::atomic::Ordering;

use crate::state::State;
use natskit_proto::sync::lock;

/// What a broker has done so far, read from its live counters.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), natskit_server::ServerError> {
/// let server = natskit_server::Server::builder().port(0).start().await?;
/// let stats = server.stats();
/// assert_eq!((stats.connections, stats.in_msgs), (0, 0));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statistics {
    /// Clients connected now.
    pub connections: u64,
    /// Clients connected since the start.
    pub total_connections: u64,
    /// Subscriptions held now.
    pub subscriptions: u64,
    /// Messages received from clients.
    pub in_msgs: u64,
    /// Bytes of messages (headers and payloads) received from clients.
    pub in_bytes: u64,
    /// Messages delivered to clients.
    pub out_msgs: u64,
    /// Bytes of messages delivered to clients.
    pub out_bytes: u64,
    /// Clients disconnected because they did not read fast enough.
    pub slow_consumers: u64,
}

impl Statistics {
    pub(crate) fn of(state: &State) -> Self {
        let c = &state.counters;
        Statistics {
            connections: lock(&state.conns).len() as u64,
            total_connections: c.total_connections.load(Ordering::Relaxed),
            subscriptions: state.subscription_count() as u64,
            in_msgs: c.in_msgs.load(Ordering::Relaxed),
            in_bytes: c.in_bytes.load(Ordering::Relaxed),
            out_msgs: c.out_msgs.load(Ordering::Relaxed),
            out_bytes: c.out_bytes.load(Ordering::Relaxed),
            slow_consumers: c.slow_consumers.load(Ordering::Relaxed),
        }
    }
}
