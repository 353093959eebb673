//! The back end of the `embedded` binary: natskit-server, the embedded broker, on its own
//! runtime so that stopping and starting it is as synchronous as with a nats-server process.

use std::net::SocketAddr;
use std::time::Duration;

use natskit_server::{Server, ServerBuilder, WebSocket};

use crate::support::Setup;

/// An embedded broker with the same test-facing methods as `natskit_test::NatsServer`.
pub struct TestServer {
    runtime: Option<tokio::runtime::Runtime>,
    server: Option<Server>,
    builder: ServerBuilder,
    addr: SocketAddr,
}

/// A fresh embedded broker on a free loopback port.
pub fn server() -> TestServer {
    TestServer::start(Server::builder().port(fresh_port()))
}

/// A fresh embedded broker set up for `setup`.
pub fn server_with(setup: Setup) -> TestServer {
    TestServer::start(builder(setup))
}

/// A fresh embedded broker on `port` (one a stopped server just left), set up for `setup`.
pub fn server_on_port(port: u16, setup: Setup) -> TestServer {
    TestServer::start(builder(setup).port(port))
}

/// An embedded broker with a WebSocket listener set up as `ws` says (see
/// `TestServer::ws_url`); its TCP port stays open as well.
pub fn ws_server(ws: crate::websocket::WsSetup) -> TestServer {
    let mut builder = Server::builder().port(fresh_port());
    if let Some(max_payload) = ws.max_payload {
        builder = builder.max_payload(max_payload);
    }
    if ws.monitoring {
        builder = builder.http_port(fresh_port());
    }
    if let Some(token) = ws.token {
        builder = builder.token(token);
    }
    // A fixed port, so that a restart comes back on it.
    let listener = WebSocket::port(fresh_port());
    let listener = match ws.tls {
        None => listener.no_tls(),
        Some(tls) => {
            assert!(
                tls.client_ca.is_none(),
                "the broker's WebSocket listener does not ask for client certificates"
            );
            listener.tls(tls.cert.cert, tls.cert.key)
        }
    };
    TestServer::start(builder.websocket(listener))
}

fn builder(setup: Setup) -> ServerBuilder {
    let builder = Server::builder().port(fresh_port());
    match setup {
        Setup::MaxPayload(n) => builder.max_payload(n),
        Setup::User(user, pass) => builder.user(user, pass),
        Setup::Token(token) => builder.token(token),
        Setup::Monitoring => builder.http_port(fresh_port()),
        Setup::NKeyUser(public_key) => builder.nkey_user(public_key),
        Setup::Tls(tls) => {
            let mut builder = builder.tls(tls.cert.cert, tls.cert.key);
            if let Some(ca) = tls.client_ca {
                builder = builder.tls_verify_clients(ca);
            }
            if tls.handshake_first {
                builder = builder.tls_handshake_first();
            }
            builder
        }
    }
}

/// A port no other broker of this process has had: with a bare port 0 the kernel could hand
/// a new broker the port of one that a test stopped for a moment, and its clients would
/// reconnect to the wrong broker.
fn fresh_port() -> u16 {
    natskit_test::port::free_port().expect("a free loopback port")
}

/// Runs `f` on a thread of its own: a runtime cannot be blocked on from a test's runtime.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| scope.spawn(f).join().expect("broker thread"))
}

impl TestServer {
    fn start(builder: ServerBuilder) -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("broker runtime");
        let first = builder.clone();
        let server = off_runtime(|| runtime.block_on(first.start())).expect("start broker");
        let addr = server.addr();
        // Later starts reuse the port the first one was given.
        let builder = builder.port(addr.port());
        TestServer {
            runtime: Some(runtime),
            server: Some(server),
            builder,
            addr,
        }
    }

    fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("runtime until drop")
    }

    /// The client URL.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// The client port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The client address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The WebSocket port, for a broker made by `ws_server`.
    pub fn ws_port(&self) -> Option<u16> {
        self.server
            .as_ref()
            .and_then(Server::websocket_addr)
            .map(|addr| addr.port())
    }

    /// The WebSocket URL (`ws://` or `wss://`), for a broker made by `ws_server`.
    pub fn ws_url(&self) -> Option<String> {
        self.server.as_ref().and_then(Server::websocket_url)
    }

    /// The monitoring port, with `Setup::Monitoring` or `WsSetup::monitoring`.
    pub fn monitor_port(&self) -> Option<u16> {
        self.server
            .as_ref()
            .and_then(Server::http_addr)
            .map(|addr| addr.port())
    }

    /// Stops the broker gracefully (clients see their connection end).
    pub fn stop(&mut self) -> Result<(), String> {
        if let Some(server) = self.server.take() {
            let runtime = self.runtime();
            off_runtime(|| runtime.block_on(server.shutdown()));
        }
        Ok(())
    }

    /// Starts it again on the same port.
    pub fn start_again(&mut self) -> Result<(), String> {
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

    /// Stops and starts it again on the same port.
    pub fn restart(&mut self) -> Result<(), String> {
        self.stop()?;
        self.start_again()
    }

    /// `GET path` from the monitoring port (with `Setup::Monitoring`).
    pub fn monitor_get(&self, path: &str) -> Result<String, String> {
        let http = self
            .server
            .as_ref()
            .and_then(Server::http_addr)
            .ok_or("monitoring is off")?;
        natskit_test::probe::http_get(http, path, Duration::from_secs(5)).map_err(|e| e.to_string())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Dropping the server closes its connections; the runtime goes without blocking (the
        // test's own runtime may be the caller).
        self.server.take();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
