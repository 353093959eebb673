//! When a run stops early (`--duration` over, Ctrl-C, a failed client), and how far it got.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::units;

/// A stop signal shared by every client of a run.
///
/// Senders check [`is_set`](Stop::is_set) between messages (one relaxed load); receivers wait
/// on [`wait`](Stop::wait).
#[derive(Debug, Clone)]
pub struct Stop {
    flag: Arc<AtomicBool>,
    changed: watch::Sender<bool>,
}

impl Stop {
    /// A signal not yet given.
    pub fn new() -> Self {
        Stop {
            flag: Arc::new(AtomicBool::new(false)),
            changed: watch::Sender::new(false),
        }
    }

    /// Gives the signal.
    pub fn set(&self) {
        self.flag.store(true, Ordering::Relaxed);
        self.changed.send_replace(true);
    }

    /// Whether the signal was given.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    /// Returns once the signal is given.
    pub async fn wait(&self) {
        let mut changed = self.changed.subscribe();
        // The sender lives in `self`, so this only returns once the value is true.
        let _ = changed.wait_for(|set| *set).await;
    }

    /// Gives the signal after `duration` (the task returned; abort it when the run is over),
    /// and on Ctrl-C (see [`on_ctrl_c`](Stop::on_ctrl_c)).
    pub fn arm(&self, duration: Option<Duration>) -> JoinHandle<()> {
        self.on_ctrl_c();
        let stop = self.clone();
        tokio::spawn(async move {
            if let Some(d) = duration {
                tokio::time::sleep(d).await;
                stop.set();
            }
        })
    }

    /// Gives the signal on Ctrl-C, so that the results so far are shown rather than lost; a
    /// second Ctrl-C ends the process at once (status 130), as the first would have without
    /// this. Not aborted with the run: once tokio handles SIGINT it does so for the rest of the
    /// process, and Ctrl-C would otherwise do nothing while the connections close.
    fn on_ctrl_c(&self) {
        let stop = self.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            stop.set();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        });
    }
}

/// How many messages the clients of a run have handled so far: each client adds its count now
/// and then ([`Counter::BATCH`] at a time), so the shared counter costs next to nothing.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// How many messages a client handles between two additions.
    pub const BATCH: u64 = 256;

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// Adds one for message number `done` (counted from 1) when it completes a batch.
    pub fn tick(&self, done: u64) {
        if done.is_multiple_of(Self::BATCH) {
            self.add(Self::BATCH);
        }
    }

    /// Adds what [`tick`](Counter::tick) has not yet added of `done` messages.
    pub fn finish(&self, done: u64) {
        self.add(done % Self::BATCH);
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// What the progress bar fills up to.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// This many messages.
    Msgs(u64),
    /// This much time.
    Time(Duration),
}

/// A progress bar on standard error, redrawn from a [`Counter`] ten times a second.
pub struct Progress {
    bar: ProgressBar,
    task: JoinHandle<()>,
}

impl Progress {
    /// Shows a bar for `goal` labelled `what` (`published`, `received`, `requests`).
    pub fn show(goal: Goal, what: &'static str, counter: Counter) -> Progress {
        let len = match goal {
            Goal::Msgs(n) => n,
            Goal::Time(d) => d.as_millis() as u64,
        };
        let template = match goal {
            Goal::Msgs(_) => "{bar:40.cyan/blue} {human_pos}/{human_len} {msg} {elapsed}",
            Goal::Time(_) => "{bar:40.cyan/blue} {msg}",
        };
        let style = ProgressStyle::with_template(template)
            .expect("the template is valid")
            .progress_chars("##-");
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
            .with_style(style);
        let shown = bar.clone();
        let start = Instant::now();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            loop {
                tick.tick().await;
                match goal {
                    Goal::Msgs(_) => {
                        shown.set_position(counter.get());
                        shown.set_message(what);
                    }
                    Goal::Time(d) => {
                        let elapsed = start.elapsed().min(d);
                        shown.set_position(elapsed.as_millis() as u64);
                        shown.set_message(format!(
                            "{} of {}, {} {what}",
                            units::duration(elapsed),
                            units::duration(d),
                            units::count(counter.get())
                        ));
                    }
                }
            }
        });
        Progress { bar, task }
    }

    /// Stops and clears the bar.
    pub fn finish(self) {
        self.task.abort();
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counter_adds_whole_batches_then_the_rest() {
        let counter = Counter::default();
        for done in 1..=1_000 {
            counter.tick(done);
        }
        assert_eq!(counter.get(), 3 * Counter::BATCH);
        counter.finish(1_000);
        assert_eq!(counter.get(), 1_000);
    }

    #[tokio::test]
    async fn stop_wakes_waiters_and_sets_the_flag() {
        let stop = Stop::new();
        assert!(!stop.is_set());
        let waiter = tokio::spawn({
            let stop = stop.clone();
            async move { stop.wait().await }
        });
        stop.set();
        waiter.await.expect("waiter");
        assert!(stop.is_set());
        // A late waiter returns at once.
        stop.wait().await;
    }
}
