//! The `jetstream_embedded` binary's back end: natskit-server with JetStream, on its own
//! runtime and store directory, with the test-facing methods the JetStream test files use on
//! a nats-server (`url`, `addr`, `stop`, `restart_gracefully`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use natskit::jetstream::{self, Context, JetStreamError};
use natskit::Client;
use natskit_server::{Server, ServerBuilder};

/// Upper bound for anything a test waits on.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// One embedded broker with JetStream, and a client and context on it.
pub struct Js {
    pub server: EmbeddedServer,
    pub client: Client,
    pub js: Context,
}

/// How a test asks for a broker (as `NatsServerBuilder` in the nats-server binary).
#[derive(Clone, Default)]
pub struct EmbeddedBuilder {
    config: Option<String>,
}

/// A builder for an embedded broker with JetStream.
pub fn builder() -> EmbeddedBuilder {
    EmbeddedBuilder::default()
}

impl EmbeddedBuilder {
    /// A nats-server configuration snippet, read by the broker's own configuration reader.
    pub fn with_config(mut self, text: impl Into<String>) -> Self {
        self.config = Some(text.into());
        self
    }

    /// Starts the broker.
    pub fn start(self) -> Result<EmbeddedServer, String> {
        EmbeddedServer::start(self.config.as_deref())
    }
}

/// A fresh embedded broker with a client and context.
pub async fn start() -> Js {
    start_with(builder()).await
}

/// A broker from `builder`, with a client and context.
pub async fn start_with(builder: EmbeddedBuilder) -> Js {
    let server = builder.start().expect("start the embedded broker");
    let client = natskit::connect(&server.url()).await.expect("connect");
    let js = jetstream::new(client.clone());
    Js { server, client, js }
}

impl Js {
    /// Closes the client and stops the broker.
    pub async fn stop(mut self) {
        self.client.close().await.expect("close");
        self.server.stop().expect("stop the broker");
    }
}

/// The server's err_code of `result`'s error, failing the test for anything else.
pub fn err_code<T: std::fmt::Debug>(result: Result<T, JetStreamError>) -> (u16, u16) {
    match result {
        Err(JetStreamError::Api(e)) => (e.code, e.err_code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Waits for `events` to report the client reconnected.
pub async fn reconnected(events: &mut natskit::Events) {
    use futures_util::StreamExt;
    tokio::time::timeout(PATIENCE, async {
        while let Some(event) = events.next().await {
            if let natskit::Event::Reconnected { .. } = event {
                return;
            }
        }
        panic!("the client closed instead of reconnecting");
    })
    .await
    .expect("reconnected in time");
}

/// Runs one scenario of scripts/foreign/nats_py_scenarios.py against the test's broker.
pub async fn run_nats_py(t: &Js, scenario: &'static str) {
    let url = t.server.url();
    let nats_py = natskit_test::NatsPy::locate()
        .unwrap_or_else(|e| panic!("{e} (scripts/install-deps.sh installs nats-py)"))
        .timeout(Duration::from_secs(60));
    tokio::task::spawn_blocking(move || nats_py.run(&url, scenario))
        .await
        .expect("the thread running nats-py")
        .unwrap_or_else(|e| panic!("{e}"));
}

/// An embedded broker on its own runtime, so stopping and starting it is synchronous.
pub struct EmbeddedServer {
    runtime: Option<tokio::runtime::Runtime>,
    server: Option<Server>,
    builder: ServerBuilder,
    addr: SocketAddr,
    dir: PathBuf,
}

/// Runs `f` on a thread of its own: a runtime cannot be blocked on from a test's runtime.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| scope.spawn(f).join().expect("broker thread"))
}

fn fresh_dir() -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("natskit-js-embedded-{}-{n}", std::process::id()))
}

impl EmbeddedServer {
    fn start(config: Option<&str>) -> Result<EmbeddedServer, String> {
        let dir = fresh_dir();
        let port = natskit_test::port::free_port().map_err(|e| e.to_string())?;
        let builder = match config {
            Some(text) => {
                natskit_server::config::settings_from_str(text, "test.conf")
                    .map_err(|e| e.to_string())?
                    .0
            }
            None => Server::builder(),
        };
        let jetstream = builder.jetstream_options().unwrap_or_default();
        let builder = builder.port(port).jetstream(jetstream.store_dir(&dir));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let first = builder.clone();
        let server = off_runtime(|| runtime.block_on(first.start())).map_err(|e| e.to_string())?;
        let addr = server.addr();
        Ok(EmbeddedServer {
            runtime: Some(runtime),
            server: Some(server),
            builder,
            addr,
            dir,
        })
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("runtime until drop")
    }

    /// The client URL.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// The client address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the broker gracefully.
    pub fn stop(&mut self) -> Result<(), String> {
        if let Some(server) = self.server.take() {
            let runtime = self.runtime();
            off_runtime(|| runtime.block_on(server.shutdown()));
        }
        Ok(())
    }

    /// Stops it and starts it again on the same port and store directory.
    pub fn restart_gracefully(&mut self) -> Result<(), String> {
        self.stop()?;
        let mut last = String::new();
        for _ in 0..50 {
            let builder = self.builder.clone();
            let runtime = self.runtime();
            match off_runtime(|| runtime.block_on(builder.start())) {
                Ok(server) => {
                    self.server = Some(server);
                    return Ok(());
                }
                // The old socket may linger for a moment.
                Err(e) => last = e.to_string(),
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(last)
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        let _ = self.stop();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
