//! Stopping a service: the stop signal, the count of work in flight, and the done signal.
//!
//! Work in flight is counted with the clones of one `mpsc::Sender` that never sends: each
//! endpoint task, discovery task, unanswered request and running handler holds one, and the
//! receiver's `recv` returns `None` exactly when the last one is dropped. No counter to keep
//! right by hand, and no lost wake-up.
//!
//! The wait for the count to reach zero runs in a task of its own, started by the first
//! `signal`: a `stop` that is cancelled (dropped inside a timeout, say) cannot leave the service
//! half stopped, and `done` is set all the same.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, watch};

use crate::lock;

/// A share in the work in flight; dropping it says this piece is finished.
#[derive(Debug, Clone)]
pub(crate) struct InFlight {
    _held: mpsc::Sender<()>,
}

/// The lifecycle of one service.
#[derive(Debug)]
pub(crate) struct Lifecycle {
    stop: watch::Sender<bool>,
    /// Shared with the task that sets it once the work in flight is finished.
    done: Arc<watch::Sender<bool>>,
    /// The original share, taken at stop so that the count can reach zero.
    in_flight: Mutex<Option<InFlight>>,
    /// Taken by the first `signal` made inside a Tokio runtime, whose task waits on it.
    finished: Mutex<Option<mpsc::Receiver<()>>>,
}

impl Lifecycle {
    pub(crate) fn new() -> Self {
        let (tx, rx) = mpsc::channel(1);
        Lifecycle {
            stop: watch::Sender::new(false),
            done: Arc::new(watch::Sender::new(false)),
            in_flight: Mutex::new(Some(InFlight { _held: tx })),
            finished: Mutex::new(Some(rx)),
        }
    }

    /// A new share in the work in flight, or `None` once the service is stopping.
    pub(crate) fn share(&self) -> Option<InFlight> {
        lock(&self.in_flight).clone()
    }

    /// A receiver that sees `true` when the service starts stopping (or the service is dropped:
    /// then `wait_for` fails, which tasks take as the same thing).
    pub(crate) fn stop_signal(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Signals stop without waiting: tasks drain and end, and the count can reach zero. The
    /// first call inside a Tokio runtime starts the task that sets `done` when it does.
    pub(crate) fn signal(&self) {
        self.stop.send_replace(true);
        drop(lock(&self.in_flight).take());
        // Outside a runtime (the last handle dropped after the runtime ended, say) there is
        // nothing to spawn on: the receiver stays for a later call.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(mut finished) = lock(&self.finished).take() else {
            return;
        };
        let done = Arc::clone(&self.done);
        runtime.spawn(async move {
            // Nothing is ever sent: this returns when the last share is dropped.
            while finished.recv().await.is_some() {}
            done.send_replace(true);
        });
    }

    /// Signals stop and waits until all work in flight is finished. Cancelling it (dropping
    /// the future) does not cancel the stop: `done` still comes when the work is finished.
    pub(crate) async fn stop(&self) {
        self.signal();
        self.done().await;
    }

    pub(crate) fn is_stopped(&self) -> bool {
        *self.done.borrow()
    }

    /// Returns once a `stop` has finished.
    pub(crate) async fn done(&self) {
        let mut done = self.done.subscribe();
        // The sender lives in `self`, so this cannot fail while we borrow it.
        let _ = done.wait_for(|d| *d).await;
    }
}

/// Waits for the stop signal (or for the service to be dropped).
pub(crate) async fn stopping(signal: &mut watch::Receiver<bool>) {
    let _ = signal.wait_for(|s| *s).await;
}
