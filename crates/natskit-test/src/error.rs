//! The one error type of the harness.

use std::fmt::Write as _;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The install command named by [`Error::BinaryNotFound`].
///
/// # Example
/// ```
/// assert_eq!(natskit_test::INSTALL_HINT, "apt-get install -y nats-server");
/// ```
pub const INSTALL_HINT: &str = "apt-get install -y nats-server";

/// Everything that can go wrong while starting, probing or scripting a server.
///
/// Every message is written to be read in a failed test's output: it says what was attempted and,
/// for a real server, ends with the server's own log.
///
/// # Example
/// ```
/// use natskit_test::{Error, NatsServer};
///
/// let err = NatsServer::builder()
///     .binary("/nonexistent/nats-server")
///     .start()
///     .unwrap_err();
/// assert!(matches!(err, Error::BinaryNotFound { .. }));
/// assert!(err.to_string().contains("apt-get install -y nats-server"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No executable `nats-server` was found.
    #[error(
        "nats-server binary not found (looked at: {}); install it with `{INSTALL_HINT}` \
         (`make test` installs it through scripts/install-deps.sh), or set NATS_SERVER_BIN \
         to its path",
        list_paths(searched)
    )]
    BinaryNotFound {
        /// The paths that were tried, in order.
        searched: Vec<PathBuf>,
    },

    /// An I/O operation of the harness itself failed.
    #[error("{context}: {source}")]
    Io {
        /// What the harness was doing.
        context: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// The server process exited while the harness waited for it to become ready.
    #[error("nats-server for {addr} exited during startup ({status})\n--- server log ---\n{log}")]
    Exited {
        /// The client address the server was asked to listen on.
        addr: SocketAddr,
        /// The exit status, as text.
        status: String,
        /// The server's output from this start.
        log: String,
    },

    /// The server did not become ready (port open and `INFO` sent) in time.
    #[error(
        "nats-server for {addr} was not ready after {waited:?} (last problem: {reason})\n\
         --- server log ---\n{log}"
    )]
    StartTimeout {
        /// The client address the server was asked to listen on.
        addr: SocketAddr,
        /// How long the harness waited.
        waited: Duration,
        /// The last reason the server was not considered ready.
        reason: String,
        /// The server's output from this start.
        log: String,
    },

    /// A port needed for a restart was still taken after the wait.
    #[error("port {port} on 127.0.0.1 is still in use after {waited:?}")]
    PortBusy {
        /// The port.
        port: u16,
        /// How long the harness waited.
        waited: Duration,
    },

    /// A peer answered, but not with what the protocol requires.
    #[error("unexpected reply from {addr}: expected {expected}, got {got:?}")]
    Unexpected {
        /// The peer.
        addr: SocketAddr,
        /// What was expected.
        expected: String,
        /// What arrived (lossy UTF-8).
        got: String,
    },

    /// The cluster's routes did not reach a full mesh in time.
    #[error("cluster did not form within {waited:?}: {detail}")]
    ClusterTimeout {
        /// How long the harness waited.
        waited: Duration,
        /// The route counts seen last, per node.
        detail: String,
    },

    /// A cluster node index was out of range.
    #[error("no node {index} in a cluster of {len}")]
    NoSuchNode {
        /// The index asked for.
        index: usize,
        /// The number of nodes.
        len: usize,
    },

    /// A [`ScriptedServer`](crate::ScriptedServer) step failed: an expectation was not met, timed
    /// out, or the client went away.
    #[error(
        "scripted connection {connection}, step {step} ({what}): {reason}; \
         the client had sent {received:?}"
    )]
    Script {
        /// Index of the connection (0 = first accepted).
        connection: usize,
        /// Index of the failing step in that connection's script.
        step: usize,
        /// The step, as text.
        what: String,
        /// Why it failed.
        reason: String,
        /// Everything the client had sent on that connection (lossy UTF-8).
        received: String,
    },

    /// No Python to run nats-py with: the `target/nats-py-venv` virtualenv that `make deps` creates
    /// is missing, or the interpreter named by `NATS_PY_PYTHON` (or given explicitly) is not an
    /// executable file.
    #[error(
        "nats-py not found: {how} ({}) is not an executable file; run `make deps` \
         (scripts/install-deps.sh creates the virtualenv target/nats-py-venv with nats-py), or set \
         NATS_PY_PYTHON to a python that has nats-py installed",
        python.display()
    )]
    NatsPyNotFound {
        /// The interpreter path that was tried.
        python: PathBuf,
        /// Where that path came from, e.g. "the nats-py virtualenv's python".
        how: String,
    },

    /// A nats-py scenario failed: the script reported a failure or exited non-zero, did not report
    /// success, or the server restart it asked for failed.
    #[error(
        "nats-py scenario `{scenario}` against {url} failed: {reason}\n\
         --- nats-py stdout ---\n{stdout}--- nats-py stderr ---\n{stderr}"
    )]
    NatsPyFailed {
        /// The scenario that was run.
        scenario: String,
        /// The server URL it ran against.
        url: String,
        /// What went wrong, in the harness's words (the script's own are in `stderr`).
        reason: String,
        /// Everything the script printed on stdout.
        stdout: String,
        /// Everything the script printed on stderr.
        stderr: String,
    },

    /// A nats-py scenario did not finish within the run's timeout; the script was killed.
    #[error(
        "nats-py scenario `{scenario}` against {url} did not finish within {waited:?} and was \
         killed\n--- nats-py stdout ---\n{stdout}--- nats-py stderr ---\n{stderr}"
    )]
    NatsPyTimeout {
        /// The scenario that was run.
        scenario: String,
        /// The server URL it ran against.
        url: String,
        /// The timeout.
        waited: Duration,
        /// What the script printed on stdout before it was killed.
        stdout: String,
        /// What the script printed on stderr before it was killed.
        stderr: String,
    },

    /// node, one of the npm packages of `web/` or Chromium is missing: `make deps` installs
    /// them all (Chromium from Debian's packages, the npm packages with `npm ci` in `web/`).
    #[error(
        "{what} not found at {}; run `make deps` (scripts/install-deps.sh installs Chromium \
         with apt-get and the pinned npm packages of web/ with npm ci; node 20 or newer must be \
         on PATH or named by NATSKIT_NODE)",
        path.display()
    )]
    JsSetupMissing {
        /// What is missing, e.g. "the npm package nats.ws".
        what: String,
        /// Where it was looked for.
        path: PathBuf,
    },

    /// A scenario of the official JavaScript client failed: the script reported a failure or
    /// exited non-zero, did not report success, or the caller's part of a cross scenario failed.
    #[error(
        "nats.js {run} failed: {reason}\n\
         --- node stdout ---\n{stdout}--- node stderr ---\n{stderr}"
    )]
    NatsJsFailed {
        /// Which scenario ran against which URL, as "scenario `pubsub` against nats://...".
        run: String,
        /// What went wrong, in the harness's words (the script's own are in `stderr`).
        reason: String,
        /// Everything the script printed on stdout.
        stdout: String,
        /// Everything the script printed on stderr.
        stderr: String,
    },

    /// A scenario of the official JavaScript client did not finish in time; node was killed.
    #[error(
        "nats.js {run} did not finish within {waited:?} and was killed\n\
         --- node stdout ---\n{stdout}--- node stderr ---\n{stderr}"
    )]
    NatsJsTimeout {
        /// Which scenario ran against which URL, as "scenario `pubsub` against nats://...".
        run: String,
        /// The timeout.
        waited: Duration,
        /// What the script printed on stdout before it was killed.
        stdout: String,
        /// What the script printed on stderr before it was killed.
        stderr: String,
    },

    /// A step of the headless browser failed: the page did not load, a wait timed out, an
    /// expression threw, or the driver (node with playwright-core) died or stopped answering.
    #[error("browser step `{step}` on {url} failed: {reason}\n--- driver stderr ---\n{stderr}")]
    BrowserFailed {
        /// The step, e.g. `wait_for_selector("#matrix")`.
        step: String,
        /// The page's URL.
        url: String,
        /// What went wrong (playwright's message when it had one).
        reason: String,
        /// What the driver printed on stderr so far (complete once it has exited).
        stderr: String,
    },

    /// A scripted connection was never accepted (the client never connected) before the wait ended.
    #[error("scripted connection {connection} was not accepted within {waited:?}")]
    NotConnected {
        /// Index of the connection that never came.
        connection: usize,
        /// How long the harness waited.
        waited: Duration,
    },
}

/// The harness's `Result`, with [`Error`] as the default error.
///
/// # Example
/// ```
/// fn port() -> natskit_test::Result<u16> {
///     Ok(natskit_test::port::free_port()?)
/// }
/// assert!(port().unwrap() > 0);
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Whether a server could not start because one of its ports was taken (a bind race).
    pub(crate) fn is_port_conflict(&self) -> bool {
        match self {
            Error::Exited { log, .. } => log.contains("address already in use"),
            Error::PortBusy { .. } => true,
            _ => false,
        }
    }
}

impl From<io::Error> for Error {
    fn from(source: io::Error) -> Self {
        Error::io("I/O error", source)
    }
}

fn list_paths(paths: &[PathBuf]) -> String {
    let mut out = String::new();
    for (i, p) in paths.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{}", p.display());
    }
    out
}
