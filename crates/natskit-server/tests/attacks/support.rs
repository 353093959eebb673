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

    /// Both, each with its HTTP monitoring endpoint on a free port (see [`Backend::http_addr`]).
    pub fn both_monitored(builder: ServerBuilder, nats_config: &str) -> [Backend; 2] {
        let port = natskit_test::port::free_port().unwrap();
        let nats = NatsServer::builder()
            .with_config(nats_config)
            .monitoring()
            .start()
            .unwrap();
        [
            Backend::embedded(builder.http_port(port)),
            Backend::Nats(nats),
        ]
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

    /// Where its monitoring endpoint listens; panics when it was started without one.
    pub fn http_addr(&self) -> SocketAddr {
        match self {
            Backend::Embedded { server, .. } => server.as_ref().unwrap().http_addr().unwrap(),
            Backend::Nats(server) => {
                SocketAddr::from(([127, 0, 0, 1], server.monitor_port().unwrap()))
            }
        }
    }

    /// The resident memory of the process the broker lives in: this test process for the
    /// embedded broker (so it includes the attacking clients), nats-server's own otherwise.
    pub fn resident(&self) -> usize {
        let pid = match self {
            Backend::Embedded { .. } => "self".to_owned(),
            Backend::Nats(server) => server.pid().unwrap().to_string(),
        };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let kib: usize = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap()
            .parse()
            .unwrap();
        kib * 1024
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
    /// Connects and reads INFO, and says nothing yet.
    pub async fn open(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).await.unwrap();
        let mut raw = Raw {
            stream,
            buf: Vec::new(),
            searched: 0,
            patience: PATIENCE,
        };
        raw.read_until(b"\r\n").await;
        raw
    }

    /// Connects, reads INFO, sends `CONNECT <connect>` and waits for the PONG to a PING.
    pub async fn connect(addr: SocketAddr, connect: &str) -> Raw {
        let mut raw = Raw::open(addr).await;
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

    /// Everything the broker says until it closes the connection or its answer ends with a
    /// PONG, and whether it closed; panics after the patience.
    pub async fn answer(&mut self) -> (Vec<u8>, bool) {
        let deadline = Instant::now() + self.patience;
        let mut chunk = vec![0u8; 64 * 1024];
        while !self.buf.ends_with(b"PONG\r\n") {
            let read = tokio::time::timeout_at(deadline.into(), self.stream.read(&mut chunk))
                .await
                .expect("the broker answered or closed in time");
            match read {
                Ok(0) | Err(_) => return (std::mem::take(&mut self.buf), true),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
        self.searched = 0;
        (std::mem::take(&mut self.buf), false)
    }

    /// The socket, for a task that only drains it.
    pub fn into_stream(self) -> TcpStream {
        self.stream
    }

    /// Drains the socket in a task of its own, counting the bytes, until it has at least what
    /// `expected` says (`usize::MAX` until the sender knows); the task returns the count.
    pub fn count_bytes_until(
        self,
        mut expected: tokio::sync::watch::Receiver<usize>,
    ) -> tokio::task::JoinHandle<usize> {
        let mut stream = self.stream;
        tokio::spawn(async move {
            let (mut received, mut chunk) = (0, vec![0u8; 256 * 1024]);
            while received < *expected.borrow_and_update() {
                tokio::select! {
                    read = stream.read(&mut chunk) => {
                        let n = read.unwrap();
                        assert!(n > 0, "the subscriber was disconnected");
                        received += n;
                    }
                    _ = expected.changed() => {}
                }
            }
            received
        })
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
        Bystander::start_url(format!("nats://{addr}"))
    }

    /// Connects to `url` (with credentials, say) and starts measuring.
    pub fn start_url(url: String) -> Bystander {
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
                let client = natskit::connect(&url).await.unwrap();
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

    /// Stops, and returns what it measured.
    pub fn finish(mut self) -> Latency {
        self.stop.store(true, Ordering::Relaxed);
        let mut rtts = self.thread.take().unwrap().join().unwrap();
        rtts.sort_unstable();
        let n = rtts.len();
        let at = (n * 99).div_ceil(100).max(1) - 1;
        Latency {
            p99: rtts[at],
            max: rtts[n - 1],
            samples: n,
        }
    }
}

/// A bystander's PING round trips.
#[derive(Debug, Clone, Copy)]
pub struct Latency {
    /// The 99th percentile.
    pub p99: Duration,
    /// The longest.
    pub max: Duration,
    /// How many were measured.
    pub samples: usize,
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bystander PING p99 {:?}, max {:?} over {} round trips",
            self.p99, self.max, self.samples
        )
    }
}

/// Asserts that a new client on `addr` still gets the message it publishes to itself: the
/// broker survived the attack and routes for others.
pub async fn still_delivers(addr: SocketAddr, name: &str) {
    let mut client = Raw::connect(addr, r#"{"verbose":false,"pedantic":false}"#).await;
    client
        .send(b"SUB after.attack 1\r\nPUB after.attack 5\r\nalive\r\n")
        .await;
    let got = client.sync().await;
    assert!(
        find(&got, b"MSG after.attack 1 5\r\nalive\r\n").is_some(),
        "{name}: a client after the attack got {:?}",
        String::from_utf8_lossy(&got)
    );
}

/// GETs `target` from a monitoring address (HTTP/1.0, so that nats-server neither chunks nor
/// keeps the connection): the status code and the body.
pub async fn http_get(addr: SocketAddr, target: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.0\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response))
        .await
        .expect("the monitoring endpoint answered in time")
        .unwrap();
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

/// A number field of a monitoring endpoint's JSON answer.
pub async fn monitored_number(addr: SocketAddr, target: &str, field: &str) -> u64 {
    let (status, body) = http_get(addr, target).await;
    assert_eq!(status, 200, "{target}: {body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    json[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{target} has no {field}: {body}"))
}

impl Drop for Bystander {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
