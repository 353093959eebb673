//! Helpers shared by the broker tests.

use std::time::{Duration, Instant};

use natskit_server::{Server, ServerBuilder, ServerError};
use tokio::runtime::Runtime;

/// Upper bound for anything a test waits on.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A broker on a free loopback port.
pub async fn broker() -> Server {
    broker_with(Server::builder()).await
}

/// A broker with options, on a free loopback port.
pub async fn broker_with(builder: ServerBuilder) -> Server {
    builder
        .port(fresh_port())
        .start()
        .await
        .expect("start broker")
}

/// A port no other broker of this test process has had. A bare port 0 could be handed the
/// port of a broker that a restart test stopped for a moment, and its clients would
/// reconnect to the wrong broker.
pub fn fresh_port() -> u16 {
    natskit_test::port::free_port().expect("a free loopback port")
}

/// Starts a plain broker on `port`, retrying for a moment while a stopped broker's listener
/// still holds it.
pub async fn restart_on(port: u16) -> Result<Server, ServerError> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match Server::builder().port(port).start().await {
            Err(e) if Instant::now() < deadline => {
                eprintln!("port {port} not free yet ({e}); retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            started => return started,
        }
    }
}

/// A natskit client of `server`, logged in as `user` with `password`.
pub async fn connect_as(server: &Server, user: &str, password: &str) -> natskit::Client {
    natskit::ConnectOptions::new()
        .user_and_password(user, password)
        .connect(&server.client_url())
        .await
        .unwrap()
}

/// A broker on a runtime owned by the test, for plain tests whose thread blocks (nats-py) and
/// whose synchronous callbacks stop and restart it; shut down when dropped, also when the test
/// fails.
pub struct Hosted {
    runtime: Runtime,
    server: Option<Server>,
}

impl Hosted {
    pub fn start(builder: ServerBuilder) -> Hosted {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(broker_with(builder));
        Hosted {
            runtime,
            server: Some(server),
        }
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("a running broker")
    }

    pub fn url(&self) -> String {
        self.server().client_url()
    }

    /// Shuts the broker down gracefully and starts a plain one on the same port.
    pub fn restart(&mut self) -> natskit_test::Result<()> {
        let port = self.server().addr().port();
        if let Some(old) = self.server.take() {
            self.runtime.block_on(old.shutdown());
        }
        let server =
            self.runtime
                .block_on(restart_on(port))
                .map_err(|e| natskit_test::Error::Io {
                    context: format!("restarting the broker on port {port}"),
                    source: std::io::Error::other(e.to_string()),
                })?;
        self.server = Some(server);
        Ok(())
    }

    /// Waits (bounded) until no client is connected: nats-py's connections, refused ones too,
    /// are gone once its process is.
    pub fn no_connections_left(&self) {
        let deadline = Instant::now() + PATIENCE;
        while self.server().stats().connections != 0 {
            assert!(
                Instant::now() < deadline,
                "connections left after nats-py exited: {:?}",
                self.server().stats()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Hosted {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(PATIENCE, server.shutdown()).await });
        }
    }
}

/// A raw TCP client speaking the protocol by hand, for what no real client would send.
pub struct Raw {
    stream: tokio::net::TcpStream,
    /// Everything read so far.
    pub seen: Vec<u8>,
}

impl Raw {
    /// Connects and reads the INFO line.
    pub async fn connect(server: &Server) -> Raw {
        Raw::connect_to(server.addr()).await
    }

    /// Connects to any broker at `addr` (nats-server too) and reads the INFO line.
    pub async fn connect_to(addr: std::net::SocketAddr) -> Raw {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let mut raw = Raw {
            stream,
            seen: Vec::new(),
        };
        raw.read_until("\r\n").await;
        assert!(raw.seen.starts_with(b"INFO {"), "{}", raw.text());
        raw
    }

    /// Connects and sends `CONNECT` with `json`, then a PING, and waits for the PONG.
    pub async fn connect_with(server: &Server, json: &str) -> Raw {
        let mut raw = Raw::connect(server).await;
        raw.send(format!("CONNECT {json}\r\nPING\r\n")).await;
        raw.read_until("PONG\r\n").await;
        raw
    }

    /// Writes bytes.
    pub async fn send(&mut self, bytes: impl AsRef<[u8]>) {
        use tokio::io::AsyncWriteExt;
        self.stream.write_all(bytes.as_ref()).await.unwrap();
    }

    /// Reads until `needle` has been seen (since the start), failing the test after PATIENCE.
    pub async fn read_until(&mut self, needle: &str) {
        use tokio::io::AsyncReadExt;
        let found = tokio::time::timeout(PATIENCE, async {
            let mut chunk = [0u8; 4096];
            while !self.text().contains(needle) {
                let n = self.stream.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    return false;
                }
                self.seen.extend_from_slice(&chunk[..n]);
            }
            true
        })
        .await;
        assert_eq!(
            found,
            Ok(true),
            "waiting for {needle:?}, got {:?}",
            self.text()
        );
    }

    /// Reads until the broker closes the connection; returns everything read.
    pub async fn read_to_end(&mut self) -> String {
        assert!(
            self.read_until_closed_or(None).await,
            "the broker closes the connection; got {:?}",
            self.text()
        );
        self.text()
    }

    /// Reads until the broker closes the connection (true; a reset counts, after what arrived
    /// before it) or, when given, until what was read ends with `end` (false).
    pub async fn read_until_closed_or(&mut self, end: Option<&str>) -> bool {
        use tokio::io::AsyncReadExt;
        let outcome = tokio::time::timeout(PATIENCE, async {
            let mut chunk = [0u8; 4096];
            loop {
                if end.is_some_and(|end| self.seen.ends_with(end.as_bytes())) {
                    return false;
                }
                match self.stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return true,
                    Ok(n) => self.seen.extend_from_slice(&chunk[..n]),
                }
            }
        })
        .await;
        outcome.unwrap_or_else(|_| panic!("neither {end:?} nor a close; got {:?}", self.text()))
    }

    /// Reads until `needle` has been seen (since the start; true) or the broker closed the
    /// connection first (false).
    pub async fn read_until_seen_or_closed(&mut self, needle: &str) -> bool {
        use tokio::io::AsyncReadExt;
        let outcome = tokio::time::timeout(PATIENCE, async {
            let mut chunk = [0u8; 4096];
            while !self.text().contains(needle) {
                match self.stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => self.seen.extend_from_slice(&chunk[..n]),
                }
            }
            true
        })
        .await;
        outcome.unwrap_or_else(|_| panic!("neither {needle:?} nor a close; got {:?}", self.text()))
    }

    /// What was read, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen).into_owned()
    }

    /// Forgets what was read so far.
    pub fn clear(&mut self) {
        self.seen.clear();
    }
}
