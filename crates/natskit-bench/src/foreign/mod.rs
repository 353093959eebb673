//! The contenders written in other languages: nats.c and nats.go, each a small program of
//! ours (`crates/natskit-bench/contenders/`) that runs one scenario per process with the
//! library's defaults and prints its figures, one `NAME VALUE` line each, then `done`.
//!
//! Their programs time themselves the way `scenarios.rs` times natskit and async-nats (connects
//! and subscriptions before the clock starts), so process start-up is not in the figures.

mod build;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A run that takes longer than this is stopped and counted as failed.
const RUN_TIMEOUT: Duration = Duration::from_secs(180);

/// Which library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    NatsC,
    NatsGo,
}

impl Kind {
    /// Both, in the order the table shows them.
    pub const ALL: [Kind; 2] = [Kind::NatsC, Kind::NatsGo];

    /// As the tables name it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NatsC => "nats.c",
            Kind::NatsGo => "nats.go",
        }
    }

    /// The program's file name under `target/<profile>/contenders/`.
    fn program(self) -> &'static str {
        match self {
            Kind::NatsC => "bench-natsc",
            Kind::NatsGo => "bench-natsgo",
        }
    }

    fn install_hint(self) -> &'static str {
        match self {
            Kind::NatsC => "it needs the C compiler `cc` and Debian's libnats-dev (`make deps` installs them)",
            Kind::NatsGo => "it needs Debian's golang-go and golang-github-nats-io-go-nats-dev (`make deps` installs them)",
        }
    }
}

/// A built contender program.
pub struct Program {
    pub kind: Kind,
    path: PathBuf,
}

/// One of the four client scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Publish,
    PubSub,
    Request,
    Concurrent { requesters: u64 },
}

impl Scenario {
    fn arg(self) -> &'static str {
        match self {
            Scenario::Publish => "publish",
            Scenario::PubSub => "pubsub",
            Scenario::Request => "request",
            Scenario::Concurrent { .. } => "concurrent",
        }
    }
}

/// The figures one run printed, by name (`rate`, `lost`, `p50_us`, `p99_us`).
#[derive(Debug)]
pub struct Figures(HashMap<String, f64>);

impl Figures {
    /// The figure `name`, or an error saying the program did not print it.
    pub fn get(&self, name: &str) -> Result<f64, String> {
        self.0
            .get(name)
            .copied()
            .ok_or_else(|| format!("no {name:?} line in {:?}", self.0))
    }
}

impl Program {
    /// Builds the program of `kind`, or says why it cannot be.
    pub fn build(kind: Kind) -> Result<Program, String> {
        build::build(kind).map(|path| Program { kind, path })
    }

    /// The programs that build; each one that does not is named with the reason, and the
    /// bench goes on without it.
    pub fn build_all() -> Vec<Program> {
        Kind::ALL
            .into_iter()
            .filter_map(|kind| match Program::build(kind) {
                Ok(program) => Some(program),
                Err(e) => {
                    println!("{}: not built, left out of this run: {e}", kind.name());
                    None
                }
            })
            .collect()
    }

    /// Runs `scenario` with `count` messages or requests against the server at `url`.
    pub fn run(&self, scenario: Scenario, url: &str, count: u64) -> Result<Figures, String> {
        let name = self.kind.name();
        let mut command = Command::new(&self.path);
        command.args([scenario.arg(), url, &count.to_string()]);
        if let Scenario::Concurrent { requesters } = scenario {
            command.arg(requesters.to_string());
        }
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{name}: cannot start {}: {e}", self.path.display()))?;
        let pid = child.id();
        // Waited for on a thread, so a program that hangs is stopped after RUN_TIMEOUT.
        let (tx, rx) = mpsc::channel();
        let waiter = std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        let output = match rx.recv_timeout(RUN_TIMEOUT) {
            Ok(output) => output,
            Err(_) => {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                let _ = waiter.join();
                return Err(format!(
                    "{name} {}: no answer within {RUN_TIMEOUT:?}; stopped",
                    scenario.arg()
                ));
            }
        };
        let _ = waiter.join();
        let output = output.map_err(|e| format!("{name}: waiting for it: {e}"))?;
        let (status, out) = (output.status, String::from_utf8_lossy(&output.stdout));
        let err = String::from_utf8_lossy(&output.stderr);
        if !status.success() || out.lines().last() != Some("done") {
            return Err(format!(
                "{name} {} failed ({status}): {}",
                scenario.arg(),
                err.trim()
            ));
        }
        parse(&out).map_err(|e| format!("{name} {}: {e}", scenario.arg()))
    }
}

/// `NAME VALUE` lines up to `done`.
fn parse(out: &str) -> Result<Figures, String> {
    let mut figures = HashMap::new();
    for line in out.lines().take_while(|line| *line != "done") {
        let (name, value) = line
            .split_once(' ')
            .ok_or_else(|| format!("unexpected line {line:?}"))?;
        let value = value
            .trim()
            .parse()
            .map_err(|_| format!("unexpected line {line:?}"))?;
        figures.insert(name.to_owned(), value);
    }
    Ok(Figures(figures))
}
