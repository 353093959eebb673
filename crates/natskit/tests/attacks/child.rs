//! The client under attack, in a process of its own: this test binary started again to run
//! only [`client_under_attack`], which reads what to do from the environment, says `READY`
//! on its standard output, and exits when its standard input closes.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;

/// Names the role of the child process; unset in a normal test run.
const ROLE: &str = "NATSKIT_ATTACK_ROLE";
const URL: &str = "NATSKIT_ATTACK_URL";
const SUBJECT: &str = "NATSKIT_ATTACK_SUBJECT";
const PENDING_BYTES: &str = "NATSKIT_ATTACK_PENDING_BYTES";

/// What the child does once connected.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    /// Nothing: the connection is all there is.
    Idle,
    /// Subscribes to a subject and takes one message per millisecond: a reader that cannot
    /// keep up with a flood.
    SlowReader,
}

/// The child process, stopped (killed and reaped) when dropped.
pub struct ClientProcess {
    child: Child,
    /// Held open: the child exits when it closes.
    _stdin: ChildStdin,
}

impl ClientProcess {
    /// Starts a client of `url` in a child process and waits for it to be connected (and
    /// subscribed to `subject`, for a reader).
    pub fn start(role: Role, url: &str, subject: &str, pending_bytes: usize) -> ClientProcess {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "child::client_under_attack",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(ROLE, format!("{role:?}"))
            .env(URL, url)
            .env(SUBJECT, subject)
            .env(PENDING_BYTES, pending_bytes.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            let n = stdout.read_line(&mut line).unwrap();
            assert!(n > 0, "the child ended before it was ready");
            // The test harness may have begun the line with the test's name.
            if line.trim_end().ends_with("READY") {
                break;
            }
        }
        // The rest of its output is not needed, but it must not block on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        ClientProcess {
            child,
            _stdin: stdin,
        }
    }

    /// Resident memory now, in bytes.
    pub fn rss(&self) -> u64 {
        self.status_kib("VmRSS:") * 1024
    }

    /// The most resident memory it has had, in bytes.
    pub fn peak_rss(&self) -> u64 {
        self.status_kib("VmHWM:") * 1024
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/PID/status"))
    }

    /// True while it runs.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for ClientProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's side. Does nothing in a normal test run (no role set).
#[test]
#[ignore = "run by the attack tests as the client under attack, in its own process"]
fn client_under_attack() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let url = std::env::var(URL).unwrap();
    let subject = std::env::var(SUBJECT).unwrap();
    let pending_bytes: usize = std::env::var(PENDING_BYTES).unwrap().parse().unwrap();
    // The parent closes our standard input to end us (or dies, which closes it too).
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let client = natskit::ConnectOptions::new()
            .pending_limits(natskit::DEFAULT_PENDING_MESSAGES, pending_bytes)
            .connect(&url)
            .await
            .unwrap();
        let mut sub = client.subscribe(&subject).await.unwrap();
        client.flush().await.unwrap();
        println!("READY");
        if role == "SlowReader" {
            while sub.next().await.is_some() {
                // The slowness under test, not a wait for an event.
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        std::future::pending::<()>().await;
    });
}
