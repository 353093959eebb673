//! [`PageServer`]: a few fixed files over HTTP on loopback, for pages a test opens in the
//! headless [`Browser`](crate::Browser).

use std::collections::BTreeMap;
use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::port;

/// How often the accept loop looks for a stop request.
const POLL: Duration = Duration::from_millis(10);

/// How long a connection may take to send its request (a browser's speculative connections
/// send nothing at all).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest request head read.
const MAX_REQUEST: usize = 16 * 1024;

/// Serves fixed files on a fresh 127.0.0.1 port: `GET` of a known path answers 200 with its body
/// and content type, any other path 404, any other method 405; every response closes the
/// connection. The server stops when dropped.
///
/// # Example
/// ```
/// use std::time::Duration;
/// use natskit_test::{probe, PageServer};
///
/// let pages = PageServer::start([("/", "text/html", "<p>hi</p>")]).unwrap();
/// let body = probe::http_get(pages.addr(), "/", Duration::from_secs(5)).unwrap();
/// assert_eq!(body, "<p>hi</p>");
/// assert!(probe::http_get(pages.addr(), "/missing", Duration::from_secs(5)).is_err());
/// assert!(pages.url("/").starts_with("http://127.0.0.1:"));
/// ```
#[derive(Debug)]
pub struct PageServer {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

/// One file: content type and body.
type File = (String, Vec<u8>);

impl PageServer {
    /// Starts serving `files`, each `(path, content type, body)`; paths start with `/`.
    ///
    /// # Errors
    /// [`Error::Io`] when no loopback port can be bound or the thread cannot be started.
    ///
    /// # Example
    /// ```
    /// let bundle = natskit_test::node::package_file("nats.ws", "esm/nats.js").unwrap();
    /// let pages = natskit_test::PageServer::start([
    ///     ("/", "text/html", b"<script type=module src=/nats.js></script>".to_vec()),
    ///     ("/nats.js", "text/javascript", std::fs::read(bundle).unwrap()),
    /// ])
    /// .unwrap();
    /// assert!(pages.addr().ip().is_loopback());
    /// ```
    pub fn start<P, C, B>(files: impl IntoIterator<Item = (P, C, B)>) -> Result<PageServer>
    where
        P: Into<String>,
        C: Into<String>,
        B: Into<Vec<u8>>,
    {
        let files: BTreeMap<String, File> = files
            .into_iter()
            .map(|(path, kind, body)| (path.into(), (kind.into(), body.into())))
            .collect();
        let listener = port::bind_fresh().map_err(|e| Error::io("binding the page server", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::io("reading the page server's address", e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::io("setting up the page server", e))?;
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopping);
        let acceptor = thread::Builder::new()
            .name("page-server".into())
            .spawn(move || accept_loop(&listener, &Arc::new(files), &stop))
            .map_err(|e| Error::io("starting the page server's thread", e))?;
        Ok(PageServer {
            addr,
            stopping,
            acceptor: Some(acceptor),
        })
    }

    /// Where it listens.
    ///
    /// # Example
    /// ```
    /// let pages = natskit_test::PageServer::start([("/", "text/plain", "x")]).unwrap();
    /// assert_eq!(pages.addr().ip().to_string(), "127.0.0.1");
    /// ```
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `http://` URL of `path` on this server.
    ///
    /// # Example
    /// ```
    /// let pages = natskit_test::PageServer::start([("/a", "text/plain", "x")]).unwrap();
    /// assert_eq!(pages.url("/a"), format!("http://{}/a", pages.addr()));
    /// ```
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, files: &Arc<BTreeMap<String, File>>, stopping: &AtomicBool) {
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    while !stopping.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let files = Arc::clone(files);
                // One thread each: a connection that never sends a request holds up no other.
                if let Ok(handle) = thread::Builder::new()
                    .name("page-server-conn".into())
                    .spawn(move || {
                        let _ = serve(stream, &files);
                    })
                {
                    connections.push(handle);
                }
                connections.retain(|c| !c.is_finished());
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL),
            Err(_) => thread::sleep(POLL),
        }
    }
    // Each ends within REQUEST_TIMEOUT.
    for connection in connections {
        let _ = connection.join();
    }
}

/// Reads one request head and answers it.
fn serve(mut stream: TcpStream, files: &BTreeMap<String, File>) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk)?;
        if n == 0 || head.len() > MAX_REQUEST {
            return Ok(());
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let mut words = head.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or("/"),
    );
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let (status, kind, body): (&str, &str, &[u8]) = match (method, files.get(path)) {
        ("GET" | "HEAD", Some((kind, body))) => ("200 OK", kind, body),
        ("GET" | "HEAD", None) => ("404 Not Found", "text/plain", b"not found"),
        _ => ("405 Method Not Allowed", "text/plain", b"GET only"),
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        response.extend_from_slice(body);
    }
    stream.write_all(&response)?;
    stream.flush()
}
