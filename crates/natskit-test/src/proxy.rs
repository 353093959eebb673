//! A loopback TCP proxy between a client and a server that can break the network on command:
//! cut connections, black-hole traffic (a partition: nothing arrives, nothing is reset), add
//! latency and throttle.
//!
//! Each accepted connection gets one upstream connection and two pump threads, one per
//! direction. Pumps read with a short timeout so that they notice commands and the proxy being
//! dropped; every thread ends by itself when the proxy is dropped.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use natskit_proto::sync::lock;

use crate::{Error, Result};

/// How often pumps and the accept loop look at the proxy's settings.
const POLL: Duration = Duration::from_millis(20);

/// What the proxy does with traffic.
#[derive(Debug, Default)]
struct Settings {
    /// Drop everything in both directions, keeping the sockets open.
    black_hole: AtomicBool,
    /// Delay before each chunk is forwarded, in microseconds.
    latency_us: AtomicU64,
    /// Most bytes per second forwarded in each direction; 0: no limit.
    bytes_per_second: AtomicU64,
    /// Set on drop: every thread ends.
    stopping: AtomicBool,
}

/// One proxied connection: the client side and the server side.
struct Link {
    client: TcpStream,
    server: TcpStream,
    /// Set by `cut`: the pumps finish as described there.
    cutting: Arc<AtomicBool>,
}

/// A TCP proxy on a free loopback port, forwarding to `upstream`.
///
/// ```
/// use std::io::{Read, Write};
/// use natskit_test::{FaultProxy, NatsServer};
///
/// let server = NatsServer::start().unwrap();
/// let proxy = FaultProxy::start(server.addr()).unwrap();
/// let mut conn = std::net::TcpStream::connect(proxy.addr()).unwrap();
/// let mut info = [0u8; 4];
/// conn.read_exact(&mut info).unwrap();
/// assert_eq!(&info, b"INFO");
/// proxy.cut(); // the client reads EOF; what it wrote before still reaches the server
/// ```
pub struct FaultProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    settings: Arc<Settings>,
    links: Arc<Mutex<Vec<Link>>>,
    accepted: Arc<AtomicUsize>,
    threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards each connection to `upstream`.
    ///
    /// # Errors
    /// When the listening socket cannot be set up.
    pub fn start(upstream: SocketAddr) -> Result<FaultProxy> {
        let io_err = |context: &str| {
            let context = context.to_owned();
            move |source| Error::Io { context, source }
        };
        let listener = crate::port::bind_fresh().map_err(io_err("binding the proxy"))?;
        listener
            .set_nonblocking(true)
            .map_err(io_err("setting up the proxy listener"))?;
        let addr = listener
            .local_addr()
            .map_err(io_err("reading the proxy address"))?;
        let settings = Arc::new(Settings::default());
        let links = Arc::new(Mutex::new(Vec::new()));
        let accepted = Arc::new(AtomicUsize::new(0));
        let threads = Arc::new(Mutex::new(Vec::new()));
        let acceptor = {
            let (settings, links, accepted, threads) = (
                Arc::clone(&settings),
                Arc::clone(&links),
                Arc::clone(&accepted),
                Arc::clone(&threads),
            );
            std::thread::spawn(move || {
                accept_loop(&listener, upstream, &settings, &links, &accepted, &threads)
            })
        };
        Ok(FaultProxy {
            addr,
            upstream,
            settings,
            links,
            accepted,
            threads,
            acceptor: Some(acceptor),
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `nats://` URL of the proxy.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// The server the proxy forwards to.
    pub fn upstream(&self) -> SocketAddr {
        self.upstream
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Connections currently open through the proxy.
    pub fn open_connections(&self) -> usize {
        lock(&self.links).len()
    }

    /// Cuts every open connection, the way a server that goes away cleanly does: the client
    /// reads end-of-stream at once (nothing more from the server reaches it), while what the
    /// client had already sent still reaches the server until the client closes its side.
    /// New connections are accepted as before.
    pub fn cut(&self) {
        let links: Vec<Link> = lock(&self.links).drain(..).collect();
        for link in links {
            link.cutting.store(true, Ordering::SeqCst);
            let _ = link.client.shutdown(Shutdown::Write);
        }
    }

    /// Resets every open connection at once in both directions: bytes in flight are lost.
    pub fn reset(&self) {
        let links: Vec<Link> = lock(&self.links).drain(..).collect();
        for link in links {
            link.cutting.store(true, Ordering::SeqCst);
            let _ = link.client.shutdown(Shutdown::Both);
            let _ = link.server.shutdown(Shutdown::Both);
        }
    }

    /// Starts a partition: from now on nothing passes in either direction and nothing is closed
    /// or reset; new connections are accepted but hear nothing. [`heal`](Self::heal) ends it.
    pub fn black_hole(&self) {
        self.settings.black_hole.store(true, Ordering::SeqCst);
    }

    /// Ends a partition: traffic passes again (what was dropped meanwhile stays lost).
    pub fn heal(&self) {
        self.settings.black_hole.store(false, Ordering::SeqCst);
    }

    /// Delays every chunk forwarded by `latency` (zero: none).
    pub fn set_latency(&self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.settings.latency_us.store(micros, Ordering::SeqCst);
    }

    /// Forwards at most `bytes_per_second` in each direction of each connection (0: no limit).
    pub fn throttle(&self, bytes_per_second: u64) {
        self.settings
            .bytes_per_second
            .store(bytes_per_second, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.settings.stopping.store(true, Ordering::SeqCst);
        self.reset();
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        let threads: Vec<JoinHandle<()>> = lock(&self.threads).drain(..).collect();
        for thread in threads {
            let _ = thread.join();
        }
    }
}

fn accept_loop(
    listener: &TcpListener,
    upstream: SocketAddr,
    settings: &Arc<Settings>,
    links: &Arc<Mutex<Vec<Link>>>,
    accepted: &AtomicUsize,
    threads: &Mutex<Vec<JoinHandle<()>>>,
) {
    while !settings.stopping.load(Ordering::SeqCst) {
        let client = match listener.accept() {
            Ok((client, _)) => client,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(POLL);
                continue;
            }
            Err(_) => continue,
        };
        accepted.fetch_add(1, Ordering::SeqCst);
        let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(2)) else {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        };
        let _ = client.set_nonblocking(false);
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let cutting = Arc::new(AtomicBool::new(false));
        let pumps = [
            (client.try_clone(), server.try_clone(), true),
            (server.try_clone(), client.try_clone(), false),
        ];
        let mut started = Vec::new();
        for (from, to, upstream_bound) in pumps {
            let (Ok(from), Ok(to)) = (from, to) else {
                continue;
            };
            let (settings, cutting) = (Arc::clone(settings), Arc::clone(&cutting));
            started.push(std::thread::spawn(move || {
                pump(from, to, upstream_bound, &settings, &cutting)
            }));
        }
        lock(threads).extend(started);
        lock(links).push(Link {
            client,
            server,
            cutting,
        });
    }
}

/// Copies `from` to `to` until either side closes. `to_server` tells the direction: after a
/// cut, the client-to-server pump goes on until the client closes (so nothing the client sent
/// is lost), then closes the server side; the server-to-client pump stops at once.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    to_server: bool,
    settings: &Settings,
    cutting: &AtomicBool,
) {
    let _ = from.set_read_timeout(Some(POLL));
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if settings.stopping.load(Ordering::SeqCst) {
            break;
        }
        if !to_server && cutting.load(Ordering::SeqCst) {
            break;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => break,
        };
        if settings.black_hole.load(Ordering::SeqCst) {
            continue; // Dropped on the floor, as a partition does.
        }
        if !to_server && cutting.load(Ordering::SeqCst) {
            break;
        }
        let latency = settings.latency_us.load(Ordering::SeqCst);
        if latency > 0 {
            std::thread::sleep(Duration::from_micros(latency));
        }
        // Throttled: a chunk leaves only after the time its size takes at the rate.
        let rate = settings.bytes_per_second.load(Ordering::SeqCst);
        if rate > 0 {
            std::thread::sleep(Duration::from_secs_f64(n as f64 / rate as f64));
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    if !to_server {
        // The client's side is done with; the other pump closes the server side.
        return;
    }
    let _ = from.shutdown(Shutdown::Read);
}
