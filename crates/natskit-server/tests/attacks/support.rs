//! What the attacks share: the two back ends, raw protocol clients, and a bystander that
//! measures its PING round trips while an attack runs.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use natskit_server::{Server, ServerBuilder};
use natskit_test::NatsServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;

/// Taken by each attack for its whole run: the attacks measure time and this process's
/// memory, so they must not run beside each other.
pub fn alone() -> std::sync::MutexGuard<'static, ()> {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner())
}

/// Upper bound for anything an attack waits on.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// The longest a bystander's PING may take at the 99th percentile while an attack runs.
pub const BYSTANDER_P99: Duration = Duration::from_millis(50);

/// A broker under attack: the embedded one or a nats-server.
pub enum Backend {
    /// natskit-server on a runtime of its own (two workers, as `natskit server` on a
    /// two-core machine), so the attacking clients do not share its threads.
    Embedded {
        runtime: Runtime,
        server: Option<Server>,
    },
    /// nats-server 2.9 (the Debian package), stopped when dropped.
    Nats(NatsServer),
}

impl Backend {
    /// natskit-server with `builder`'s options on a free loopback port.
    pub fn embedded(builder: ServerBuilder) -> Backend {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("broker")
            .enable_all()
            .build()
            .unwrap();
        let port = natskit_test::port::free_port().unwrap();
        let server = runtime.block_on(builder.port(port).start()).unwrap();
        Backend::Embedded {
            runtime,
            server: Some(server),
        }
    }

    /// nats-server with this configuration text.
    pub fn nats(config: &str) -> Backend {
        Backend::Nats(NatsServer::builder().with_config(config).start().unwrap())
    }

    /// Both, in this order: natskit-server, then nats-server.
    pub fn both(builder: ServerBuilder, nats_config: &str) -> [Backend; 2] {
        [Backend::embedded(builder), Backend::nats(nats_config)]
    }

    /// For messages.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Embedded { .. } => "natskit-server",
            Backend::Nats(_) => "nats-server",
        }
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        match self {
            Backend::Embedded { server, .. } => server.as_ref().unwrap().addr(),
            Backend::Nats(server) => server.addr(),
        }
    }

    /// The embedded broker, if this is it.
    pub fn server(&self) -> Option<&Server> {
        match self {
            Backend::Embedded { server, .. } => server.as_ref(),
            Backend::Nats(_) => None,
        }
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Backend::Embedded { runtime, server } = self {
            if let Some(server) = server.take() {
                let _ = runtime
                    .block_on(async { tokio::time::timeout(PATIENCE, server.shutdown()).await });
            }
        }
    }
}

/// The runtime the attacking and measuring clients run on.
pub fn client_runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("clients")
        .enable_all()
        .build()
        .unwrap()
}

/// A client speaking the protocol over a bare socket, as an attacker would.
pub struct Raw {
    stream: TcpStream,
    buf: Vec<u8>,
    /// Where the next search for a needle starts (what is before was searched already).
    searched: usize,
    /// How long a read waits for the broker.
    patience: Duration,
}

impl Raw {
    /// Connects, reads INFO, sends `CONNECT <connect>` and waits for the PONG to a PING.
    pub async fn connect(addr: SocketAddr, connect: &str) -> Raw {
        let stream = TcpStream::connect(addr).await.unwrap();
        let mut raw = Raw {
            stream,
            buf: Vec::new(),
            searched: 0,
            patience: PATIENCE,
        };
        raw.read_until(b"\r\n").await;
        raw.send(format!("CONNECT {connect}\r\n").as_bytes()).await;
        raw.sync().await;
        raw
    }

    /// Waits up to `patience` (instead of [`PATIENCE`]) for each answer.
    pub fn with_patience(mut self, patience: Duration) -> Raw {
        self.patience = patience;
        self
    }

    /// Writes `bytes` whole.
    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// PING, then everything up to its PONG: the broker has carried out all sent before.
    pub async fn sync(&mut self) -> Vec<u8> {
        self.send(b"PING\r\n").await;
        self.read_until(b"PONG\r\n").await
    }

    /// Everything read up to and including `needle` (the rest stays for the next call);
    /// panics after its patience or when the connection ends first.
    pub async fn read_until(&mut self, needle: &[u8]) -> Vec<u8> {
        let deadline = Instant::now() + self.patience;
        loop {
            let from = self.searched.saturating_sub(needle.len());
            if let Some(at) = find(&self.buf[from..], needle) {
                let end = from + at + needle.len();
                let rest = self.buf.split_off(end);
                self.searched = 0;
                return std::mem::replace(&mut self.buf, rest);
            }
            self.searched = self.buf.len();
            let mut chunk = vec![0u8; 64 * 1024];
            let n = tokio::time::timeout_at(deadline.into(), self.stream.read(&mut chunk))
                .await
                .expect("the broker answered in time")
                .unwrap();
            assert!(n > 0, "the broker closed the connection");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// The socket, for a task that only drains it.
    pub fn into_stream(self) -> TcpStream {
        self.stream
    }
}

/// Where `needle` starts in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How often `needle` occurs in `haystack`.
pub fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count()
}

/// A client that PINGs (a natskit client's flush) in a loop and notes each round trip, until
/// stopped: what another user of the broker sees while it is under attack. It runs on a
/// thread and runtime of its own, so the attacking clients' work cannot delay it in this
/// process: what it measures is the broker.
pub struct Bystander {
    stop: Arc<AtomicBool>,
    samples: Arc<AtomicUsize>,
    thread: Option<std::thread::JoinHandle<Vec<Duration>>>,
}

impl Bystander {
    /// Connects and starts measuring.
    pub fn start(addr: SocketAddr) -> Bystander {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(AtomicUsize::new(0));
        let (stopped, counted) = (stop.clone(), samples.clone());
        let (ready, started) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let client = natskit::connect(&format!("nats://{addr}")).await.unwrap();
                client.flush().await.unwrap();
                ready.send(()).unwrap();
                let mut rtts = Vec::new();
                while !stopped.load(Ordering::Relaxed) {
                    let start = Instant::now();
                    tokio::time::timeout(PATIENCE, client.flush())
                        .await
                        .expect("the bystander's PING was answered in time")
                        .unwrap();
                    rtts.push(start.elapsed());
                    counted.fetch_add(1, Ordering::Relaxed);
                    // A pace, not a synchronisation: the bystander is not to become a load.
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                rtts
            })
        });
        started
            .recv_timeout(PATIENCE)
            .expect("the bystander connected");
        Bystander {
            stop,
            samples,
            thread: Some(thread),
        }
    }

    /// Round trips measured so far.
    pub fn samples(&self) -> usize {
        self.samples.load(Ordering::Relaxed)
    }

    /// Stops, and returns the round trips' 99th percentile and their number.
    pub fn p99(mut self) -> (Duration, usize) {
        self.stop.store(true, Ordering::Relaxed);
        let mut rtts = self.thread.take().unwrap().join().unwrap();
        rtts.sort_unstable();
        let n = rtts.len();
        let at = (n * 99).div_ceil(100).max(1) - 1;
        (rtts[at], n)
    }
}

impl Drop for Bystander {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
