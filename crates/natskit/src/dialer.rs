//! The one place connections are opened: the first connect and every reconnect. The machine
//! says which server to try and how long to wait; this waits, runs the handshake, and tells
//! the machine how it went.

use std::sync::Arc;

use tracing::{debug, info};

use crate::error::ConnectError;
use crate::handshake::{establish, Established};
use crate::shared::Shared;

/// Why no connection could be made.
pub(crate) struct GaveUp {
    /// In words, with the last error.
    pub(crate) reason: String,
    /// The last attempt's error, if any attempt was made.
    pub(crate) last: Option<ConnectError>,
    /// Attempts made.
    pub(crate) attempts: usize,
}

impl GaveUp {
    /// The error `connect` returns when the first connection could not be made.
    pub(crate) fn into_connect_error(self) -> ConnectError {
        match (self.last, self.attempts) {
            (Some(e), 1) => e,
            (Some(e), _) => ConnectError::NoServers { last: Box::new(e) },
            (None, _) => ConnectError::InvalidUrl {
                url: String::new(),
                reason: "no server address given",
            },
        }
    }
}

/// Tries servers until one completes the handshake (which the machine is told), the machine
/// has none left to try, or the client is closed.
pub(crate) async fn dial(shared: &Arc<Shared>) -> Result<Established, GaveUp> {
    let mut last = None;
    let mut attempts = 0;
    loop {
        let attempt = match shared.with(|machine| machine.next_attempt()) {
            Ok(attempt) => attempt,
            Err(reason) => {
                return Err(GaveUp {
                    reason,
                    last,
                    attempts,
                })
            }
        };
        attempts += 1;
        let result = tokio::select! {
            biased;
            _ = shared.shutdown_requested() => {
                let reason = "closed by the client".to_owned();
                return Err(GaveUp { reason, last, attempts });
            }
            result = async {
                tokio::time::sleep(attempt.delay).await;
                establish(&attempt.addr, shared.options()).await
            } => result,
        };
        match result {
            Ok(established) => {
                let now = tokio::time::Instant::now().into_std();
                let info = established.info.clone();
                shared.with(|machine| machine.connected(attempt.index, info, now));
                info!(server = %attempt.addr, "connected");
                return Ok(established);
            }
            Err(e) => {
                debug!(server = %attempt.addr, error = %e, "connect attempt failed");
                let refusal = match &e {
                    ConnectError::Refused { message, .. } => Some(message.as_str()),
                    _ => None,
                };
                shared
                    .with(|machine| machine.attempt_failed(attempt.index, refusal, e.to_string()));
                last = Some(e);
            }
        }
    }
}
