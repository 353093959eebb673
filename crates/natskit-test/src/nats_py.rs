//! Running the Python NATS client nats-py against a server: the scenarios of
//! `scripts/foreign/nats_py_scenarios.py`, one Python process per run.
//!
//! nats-py lives in its own virtualenv, `target/nats-py-venv` under the workspace root, which
//! `make deps` (scripts/install-deps.sh) creates with the pinned nats-py version. The script asserts
//! exact payloads and counts itself; this side only starts it, restarts the server when it asks to
//! (`restart-now` on its stdout), bounds the whole run, and turns a failure into an [`Error`] that
//! carries everything the script printed.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::binary::{is_executable, venv_bin, workspace_root};
use crate::child::{run_script, Ending};
use crate::error::{Error, Result};

/// The scenario script, relative to the workspace root.
const SCRIPT: &str = "scripts/foreign/nats_py_scenarios.py";

/// The line the script prints when the server should be stopped and started again.
const RESTART_LINE: &str = "restart-now";

/// The nats-py scenario script and the Python that runs it.
///
/// Each [`run`](Self::run) starts one Python process that connects to the given URL, plays one
/// scenario (or `all`), and exits; the process is always gone when `run` returns, also on timeout
/// or when the caller panics in the restart callback.
///
/// # Example
/// ```
/// use natskit_test::{NatsPy, NatsServer};
///
/// let server = NatsServer::start().unwrap();
/// let nats_py = NatsPy::locate().unwrap();
/// nats_py.run(&server.url(), "request").unwrap();
/// ```
#[derive(Clone)]
pub struct NatsPy {
    python: PathBuf,
    script: PathBuf,
    timeout: Duration,
    /// Set for the script's process only; the values may be secrets, so `Debug` leaves them out.
    env: Vec<(OsString, OsString)>,
}

impl fmt::Debug for NatsPy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NatsPy")
            .field("python", &self.python)
            .field("script", &self.script)
            .field("timeout", &self.timeout)
            .field(
                "env (values hidden)",
                &self.env.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl NatsPy {
    /// Environment variable naming the Python to use instead of the virtualenv's (it must have
    /// nats-py installed).
    ///
    /// # Example
    /// ```
    /// // NATS_PY_PYTHON=/opt/py/bin/python cargo test -p natskit-test --test it nats_py
    /// assert_eq!(natskit_test::NatsPy::ENV_VAR, "NATS_PY_PYTHON");
    /// ```
    pub const ENV_VAR: &'static str = "NATS_PY_PYTHON";

    /// Every scenario the script knows. `all` (not in this list) runs all of them except
    /// `reconnect`, which needs [`run_with_restart`](Self::run_with_restart),
    /// `senseshow_request`, which needs the senseshow device of natskit-ledmatrix listening on the
    /// server, the security scenarios `auth`, `auth_refused`, `tls` and `tls_refused`, which
    /// take their credentials and CA from environment variables (see [`env`](Self::env)), and
    /// the JetStream scenarios `js_publish`, `js_consume`, `kv_write`, `kv_read`, `obj_put` and
    /// `obj_get`, which need a server with JetStream and natskit on the other side (natskit's
    /// `jetstream` tests: nats_py.rs, kv_interop.rs and object.rs), and `js_broker_stream`,
    /// `js_broker_kv` and `js_broker_obj`, which need a server with JetStream only
    /// (natskit-server's `jetstream_nats_py` tests run them on nats-server and the embedded broker).
    ///
    /// # Example
    /// ```
    /// assert!(natskit_test::NatsPy::SCENARIOS.contains(&"queue"));
    /// assert_eq!(natskit_test::NatsPy::SCENARIOS.len(), 22);
    /// ```
    pub const SCENARIOS: [&'static str; 22] = [
        "pubsub",
        "wildcards",
        "queue",
        "request",
        "headers",
        "no_responders",
        "auto_unsub",
        "reconnect",
        "senseshow_request",
        "auth",
        "auth_refused",
        "tls",
        "tls_refused",
        "js_publish",
        "js_consume",
        "kv_write",
        "kv_read",
        "obj_put",
        "obj_get",
        "js_broker_stream",
        "js_broker_kv",
        "js_broker_obj",
    ];

    /// How long one run may take by default, restart included (each scenario also bounds itself:
    /// 10 s, 30 s for `reconnect`).
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::NatsPy::DEFAULT_TIMEOUT.as_secs(), 120);
    /// ```
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

    /// Finds the Python to run nats-py with: the one named by [`ENV_VAR`](Self::ENV_VAR) when it is
    /// set, else the virtualenv's, `target/nats-py-venv/bin/python` under the workspace root.
    ///
    /// # Errors
    /// [`Error::NatsPyNotFound`], saying to run `make deps`, when that Python is not an executable
    /// file; [`Error::Io`] when the scenario script is missing from the source tree.
    ///
    /// # Example
    /// ```
    /// let nats_py = natskit_test::NatsPy::locate().unwrap();
    /// assert!(nats_py.python().is_file());
    /// assert!(nats_py.script().ends_with("nats_py_scenarios.py"));
    /// ```
    pub fn locate() -> Result<NatsPy> {
        match std::env::var_os(Self::ENV_VAR).filter(|v| !v.is_empty()) {
            Some(python) => {
                Self::checked(PathBuf::from(python), "the python named by NATS_PY_PYTHON")
            }
            None => Self::checked(Self::venv_python(), "the nats-py virtualenv's python"),
        }
    }

    /// Uses this Python (which must have nats-py installed) instead of looking for one; nothing
    /// else is tried.
    ///
    /// This is how a test picks an interpreter without touching the process environment, which
    /// tests running in parallel share.
    ///
    /// # Errors
    /// As [`locate`](Self::locate).
    ///
    /// # Example
    /// ```
    /// use natskit_test::{Error, NatsPy};
    ///
    /// let err = NatsPy::with_python("/nonexistent/python").unwrap_err();
    /// assert!(matches!(err, Error::NatsPyNotFound { .. }));
    /// assert!(err.to_string().contains("make deps"));
    /// ```
    pub fn with_python(python: impl Into<PathBuf>) -> Result<NatsPy> {
        Self::checked(python.into(), "the python given explicitly")
    }

    /// Where `make deps` puts the virtualenv's Python: `target/nats-py-venv/bin/python` under the
    /// workspace root (whether or not it exists).
    ///
    /// # Example
    /// ```
    /// let python = natskit_test::NatsPy::venv_python();
    /// assert!(python.ends_with("target/nats-py-venv/bin/python"));
    /// ```
    pub fn venv_python() -> PathBuf {
        venv_bin("python")
    }

    /// Bounds every run to `timeout` (default [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT)); a run
    /// that takes longer is killed and fails with [`Error::NatsPyTimeout`].
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let nats_py = natskit_test::NatsPy::locate()
    ///     .unwrap()
    ///     .timeout(Duration::from_secs(30));
    /// assert_eq!(nats_py.timeout_duration(), Duration::from_secs(30));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the environment variable `key` to `value` for the script's process (and only for it:
    /// the test process's environment, which parallel tests share, is left alone). This is how
    /// credentials and TLS files reach the scenarios without showing on a command line:
    /// `NATSKIT_PY_USER`, `NATSKIT_PY_PASSWORD`, `NATSKIT_PY_TOKEN`, `NATSKIT_PY_NKEY_SEED`,
    /// `NATSKIT_PY_NKEY_SEED_FILE`, `NATSKIT_PY_TLS_CA`, `NATSKIT_PY_TLS_CERT` and
    /// `NATSKIT_PY_TLS_KEY` (see scripts/foreign/nats_py_scenarios.py). The values are left out
    /// of `Debug` output; setting a key again replaces its value.
    ///
    /// # Example
    /// ```
    /// let nats_py = natskit_test::NatsPy::locate()
    ///     .unwrap()
    ///     .env("NATSKIT_PY_TOKEN", "s3cret");
    /// assert!(!format!("{nats_py:?}").contains("s3cret"));
    /// ```
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.into()));
        self
    }

    /// The bound on one run.
    ///
    /// # Example
    /// ```
    /// let nats_py = natskit_test::NatsPy::locate().unwrap();
    /// assert_eq!(nats_py.timeout_duration(), natskit_test::NatsPy::DEFAULT_TIMEOUT);
    /// ```
    pub fn timeout_duration(&self) -> Duration {
        self.timeout
    }

    /// The Python interpreter that runs the script.
    ///
    /// # Example
    /// ```
    /// let nats_py = natskit_test::NatsPy::locate().unwrap();
    /// assert!(nats_py.python().is_file());
    /// ```
    pub fn python(&self) -> &Path {
        &self.python
    }

    /// The scenario script, `scripts/foreign/nats_py_scenarios.py` in the workspace.
    ///
    /// # Example
    /// ```
    /// let nats_py = natskit_test::NatsPy::locate().unwrap();
    /// assert!(nats_py.script().is_file());
    /// ```
    pub fn script(&self) -> &Path {
        &self.script
    }

    /// Runs one scenario (or `all`) against the server at `url` and waits for it to pass.
    ///
    /// # Errors
    /// [`Error::NatsPyFailed`] when the script fails (its stdout and stderr say why), or asks for a
    /// server restart (use [`run_with_restart`](Self::run_with_restart) for that);
    /// [`Error::NatsPyTimeout`] when it does not finish in time; [`Error::Io`] when it cannot be
    /// started.
    ///
    /// # Example
    /// ```
    /// use natskit_test::{NatsPy, NatsServer};
    ///
    /// let server = NatsServer::start().unwrap();
    /// NatsPy::locate().unwrap().run(&server.url(), "pubsub").unwrap();
    /// ```
    pub fn run(&self, url: &str, scenario: &str) -> Result<()> {
        self.execute(url, scenario, None::<fn() -> Result<()>>)
    }

    /// Like [`run`](Self::run), and calls `restart` when the script prints `restart-now`: it must
    /// stop the server and start it again on the same port (the `reconnect` scenario then checks
    /// that nats-py reconnects and its subscription still works). The run's timeout keeps running
    /// while `restart` does.
    ///
    /// # Errors
    /// As [`run`](Self::run); a failing `restart` ends the run with [`Error::NatsPyFailed`] naming
    /// its error. A second `restart-now` is an error too.
    ///
    /// # Example
    /// ```
    /// use natskit_test::{NatsPy, NatsServer};
    ///
    /// let mut server = NatsServer::start().unwrap();
    /// let url = server.url();
    /// NatsPy::locate()
    ///     .unwrap()
    ///     .run_with_restart(&url, "reconnect", || server.restart())
    ///     .unwrap();
    /// ```
    pub fn run_with_restart(
        &self,
        url: &str,
        scenario: &str,
        restart: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        self.execute(url, scenario, Some(restart))
    }

    fn checked(python: PathBuf, how: &str) -> Result<NatsPy> {
        if !is_executable(&python) {
            return Err(Error::NatsPyNotFound {
                python,
                how: how.to_string(),
            });
        }
        let script = workspace_root().join(SCRIPT);
        if !script.is_file() {
            return Err(Error::io(
                format!(
                    "looking for the nats-py scenario script {}",
                    script.display()
                ),
                io::Error::new(io::ErrorKind::NotFound, "no such file"),
            ));
        }
        Ok(NatsPy {
            python,
            script,
            timeout: Self::DEFAULT_TIMEOUT,
            env: Vec::new(),
        })
    }

    fn execute<F: FnOnce() -> Result<()>>(
        &self,
        url: &str,
        scenario: &str,
        mut restart: Option<F>,
    ) -> Result<()> {
        let deadline = Instant::now() + self.timeout;
        let mut command = Command::new(&self.python);
        command
            .arg(&self.script)
            .arg(url)
            .arg(scenario)
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        let starting = format!(
            "starting {} {}",
            self.python.display(),
            self.script.display()
        );
        let finished = run_script(
            command,
            "the nats-py script",
            starting,
            "nats-py",
            deadline,
            RESTART_LINE,
            || match restart.take() {
                Some(restart) => {
                    restart().map_err(|e| format!("restarting the server failed: {e}"))
                }
                None => Err(
                    "the script printed `restart-now`, but no restart is left to do \
                     (none was given: use run_with_restart; or it was done already)"
                        .into(),
                ),
            },
        )?;
        let (problem, status) = match finished.ending {
            Ending::Exited(status) => (None, Some(status)),
            Ending::TimedOut => (Some(Problem::TimedOut), None),
            Ending::Stopped(reason) => (Some(Problem::Failed(reason)), None),
        };
        let (stdout_text, stderr_text) = (finished.stdout, finished.stderr);

        let failed = |reason: String| Error::NatsPyFailed {
            scenario: scenario.to_string(),
            url: url.to_string(),
            reason,
            stdout: stdout_text.clone(),
            stderr: stderr_text.clone(),
        };
        match (problem, status) {
            (Some(Problem::TimedOut), _) => Err(Error::NatsPyTimeout {
                scenario: scenario.to_string(),
                url: url.to_string(),
                waited: self.timeout,
                stdout: stdout_text,
                stderr: stderr_text,
            }),
            (Some(Problem::Failed(reason)), _) => Err(failed(reason)),
            (None, Some(status)) if !status.success() => {
                Err(failed(format!("the script exited with {status}")))
            }
            (None, _) => {
                let ok = format!("ok {scenario}");
                if stdout_text.lines().any(|l| l.trim_end() == ok) {
                    Ok(())
                } else {
                    Err(failed(format!("the script exited without printing `{ok}`")))
                }
            }
        }
    }
}

/// Why a run ended early.
enum Problem {
    TimedOut,
    Failed(String),
}
