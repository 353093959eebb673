//! Headless Chromium for tests: Debian's `chromium` driven by playwright-core through
//! `scripts/foreign/chromium_page.mjs`, one node process (and one browser) per [`Page`].
//!
//! The driver answers one JSON command at a time, so a test can act between the steps: open the
//! page, publish with natskit, then wait for what the page shows and read it.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::binary::is_executable;
use crate::child::{Output, Reaped};
use crate::error::{Error, Result};
use crate::node;
use crate::tempdir::TempDir;

/// The driver script, in the workspace's `scripts/foreign/`.
const SCRIPT: &str = "chromium_page.mjs";

/// Time the driver gets on top of a step's own timeout to answer (playwright's own overhead).
const ANSWER_MARGIN: Duration = Duration::from_secs(5);

/// How long the first answer (browser launched, page loaded) may take; the driver bounds the
/// launch itself to 60 s and the load to 15 s.
const OPEN_TIMEOUT: Duration = Duration::from_secs(90);

/// One Chromium starts at a time in a test process: parallel cold starts on a two-core machine
/// are what made a launch overrun its bound.
static LAUNCHING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// How long closing the browser may take before the driver is killed.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// Headless Chromium, found and ready to open pages.
///
/// # Example
/// ```
/// let browser = natskit_test::Browser::locate().unwrap();
/// assert!(browser.chromium().is_file());
/// ```
#[derive(Debug, Clone)]
pub struct Browser {
    node: PathBuf,
    script: PathBuf,
    chromium: PathBuf,
    step_timeout: Duration,
}

impl Browser {
    /// Environment variable naming the Chromium executable to use instead of
    /// [`DEFAULT_CHROMIUM`](Self::DEFAULT_CHROMIUM).
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::Browser::CHROMIUM_ENV_VAR, "NATSKIT_CHROMIUM");
    /// ```
    pub const CHROMIUM_ENV_VAR: &'static str = "NATSKIT_CHROMIUM";

    /// Where Debian's `chromium` package (which `make deps` installs) puts the browser.
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::Browser::DEFAULT_CHROMIUM, "/usr/bin/chromium");
    /// ```
    pub const DEFAULT_CHROMIUM: &'static str = "/usr/bin/chromium";

    /// Chromium's command-line flags: headless, no sandbox (Chromium refuses to run as root
    /// with one), no GPU, and nothing that reaches beyond loopback (QUIC, background networking,
    /// component updates, sync, first-run tasks). Each page also gets a fresh profile directory.
    ///
    /// # Example
    /// ```
    /// assert!(natskit_test::Browser::FLAGS.contains(&"--no-sandbox"));
    /// ```
    pub const FLAGS: [&'static str; 8] = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];

    /// How long a wait step may take by default.
    ///
    /// # Example
    /// ```
    /// assert_eq!(natskit_test::Browser::DEFAULT_STEP_TIMEOUT.as_secs(), 10);
    /// ```
    pub const DEFAULT_STEP_TIMEOUT: Duration = Duration::from_secs(10);

    /// Finds node, playwright-core, the driver script and Chromium ([`CHROMIUM_ENV_VAR`](
    /// Self::CHROMIUM_ENV_VAR) when set, else [`DEFAULT_CHROMIUM`](Self::DEFAULT_CHROMIUM)).
    ///
    /// # Errors
    /// [`Error::JsSetupMissing`], saying to run `make deps`, when one of them is missing;
    /// [`Error::Io`] when the driver script is missing from the source tree.
    ///
    /// # Example
    /// ```
    /// let browser = natskit_test::Browser::locate().unwrap();
    /// assert!(browser.script().ends_with("chromium_page.mjs"));
    /// ```
    pub fn locate() -> Result<Browser> {
        let chromium = std::env::var_os(Self::CHROMIUM_ENV_VAR)
            .filter(|v| !v.is_empty())
            .map_or_else(|| PathBuf::from(Self::DEFAULT_CHROMIUM), PathBuf::from);
        Self::with_chromium(chromium)
    }

    /// Uses this Chromium executable; the rest as [`locate`](Self::locate).
    ///
    /// # Errors
    /// As [`locate`](Self::locate).
    ///
    /// # Example
    /// ```
    /// use natskit_test::{Browser, Error};
    ///
    /// let err = Browser::with_chromium("/nonexistent/chromium").unwrap_err();
    /// assert!(matches!(err, Error::JsSetupMissing { .. }));
    /// assert!(err.to_string().contains("make deps"));
    /// ```
    pub fn with_chromium(chromium: impl Into<PathBuf>) -> Result<Browser> {
        let chromium = chromium.into();
        if !is_executable(&chromium) {
            return Err(Error::JsSetupMissing {
                what: "Chromium".into(),
                path: chromium,
            });
        }
        node::package_file("playwright-core", "package.json")?;
        Ok(Browser {
            node: node::find_node()?,
            script: node::script(SCRIPT)?,
            chromium,
            step_timeout: Self::DEFAULT_STEP_TIMEOUT,
        })
    }

    /// Bounds each wait step of the pages opened from now on (default
    /// [`DEFAULT_STEP_TIMEOUT`](Self::DEFAULT_STEP_TIMEOUT)).
    ///
    /// # Example
    /// ```
    /// use std::time::Duration;
    ///
    /// let browser = natskit_test::Browser::locate().unwrap().step_timeout(Duration::from_secs(3));
    /// assert_eq!(browser.step_timeout_duration(), Duration::from_secs(3));
    /// ```
    pub fn step_timeout(mut self, timeout: Duration) -> Self {
        self.step_timeout = timeout;
        self
    }

    /// The bound on each wait step.
    ///
    /// # Example
    /// ```
    /// let browser = natskit_test::Browser::locate().unwrap();
    /// assert_eq!(browser.step_timeout_duration(), natskit_test::Browser::DEFAULT_STEP_TIMEOUT);
    /// ```
    pub fn step_timeout_duration(&self) -> Duration {
        self.step_timeout
    }

    /// The Chromium executable.
    ///
    /// # Example
    /// ```
    /// assert!(natskit_test::Browser::locate().unwrap().chromium().is_file());
    /// ```
    pub fn chromium(&self) -> &Path {
        &self.chromium
    }

    /// The driver script, `scripts/foreign/chromium_page.mjs` in the workspace.
    ///
    /// # Example
    /// ```
    /// assert!(natskit_test::Browser::locate().unwrap().script().is_file());
    /// ```
    pub fn script(&self) -> &Path {
        &self.script
    }

    /// Starts a browser with a fresh profile and loads `url` in it; returns once the page's
    /// `load` event has fired.
    ///
    /// # Errors
    /// [`Error::BrowserFailed`] when Chromium does not start or the page does not load (an
    /// unreachable URL, an HTTP error page still loads); [`Error::Io`] when node cannot be
    /// started or the profile directory cannot be made.
    ///
    /// # Example
    /// ```no_run
    /// let browser = natskit_test::Browser::locate().unwrap();
    /// let mut page = browser.open("http://127.0.0.1:8080/").unwrap();
    /// page.wait_for_selector("#matrix").unwrap();
    /// page.close().unwrap();
    /// ```
    pub fn open(&self, url: &str) -> Result<Page> {
        // A test that panicked while launching leaves the lock poisoned; launching is still safe.
        let launching = LAUNCHING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let profile = TempDir::new("chromium-profile")
            .map_err(|e| Error::io("making a Chromium profile directory", e))?;
        let mut child = Command::new(&self.node)
            .arg(&self.script)
            .arg(&self.chromium)
            .arg(profile.path())
            .arg(url)
            .args(Self::FLAGS)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                Error::io(
                    format!("starting {} {}", self.node.display(), self.script.display()),
                    e,
                )
            })?;
        let pipes = (child.stdin.take(), child.stdout.take(), child.stderr.take());
        let child = Reaped::new(child, "the Chromium driver");
        let (Some(stdin), Some(stdout), Some(stderr)) = pipes else {
            return Err(Error::io(
                "starting the Chromium driver",
                io::Error::other("no stdin/stdout/stderr pipe"),
            ));
        };
        let mut page = Page {
            child: Some(child),
            stdin: Some(stdin),
            output: Some(Output::start(stdout, stderr, "chromium-page")?),
            url: url.to_string(),
            step_timeout: self.step_timeout,
            profile,
        };
        page.answer("open", OPEN_TIMEOUT)?;
        drop(launching);
        Ok(page)
    }
}

/// One page in its own headless Chromium, opened by [`Browser::open`]. Every step waits for the
/// driver's answer, bounded; the browser and the driver are stopped by [`close`](Self::close),
/// or on drop (also when a test panics), and the profile directory is removed after them.
///
/// # Example
/// ```no_run
/// let mut page = natskit_test::Browser::locate().unwrap().open("http://127.0.0.1:8080/").unwrap();
/// page.wait_until("document.querySelectorAll('.led.on').length > 0").unwrap();
/// let lit = page.eval("document.querySelectorAll('.led.on').length").unwrap();
/// assert!(lit.as_u64().unwrap() > 0);
/// ```
pub struct Page {
    child: Option<Reaped>,
    stdin: Option<ChildStdin>,
    output: Option<Output>,
    url: String,
    step_timeout: Duration,
    // Declared last: removed after the browser that uses it is gone.
    profile: TempDir,
}

impl std::fmt::Debug for Page {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Page")
            .field("url", &self.url)
            .field("profile", &self.profile.path())
            .field("open", &self.child.is_some())
            .finish()
    }
}

impl Page {
    /// Waits until an element matching the CSS `selector` is visible.
    ///
    /// # Errors
    /// [`Error::BrowserFailed`] when none is within the step timeout, or the driver fails.
    ///
    /// # Example
    /// ```no_run
    /// # let mut page = natskit_test::Browser::locate().unwrap().open("http://127.0.0.1:8080/").unwrap();
    /// page.wait_for_selector("#status.connected").unwrap();
    /// ```
    pub fn wait_for_selector(&mut self, selector: &str) -> Result<()> {
        let timeout = self.step_timeout;
        self.step(
            &format!("wait_for_selector({selector:?})"),
            json!({"op": "wait_for_selector", "selector": selector, "timeout_ms": millis(timeout)}),
            timeout,
        )
        .map(drop)
    }

    /// Waits until the JavaScript `expression` is truthy in the page (checked on every animation
    /// frame).
    ///
    /// # Errors
    /// [`Error::BrowserFailed`] when it is not within the step timeout, it throws, or the driver
    /// fails.
    ///
    /// # Example
    /// ```no_run
    /// # let mut page = natskit_test::Browser::locate().unwrap().open("http://127.0.0.1:8080/").unwrap();
    /// page.wait_until("document.title === 'ready'").unwrap();
    /// ```
    pub fn wait_until(&mut self, expression: &str) -> Result<()> {
        let timeout = self.step_timeout;
        self.step(
            &format!("wait_until({expression:?})"),
            json!({"op": "wait_until", "expression": expression, "timeout_ms": millis(timeout)}),
            timeout,
        )
        .map(drop)
    }

    /// Evaluates the JavaScript `expression` in the page and returns its value (awaited when it
    /// is a promise; `undefined` comes back as null).
    ///
    /// # Errors
    /// [`Error::BrowserFailed`] when it throws, its value cannot be serialized, or the driver
    /// fails.
    ///
    /// # Example
    /// ```no_run
    /// # let mut page = natskit_test::Browser::locate().unwrap().open("http://127.0.0.1:8080/").unwrap();
    /// let title = page.eval("document.title").unwrap();
    /// assert_eq!(title, "natskit");
    /// ```
    pub fn eval(&mut self, expression: &str) -> Result<Value> {
        let timeout = self.step_timeout;
        self.step(
            &format!("eval({expression:?})"),
            json!({"op": "eval", "expression": expression}),
            timeout,
        )
    }

    /// The text content of the first element matching the CSS `selector`.
    ///
    /// # Errors
    /// [`Error::BrowserFailed`] when nothing matches, or as [`eval`](Self::eval).
    ///
    /// # Example
    /// ```no_run
    /// # let mut page = natskit_test::Browser::locate().unwrap().open("http://127.0.0.1:8080/").unwrap();
    /// assert_eq!(page.text("h1").unwrap(), "natskit");
    /// ```
    pub fn text(&mut self, selector: &str) -> Result<String> {
        let selector_js = Value::String(selector.to_string());
        let value = self.eval(&format!(
            "(() => {{ const e = document.querySelector({selector_js}); \
             if (!e) throw new Error('no element matches ' + {selector_js}); \
             return e.textContent; }})()"
        ))?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    /// Saves a PNG screenshot of the viewport at `path`.
    ///
    /// # Errors
    /// [`Error::BrowserFailed`] when playwright cannot take or write it.
    ///
    /// # Example
    /// ```no_run
    /// # let mut page = natskit_test::Browser::locate().unwrap().open("http://127.0.0.1:8080/").unwrap();
    /// page.screenshot(std::path::Path::new("/tmp/page.png")).unwrap();
    /// ```
    pub fn screenshot(&mut self, path: &Path) -> Result<()> {
        let timeout = self.step_timeout;
        self.step(
            &format!("screenshot({})", path.display()),
            json!({"op": "screenshot", "path": path}),
            timeout,
        )
        .map(drop)
    }

    /// The page's console messages and uncaught errors so far, one string each
    /// (`console.log: ...`, `pageerror: ...`), for assertions and failure messages.
    ///
    /// # Errors
    /// [`Error::BrowserFailed`] when the driver fails.
    ///
    /// # Example
    /// ```no_run
    /// # let mut page = natskit_test::Browser::locate().unwrap().open("http://127.0.0.1:8080/").unwrap();
    /// let logs = page.console().unwrap();
    /// assert!(!logs.iter().any(|l| l.starts_with("pageerror")), "{logs:?}");
    /// ```
    pub fn console(&mut self) -> Result<Vec<String>> {
        let timeout = self.step_timeout;
        let value = self.step("console", json!({"op": "console"}), timeout)?;
        Ok(value
            .as_array()
            .map(|lines| {
                lines
                    .iter()
                    .map(|l| l.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The profile directory Chromium runs with (removed when the page is dropped).
    ///
    /// # Example
    /// ```no_run
    /// # let page = natskit_test::Browser::locate().unwrap().open("http://127.0.0.1:8080/").unwrap();
    /// assert!(page.profile_dir().is_dir());
    /// ```
    pub fn profile_dir(&self) -> &Path {
        self.profile.path()
    }

    /// Closes the browser and waits for the driver to exit.
    ///
    /// # Errors
    /// [`Error::BrowserFailed`] when the driver does not exit cleanly in time (it is killed).
    ///
    /// # Example
    /// ```no_run
    /// let page = natskit_test::Browser::locate().unwrap().open("http://127.0.0.1:8080/").unwrap();
    /// page.close().unwrap();
    /// ```
    pub fn close(mut self) -> Result<()> {
        self.shut_down()
    }

    /// Asks the driver to close the browser (end of stdin), waits for its exit, kills it when it
    /// does not come.
    fn shut_down(&mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"{\"op\":\"close\"}\n");
        }
        let status = child.wait_until(Instant::now() + CLOSE_TIMEOUT);
        child.kill_and_reap();
        let stderr = self.output.take().map(|o| o.finish().1).unwrap_or_default();
        let reason = match status {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => format!("the driver exited with {status}"),
            Ok(None) => format!("the driver did not exit within {CLOSE_TIMEOUT:?}; killed"),
            Err(e) => e.to_string(),
        };
        Err(self.failed("close", reason, stderr))
    }

    /// Sends one command and returns the value of its answer.
    fn step(&mut self, name: &str, command: Value, timeout: Duration) -> Result<Value> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(self.failed(name, "the page was closed".into(), String::new()));
        };
        let line = format!("{command}\n");
        if let Err(e) = stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush())
        {
            return Err(self.died(name, format!("sending the command: {e}")));
        }
        self.answer(name, timeout + ANSWER_MARGIN)
    }

    /// Reads the driver's next answer within `wait`.
    fn answer(&mut self, name: &str, wait: Duration) -> Result<Value> {
        let received = match &self.output {
            Some(output) => output.lines.recv_timeout(wait),
            None => Err(RecvTimeoutError::Disconnected),
        };
        let line = match received {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                return Err(self.died(name, format!("no answer within {wait:?}")))
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(self.died(name, "the driver exited".into()))
            }
        };
        let answer: Value = match serde_json::from_str(&line) {
            Ok(answer) => answer,
            Err(e) => return Err(self.died(name, format!("not a JSON answer ({e}): {line:?}"))),
        };
        if answer["ok"] == true {
            return Ok(answer["value"].clone());
        }
        let reason = answer["error"]
            .as_str()
            .unwrap_or("the driver gave no reason")
            .to_string();
        // A page that did not open leaves nothing to drive: stop the driver for its stderr.
        if name == "open" {
            return Err(self.died(name, reason));
        }
        Err(self.failed(name, reason, String::new()))
    }

    /// The driver is gone or unusable: stop it, and fail with everything it printed.
    fn died(&mut self, name: &str, reason: String) -> Error {
        if let Some(mut child) = self.child.take() {
            child.kill_and_reap();
        }
        self.stdin = None;
        let stderr = self.output.take().map(|o| o.finish().1).unwrap_or_default();
        self.failed(name, reason, stderr)
    }

    fn failed(&self, step: &str, reason: String, stderr: String) -> Error {
        Error::BrowserFailed {
            step: step.to_string(),
            url: self.url.clone(),
            reason,
            stderr,
        }
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        let _ = self.shut_down();
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
