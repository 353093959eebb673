//! What the clients of one run share: how to connect, the stop signal, the progress counter;
//! and the plumbing to connect, spawn and collect the clients.

use std::future::Future;

use natskit::Client;
use tokio::task::JoinHandle;

use super::args::Amount;
use super::control::{Counter, Goal, Progress, Stop};
use super::stats::ClientStats;
use crate::connect::ConnectArgs;
use crate::error::CliError;

/// What every scenario of one run shares.
pub struct Session {
    /// How to connect.
    pub connect: ConnectArgs,
    /// Ends the run early: `--duration`, Ctrl-C, or a client that failed.
    pub stop: Stop,
    /// Messages handled so far, for the progress bar.
    pub counter: Counter,
    /// Whether to draw the progress bar.
    pub show_progress: bool,
}

/// A run under way: the `--duration` timer (and Ctrl-C) and the progress bar.
pub struct Running {
    timer: JoinHandle<()>,
    progress: Option<Progress>,
}

impl Session {
    /// Starts the timed part: arms `--duration` and Ctrl-C, shows the bar. Called once a run.
    pub fn start(&self, goal: Goal, what: &'static str, amount: Amount) -> Running {
        let duration = match amount {
            Amount::Duration(d) => Some(d),
            Amount::Msgs(_) => None,
        };
        Running {
            timer: self.stop.arm(duration),
            progress: self
                .show_progress
                .then(|| Progress::show(goal, what, self.counter.clone())),
        }
    }
}

impl Running {
    /// Ends the timed part: the `--duration` timer is stopped and the bar cleared.
    pub fn end(self) {
        self.timer.abort();
        if let Some(progress) = self.progress {
            progress.finish();
        }
    }
}

/// Connects `n` clients, one connection each.
pub async fn connect_all(connect: &ConnectArgs, n: usize) -> Result<Vec<Client>, CliError> {
    let mut clients = Vec::with_capacity(n);
    for _ in 0..n {
        clients.push(connect.connect().await?);
    }
    Ok(clients)
}

/// Spawns one client's work; if it fails, the run's other clients are told to stop.
pub fn spawn_client<F>(stop: &Stop, work: F) -> JoinHandle<Result<ClientStats, CliError>>
where
    F: Future<Output = Result<ClientStats, CliError>> + Send + 'static,
{
    let stop = stop.clone();
    tokio::spawn(async move {
        let result = work.await;
        if result.is_err() {
            stop.set();
        }
        result
    })
}

/// Waits for every client task; the first error is returned once all have ended.
pub async fn join_all(
    tasks: Vec<JoinHandle<Result<ClientStats, CliError>>>,
    stop: &Stop,
) -> Result<Vec<ClientStats>, CliError> {
    let mut results = Vec::with_capacity(tasks.len());
    let mut first_error = None;
    for task in tasks {
        let result = task
            .await
            .unwrap_or_else(|e| Err(CliError::msg(format!("a benchmark client failed: {e}"))));
        match result {
            Ok(stats) => results.push(stats),
            Err(e) => {
                stop.set();
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(results),
    }
}
