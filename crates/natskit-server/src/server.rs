//! Starting and stopping a broker: [`ServerBuilder`], the [`Server`] handle and its accept loop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::accounts::Account;
use crate::client::io;
use crate::client::shared::Conn;
use crate::error::ServerError;
use crate::listen::bind;
use crate::monitor;
use crate::options::{Auth, Limits, ServerOptions, User, WebSocket};
use crate::state::State;
use crate::stats::Statistics;
use natskit_proto::sync::lock;

/// Size of each end's buffer of an in-process connection.
const IN_PROCESS_BUFFER: usize = 256 * 1024;

/// Options of a broker before it starts; made by [`Server::builder`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), natskit_server::ServerError> {
/// use natskit_server::Server;
///
/// let server = Server::builder()
///     .port(0) // any free port
///     .max_payload(64 * 1024)
///     .token("s3cret")
///     .start()
///     .await?;
/// assert!(server.client_url().starts_with("nats://127.0.0.1:"));
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct ServerBuilder {
    options: ServerOptions,
}

impl ServerBuilder {
    /// The options set so far (for the configuration file's checks).
    pub(crate) fn options(&self) -> &ServerOptions {
        &self.options
    }

    /// The address to listen on (default `127.0.0.1`; `0.0.0.0` for every interface).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.options.host = host.into();
        self
    }

    /// The port to listen on (default 4222); 0 picks a free one, see [`Server::addr`].
    pub fn port(mut self, port: u16) -> Self {
        self.options.port = port;
        self
    }

    /// Whether to listen on TCP at all (default true). Without it, clients connect only
    /// through [`Server::in_process`], and [`Server::addr`] has port 0.
    pub fn tcp(mut self, listen: bool) -> Self {
        self.options.listen = listen;
        self
    }

    /// The name announced in INFO (default: the server id).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.options.server_name = name.into();
        self
    }

    /// Replaces every limit at once.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.options.limits = limits;
        self
    }

    /// Largest message a client may publish (default 1 MiB).
    pub fn max_payload(mut self, bytes: usize) -> Self {
        self.options.limits.max_payload = bytes;
        self
    }

    /// Longest control line (default 4096).
    pub fn max_control_line(mut self, bytes: usize) -> Self {
        self.options.limits.max_control_line = bytes;
        self
    }

    /// Most connections at once (default 65,536).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.options.limits.max_connections = n;
        self
    }

    /// Most subscriptions per connection (default 0: no limit).
    pub fn max_subscriptions(mut self, n: usize) -> Self {
        self.options.limits.max_subscriptions = n;
        self
    }

    /// Most bytes waiting for one client before it is disconnected as a slow consumer
    /// (default 64 MiB).
    pub fn max_pending(mut self, bytes: usize) -> Self {
        self.options.limits.max_pending = bytes;
        self
    }

    /// How long one write to a client may take (default 10 s).
    pub fn write_deadline(mut self, deadline: Duration) -> Self {
        self.options.limits.write_deadline = deadline;
        self
    }

    /// How long a connection has to send CONNECT (default 2 s).
    pub fn auth_timeout(mut self, timeout: Duration) -> Self {
        self.options.limits.auth_timeout = timeout;
        self
    }

    /// How often clients are PINGed (default 2 min), and how many PINGs may go unanswered
    /// before a client is disconnected as stale (default 2).
    pub fn ping(mut self, interval: Duration, max_outstanding: u32) -> Self {
        self.options.limits.ping_interval = interval;
        self.options.limits.max_pings_outstanding = max_outstanding;
        self
    }

    /// Who may connect (default: anyone).
    pub fn auth(mut self, auth: Auth) -> Self {
        self.options.auth = auth;
        self
    }

    /// Clients must send this token.
    pub fn token(self, token: impl Into<String>) -> Self {
        self.auth(Auth::Token(token.into()))
    }

    /// Adds a user with a password; clients must authenticate as one of the users added.
    pub fn user(self, name: impl Into<String>, password: impl Into<String>) -> Self {
        self.add_user(User::new(name, password))
    }

    /// Adds a user (with its permissions, if any); clients must authenticate as one of the
    /// users added.
    ///
    /// ```
    /// use natskit_server::{Permissions, Rule, Server, User};
    /// let reader = User::new("reader", "pw").permissions(Permissions::default().publish(Rule::allow(["_INBOX.>"])));
    /// let builder = Server::builder().add_user(reader).user("admin", "pw2");
    /// # let _ = builder;
    /// ```
    pub fn add_user(mut self, user: User) -> Self {
        match &mut self.options.auth {
            Auth::Users(users) => users.push(user),
            other => *other = Auth::Users(vec![user]),
        }
        self
    }

    /// A client that connects without credentials (no user, password, token or NKey) is taken
    /// as this user, with its permissions, as nats-server's `no_auth_user`; the user must be
    /// one added with [`Self::add_user`] (or an NKey user), or [`Self::start`] fails.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use natskit_server::{Permissions, Rule, Server, User};
    ///
    /// let guest = User::new("guest", "unused").permissions(Permissions::default().publish(Rule::allow(["public.>"])));
    /// let server = Server::builder().port(0).add_user(guest).no_auth_user("guest").start().await?;
    /// let client = natskit::connect(&server.client_url()).await?; // no credentials: guest
    /// client.flush().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn no_auth_user(mut self, name: impl Into<String>) -> Self {
        self.options.no_auth_user = Some(name.into());
        self
    }

    /// Adds an NKey user (public key `U...`, allowed everything): INFO then carries a nonce,
    /// and a client authenticates as this user by sending the key with its signature of the
    /// nonce (natskit's `ConnectOptions::nkey(seed)`). [`Self::start`] fails on a key that is
    /// not a user public key. Use [`Self::add_user`] with [`User::nkey`] to limit what it may do.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = nkeys::KeyPair::new_user();
    /// let server = natskit_server::Server::builder().port(0).nkey_user(key.public_key()).start().await?;
    /// let client = natskit::ConnectOptions::new()
    ///     .nkey(key.seed()?)
    ///     .connect(&server.client_url())
    ///     .await?;
    /// client.flush().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn nkey_user(self, public_key: impl Into<String>) -> Self {
        self.add_user(User::nkey(public_key))
    }

    /// Serves TLS with this certificate chain and private key (PEM files, read by
    /// [`Self::start`]), as nats-server's `tls { cert_file, key_file }`: INFO is sent in plain
    /// text with `tls_required`, then the client must start the TLS handshake (within the
    /// authentication timeout); a client that does not is disconnected without a word, as
    /// nats-server 2.9 does. In-process connections stay plain.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = natskit_server::Server::builder()
    ///     .tls("certs/server.pem", "certs/server-key.pem")
    ///     .start()
    ///     .await?;
    /// let client = natskit::ConnectOptions::new()
    ///     .add_root_certificate("certs/ca.pem")
    ///     .connect(&server.client_url())
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tls(mut self, cert_pem: impl Into<PathBuf>, key_pem: impl Into<PathBuf>) -> Self {
        self.options.tls.cert = Some(cert_pem.into());
        self.options.tls.key = Some(key_pem.into());
        self
    }

    /// Mutual TLS: clients must present a certificate signed by a CA in this PEM file
    /// (nats-server's `verify: true` with `ca_file`); INFO then says `tls_verify`. Needs
    /// [`Self::tls`] too, or [`Self::start`] fails.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = natskit_server::Server::builder()
    ///     .tls("certs/server.pem", "certs/server-key.pem")
    ///     .tls_verify_clients("certs/ca.pem")
    ///     .start()
    ///     .await?;
    /// let client = natskit::ConnectOptions::new()
    ///     .add_root_certificate("certs/ca.pem")
    ///     .client_certificate("certs/client.pem", "certs/client-key.pem")
    ///     .connect(&server.client_url())
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tls_verify_clients(mut self, ca_pem: impl Into<PathBuf>) -> Self {
        self.options.tls.client_ca = Some(ca_pem.into());
        self
    }

    /// TLS before anything else: a client starts the handshake as soon as it connects and
    /// INFO follows over TLS, as nats-server 2.10's `handshake_first` (clients opt in:
    /// natskit's `ConnectOptions::tls_first`, nats.go's `TLSHandshakeFirst`). Saves a round trip
    /// and lets TLS-terminating proxies sit in front. Needs [`Self::tls`] too, or
    /// [`Self::start`] fails; a client that speaks plain NATS first is disconnected.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = natskit_server::Server::builder()
    ///     .tls("certs/server.pem", "certs/server-key.pem")
    ///     .tls_handshake_first()
    ///     .start()
    ///     .await?;
    /// let client = natskit::ConnectOptions::new()
    ///     .add_root_certificate("certs/ca.pem")
    ///     .tls_first()
    ///     .connect(&server.client_url())
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn tls_handshake_first(mut self) -> Self {
        self.options.tls.handshake_first = true;
        self
    }

    /// Also listens for WebSocket clients (nats-server's `websocket {}` block): NATS in binary
    /// frames, with the same authentication, permissions and limits as TCP clients. Read the
    /// bound address with [`Server::websocket_addr`] and the URL for clients with
    /// [`Server::websocket_url`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use natskit_server::{Server, WebSocket};
    ///
    /// let server = Server::builder()
    ///     .port(0)
    ///     .websocket(WebSocket::port(0).no_tls()) // ws:// on a free port
    ///     .start()
    ///     .await?;
    /// let url = server.websocket_url().unwrap(); // "ws://127.0.0.1:PORT"
    /// assert_eq!(url, format!("ws://{}", server.websocket_addr().unwrap()));
    /// server.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn websocket(mut self, websocket: WebSocket) -> Self {
        self.options.websocket = Some(websocket);
        self
    }

    /// Serves `/varz`, `/connz` and `/subsz` over HTTP on this port (0 for a free one).
    pub fn http_port(mut self, port: u16) -> Self {
        self.options.http_port = Some(port);
        self
    }

    /// Adds an account: its users ([`User::account`]) see only its subjects and what it
    /// imports. Users without an account are in the global one (`$G`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use natskit_server::{Account, Export, Import, Server, User};
    /// let server = Server::builder()
    ///     .port(0)
    ///     .account(Account::new("A").export(Export::stream("news.>")))
    ///     .account(Account::new("B").import(Import::stream("A", "news.>").prefix("a")))
    ///     .add_user(User::new("a", "pa").account("A"))
    ///     .add_user(User::new("b", "pb").account("B"))
    ///     .start()
    ///     .await?;
    /// server.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn account(mut self, account: Account) -> Self {
        self.options.accounts.push(account);
        self
    }

    /// The account whose users receive `$SYS.ACCOUNT.<account>.CONNECT` and `DISCONNECT`
    /// events (nats-server's `system_account`); it must be added with [`Self::account`].
    ///
    /// ```
    /// use natskit_server::{Account, Server};
    /// let builder = Server::builder().account(Account::new("SYS")).system_account("SYS");
    /// # let _ = builder;
    /// ```
    pub fn system_account(mut self, name: impl Into<String>) -> Self {
        self.options.system_account = Some(name.into());
        self
    }

    /// On [`Server::shutdown`], how long clients get after the lame-duck INFO before they are
    /// disconnected (default 0: at once, after what is queued for them is sent).
    pub fn lame_duck_grace(mut self, grace: Duration) -> Self {
        self.options.lame_duck_grace = grace;
        self
    }

    /// Binds the port(s) and starts accepting clients on the current tokio runtime.
    pub async fn start(self) -> Result<Server, ServerError> {
        let options = self.options;
        crate::auth::check_nkeys(&options.auth)?;
        crate::auth::check_no_auth_user(&options.auth, options.no_auth_user.as_deref())?;
        crate::accounts::check(&options.accounts, options.system_account.as_deref())?;
        crate::accounts::check_users(&options.auth, &options.accounts)?;
        let tls = crate::tls::load(&options.tls)?;
        let (listener, addr) = if options.listen {
            let (listener, addr) = bind(&options.host, options.port).await?;
            (Some(listener), addr)
        } else {
            (None, SocketAddr::from(([127, 0, 0, 1], 0)))
        };
        let websocket = match &options.websocket {
            Some(ws) => Some(crate::ws::listener::bind(&options.host, ws).await?),
            None => None,
        };
        let http_port = options.http_port;
        let mut state = State::new(options, addr.port(), tls);
        state.websocket = websocket.as_ref().map(|ws| ws.endpoint());
        let state = Arc::new(state);
        let (stop, stopped) = watch::channel(false);
        let http = match http_port {
            Some(port) => Some(monitor::start(state.clone(), port, stopped.clone()).await?),
            None => None,
        };
        let websocket_addr = websocket.as_ref().map(|ws| ws.addr());
        let websocket_task =
            websocket.map(|ws| crate::ws::listener::start(state.clone(), ws, stopped.clone()));
        let accept = listener.map(|listener| {
            tracing::info!(%addr, "natskit-server listening");
            tokio::spawn(accept_loop(state.clone(), listener, stopped))
        });
        Ok(Server {
            state,
            addr,
            http_addr: http.as_ref().map(|(addr, _)| *addr),
            websocket_addr,
            tasks: vec![accept, http.map(|(_, task)| task), websocket_task]
                .into_iter()
                .flatten()
                .collect(),
            stop,
        })
    }
}

/// A running broker. Dropping it stops it abruptly; [`Server::shutdown`] stops it gracefully.
#[derive(Debug)]
pub struct Server {
    state: Arc<State>,
    addr: SocketAddr,
    http_addr: Option<SocketAddr>,
    websocket_addr: Option<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
    stop: watch::Sender<bool>,
}

impl Server {
    /// Options for a new broker.
    ///
    /// ```
    /// let builder = natskit_server::Server::builder().port(0);
    /// # let _ = builder;
    /// ```
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URL to give a client, such as `nats://127.0.0.1:4222`.
    pub fn client_url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// The monitoring address, when [`ServerBuilder::http_port`] was set.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http_addr
    }

    /// The WebSocket address, when [`ServerBuilder::websocket`] was set (with port 0: the
    /// port picked).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use natskit_server::{Server, WebSocket};
    /// let server = Server::builder().port(0).websocket(WebSocket::port(0).no_tls()).start().await?;
    /// assert_ne!(server.websocket_addr().unwrap().port(), 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn websocket_addr(&self) -> Option<SocketAddr> {
        self.websocket_addr
    }

    /// The URL to give a WebSocket client, such as `ws://127.0.0.1:8080` (`wss://` with TLS),
    /// when [`ServerBuilder::websocket`] was set.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let server = natskit_server::Server::builder().port(0).start().await?;
    /// assert_eq!(server.websocket_url(), None);
    /// # Ok(())
    /// # }
    /// ```
    pub fn websocket_url(&self) -> Option<String> {
        let tls = self.state.websocket.as_ref().is_some_and(|ws| ws.tls);
        let scheme = if tls { "wss" } else { "ws" };
        self.websocket_addr.map(|addr| format!("{scheme}://{addr}"))
    }

    /// The server id announced in INFO.
    pub fn id(&self) -> &str {
        &self.state.server_id
    }

    /// Live counters: connections, subscriptions, messages and bytes in and out.
    pub fn stats(&self) -> Statistics {
        Statistics::of(&self.state)
    }

    /// A handle that opens connections to the broker without any socket (see [`InProcess`]).
    pub fn in_process(&self) -> InProcess {
        InProcess {
            state: self.state.clone(),
        }
    }

    /// Stops gracefully: no new clients; every client gets an INFO with `ldm` (lame duck mode),
    /// then, after the lame-duck grace period, what is queued for it, and is disconnected.
    /// Returns when every connection has ended (or after the write deadline).
    pub async fn shutdown(mut self) {
        self.stop_accepting();
        let conns: Vec<Arc<Conn>> = lock(&self.state.conns).values().cloned().collect();
        for conn in &conns {
            let mut info = self.state.info(conn);
            info.lame_duck_mode = true;
            conn.send(|out| out.put_info(&info));
        }
        let grace = self.state.options.lame_duck_grace;
        if !grace.is_zero() {
            tokio::time::sleep(grace).await;
        }
        for conn in &conns {
            conn.close("server shutdown", None);
        }
        let deadline = self.state.options.limits.write_deadline;
        let _ = tokio::time::timeout(deadline, self.state.all_tasks_ended()).await;
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }

    fn stop_accepting(&self) {
        self.state.shutting_down.store(true, Ordering::Release);
        let _ = self.stop.send(true);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_accepting();
        for task in &self.tasks {
            task.abort();
        }
        for conn in lock(&self.state.conns).values() {
            conn.close("server stopped", None);
        }
    }
}

/// Opens connections to a broker in the same process: each is an in-memory pipe whose far end
/// the broker serves like a TCP client (same protocol, limits and monitoring). Cheap to clone;
/// hand it to the natskit client as a connector:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use natskit::{ConnectOptions, Connector};
/// use natskit_server::Server;
///
/// let server = Server::builder().tcp(false).start().await?; // no port at all
/// let broker = server.in_process();
/// let client = ConnectOptions::new()
///     .connector(Connector::new(move |_| {
///         let broker = broker.clone();
///         async move { broker.connect() }
///     }))
///     .connect("nats://in-process")
///     .await?;
/// let answer = client.request("nobody.home", "hi").await;
/// assert!(matches!(answer, Err(natskit::RequestError::NoResponders { .. })));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct InProcess {
    state: Arc<State>,
}

impl InProcess {
    /// A new connection; fails once the broker is shutting down.
    pub fn connect(&self) -> std::io::Result<tokio::io::DuplexStream> {
        if self.state.shutting_down.load(Ordering::Acquire) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionRefused,
                "the broker is shutting down",
            ));
        }
        let (ours, theirs) = tokio::io::duplex(IN_PROCESS_BUFFER);
        let conn = self.state.register(None, false);
        let (reader, writer) = tokio::io::split(theirs);
        self.state
            .spawn_tracked(io::serve(self.state.clone(), conn, reader, writer));
        Ok(ours)
    }
}

/// Accepts clients until told to stop.
async fn accept_loop(state: Arc<State>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => accept(&state, stream, peer),
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            _ = stop.changed() => return,
        }
    }
}

fn accept(state: &Arc<State>, stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let conn = state.register(Some(peer), false);
    tracing::info!(client = conn.id, %peer, "client connected");
    match &state.tls {
        Some(tls) => {
            let tls = tls.clone();
            state.spawn_tracked(io::serve_tls(state.clone(), conn, stream, tls));
        }
        None => {
            let (reader, writer) = stream.into_split();
            state.spawn_tracked(io::serve(state.clone(), conn, reader, writer));
        }
    }
}
