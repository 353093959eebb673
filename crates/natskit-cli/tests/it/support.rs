//! Running the binary: one-shot commands, and long-running children awaited on a ready line.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use natskit_test::NatsServer;

/// Upper bound for anything a test waits on; all is done far sooner when things work.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// The `natskit` binary Cargo built for these tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_natskit");

/// The environment variables natskit reads for its connection settings: cleared for every
/// test run, so the developer's own settings never leak in.
pub const CONNECTION_ENV: &[&str] = &[
    "NATS_URL",
    "NATS_USER",
    "NATS_PASSWORD",
    "NATS_TOKEN",
    "NATS_CREDS",
    "NATS_NKEY",
    "NATS_CERT",
    "NATS_KEY",
    "NATS_CA",
    "NATS_CONTEXT",
];

/// The configuration folder every run gets unless its test sets `XDG_CONFIG_HOME` itself:
/// never created, so no context is saved or selected there, and the developer's own
/// contexts (in the real home) are never read.
pub const NO_CONFIG: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/natskit-cli-no-config");

/// A fresh nats-server.
pub fn server() -> NatsServer {
    NatsServer::start().expect("start nats-server")
}

/// A fresh nats-server 2.10 with JetStream (its store in the server's own temp dir).
pub fn js_server() -> NatsServer {
    NatsServer::builder()
        .binary(natskit_test::binary::newer_nats_server().expect("nats-server 2.10: run make deps"))
        .jetstream()
        .start()
        .expect("start nats-server -js")
}

/// A message for [`js_publish`]: subject, payload, and headers as `(name, value)` pairs.
pub type JsMessage<'a> = (&'a str, &'a [u8], &'a [(&'a str, &'a str)]);

/// Stores `messages` through JetStream, each acknowledged by its stream before the next is
/// sent, so they are all there after.
pub fn js_publish(server: &NatsServer, messages: &[JsMessage<'_>]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = natskit::connect(&server.url()).await.expect("connect");
        let js = natskit::jetstream::new(client.clone());
        for (subject, payload, headers) in messages {
            let mut publish = natskit::jetstream::Publish::new(payload.to_vec());
            if !headers.is_empty() {
                let mut map = natskit::HeaderMap::new();
                for (name, value) in *headers {
                    map.append(*name, *value).expect("header");
                }
                publish = publish.headers(map);
            }
            js.send_publish(*subject, publish).await.expect("stored");
        }
        client.close().await.expect("close");
    });
}

/// Runs `natskit <args> --server <url>`, asserts it succeeded, and returns its standard output.
pub fn ok(server: &NatsServer, args: &[&str]) -> String {
    let output = natskit(server, args).output().expect("run natskit");
    assert!(output.status.success(), "{args:?}: {output:?}");
    stdout_of(&output)
}

/// Runs `natskit <args> --server <url>` and returns the one JSON document it printed.
pub fn json_doc(server: &NatsServer, args: &[&str]) -> serde_json::Value {
    let stdout = ok(server, args);
    assert_eq!(
        stdout.lines().count(),
        1,
        "one document on one line: {stdout}"
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{args:?}: {e} in {stdout:?}"))
}

/// Runs `natskit <args> --server <url>`, asserts it failed with status 1, and returns its one
/// `error:` line.
pub fn failure(server: &NatsServer, args: &[&str]) -> String {
    let out = natskit(server, args).assert().code(1);
    one_error_line(out.get_output())
}

/// `natskit --server <url> <args>` as a one-shot command, NATS_URL cleared, stdin empty.
pub fn natskit(server: &NatsServer, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = natskit_bare(args);
    cmd.arg("--server").arg(server.url());
    cmd
}

/// `natskit <args>` with no server given, the connection variables cleared and no contexts.
pub fn natskit_bare(args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::from_std(command(args));
    cmd.timeout(PATIENCE);
    cmd
}

/// `natskit <args>` as a plain process command, isolated as [`natskit_bare`] says.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("XDG_CONFIG_HOME", NO_CONFIG);
    for name in CONNECTION_ENV {
        cmd.env_remove(name);
    }
    cmd
}

/// Standard output as text.
pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The JSON objects of a JSON-lines output (`sub --json`), one a line.
pub fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}")))
        .collect()
}

/// Standard error as text, asserting it is exactly one line starting with `error: `.
pub fn one_error_line(output: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        stderr.starts_with("error: ") && stderr.ends_with('\n') && stderr.lines().count() == 1,
        "expected one `error:` line, got {stderr:?}"
    );
    stderr.trim_end().to_owned()
}

/// A server URL nothing listens on.
pub const UNREACHABLE: &str = "nats://127.0.0.1:1";

/// The one `error:` line of `natskit <args> --server nats://127.0.0.1:1` (nothing listens
/// there), asserting it fails with status 1: for failures that come before (or from) connecting.
pub fn error_without_server(args: &[&str]) -> String {
    let out = natskit_bare(args)
        .args(["--server", UNREACHABLE])
        .assert()
        .code(1);
    one_error_line(out.get_output())
}

/// Asserts that `natskit <args>` with a server nothing listens on fails with status 1 and the
/// one line `error: could not connect to 127.0.0.1:1: ...`.
pub fn assert_cannot_connect(args: &[&str]) {
    let line = error_without_server(args);
    assert!(
        line.starts_with("error: could not connect to 127.0.0.1:1: "),
        "{args:?}: {line}"
    );
}

/// Runs `natskit sub <args>` (which must end by itself, at its `--count`) while `publish`
/// sends it messages once it is subscribed; asserts it succeeded and returns what it left.
pub fn sub_receiving(server: &NatsServer, args: &[&str], publish: impl FnOnce()) -> Finished {
    let sub = Running::start(server, args, "Subscribing on");
    publish();
    let done = sub.finish();
    assert!(done.status.success(), "{done:?}");
    done
}

/// A `natskit` process running in the background, killed on drop.
pub struct Running {
    child: Child,
    stderr_lines: mpsc::Receiver<String>,
    stderr_seen: Vec<String>,
    stdout: Option<JoinHandle<String>>,
}

/// What a background process left when it ended.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Running {
    /// Starts `natskit --server <url> <args>` and waits until a line of its standard error
    /// contains `ready` (`"Subscribing on"`, `"Listening on"`).
    pub fn start(server: &NatsServer, args: &[&str], ready: &str) -> Running {
        let url = server.url();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--server", url.as_str()]);
        Running::start_bare(&all, ready)
    }

    /// Starts `natskit <args>` (no server added) and waits for a `ready` line on standard error.
    pub fn start_bare(args: &[&str], ready: &str) -> Running {
        Running::spawn(command(args), ready)
    }

    /// Starts `command` (from [`command`], with more environment, say) and waits for a
    /// `ready` line on standard error.
    pub fn spawn(mut command: Command, ready: &str) -> Running {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn natskit");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, stderr_lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut stdout = child.stdout.take().expect("piped stdout");
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let mut running = Running {
            child,
            stderr_lines,
            stderr_seen: Vec::new(),
            stdout: Some(stdout),
        };
        running.wait_for_stderr(ready);
        running
    }

    /// Waits for a line of standard error containing `needle`.
    pub fn wait_for_stderr(&mut self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stderr_lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.stderr_seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(_) => panic!(
                    "no stderr line containing {needle:?} in time; stderr so far: {:?}",
                    self.stderr_seen
                ),
            }
        }
    }

    /// The lines of standard error read so far.
    pub fn stderr_seen(&self) -> &[String] {
        &self.stderr_seen
    }

    /// Sends SIGTERM, as a process manager stops a service.
    pub fn terminate(&self) {
        self.signal("TERM");
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    pub fn interrupt(&self) {
        self.signal("INT");
    }

    /// Sends signal `name` (`INT`, `TERM`) with kill(1).
    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits (bounded) for the process to exit by itself, and returns its output.
    pub fn finish(mut self) -> Finished {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for natskit") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "natskit did not exit in time; stderr so far: {:?}",
                self.stderr_seen
            );
            std::thread::sleep(Duration::from_millis(5));
        };
        // The process is gone, so both pipes reach their end.
        let stdout = self
            .stdout
            .take()
            .expect("stdout reader")
            .join()
            .expect("stdout reader thread");
        while let Ok(line) = self.stderr_lines.recv_timeout(PATIENCE) {
            self.stderr_seen.push(line);
        }
        Finished {
            status,
            stdout,
            stderr: self.stderr_seen.join("\n"),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for `child` to exit within [`PATIENCE`] (killing it and failing the test if it does
/// not) and returns what it wrote to its piped stderr; stdout is whatever the caller left.
pub fn wait_bounded(mut child: Child) -> std::process::Output {
    let deadline = Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for natskit") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("natskit did not exit in time");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = Vec::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_end(&mut stderr);
    }
    std::process::Output {
        status,
        stdout: Vec::new(),
        stderr,
    }
}

/// A watch (`kv watch`, `obj watch`) in the background: its standard output read line by
/// line; killed and waited for when dropped.
pub struct Watching {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Watching {
    /// Starts `natskit <args> --server <url>` and waits until its first line of standard
    /// error starts with `ready` (its watch exists on the server, so what is written from
    /// then on is a change).
    pub fn start(server: &NatsServer, args: &[&str], ready: &str) -> Watching {
        let url = server.url();
        let mut all = args.to_vec();
        all.extend(["--server", url.as_str()]);
        let mut child = command(&all)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the watch");
        let lines = line_reader(child.stdout.take().expect("piped stdout"));
        let notes = line_reader(child.stderr.take().expect("piped stderr"));
        let mut watching = Watching { child, lines };
        match notes.recv_timeout(PATIENCE) {
            Ok(line) if line.starts_with(ready) => {}
            other => {
                watching.stop();
                panic!("no {ready:?} line in time: {other:?}");
            }
        }
        watching
    }

    /// The next line of standard output, waiting at most [`PATIENCE`].
    pub fn line(&mut self) -> String {
        match self.lines.recv_timeout(PATIENCE) {
            Ok(line) => line,
            Err(e) => {
                self.stop();
                panic!("no line from the watch in time: {e}");
            }
        }
    }

    /// Kills the watch and waits for it to end.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        self.child.wait().expect("wait for the watch");
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The lines of `pipe`, read on a thread of their own until it closes.
fn line_reader(pipe: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A new empty directory for one test's files, under Cargo's temporary directory for tests.
pub fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("natskit-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}
