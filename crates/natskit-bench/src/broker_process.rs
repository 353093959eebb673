//! The two brokers of `--brokers`, each as its own process on a free loopback port: nats-server
//! (through natskit-test) and the embedded broker (`natskit server -p 0`). Both are stopped when
//! dropped.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use natskit_test::{NatsServer, NatsServerBuilder};

/// How long a broker has to come up, and to stop after SIGTERM.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Which broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Embedded,
    NatsServer,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Embedded => "embedded",
            Kind::NatsServer => "nats-server",
        }
    }
}

/// A running broker process.
pub enum Broker {
    Nats(NatsServer),
    Embedded(Embedded),
}

impl Broker {
    /// Starts a fresh broker of `kind`; `natskit` is the path of the `natskit` binary.
    /// Pinned to `--server-cpu`'s CPU if it was given.
    pub fn start(kind: Kind, natskit: &Path) -> Result<Broker, String> {
        let broker = match kind {
            Kind::NatsServer => NatsServer::start()
                .map(Broker::Nats)
                .map_err(|e| e.to_string()),
            Kind::Embedded => Embedded::start_with(natskit, &[]).map(Broker::Embedded),
        }?;
        crate::procfs::pin_server(broker.pid())?;
        Ok(broker)
    }

    /// A fresh broker of `kind` with a WebSocket listener as well (no TLS): nats-server 2.10
    /// (its `websocket` block) or `natskit server --ws-port`; `natskit` as for [`start`](Self::start).
    pub fn start_with_websocket(kind: Kind, natskit: &Path) -> Result<Broker, String> {
        match kind {
            Kind::NatsServer => newer_nats_server(NatsServerBuilder::websocket),
            Kind::Embedded => {
                let port = natskit_test::port::free_port()
                    .map_err(|e| format!("no free port for WebSocket clients: {e}"))?;
                let mut embedded = Embedded::start_with(natskit, &websocket_flags(port))?;
                embedded.ws_url = Some(format!("ws://127.0.0.1:{port}"));
                Ok(Broker::Embedded(embedded))
            }
        }
    }

    /// `ws://127.0.0.1:PORT`, for a broker started with a WebSocket listener.
    /// A broker with JetStream on file storage in a fresh store directory (nats-server 2.10
    /// `-js`; `natskit server --jetstream --store-dir`), removed when it is dropped.
    pub fn start_with_jetstream(kind: Kind, natskit: &Path) -> Result<Broker, String> {
        match kind {
            Kind::NatsServer => newer_nats_server(NatsServerBuilder::jetstream),
            Kind::Embedded => {
                static STORES: AtomicUsize = AtomicUsize::new(0);
                let store = std::env::temp_dir().join(format!(
                    "natskit-bench-{}-js-{}",
                    std::process::id(),
                    STORES.fetch_add(1, Ordering::Relaxed)
                ));
                let flags = vec![
                    "--jetstream".to_owned(),
                    "--store-dir".to_owned(),
                    store.display().to_string(),
                ];
                let mut embedded = Embedded::start_with(natskit, &flags)?;
                embedded.store = Some(store);
                Ok(Broker::Embedded(embedded))
            }
        }
    }

    pub fn ws_url(&self) -> Option<String> {
        match self {
            Broker::Nats(server) => server.ws_url(),
            Broker::Embedded(embedded) => embedded.ws_url.clone(),
        }
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        match self {
            Broker::Nats(server) => server.url(),
            Broker::Embedded(embedded) => embedded.url.clone(),
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        self.url().trim_start_matches("nats://").to_owned()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        match self {
            Broker::Nats(server) => server.pid().unwrap_or(0),
            Broker::Embedded(embedded) => embedded.child.id(),
        }
    }
}

/// The `natskit` binary next to this benchmark's (same target directory and profile).
pub fn natskit_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("where is natskit-bench? {e}"))?;
    let dir = exe.parent().unwrap_or(Path::new("."));
    // `cargo run` runs target/<profile>/natskit-bench; `cargo bench` runs target/<profile>/deps/...
    let candidates = [dir.join("natskit"), dir.join("../natskit")];
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .ok_or_else(|| {
            format!(
                "the natskit binary (for `natskit server` and `natskit bench`) is not at {}; \
                 build it in the same profile first: cargo build --release -p natskit-cli",
                candidates[0].display()
            )
        })
}

/// The flags of a plain (no TLS) WebSocket listener on `port`, as nats-server's `websocket`
/// block of natskit-test has it (no compression).
fn websocket_flags(port: u16) -> Vec<String> {
    vec!["--ws-port".into(), port.to_string(), "--ws-no-tls".into()]
}

/// `natskit server -p 0` as a child process.
pub struct Embedded {
    child: Child,
    url: String,
    /// `ws://...` when started with a WebSocket listener.
    ws_url: Option<String>,
    /// Kept open: the broker may still write to its standard output.
    _stdout: BufReader<ChildStdout>,
    log: PathBuf,
    /// JetStream's store directory, removed on drop.
    store: Option<PathBuf>,
}

impl Embedded {
    /// `natskit server -p 0 <extra>`.
    fn start_with(natskit: &Path, extra: &[String]) -> Result<Embedded, String> {
        static STARTS: AtomicUsize = AtomicUsize::new(0);
        let log = std::env::temp_dir().join(format!(
            "natskit-bench-{}-broker-{}.log",
            std::process::id(),
            STARTS.fetch_add(1, Ordering::Relaxed)
        ));
        let stderr = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut child = Command::new(natskit)
            .args(["server", "-p", "0"])
            .args(extra)
            // The broker logs each connect and disconnect at info; nats-server logs neither
            // by default, so both run quiet (warnings and errors only).
            .env("RUST_LOG", "natskit_server=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("starting {} server: {e}", natskit.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        // The first line is the client URL; read it on a thread so a silent broker can't hang us.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line);
            let _ = tx.send((read.map(|_| line), reader));
        });
        let failed = |mut child: Child, why: String| {
            let _ = child.kill();
            let _ = child.wait();
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let _ = std::fs::remove_file(&log);
            Err(format!(
                "natskit server did not start: {why}; its log:\n{text}"
            ))
        };
        match rx.recv_timeout(TIMEOUT) {
            Ok((Ok(line), reader)) if line.starts_with("nats://") => Ok(Embedded {
                child,
                url: line.trim().to_owned(),
                ws_url: None,
                _stdout: reader,
                log,
                store: None,
            }),
            Ok((Ok(line), _)) => failed(child, format!("first line {line:?}")),
            Ok((Err(e), _)) => failed(child, e.to_string()),
            Err(_) => failed(child, format!("no URL within {TIMEOUT:?}")),
        }
    }
}

impl Drop for Embedded {
    /// SIGTERM (a graceful stop), then SIGKILL if it is still there after [`TIMEOUT`].
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + TIMEOUT;
        while !matches!(self.child.try_wait(), Ok(Some(_))) {
            if Instant::now() >= deadline {
                eprintln!(
                    "warning: natskit server {} ignored SIGTERM for {TIMEOUT:?}; killing it",
                    self.child.id()
                );
                let _ = self.child.kill();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = std::fs::remove_file(&self.log);
        if let Some(store) = &self.store {
            let _ = std::fs::remove_dir_all(store);
        }
    }
}

/// nats-server 2.10 (WebSocket and JetStream need it), set up by `configure`.
fn newer_nats_server(
    configure: impl FnOnce(NatsServerBuilder) -> NatsServerBuilder,
) -> Result<Broker, String> {
    let binary = natskit_test::binary::newer_nats_server().map_err(|e| e.to_string())?;
    configure(NatsServer::builder().binary(binary))
        .start()
        .map(Broker::Nats)
        .map_err(|e| e.to_string())
}
