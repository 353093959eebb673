//! The `jetstream_embedded` binary's back end: natskit-server with JetStream, on its own
//! runtime and store directory, with the test-facing methods the JetStream test files use on
//! a nats-server (`url`, `addr`, `stop`, `restart_gracefully`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use natskit_server::{Server, ServerBuilder};

/// The server a test runs against.
pub type TestServer = EmbeddedServer;

/// How a test asks for one.
pub type Builder = EmbeddedBuilder;

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
