//! A scripted fake server: plays a test-given script per accepted connection, for the faults a real
//! `nats-server` never makes (garbage, half frames, silence, abrupt closes).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};
use crate::port::LOOPBACK;

/// Default bound on each reading step of a script (see [`ScriptedServerBuilder::step_timeout`]).
///
/// # Example
/// ```
/// assert_eq!(natskit_test::DEFAULT_STEP_TIMEOUT.as_secs(), 5);
/// ```
pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// Default bound of [`ScriptedServer::join`].
///
/// # Example
/// ```
/// assert_eq!(natskit_test::DEFAULT_JOIN_TIMEOUT.as_secs(), 10);
/// ```
pub const DEFAULT_JOIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Granularity at which blocked threads notice that the server is stopping.
const TICK: Duration = Duration::from_millis(20);

/// One step of a connection's script.
///
/// When a script runs out without [`Hang`](Step::Hang), the connection is closed as by
/// [`Close`](Step::Close).
///
/// # Example
/// ```
/// use std::time::Duration;
/// use natskit_test::Step;
///
/// let script = vec![
///     Step::SendInfo,
///     Step::expect_line("CONNECT "),
///     Step::read_until("PING\r\n"),
///     Step::send("PONG\r\n"),
///     Step::Sleep(Duration::from_millis(10)),
///     Step::send("-ERR 'Stale Connection'\r\n"),
///     Step::Close,
/// ];
/// assert_eq!(script.len(), 7);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Write these bytes to the client.
    Send(Vec<u8>),
    /// Write a minimal valid `INFO` line naming the server's port (see [`ScriptedServer::info_line`]).
    SendInfo,
    /// Read one line (up to `\n`) and require it to start with this prefix (case-sensitive).
    ExpectLine(String),
    /// Read until these bytes have arrived (the bytes before them are consumed too).
    ReadUntil(Vec<u8>),
    /// Stay silent for this long (simulates a slow peer). Client bytes are buffered meanwhile.
    Sleep(Duration),
    /// Stay silent until the server is dropped or the client closes, recording what the client
    /// sends. Counts as a finished script for [`ScriptedServer::join`].
    Hang,
    /// Close the connection.
    Close,
}

impl Step {
    /// [`Step::Send`] from anything byte-like.
    ///
    /// # Example
    /// ```
    /// use natskit_test::Step;
    /// assert_eq!(Step::send("PING\r\n"), Step::Send(b"PING\r\n".to_vec()));
    /// ```
    pub fn send(bytes: impl AsRef<[u8]>) -> Step {
        Step::Send(bytes.as_ref().to_vec())
    }

    /// [`Step::ExpectLine`] from anything string-like.
    ///
    /// # Example
    /// ```
    /// use natskit_test::Step;
    /// assert_eq!(Step::expect_line("SUB "), Step::ExpectLine("SUB ".into()));
    /// ```
    pub fn expect_line(prefix: impl Into<String>) -> Step {
        Step::ExpectLine(prefix.into())
    }

    /// [`Step::ReadUntil`] from anything byte-like.
    ///
    /// # Example
    /// ```
    /// use natskit_test::Step;
    /// assert_eq!(Step::read_until("\r\n"), Step::ReadUntil(b"\r\n".to_vec()));
    /// ```
    pub fn read_until(bytes: impl AsRef<[u8]>) -> Step {
        Step::ReadUntil(bytes.as_ref().to_vec())
    }

    /// The usual server side of a handshake: send `INFO`, expect `CONNECT` then `PING`, answer `PONG`.
    ///
    /// # Example
    /// ```
    /// use natskit_test::{ScriptedServer, Step};
    /// let mut script = Step::handshake();
    /// script.push(Step::Hang);
    /// let server = ScriptedServer::start(script).unwrap();
    /// assert_eq!(server.accepted(), 0);
    /// ```
    pub fn handshake() -> Vec<Step> {
        vec![
            Step::SendInfo,
            Step::expect_line("CONNECT "),
            Step::expect_line("PING"),
            Step::send("PONG\r\n"),
        ]
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Send(b) => write!(f, "Send({:?})", String::from_utf8_lossy(b)),
            Step::SendInfo => f.write_str("SendInfo"),
            Step::ExpectLine(p) => write!(f, "ExpectLine({p:?})"),
            Step::ReadUntil(b) => write!(f, "ReadUntil({:?})", String::from_utf8_lossy(b)),
            Step::Sleep(d) => write!(f, "Sleep({d:?})"),
            Step::Hang => f.write_str("Hang"),
            Step::Close => f.write_str("Close"),
        }
    }
}

/// Options for a [`ScriptedServer`]; made by [`ScriptedServer::builder`].
///
/// # Example
/// ```
/// use std::time::Duration;
/// use natskit_test::{ScriptedServer, Step};
///
/// // First connection: INFO then an abrupt close; second: a full handshake, then silence.
/// let server = ScriptedServer::builder()
///     .connection([Step::SendInfo, Step::Close])
///     .connection(Step::handshake().into_iter().chain([Step::Hang]))
///     .step_timeout(Duration::from_secs(2))
///     .start()
///     .unwrap();
/// assert!(server.url().starts_with("nats://127.0.0.1:"));
/// ```
#[derive(Debug, Clone)]
pub struct ScriptedServerBuilder {
    scripts: Vec<Vec<Step>>,
    step_timeout: Duration,
}

impl ScriptedServerBuilder {
    /// Adds the script for the next accepted connection. Connections accepted after the last script
    /// are closed at once (and counted by [`ScriptedServer::accepted`]).
    ///
    /// # Example
    /// ```
    /// use natskit_test::{ScriptedServer, Step};
    /// let server = ScriptedServer::builder()
    ///     .connection([Step::send("garbage\r\n")])
    ///     .start()
    ///     .unwrap();
    /// assert_eq!(server.accepted(), 0);
    /// ```
    pub fn connection(mut self, script: impl IntoIterator<Item = Step>) -> Self {
        self.scripts.push(script.into_iter().collect());
        self
    }

    /// Bound on each reading step ([`Step::ExpectLine`], [`Step::ReadUntil`]) and each write
    /// (default 5 s).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// use natskit_test::{ScriptedServer, Step};
    /// let server = ScriptedServer::builder()
    ///     .connection([Step::expect_line("CONNECT")])
    ///     .step_timeout(Duration::from_millis(100))
    ///     .start()
    ///     .unwrap();
    /// let _client = std::net::TcpStream::connect(server.addr()).unwrap();
    /// assert!(server.join().is_err()); // the client never sent CONNECT
    /// ```
    pub fn step_timeout(mut self, timeout: Duration) -> Self {
        self.step_timeout = timeout;
        self
    }

    /// Binds a free loopback port and starts accepting in a background thread.
    ///
    /// # Errors
    /// When the listener cannot be bound or the thread cannot be spawned.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::ScriptedServer::builder().start().unwrap();
    /// assert!(server.port() > 0);
    /// ```
    pub fn start(self) -> Result<ScriptedServer> {
        let listener =
            crate::port::bind_fresh().map_err(|e| Error::io("binding the scripted server", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the scripted server's address", e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::io("configuring the scripted server", e))?;
        let info = default_info(addr.port());
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            let scripts = self.scripts.clone();
            let info = info.clone();
            let step_timeout = self.step_timeout;
            std::thread::Builder::new()
                .name(format!("scripted-server-{}", addr.port()))
                .spawn(move || accept_loop(&listener, &shared, &scripts, &info, step_timeout))
                .map_err(|e| Error::io("spawning the scripted server thread", e))?
        };
        Ok(ScriptedServer {
            addr,
            info,
            scripts: self.scripts.len(),
            shared,
            acceptor: Some(acceptor),
        })
    }
}

/// A fake NATS server on a free loopback port that plays one script per accepted connection, in
/// order, in background threads, and records every byte each client sent.
///
/// All reads are bounded; dropping it closes the listener and every connection and joins its threads.
///
/// # Example
/// ```
/// use std::io::{Read, Write};
/// use natskit_test::{ScriptedServer, Step};
///
/// let server = ScriptedServer::start([
///     Step::send("INFO {}\r\n"),
///     Step::expect_line("PING"),
///     Step::send("PONG\r\n"),
/// ])
/// .unwrap();
/// let mut client = std::net::TcpStream::connect(server.addr()).unwrap();
/// client.write_all(b"PING\r\n").unwrap();
/// let mut all = String::new();
/// client.read_to_string(&mut all).unwrap(); // the script ends by closing
/// assert_eq!(all, "INFO {}\r\nPONG\r\n");
/// server.join().unwrap();
/// assert_eq!(server.received()[0], b"PING\r\n");
/// ```
#[derive(Debug)]
pub struct ScriptedServer {
    addr: SocketAddr,
    info: String,
    scripts: usize,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl ScriptedServer {
    /// Starts a server that plays `script` for the first connection (later ones are closed at once).
    ///
    /// # Errors
    /// See [`ScriptedServerBuilder::start`].
    ///
    /// # Example
    /// ```
    /// use natskit_test::{ScriptedServer, Step};
    /// let server = ScriptedServer::start([Step::SendInfo, Step::Hang]).unwrap();
    /// let info = natskit_test::probe::read_info(server.addr(), std::time::Duration::from_secs(5));
    /// assert_eq!(info.unwrap(), server.info_line().trim_end());
    /// ```
    pub fn start(script: impl IntoIterator<Item = Step>) -> Result<ScriptedServer> {
        Self::builder().connection(script).start()
    }

    /// Returns a builder with no scripts and a 5 s step timeout.
    ///
    /// # Example
    /// ```
    /// use natskit_test::{ScriptedServer, Step};
    /// let server = ScriptedServer::builder()
    ///     .connection([Step::Close])
    ///     .connection([Step::SendInfo, Step::Hang])
    ///     .start()
    ///     .unwrap();
    /// assert_eq!(server.accepted(), 0);
    /// ```
    pub fn builder() -> ScriptedServerBuilder {
        ScriptedServerBuilder {
            scripts: Vec::new(),
            step_timeout: DEFAULT_STEP_TIMEOUT,
        }
    }

    /// The listening port.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::ScriptedServer::start([]).unwrap();
    /// assert_eq!(server.addr().port(), server.port());
    /// ```
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The listening address, `127.0.0.1:PORT`.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::ScriptedServer::start([]).unwrap();
    /// std::net::TcpStream::connect(server.addr()).unwrap();
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL, `nats://127.0.0.1:PORT`.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::ScriptedServer::start([]).unwrap();
    /// assert_eq!(server.url(), format!("nats://127.0.0.1:{}", server.port()));
    /// ```
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// The line [`Step::SendInfo`] sends, `\r\n` included.
    ///
    /// # Example
    /// ```
    /// let server = natskit_test::ScriptedServer::start([]).unwrap();
    /// assert!(server.info_line().starts_with("INFO {"));
    /// assert!(server.info_line().contains(&format!("\"port\":{}", server.port())));
    /// ```
    pub fn info_line(&self) -> &str {
        &self.info
    }

    /// How many connections were accepted so far (scripted or not).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// let server = natskit_test::ScriptedServer::start([]).unwrap();
    /// let _c = std::net::TcpStream::connect(server.addr()).unwrap();
    /// assert!(server.wait_for_connections(1, Duration::from_secs(5)));
    /// assert_eq!(server.accepted(), 1);
    /// ```
    pub fn accepted(&self) -> usize {
        self.shared.lock().conns.len()
    }

    /// Waits until at least `n` connections were accepted, for at most `timeout`; returns whether
    /// they were.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// let server = natskit_test::ScriptedServer::start([]).unwrap();
    /// assert!(!server.wait_for_connections(1, Duration::from_millis(10)));
    /// ```
    pub fn wait_for_connections(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        while state.conns.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self.shared.wait(state, left);
        }
        true
    }

    /// The raw bytes each accepted connection's client sent so far, by connection order.
    ///
    /// # Example
    /// ```
    /// use natskit_test::{ScriptedServer, Step};
    /// use std::io::Write;
    /// let server = ScriptedServer::start([Step::read_until("PING\r\n")]).unwrap();
    /// let mut c = std::net::TcpStream::connect(server.addr()).unwrap();
    /// c.write_all(b"CONNECT {}\r\nPING\r\n").unwrap();
    /// server.join().unwrap();
    /// assert_eq!(server.received(), vec![b"CONNECT {}\r\nPING\r\n".to_vec()]);
    /// ```
    pub fn received(&self) -> Vec<Vec<u8>> {
        self.shared
            .lock()
            .conns
            .iter()
            .map(|c| c.received.clone())
            .collect()
    }

    /// Waits (at most 10 s) until every scripted connection finished its script (or reached
    /// [`Step::Hang`]); same as [`join_timeout`](Self::join_timeout) with
    /// [`DEFAULT_JOIN_TIMEOUT`]. The server keeps running.
    ///
    /// # Errors
    /// See [`join_timeout`](Self::join_timeout).
    ///
    /// # Example
    /// ```
    /// use natskit_test::{ScriptedServer, Step};
    /// let server = ScriptedServer::start([Step::SendInfo]).unwrap();
    /// natskit_test::probe::read_info(server.addr(), std::time::Duration::from_secs(5)).unwrap();
    /// server.join().unwrap();
    /// ```
    pub fn join(&self) -> Result<()> {
        self.join_timeout(DEFAULT_JOIN_TIMEOUT)
    }

    /// Waits at most `timeout` until every scripted connection finished its script (or reached
    /// [`Step::Hang`]). Returns early on the first failure.
    ///
    /// # Errors
    /// [`Error::Script`] when a step failed (expectation not met, timed out, client closed, write
    /// failed) or a script was still running at the deadline; [`Error::NotConnected`] when a
    /// scripted connection never arrived.
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    /// let server = natskit_test::ScriptedServer::start([natskit_test::Step::SendInfo]).unwrap();
    /// let err = server.join_timeout(Duration::from_millis(50)).unwrap_err();
    /// assert!(matches!(err, natskit_test::Error::NotConnected { connection: 0, .. }));
    /// ```
    pub fn join_timeout(&self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        loop {
            let mut all_done = state.conns.len() >= self.scripts;
            for (i, conn) in state.conns.iter().enumerate().take(self.scripts) {
                match &conn.outcome {
                    Some(Err(f)) => return Err(f.to_error(i, &conn.received)),
                    Some(Ok(())) => {}
                    None => all_done = false,
                }
            }
            if all_done {
                return Ok(());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self.shared.wait(state, left);
        }
        if let Some((i, conn)) = state
            .conns
            .iter()
            .enumerate()
            .take(self.scripts)
            .find(|(_, c)| c.outcome.is_none())
        {
            let failure = Failure {
                step: conn.step,
                what: conn.step_text.clone(),
                reason: format!("script still running after {timeout:?}"),
            };
            return Err(failure.to_error(i, &conn.received));
        }
        Err(Error::NotConnected {
            connection: state.conns.len(),
            waited: timeout,
        })
    }
}

impl Drop for ScriptedServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn default_info(port: u16) -> String {
    format!(
        "INFO {{\"server_id\":\"NATSKITSCRIPTEDSERVER\",\"server_name\":\"natskit-scripted\",\
         \"version\":\"2.9.10\",\"proto\":1,\"go\":\"go1.19\",\"host\":\"{LOOPBACK}\",\
         \"port\":{port},\"headers\":true,\"max_payload\":1048576}}\r\n"
    )
}

#[derive(Debug)]
struct Shared {
    stop: AtomicBool,
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        natskit_proto::sync::lock(&self.state)
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, State>, timeout: Duration) -> MutexGuard<'a, State> {
        match self.changed.wait_timeout(guard, timeout) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        }
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.lock());
        self.changed.notify_all();
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Default)]
struct State {
    conns: Vec<ConnState>,
    threads: Vec<JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct ConnState {
    received: Vec<u8>,
    step: usize,
    step_text: String,
    outcome: Option<std::result::Result<(), Failure>>,
}

#[derive(Debug, Clone)]
struct Failure {
    step: usize,
    what: String,
    reason: String,
}

impl Failure {
    fn to_error(&self, connection: usize, received: &[u8]) -> Error {
        Error::Script {
            connection,
            step: self.step,
            what: self.what.clone(),
            reason: self.reason.clone(),
            received: String::from_utf8_lossy(received).into_owned(),
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    shared: &Arc<Shared>,
    scripts: &[Vec<Step>],
    info: &str,
    step_timeout: Duration,
) {
    while !shared.stopping() {
        match listener.accept() {
            Ok((stream, _)) => {
                let mut state = shared.lock();
                let index = state.conns.len();
                state.conns.push(ConnState::default());
                match scripts.get(index) {
                    Some(script) => {
                        let conn = Conn {
                            index,
                            stream,
                            pending: Vec::new(),
                            shared: Arc::clone(shared),
                            step_timeout,
                        };
                        let script = script.clone();
                        let info = info.to_owned();
                        let spawned = std::thread::Builder::new()
                            .name(format!("scripted-conn-{index}"))
                            .spawn(move || conn.run(&script, &info));
                        match spawned {
                            Ok(handle) => state.threads.push(handle),
                            Err(e) => {
                                state.conns[index].outcome = Some(Err(Failure {
                                    step: 0,
                                    what: "start".into(),
                                    reason: format!("spawning the connection thread: {e}"),
                                }));
                            }
                        }
                    }
                    None => drop(stream),
                }
                drop(state);
                shared.changed.notify_all();
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    let threads = std::mem::take(&mut shared.lock().threads);
    for t in threads {
        let _ = t.join();
    }
}

struct Conn {
    index: usize,
    stream: TcpStream,
    pending: Vec<u8>,
    shared: Arc<Shared>,
    step_timeout: Duration,
}

impl Conn {
    fn run(mut self, script: &[Step], info: &str) {
        let outcome = self.play(script, info);
        let hang = outcome.as_ref().is_ok_and(|&hang| hang);
        let index = self.index;
        self.shared
            .update(|s| s.conns[index].outcome = Some(outcome.map(drop)));
        if hang {
            self.drain_until_stopped();
        }
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Plays the script; `Ok(true)` when it ended in [`Step::Hang`].
    fn play(&mut self, script: &[Step], info: &str) -> std::result::Result<bool, Failure> {
        let setup = self
            .stream
            .set_nonblocking(false)
            .and_then(|()| self.stream.set_read_timeout(Some(TICK)))
            .and_then(|()| self.stream.set_write_timeout(Some(self.step_timeout)));
        if let Err(e) = setup {
            return Err(Failure {
                step: 0,
                what: "setup".into(),
                reason: format!("configuring the socket: {e}"),
            });
        }
        let _ = self.stream.set_nodelay(true);
        for (k, step) in script.iter().enumerate() {
            let index = self.index;
            self.shared.update(|s| {
                s.conns[index].step = k;
                s.conns[index].step_text = step.to_string();
            });
            let fail = |reason: String| Failure {
                step: k,
                what: step.to_string(),
                reason,
            };
            match step {
                Step::Send(bytes) => self.write(bytes).map_err(fail)?,
                Step::SendInfo => self.write(info.as_bytes()).map_err(fail)?,
                Step::ExpectLine(prefix) => {
                    let line = self.take_until(b"\n").map_err(fail)?;
                    if !line.starts_with(prefix.as_bytes()) {
                        return Err(fail(format!(
                            "expected a line starting with {prefix:?}, got {:?}",
                            String::from_utf8_lossy(&line)
                        )));
                    }
                }
                Step::ReadUntil(bytes) => {
                    self.take_until(bytes).map_err(fail)?;
                }
                Step::Sleep(d) => self.pause(*d).map_err(fail)?,
                Step::Hang => return Ok(true),
                Step::Close => return Ok(false),
            }
        }
        Ok(false)
    }

    fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), String> {
        self.stream
            .write_all(bytes)
            .and_then(|()| self.stream.flush())
            .map_err(|e| format!("write failed: {e}"))
    }

    fn pause(&self, d: Duration) -> std::result::Result<(), String> {
        let deadline = Instant::now() + d;
        loop {
            if self.shared.stopping() {
                return Err("server stopped".into());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(TICK));
        }
    }

    /// Reads until `pattern` is buffered, then removes and returns everything up to and including it.
    fn take_until(&mut self, pattern: &[u8]) -> std::result::Result<Vec<u8>, String> {
        let deadline = Instant::now() + self.step_timeout;
        loop {
            if let Some(end) = find(&self.pending, pattern) {
                return Ok(self.pending.drain(..end).collect());
            }
            if self.shared.stopping() {
                return Err("server stopped".into());
            }
            if Instant::now() >= deadline {
                return Err(format!("timed out after {:?}", self.step_timeout));
            }
            match self.read_some() {
                Ok(0) => return Err("the client closed the connection".into()),
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {}
                Err(e) => return Err(format!("read failed: {e}")),
            }
        }
    }

    fn drain_until_stopped(&mut self) {
        while !self.shared.stopping() {
            match self.read_some() {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if is_timeout(&e) => {}
                Err(_) => return,
            }
        }
    }

    /// One bounded read; what arrives is buffered and recorded.
    fn read_some(&mut self) -> io::Result<usize> {
        let mut buf = [0u8; 4096];
        let n = self.stream.read(&mut buf)?;
        if n > 0 {
            self.pending.extend_from_slice(&buf[..n]);
            let index = self.index;
            self.shared
                .update(|s| s.conns[index].received.extend_from_slice(&buf[..n]));
        }
        Ok(n)
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

/// End index (exclusive) of the first occurrence of `pattern` in `haystack`.
fn find(haystack: &[u8], pattern: &[u8]) -> Option<usize> {
    if pattern.is_empty() {
        return Some(0);
    }
    haystack
        .windows(pattern.len())
        .position(|w| w == pattern)
        .map(|start| start + pattern.len())
}
