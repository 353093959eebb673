//! One real `nats-server` process on a free loopback port.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::port::{self, LOOPBACK};
use crate::probe;
use crate::tempdir::TempDir;

/// How long [`NatsServerBuilder::start`] waits for a server by default.
///
/// # Example
/// ```
/// assert_eq!(natskit_test::DEFAULT_STARTUP_TIMEOUT.as_secs(), 10);
/// ```
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times a start is retried on fresh ports when a port was taken in the meantime.
const PORT_ATTEMPTS: usize = 5;

/// Log lines printed when a server is dropped during a panic.
const LOG_TAIL_LINES: usize = 40;

/// Options for a [`NatsServer`]; made by [`NatsServer::builder`].
///
/// # Example
/// ```
/// use natskit_test::NatsServer;
///
/// let server = NatsServer::builder()
///     .with_config("max_payload: 2048")
///     .with_args(["--server_name", "example"])
///     .start()
///     .unwrap();
/// assert!(server.info().unwrap().contains("\"max_payload\":2048"));
/// ```
#[derive(Debug, Clone)]
pub struct NatsServerBuilder {
    binary: Option<PathBuf>,
    config: Option<String>,
    args: Vec<String>,
    startup_timeout: Duration,
    port: Option<u16>,
    monitoring: bool,
    monitor_port: Option<u16>,
    other_ports: Vec<u16>,
    websocket: Option<WebSocket>,
}

/// How the WebSocket listener of a [`NatsServerBuilder::websocket`] server is set up.
#[derive(Debug, Clone)]
enum WebSocket {
    /// `no_tls: true`: `ws://`.
    Plain,
    /// This `tls { ... }` block: `wss://`.
    Tls(String),
}

impl NatsServerBuilder {
    /// Uses this `nats-server` executable instead of searching for one (see
    /// [`binary::locate`](crate::binary::locate)).
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder()
    ///     .binary(natskit_test::binary::find_nats_server().unwrap())
    ///     .start()
    ///     .unwrap();
    /// assert!(server.port() > 0);
    /// ```
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }

    /// Starts the server with this configuration file text (written to the server's temp dir and
    /// passed with `-c`). The harness's `-a 127.0.0.1 -p PORT` flags override any `host`/`port` in it.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder()
    ///     .with_config("max_payload: 4096\nmax_connections: 10")
    ///     .start()
    ///     .unwrap();
    /// assert!(server.info().unwrap().contains("\"max_payload\":4096"));
    /// ```
    pub fn with_config(mut self, text: impl Into<String>) -> Self {
        self.config = Some(text.into());
        self
    }

    /// Adds extra command line arguments (after the harness's own).
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder()
    ///     .with_args(["--auth", "s3cret"])
    ///     .start()
    ///     .unwrap();
    /// assert!(server.info().unwrap().contains("\"auth_required\":true"));
    /// ```
    pub fn with_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Enables JetStream (`-js`). Its store is the `jetstream` folder of the server's own temp
    /// dir (passed with `-sd` to every server), so it is removed with the server and survives
    /// [`NatsServer::restart`].
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder().jetstream().start().unwrap();
    /// assert!(server.info().unwrap().contains("\"jetstream\":true"));
    /// assert!(server.dir().join("jetstream").is_dir());
    /// ```
    pub fn jetstream(mut self) -> Self {
        self.args.push("-js".into());
        self
    }

    /// Also enables the HTTP monitoring endpoint on a free port (see [`NatsServer::monitor_port`]).
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder().monitoring().start().unwrap();
    /// assert!(server.monitor_get("/varz").unwrap().contains("\"port\""));
    /// ```
    pub fn monitoring(mut self) -> Self {
        self.monitoring = true;
        self
    }

    /// Also opens a WebSocket listener (`websocket { no_tls: true }`) on a free loopback port:
    /// see [`NatsServer::ws_port`] and [`NatsServer::ws_url`]. A `websocket` block of your own
    /// in [`with_config`](Self::with_config) would clash with it.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder().websocket().start().unwrap();
    /// let url = server.ws_url().unwrap();
    /// assert_eq!(url, format!("ws://127.0.0.1:{}", server.ws_port().unwrap()));
    /// ```
    pub fn websocket(mut self) -> Self {
        self.websocket = Some(WebSocket::Plain);
        self
    }

    /// Also opens a WebSocket listener with TLS (`wss://`), served with this `tls { ... }`
    /// block, such as [`Pki::tls_block`](crate::pki::Pki::tls_block) makes. As
    /// [`websocket`](Self::websocket) otherwise.
    ///
    /// # Example
    /// ```
    /// let pki = natskit_test::pki::Pki::new();
    /// let server = natskit_test::NatsServer::builder()
    ///     .websocket_tls(pki.tls_block(&pki.server, false))
    ///     .start()
    ///     .unwrap();
    /// assert!(server.ws_url().unwrap().starts_with("wss://127.0.0.1:"));
    /// ```
    pub fn websocket_tls(mut self, tls_block: impl Into<String>) -> Self {
        self.websocket = Some(WebSocket::Tls(tls_block.into()));
        self
    }

    /// Listens on this client port instead of a free one (no retry when it is taken).
    ///
    /// # Example
    /// ```
    /// let port = natskit_test::port::free_port().unwrap();
    /// let server = natskit_test::NatsServer::builder().port(port).start().unwrap();
    /// assert_eq!(server.port(), port);
    /// ```
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// How long to wait for the server to accept a connection and send `INFO` (default 10 s).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// let server = natskit_test::NatsServer::builder()
    ///     .startup_timeout(Duration::from_secs(5))
    ///     .start()
    ///     .unwrap();
    /// assert!(server.pid().is_some());
    /// ```
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// Fixed monitoring port (used by the cluster, which must know it up front).
    pub(crate) fn fixed_monitor_port(mut self, port: u16) -> Self {
        self.monitoring = true;
        self.monitor_port = Some(port);
        self
    }

    /// Other ports the server binds (cluster ports): checked free before a restart.
    pub(crate) fn other_ports(mut self, ports: Vec<u16>) -> Self {
        self.other_ports = ports;
        self
    }

    /// Starts the server and waits until it accepts a TCP connection and sends its `INFO` line.
    ///
    /// When a chosen free port is taken by someone else before the server binds it, the start is
    /// retried on a fresh port.
    ///
    /// # Errors
    /// [`Error::BinaryNotFound`] without a `nats-server`; [`Error::Exited`] or
    /// [`Error::StartTimeout`] (both with the server's log) when it does not come up.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder().start().unwrap();
    /// assert!(server.url().starts_with("nats://127.0.0.1:"));
    /// ```
    pub fn start(self) -> Result<NatsServer> {
        let binary = crate::binary::locate(self.binary.as_deref())?;
        let fixed = self.port.is_some()
            && (!self.monitoring || self.monitor_port.is_some())
            && self.websocket.is_none();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut server = self.prepare(&binary)?;
            match server.spawn_and_wait() {
                Ok(()) => return Ok(server),
                Err(e) if !fixed && attempt < PORT_ATTEMPTS && e.is_port_conflict() => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn prepare(&self, binary: &Path) -> Result<NatsServer> {
        let dir = TempDir::new("server").map_err(|e| Error::io("creating a temp dir", e))?;
        let port = match self.port {
            Some(p) => p,
            None => port::free_port().map_err(|e| Error::io("finding a free port", e))?,
        };
        let monitor_port = match (self.monitoring, self.monitor_port) {
            (false, _) => None,
            (true, Some(p)) => Some(p),
            (true, None) => {
                Some(port::free_port().map_err(|e| Error::io("finding a free port", e))?)
            }
        };
        let mut args: Vec<String> = vec![
            "-a".into(),
            LOOPBACK.to_string(),
            "-p".into(),
            port.to_string(),
            "--ports_file_dir".into(),
            dir.path().display().to_string(),
            "-sd".into(),
            dir.path().join("jetstream").display().to_string(),
        ];
        if let Some(m) = monitor_port {
            args.extend(["-m".into(), m.to_string()]);
        }
        let ws_port = match self.websocket {
            Some(_) => Some(port::free_port().map_err(|e| Error::io("finding a free port", e))?),
            None => None,
        };
        let mut config = self.config.clone();
        if let (Some(ws), Some(ws_port)) = (&self.websocket, ws_port) {
            let text = config.get_or_insert_with(String::new);
            text.push_str(&websocket_block(ws, ws_port));
        }
        if let Some(config) = &config {
            let path = dir.path().join("nats-server.conf");
            fs::write(&path, config)
                .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
            args.extend(["-c".into(), path.display().to_string()]);
        }
        args.extend(self.args.iter().cloned());
        Ok(NatsServer {
            child: None,
            binary: binary.to_path_buf(),
            args,
            port,
            monitor_port,
            ws_port,
            ws_tls: matches!(self.websocket, Some(WebSocket::Tls(_))),
            other_ports: self.other_ports.clone(),
            startup_timeout: self.startup_timeout,
            plain_info: !self
                .config
                .as_deref()
                .is_some_and(|c| c.contains("handshake_first")),
            log_path: dir.path().join("nats-server.log"),
            starts: 0,
            dir,
        })
    }
}

/// The `websocket { ... }` block of a server's configuration: on loopback, as every listener.
fn websocket_block(ws: &WebSocket, port: u16) -> String {
    let security = match ws {
        WebSocket::Plain => "no_tls: true".to_owned(),
        WebSocket::Tls(block) => block.clone(),
    };
    format!("\nwebsocket {{\n  host: {LOOPBACK}\n  port: {port}\n  {security}\n}}\n")
}

/// A real `nats-server` listening on `127.0.0.1` at a free port.
///
/// Stdout and stderr go to a log file in a temp dir the server owns; errors quote it. The process is
/// killed and reaped on drop (also while a test panics, when the log's tail is printed), and the temp
/// dir is removed.
///
/// # Example
/// ```
/// use std::io::{BufRead, BufReader, Write};
/// use std::net::TcpStream;
///
/// let server = natskit_test::NatsServer::start().unwrap();
/// let mut conn = BufReader::new(TcpStream::connect(server.addr()).unwrap());
/// let mut line = String::new();
/// conn.read_line(&mut line).unwrap();
/// assert!(line.starts_with("INFO "));
/// conn.get_mut().write_all(b"CONNECT {\"verbose\":false}\r\nPING\r\n").unwrap();
/// line.clear();
/// conn.read_line(&mut line).unwrap();
/// assert_eq!(line, "PONG\r\n");
/// ```
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    binary: PathBuf,
    args: Vec<String>,
    port: u16,
    monitor_port: Option<u16>,
    ws_port: Option<u16>,
    ws_tls: bool,
    other_ports: Vec<u16>,
    startup_timeout: Duration,
    /// False with TLS `handshake_first`: INFO only comes after a TLS handshake, so readiness is
    /// the listener accepting.
    plain_info: bool,
    log_path: PathBuf,
    starts: usize,
    // Last: removed after the process is gone.
    dir: TempDir,
}

impl NatsServer {
    /// Starts a server with default options; same as `NatsServer::builder().start()`.
    ///
    /// # Errors
    /// See [`NatsServerBuilder::start`].
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::start().unwrap();
    /// assert!(server.pid().is_some());
    /// ```
    pub fn start() -> Result<NatsServer> {
        Self::builder().start()
    }

    /// Returns a builder with default options: free port, no config file, no monitoring, 10 s
    /// startup timeout.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder()
    ///     .with_config("max_payload: 1024")
    ///     .start()
    ///     .unwrap();
    /// assert!(server.info().unwrap().contains("\"max_payload\":1024"));
    /// ```
    pub fn builder() -> NatsServerBuilder {
        NatsServerBuilder {
            binary: None,
            config: None,
            args: Vec::new(),
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
            port: None,
            monitoring: false,
            monitor_port: None,
            other_ports: Vec::new(),
            websocket: None,
        }
    }

    /// The client port (the same across restarts).
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::start().unwrap();
    /// assert_eq!(server.url(), format!("nats://127.0.0.1:{}", server.port()));
    /// ```
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The client URL, `nats://127.0.0.1:PORT`.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::start().unwrap();
    /// assert!(server.url().starts_with("nats://127.0.0.1:"));
    /// ```
    pub fn url(&self) -> String {
        format!("nats://{LOOPBACK}:{}", self.port)
    }

    /// The client socket address, `127.0.0.1:PORT`.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::start().unwrap();
    /// std::net::TcpStream::connect(server.addr()).unwrap();
    /// ```
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((LOOPBACK, self.port))
    }

    /// The HTTP monitoring port, when monitoring was enabled.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder().monitoring().start().unwrap();
    /// assert!(server.monitor_port().is_some());
    /// assert!(natskit_test::NatsServer::start().unwrap().monitor_port().is_none());
    /// ```
    pub fn monitor_port(&self) -> Option<u16> {
        self.monitor_port
    }

    /// The WebSocket port, when the server was built with
    /// [`websocket`](NatsServerBuilder::websocket) or
    /// [`websocket_tls`](NatsServerBuilder::websocket_tls) (the same across restarts).
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder().websocket().start().unwrap();
    /// assert!(server.ws_port().is_some());
    /// assert!(natskit_test::NatsServer::start().unwrap().ws_port().is_none());
    /// ```
    pub fn ws_port(&self) -> Option<u16> {
        self.ws_port
    }

    /// The WebSocket URL, `ws://127.0.0.1:PORT` (`wss://` with TLS), when the server has a
    /// WebSocket listener.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder().websocket().start().unwrap();
    /// assert!(server.ws_url().unwrap().starts_with("ws://127.0.0.1:"));
    /// ```
    pub fn ws_url(&self) -> Option<String> {
        let scheme = if self.ws_tls { "wss" } else { "ws" };
        self.ws_port
            .map(|port| format!("{scheme}://{LOOPBACK}:{port}"))
    }

    /// GETs a monitoring endpoint (`/varz`, `/connz`, `/routez`, ...) and returns the JSON body.
    ///
    /// # Errors
    /// [`Error::Unexpected`] when monitoring is off or the answer is not `200`; I/O errors; at most 5 s.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::builder().monitoring().start().unwrap();
    /// let connz = server.monitor_get("/connz").unwrap();
    /// assert!(connz.contains("\"num_connections\""));
    /// ```
    pub fn monitor_get(&self, path: &str) -> Result<String> {
        let Some(port) = self.monitor_port else {
            return Err(Error::Unexpected {
                addr: self.addr(),
                expected: "a server started with .monitoring()".into(),
                got: "monitoring disabled".into(),
            });
        };
        probe::http_get((LOOPBACK, port).into(), path, Duration::from_secs(5))
    }

    /// Connects and returns the server's `INFO` line (without `\r\n`).
    ///
    /// # Errors
    /// See [`probe::read_info`]; at most 5 s.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::start().unwrap();
    /// assert!(server.info().unwrap().contains(&format!("\"port\":{}", server.port())));
    /// ```
    pub fn info(&self) -> Result<String> {
        probe::read_info(self.addr(), Duration::from_secs(5))
    }

    /// The process id while running, `None` after [`stop`](Self::stop).
    ///
    /// # Example
    /// ```
    /// let mut server = natskit_test::NatsServer::start().unwrap();
    /// let pid = server.pid().unwrap();
    /// assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    /// server.stop().unwrap();
    /// assert_eq!(server.pid(), None);
    /// ```
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Whether the process is alive (a process that died on its own is reaped here).
    ///
    /// # Example
    /// ```
    /// let mut server = natskit_test::NatsServer::start().unwrap();
    /// assert!(server.is_running());
    /// server.stop().unwrap();
    /// assert!(!server.is_running());
    /// ```
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => true,
            Some(Ok(Some(_))) => {
                self.child = None;
                false
            }
            Some(Err(_)) => true,
            None => false,
        }
    }

    /// Kills the process (SIGKILL) and waits for it to be gone: an abrupt outage, clients see their
    /// connections closed. Does nothing when already stopped.
    ///
    /// # Errors
    /// When the process cannot be killed or reaped.
    ///
    /// # Example
    /// ```
    /// let mut server = natskit_test::NatsServer::start().unwrap();
    /// server.stop().unwrap();
    /// assert!(std::net::TcpStream::connect(server.addr()).is_err());
    /// ```
    pub fn stop(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if let Err(e) = child.kill() {
            // Already exited is fine; anything else is reported after reaping.
            if child.try_wait().ok().flatten().is_none() {
                return Err(Error::io(format!("killing nats-server {}", child.id()), e));
            }
        }
        child
            .wait()
            .map_err(|e| Error::io(format!("waiting for nats-server {}", child.id()), e))?;
        Ok(())
    }

    /// Stops the server the way an operator does (`nats-server --signal term=PID`, SIGTERM):
    /// it closes its connections and writes JetStream's state before exiting, so a durable
    /// consumer keeps every acknowledgement. Falls back to [`stop`](Self::stop) when the
    /// process has not exited within the startup timeout.
    ///
    /// # Errors
    /// As [`stop`](Self::stop).
    ///
    /// # Example
    /// ```
    /// let mut server = natskit_test::NatsServer::start().unwrap();
    /// server.stop_gracefully().unwrap();
    /// assert!(std::net::TcpStream::connect(server.addr()).is_err());
    /// ```
    pub fn stop_gracefully(&mut self) -> Result<()> {
        let Some(child) = self.child.as_mut() else {
            return Ok(());
        };
        let signal = std::process::Command::new(&self.binary)
            .arg("--signal")
            .arg(format!("term={}", child.id()))
            .output();
        if signal.is_ok_and(|out| out.status.success()) {
            let deadline = Instant::now() + self.startup_timeout;
            while Instant::now() < deadline {
                if child.try_wait().ok().flatten().is_some() {
                    self.child = None;
                    return Ok(());
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        self.stop()
    }

    /// [`stop_gracefully`](Self::stop_gracefully) then [`start_again`](Self::start_again).
    ///
    /// # Errors
    /// As [`stop`](Self::stop) and [`start_again`](Self::start_again).
    ///
    /// # Example
    /// ```
    /// let mut server = natskit_test::NatsServer::start().unwrap();
    /// let pid = server.pid();
    /// server.restart_gracefully().unwrap();
    /// assert_ne!(server.pid(), pid);
    /// ```
    pub fn restart_gracefully(&mut self) -> Result<()> {
        self.stop_gracefully()?;
        self.start_again()
    }

    /// Starts a stopped server again on the same ports, with the same config and arguments.
    /// Does nothing when it is running.
    ///
    /// # Errors
    /// [`Error::PortBusy`] when a port stays taken for the startup timeout; otherwise as
    /// [`NatsServerBuilder::start`].
    ///
    /// # Example
    /// ```
    /// let mut server = natskit_test::NatsServer::start().unwrap();
    /// let port = server.port();
    /// server.stop().unwrap();
    /// server.start_again().unwrap();
    /// assert_eq!(server.port(), port);
    /// server.info().unwrap();
    /// ```
    pub fn start_again(&mut self) -> Result<()> {
        if self.is_running() {
            return Ok(());
        }
        let ports = std::iter::once(self.port)
            .chain(self.monitor_port)
            .chain(self.ws_port)
            .chain(self.other_ports.iter().copied());
        let deadline = Instant::now() + self.startup_timeout;
        for port in ports {
            let left = deadline.saturating_duration_since(Instant::now());
            if !port::wait_until_free(port, left) {
                return Err(Error::PortBusy {
                    port,
                    waited: self.startup_timeout,
                });
            }
        }
        self.spawn_and_wait()
    }

    /// [`stop`](Self::stop) then [`start_again`](Self::start_again): a new process on the same
    /// port. Connections to the old process are closed.
    ///
    /// # Errors
    /// As [`stop`](Self::stop) and [`start_again`](Self::start_again).
    ///
    /// # Example
    /// ```
    /// let mut server = natskit_test::NatsServer::start().unwrap();
    /// let (port, pid) = (server.port(), server.pid());
    /// server.restart().unwrap();
    /// assert_eq!(server.port(), port);
    /// assert_ne!(server.pid(), pid);
    /// ```
    pub fn restart(&mut self) -> Result<()> {
        self.stop()?;
        self.start_again()
    }

    /// Everything the server printed so far, over all its starts.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::start().unwrap();
    /// assert!(server.log().contains("Server is ready"));
    /// ```
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The server's private temp dir (removed on drop): a place for certificates or other files a
    /// test wants next to the server.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::NatsServer::start().unwrap();
    /// assert!(server.dir().is_dir());
    /// ```
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn spawn_and_wait(&mut self) -> Result<()> {
        self.starts += 1;
        let log_start = fs::metadata(&self.log_path).map(|m| m.len()).unwrap_or(0);
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(|e| Error::io(format!("opening {}", self.log_path.display()), e))?;
        let _ = writeln!(
            log,
            "=== natskit-test: start #{}: {} {}",
            self.starts,
            self.binary.display(),
            self.args.join(" ")
        );
        let stderr = log
            .try_clone()
            .map_err(|e| Error::io("duplicating the log file handle", e))?;
        let child = Command::new(&self.binary)
            .args(&self.args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(stderr))
            .spawn()
            .map_err(|e| Error::io(format!("spawning {}", self.binary.display()), e))?;
        self.child = Some(child);
        match self.wait_ready() {
            Ok(()) => Ok(()),
            Err(reason) => {
                let status = self
                    .child
                    .as_mut()
                    .and_then(|c| c.try_wait().ok().flatten());
                let _ = self.stop();
                let log = self.log_since(log_start);
                Err(match status {
                    Some(status) => Error::Exited {
                        addr: self.addr(),
                        status: status.to_string(),
                        log,
                    },
                    None => Error::StartTimeout {
                        addr: self.addr(),
                        waited: self.startup_timeout,
                        reason,
                        log,
                    },
                })
            }
        }
    }

    /// Ready = our process is alive, wrote its ports file (so the listeners are its own, not a
    /// stranger's that took the port), and a connection receives `INFO` (with `handshake_first`:
    /// is accepted).
    fn wait_ready(&mut self) -> std::result::Result<(), String> {
        let deadline = Instant::now() + self.startup_timeout;
        loop {
            let Some(child) = self.child.as_mut() else {
                return Err("process gone".into());
            };
            match child.try_wait() {
                Ok(Some(status)) => return Err(format!("exited: {status}")),
                Ok(None) => {}
                Err(e) => return Err(format!("checking the process: {e}")),
            }
            let pid = child.id();
            let reason = match self.check_ready(pid, deadline) {
                Ok(()) => return Ok(()),
                Err(r) => r,
            };
            if Instant::now() >= deadline {
                return Err(reason);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn check_ready(&self, pid: u32, deadline: Instant) -> std::result::Result<(), String> {
        let suffix = format!("_{pid}.ports");
        let has_ports_file = fs::read_dir(self.dir.path())
            .map_err(|e| format!("reading the temp dir: {e}"))?
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().ends_with(&suffix));
        if !has_ports_file {
            return Err("listeners not up yet (no ports file)".into());
        }
        for (what, port) in [
            ("monitoring", self.monitor_port),
            ("WebSocket", self.ws_port),
        ] {
            let Some(port) = port else { continue };
            let left = deadline.saturating_duration_since(Instant::now());
            TcpStream::connect_timeout(
                &(LOOPBACK, port).into(),
                left.max(Duration::from_millis(1)),
            )
            .map_err(|e| format!("{what} port {port}: {e}"))?;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if !self.plain_info {
            return TcpStream::connect_timeout(&self.addr(), left.max(Duration::from_millis(1)))
                .map(drop)
                .map_err(|e| format!("client port: {e}"));
        }
        probe::read_info(
            self.addr(),
            left.clamp(Duration::from_millis(1), Duration::from_secs(2)),
        )
        .map(drop)
        .map_err(|e| e.to_string())
    }

    fn log_since(&self, offset: u64) -> String {
        let bytes = fs::read(&self.log_path).unwrap_or_default();
        let start = usize::try_from(offset).unwrap_or(0).min(bytes.len());
        String::from_utf8_lossy(&bytes[start..]).into_owned()
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.stop();
        if std::thread::panicking() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
            eprintln!(
                "--- natskit-test: last {} log lines of nats-server on port {} ---\n{}",
                tail.len(),
                self.port,
                tail.join("\n")
            );
        }
    }
}
