//! Child processes of the foreign-client runners (nats-py, node): killed and reaped however a
//! run ends, their stdout read line by line and their stderr collected whole, both on threads of
//! their own so a blocked pipe never stalls the test.

use std::io::{BufRead as _, BufReader, Read};
use std::process::{Child, ChildStderr, ChildStdout, ExitStatus};
use std::sync::mpsc::{self, Receiver};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How often the exit of a process whose stdout closed is polled.
const EXIT_POLL: Duration = Duration::from_millis(10);

/// A child process that is killed and reaped when dropped.
pub(crate) struct Reaped {
    child: Child,
    /// What the process is, for error messages ("the nats-py script").
    what: &'static str,
}

impl Reaped {
    pub(crate) fn new(child: Child, what: &'static str) -> Reaped {
        Reaped { child, what }
    }

    /// Waits for the exit until `deadline`; `None` when it is still running then.
    pub(crate) fn wait_until(&mut self, deadline: Instant) -> Result<Option<ExitStatus>> {
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Ok(Some(status)),
                Ok(None) if Instant::now() >= deadline => return Ok(None),
                Ok(None) => thread::sleep(EXIT_POLL),
                Err(e) => {
                    return Err(Error::io(
                        format!("waiting for {} (pid {})", self.what, self.child.id()),
                        e,
                    ))
                }
            }
        }
    }

    pub(crate) fn kill_and_reap(&mut self) {
        // Errors mean it is gone already; `wait` after an earlier `wait` returns the same status.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        self.kill_and_reap();
    }
}

/// A process's stdout, line by line over a channel, and its stderr, collected whole; one thread
/// each, ending when the process closes its side of the pipe.
pub(crate) struct Output {
    pub(crate) lines: Receiver<String>,
    stdout_thread: JoinHandle<()>,
    stderr_thread: JoinHandle<String>,
}

impl Output {
    /// Starts the two reader threads; `label` names them (`label-stdout`, `label-stderr`).
    pub(crate) fn start(stdout: ChildStdout, stderr: ChildStderr, label: &str) -> Result<Output> {
        let (tx, lines) = mpsc::channel();
        let stdout_thread = thread::Builder::new()
            .name(format!("{label}-stdout"))
            .spawn(move || {
                let mut reader = BufReader::new(stdout);
                let mut buf = Vec::new();
                loop {
                    buf.clear();
                    match reader.read_until(b'\n', &mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {
                            let line = String::from_utf8_lossy(&buf);
                            let line = line.strip_suffix('\n').unwrap_or(&line);
                            if tx.send(line.to_string()).is_err() {
                                return;
                            }
                        }
                    }
                }
            })
            .map_err(|e| Error::io(format!("starting a thread for {label}'s stdout"), e))?;
        let stderr_thread = thread::Builder::new()
            .name(format!("{label}-stderr"))
            .spawn(move || {
                let mut buf = Vec::new();
                let _ = BufReader::new(stderr).read_to_end(&mut buf);
                String::from_utf8_lossy(&buf).into_owned()
            })
            .map_err(|e| Error::io(format!("starting a thread for {label}'s stderr"), e))?;
        Ok(Output {
            lines,
            stdout_thread,
            stderr_thread,
        })
    }

    /// After the process is gone: the stdout lines not read yet, and all of stderr.
    pub(crate) fn finish(self) -> (String, String) {
        let _ = self.stdout_thread.join();
        let mut rest = String::new();
        for line in self.lines.try_iter() {
            rest.push_str(&line);
            rest.push('\n');
        }
        let stderr = self
            .stderr_thread
            .join()
            .unwrap_or_else(|_| "(the thread reading stderr panicked)".into());
        (rest, stderr)
    }
}
