//! [`Interrupt`]: Ctrl-C (SIGINT) and SIGTERM for the long-running commands (`sub`, `reply`).
//! The first asks the command to drain and exit 0; the second ends the process at once, with
//! the status a shell gives a process its signal ended (130 for SIGINT, 143 for SIGTERM).

use tokio::sync::watch;

use crate::error::CliError;

/// Whether a stop was asked for; the handler that watches for the signals runs until exit.
#[derive(Debug)]
pub struct Interrupt {
    /// Turns true at the first signal.
    asked: watch::Receiver<bool>,
}

impl Interrupt {
    /// Takes over SIGINT and SIGTERM. Call it before saying the command is ready, so a signal
    /// that follows the ready line is always a drain.
    pub fn install() -> Result<Interrupt, CliError> {
        let (tx, asked) = watch::channel(false);
        let mut signals =
            Signals::new().map_err(|e| CliError::msg(format!("cannot watch for Ctrl-C: {e}")))?;
        tokio::spawn(async move {
            signals.next().await;
            let _ = tx.send(true);
            let status = signals.next().await;
            note!("Stopped without draining");
            std::process::exit(status);
        });
        Ok(Interrupt { asked })
    }

    /// Returns once a stop was asked for (at once when it was already).
    pub async fn asked(&mut self) {
        // The sender lives as long as the process: an error here cannot happen.
        let _ = self.asked.wait_for(|asked| *asked).await;
    }
}

/// The two signals, as one stream.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> std::io::Result<Signals> {
        Ok(Signals {})
    }

    /// The next signal, as the exit status it would give: 128 + its number.
    #[cfg(unix)]
    async fn next(&mut self) -> i32 {
        tokio::select! {
            _ = self.interrupt.recv() => 128 + 2,
            _ = self.terminate.recv() => 128 + 15,
        }
    }

    /// The next Ctrl-C, as the exit status a shell would give.
    #[cfg(not(unix))]
    async fn next(&mut self) -> i32 {
        let _ = tokio::signal::ctrl_c().await;
        130
    }
}
