//! Running the official NATS JavaScript clients against a server: the scenarios of
//! `scripts/foreign/nats_js_scenarios.mjs`, one node process per run.
//!
//! The script picks the client by the URL's scheme: `nats` (TCP) for `nats://`, `nats.ws` for
//! `ws://` and `wss://`. Both are npm packages in the workspace's `web/node_modules`, which
//! `make deps` installs with `npm ci`. The script asserts payloads and counts itself; this side
//! starts it, lets the caller act when a cross scenario prints `ready` (natskit on the other
//! side), bounds the whole run, and turns a failure into an [`Error`] carrying what node printed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::child::{run_script, Ending};
use crate::error::{Error, Result};
use crate::node;

/// The scenario script, in the workspace's `scripts/foreign/`.
const SCRIPT: &str = "nats_js_scenarios.mjs";

/// The line a cross scenario prints once its side is in place on the server.
const READY_LINE: &str = "ready";

/// The npm packages the script loads.
const PACKAGES: [(&str, &str); 3] = [
    ("nats", "package.json"),
    ("nats.ws", "package.json"),
    ("ws", "package.json"),
];

/// The official NATS JavaScript clients (npm's `nats` and `nats.ws`) and the node that runs
/// their scenario script.
///
/// Each run starts one node process that connects to the given URL, plays one scenario (or
/// `all`), and exits; the process is always gone when the run returns, also on timeout or when
/// the caller's `ready` callback panics.
///
/// # Example
/// ```
/// use natskit_test::{NatsJs, NatsServer};
///
/// let server = NatsServer::start().unwrap();
/// NatsJs::locate().unwrap().run(&server.url(), "pubsub").unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct NatsJs {
    node: PathBuf,
    script: PathBuf,
    timeout: Duration,
}

impl NatsJs {
    /// The scenarios with JavaScript on both ends (`all` runs them in turn).
    ///
    /// # Example
    /// ```
    /// assert!(natskit_test::NatsJs::SCENARIOS.contains(&"queue"));
    /// ```
    pub const SCENARIOS: [&'static str; 4] = ["pubsub", "request", "queue", "headers"];

    /// The scenarios with natskit (or any other client) on the other side, run with
    /// [`run_cross`](Self::run_cross); the script's header says what each expects:
    /// - `js_publishes`: JS publishes [`CROSS_MESSAGES`](Self::CROSS_MESSAGES) messages to
    ///   `BASE.from-js` (see [`cross_message`](Self::cross_message) with side `js`);
    /// - `js_subscribes`: JS expects `CROSS_MESSAGES` messages on `BASE.to-js`, in order, as
    ///   [`cross_message`](Self::cross_message) with side `rs` makes them;
    /// - `js_requests`: JS sends [`CROSS_REQUESTS`](Self::CROSS_REQUESTS) requests `req-I` with
    ///   header `X-Req: I` to `BASE.svc` and expects `natskit:req-I` with `X-Req` copied back;
    /// - `js_responds`: JS answers `CROSS_REQUESTS` distinct requests on `BASE.js-svc` (queue
    ///   group `js`) with `js:` and the payload, `X-Req` copied back;
    /// - `js_queue`: [`QUEUE_MEMBERS`](Self::QUEUE_MEMBERS) JS members of queue group `workers`
    ///   on `BASE.work` expect [`QUEUE_MESSAGES`](Self::QUEUE_MESSAGES) messages `job-I` between
    ///   them, each exactly once, every member some.
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::NatsJs::CROSS_SCENARIOS.len(), 5);
    /// ```
    pub const CROSS_SCENARIOS: [&'static str; 5] = [
        "js_publishes",
        "js_subscribes",
        "js_requests",
        "js_responds",
        "js_queue",
    ];

    /// Messages each way in `js_publishes` and `js_subscribes`.
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::NatsJs::CROSS_MESSAGES, 100);
    /// ```
    pub const CROSS_MESSAGES: usize = 100;

    /// Requests in `js_requests` and `js_responds`.
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::NatsJs::CROSS_REQUESTS, 20);
    /// ```
    pub const CROSS_REQUESTS: usize = 20;

    /// Queue subscribers (each on a connection of its own) in `queue` and `js_queue`.
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::NatsJs::QUEUE_MEMBERS, 4);
    /// ```
    pub const QUEUE_MEMBERS: usize = 4;

    /// Messages shared by the queue members in `queue` and `js_queue`.
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::NatsJs::QUEUE_MESSAGES, 100);
    /// ```
    pub const QUEUE_MESSAGES: usize = 100;

    /// How long one run may take by default (each scenario also bounds itself: 10 s).
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::NatsJs::DEFAULT_TIMEOUT.as_secs(), 30);
    /// ```
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

    /// Finds node (see [`node::find_node`]), the scenario script and the npm packages.
    ///
    /// # Errors
    /// [`Error::JsSetupMissing`], saying to run `make deps`, when node or a package is missing;
    /// [`Error::Io`] when the script is missing from the source tree.
    ///
    /// # Example
    /// ```
    /// let js = natskit_test::NatsJs::locate().unwrap();
    /// assert!(js.script().ends_with("nats_js_scenarios.mjs"));
    /// ```
    pub fn locate() -> Result<NatsJs> {
        Self::with_node(node::find_node()?)
    }

    /// Uses this node executable instead of looking for one.
    ///
    /// # Errors
    /// As [`locate`](Self::locate).
    ///
    /// # Example
    /// ```
    /// use natskit_test::{Error, NatsJs};
    ///
    /// let err = NatsJs::with_node("/nonexistent/node").unwrap_err();
    /// assert!(matches!(err, Error::JsSetupMissing { .. }));
    /// assert!(err.to_string().contains("make deps"));
    /// ```
    pub fn with_node(node: impl Into<PathBuf>) -> Result<NatsJs> {
        let node = node.into();
        if !crate::binary::is_executable(&node) {
            return Err(Error::JsSetupMissing {
                what: "node".into(),
                path: node,
            });
        }
        for (package, file) in PACKAGES {
            node::package_file(package, file)?;
        }
        Ok(NatsJs {
            node,
            script: node::script(SCRIPT)?,
            timeout: Self::DEFAULT_TIMEOUT,
        })
    }

    /// Bounds every run to `timeout` (default [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT)); a run
    /// that takes longer is killed and fails with [`Error::NatsJsTimeout`].
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let js = natskit_test::NatsJs::locate().unwrap().timeout(Duration::from_secs(5));
    /// assert_eq!(js.timeout_duration(), Duration::from_secs(5));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The bound on one run.
    ///
    /// # Example
    /// ```
    /// let js = natskit_test::NatsJs::locate().unwrap();
    /// assert_eq!(js.timeout_duration(), natskit_test::NatsJs::DEFAULT_TIMEOUT);
    /// ```
    pub fn timeout_duration(&self) -> Duration {
        self.timeout
    }

    /// The node executable.
    ///
    /// # Example
    /// ```
    /// assert!(natskit_test::NatsJs::locate().unwrap().node().is_file());
    /// ```
    pub fn node(&self) -> &Path {
        &self.node
    }

    /// The scenario script, `scripts/foreign/nats_js_scenarios.mjs` in the workspace.
    ///
    /// # Example
    /// ```
    /// assert!(natskit_test::NatsJs::locate().unwrap().script().is_file());
    /// ```
    pub fn script(&self) -> &Path {
        &self.script
    }

    /// Payload and `X-Index` header value of cross message `i` from `side` (`"js"` for what
    /// `js_publishes` sends, `"rs"` for what `js_subscribes` expects): `SIDE-I`, and every tenth
    /// message carries the header `X-Index: I`.
    ///
    /// # Example
    /// ```
    /// use natskit_test::NatsJs;
    ///
    /// assert_eq!(NatsJs::cross_message("rs", 20), ("rs-20".to_string(), Some("20".to_string())));
    /// assert_eq!(NatsJs::cross_message("js", 7), ("js-7".to_string(), None));
    /// ```
    pub fn cross_message(side: &str, i: usize) -> (String, Option<String>) {
        let header = i.is_multiple_of(10).then(|| i.to_string());
        (format!("{side}-{i}"), header)
    }

    /// Runs one of [`SCENARIOS`](Self::SCENARIOS) (or `all`) against the server at `url` and
    /// waits for it to pass.
    ///
    /// # Errors
    /// [`Error::NatsJsFailed`] when the script fails (its output says why);
    /// [`Error::NatsJsTimeout`] when it does not finish in time; [`Error::Io`] when node cannot
    /// be started.
    ///
    /// # Example
    /// ```
    /// use natskit_test::{NatsJs, NatsServer};
    ///
    /// let server = NatsServer::start().unwrap();
    /// NatsJs::locate().unwrap().run(&server.url(), "request").unwrap();
    /// ```
    pub fn run(&self, url: &str, scenario: &str) -> Result<()> {
        self.execute(url, scenario, None, None::<fn() -> Result<()>>)
    }

    /// Runs one of [`CROSS_SCENARIOS`](Self::CROSS_SCENARIOS) under the subject prefix
    /// `subject_base`, and calls `ready` once the script's side is in place on the server: that
    /// is when the caller publishes, requests or answers (natskit's side must be subscribed
    /// before the run for `js_publishes` and `js_requests`). The run's timeout keeps running
    /// while `ready` does.
    ///
    /// # Errors
    /// As [`run`](Self::run); also [`Error::NatsJsFailed`] when `ready` fails (naming its error)
    /// or the script never says it is ready.
    ///
    /// # Example
    /// ```
    /// use natskit_test::{NatsJs, NatsServer};
    ///
    /// let server = NatsServer::start().unwrap();
    /// let mut called = false;
    /// NatsJs::locate()
    ///     .unwrap()
    ///     .run_cross(&server.url(), "js_publishes", "doc.example", || {
    ///         called = true;
    ///         Ok(())
    ///     })
    ///     .unwrap();
    /// assert!(called);
    /// ```
    pub fn run_cross(
        &self,
        url: &str,
        scenario: &str,
        subject_base: &str,
        ready: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        self.execute(url, scenario, Some(subject_base), Some(ready))
    }

    fn execute<F: FnOnce() -> Result<()>>(
        &self,
        url: &str,
        scenario: &str,
        subject_base: Option<&str>,
        mut ready: Option<F>,
    ) -> Result<()> {
        let expects_ready = ready.is_some();
        let deadline = Instant::now() + self.timeout;
        let mut command = Command::new(&self.node);
        command.arg(&self.script).arg(url).arg(scenario);
        if let Some(base) = subject_base {
            command.arg(base);
        }
        let starting = format!("starting {} {}", self.node.display(), self.script.display());
        let finished = run_script(
            command,
            "the nats.js script",
            starting,
            "nats-js",
            deadline,
            READY_LINE,
            || match ready.take() {
                Some(ready) => ready().map_err(|e| format!("the caller's side failed: {e}")),
                None if expects_ready => Err("the script printed `ready` twice".to_string()),
                None => {
                    Err("the script printed `ready`: a cross scenario needs run_cross".to_string())
                }
            },
        )?;
        let timed_out = matches!(finished.ending, Ending::TimedOut);
        let (status, problem) = match finished.ending {
            Ending::Exited(status) => (Some(status), None),
            Ending::TimedOut => (None, None),
            Ending::Stopped(reason) => (None, Some(reason)),
        };
        let (stdout_text, stderr_text) = (finished.stdout, finished.stderr);

        let run = format!("scenario `{scenario}` against {url}");
        if timed_out {
            return Err(Error::NatsJsTimeout {
                run,
                waited: self.timeout,
                stdout: stdout_text,
                stderr: stderr_text,
            });
        }
        let ok = format!("ok {scenario}");
        let problem = problem.or_else(|| match status {
            Some(status) if !status.success() => Some(format!("the script exited with {status}")),
            _ if ready.is_some() => Some("the script never printed `ready`".to_string()),
            _ if !stdout_text.lines().any(|l| l.trim_end() == ok) => {
                Some(format!("the script exited without printing `{ok}`"))
            }
            _ => None,
        });
        match problem {
            None => Ok(()),
            Some(reason) => Err(Error::NatsJsFailed {
                run,
                reason,
                stdout: stdout_text,
                stderr: stderr_text,
            }),
        }
    }
}
