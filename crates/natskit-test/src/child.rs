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

/// How a script run by [`run_script`] ended.
pub(crate) enum Ending {
    /// It exited by itself.
    Exited(ExitStatus),
    /// It was still running at the deadline (killed).
    TimedOut,
    /// The answer to a marker line stopped it, for this reason (killed).
    Stopped(String),
}

/// A finished script run: how it ended, all of its stdout and its stderr.
pub(crate) struct ScriptRun {
    pub(crate) ending: Ending,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// Runs `command` (stdin closed, output captured) until it exits or `deadline`, calling
/// `on_marker` each time it prints the line `marker`; an `Err` from it stops the run with that
/// reason. `what` names the process in errors ("the nats-py script"), `starting` says what a
/// failed spawn was, `label` names the reader threads. The process is killed and reaped however
/// this returns.
pub(crate) fn run_script(
    mut command: std::process::Command,
    what: &'static str,
    starting: String,
    label: &str,
    deadline: Instant,
    marker: &str,
    mut on_marker: impl FnMut() -> std::result::Result<(), String>,
) -> Result<ScriptRun> {
    use std::process::Stdio;
    use std::sync::mpsc::RecvTimeoutError;

    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::io(starting, e))?;
    let pipes = (child.stdout.take(), child.stderr.take());
    let mut child = Reaped::new(child, what);
    let (Some(stdout), Some(stderr)) = pipes else {
        return Err(Error::io(
            format!("starting {what}"),
            std::io::Error::other("no stdout/stderr pipe"),
        ));
    };
    let output = Output::start(stdout, stderr, label)?;

    let mut stdout_text = String::new();
    let mut ending = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match output.lines.recv_timeout(left) {
            Ok(line) => {
                stdout_text.push_str(&line);
                stdout_text.push('\n');
                if line.trim_end() != marker {
                    continue;
                }
                if let Err(reason) = on_marker() {
                    ending = Some(Ending::Stopped(reason));
                    break;
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                ending = Some(Ending::TimedOut);
                break;
            }
        }
    }
    // Stdout closed (or we gave up): the exit should follow at once.
    let ending = match ending {
        Some(ending) => ending,
        None => match child.wait_until(deadline)? {
            Some(status) => Ending::Exited(status),
            None => Ending::TimedOut,
        },
    };
    child.kill_and_reap();
    let (rest, stderr) = output.finish();
    stdout_text.push_str(&rest);
    Ok(ScriptRun {
        ending,
        stdout: stdout_text,
        stderr,
    })
}
