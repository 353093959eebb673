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
use crate::operator::{Operator, Trust};
use crate::options::{
    Auth, Limits, ProcessOptions, ServerOptions, User, WebSocket, DEFAULT_LAME_DUCK_GRACE,
};
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

    /// No TLS: undoes [`Self::tls`], [`Self::tls_verify_clients`] and
    /// [`Self::tls_handshake_first`] (as nats-server's `--tls=false` undoes the configuration
    /// file's `tls` block).
    ///
    /// ```
    /// let builder = natskit_server::Server::builder().tls("c.pem", "k.pem").no_tls();
    /// # let _ = builder;
    /// ```
    pub fn no_tls(mut self) -> Self {
        self.options.tls = crate::tls::TlsFiles::default();
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

    /// [`Self::tls_verify_clients`], and a client is the user its certificate names
    /// (nats-server's `verify_and_map`): a user named as one of the certificate's e-mail
    /// addresses, DNS names or URIs, else as its subject (`CN=alice,O=acme`, in either
    /// order). Such users usually have no password; an NKey user still signs the nonce.
    ///
    /// ```
    /// let builder = natskit_server::Server::builder()
    ///     .tls("certs/server.pem", "certs/server-key.pem")
    ///     .tls_verify_and_map("certs/ca.pem")
    ///     .user("alice@example.com", "");
    /// # let _ = builder;
    /// ```
    pub fn tls_verify_and_map(mut self, ca_pem: impl Into<PathBuf>) -> Self {
        self.options.tls.client_ca = Some(ca_pem.into());
        self.options.tls.map_users = true;
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

    /// Operator (JWT) mode: clients log in with user JWTs signed by the preloaded accounts,
    /// each its own subject space named by its public key (nats-server's `operator`,
    /// `resolver: MEMORY` and `resolver_preload`). The system account is the one
    /// [`Self::system_account`] names, else the operator JWT's. Users, tokens or accounts
    /// configured beside it make [`Self::start`] fail, as with nats-server.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use natskit_server::{Operator, Server};
    /// let err = Server::builder().port(0).operator(Operator::new("not a JWT")).start().await.unwrap_err();
    /// assert!(err.to_string().contains("error parsing operator JWT"));
    /// # }
    /// ```
    pub fn operator(mut self, operator: Operator) -> Self {
        self.options.operator = Some(operator);
        self
    }

    /// Switches JetStream on: streams, consumers, KV and object stores for any NATS client,
    /// on memory or in files under the store directory (nats-server's `-js`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use natskit_server::{JetStream, Server};
    ///
    /// let dir = std::env::temp_dir().join(format!("natskit-doc-js-{}", std::process::id()));
    /// let server = Server::builder()
    ///     .port(0)
    ///     .jetstream(JetStream::new().store_dir(&dir))
    ///     .start()
    ///     .await?;
    /// server.shutdown().await;
    /// # let _ = std::fs::remove_dir_all(&dir);
    /// # Ok(())
    /// # }
    /// ```
    pub fn jetstream(mut self, jetstream: crate::jetstream::options::JetStream) -> Self {
        self.options.jetstream = Some(jetstream);
        self
    }

    /// The JetStream settings given so far, if it is switched on.
    pub fn jetstream_options(&self) -> Option<crate::jetstream::options::JetStream> {
        self.options.jetstream.clone()
    }

    /// How long clients get after the lame-duck INFO before they are disconnected: on
    /// [`Server::shutdown`] (default: no time, they are disconnected once what is queued for
    /// them is sent) and in [`Server::lame_duck`] (default 10 s, nats-server's
    /// `lame_duck_grace_period`). It must be shorter than [`Self::lame_duck_duration`], or
    /// [`Self::start`] fails, as nats-server does.
    pub fn lame_duck_grace(mut self, grace: Duration) -> Self {
        self.options.lame_duck_grace = Some(grace);
        self
    }

    /// How long [`Server::lame_duck`] takes to evict every client, grace period included
    /// (nats-server's `lame_duck_duration`, default 2 minutes).
    pub fn lame_duck_duration(mut self, duration: Duration) -> Self {
        self.options.lame_duck_duration = duration;
        self
    }

    /// The longest payload a protocol trace line shows; longer ones end in `...` (nats-server's
    /// `max_traced_msg_len`; default 0: all of it). Trace lines are `tracing` events at level
    /// TRACE with target `natskit_server::trace`.
    pub fn max_traced_msg_len(mut self, bytes: usize) -> Self {
        self.options.max_traced_msg_len = bytes;
        self
    }

    /// Logging, pid file and ports file settings, for the program that runs the broker (see
    /// [`ProcessOptions`]); the broker itself only carries them.
    pub fn process(mut self, process: ProcessOptions) -> Self {
        self.options.process = process;
        self
    }

    /// The logging, pid file and ports file settings (from a configuration file, say).
    ///
    /// ```
    /// let (builder, _) = natskit_server::config::settings_from_str("debug: true\npid_file: /tmp/n.pid", "x.conf")?;
    /// assert!(builder.process_options().debug);
    /// assert_eq!(builder.process_options().pid_file.as_deref(), Some(std::path::Path::new("/tmp/n.pid")));
    /// # Ok::<(), natskit_server::config::ConfigError>(())
    /// ```
    pub fn process_options(&self) -> &ProcessOptions {
        &self.options.process
    }

    /// Binds the port(s) and starts accepting clients on the current tokio runtime.
    pub async fn start(self) -> Result<Server, ServerError> {
        let mut options = self.options;
        let tls = check(&mut options)?;
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
        let (stop_listeners, listeners_stopped) = watch::channel(false);
        tracing::info!("Starting natskit-server");
        tracing::info!(
            "  Version:  {} (natskit {})",
            crate::state::VERSION,
            env!("CARGO_PKG_VERSION")
        );
        tracing::info!("  Name:     {}", state.server_name());
        tracing::info!("  ID:       {}", state.server_id);
        if let Some(jetstream) = state.options().jetstream.clone() {
            tracing::info!("Starting JetStream");
            tracing::info!(
                "  Store Directory: {:?}",
                jetstream.directory().join("jetstream")
            );
            if let Err(e) = crate::jetstream::start(&state, &jetstream).await {
                return Err(ServerError::JetStream(e.to_string()));
            }
        }
        let http = match http_port {
            Some(port) => Some(monitor::start(state.clone(), port, stopped).await?),
            None => None,
        };
        if let Some((addr, _)) = &http {
            tracing::info!("Starting http monitor on {addr}");
        }
        let websocket_addr = websocket.as_ref().map(|ws| ws.addr());
        let websocket_task = websocket
            .map(|ws| crate::ws::listener::start(state.clone(), ws, listeners_stopped.clone()));
        let accept = listener.map(|listener| {
            tracing::info!("Listening for client connections on {addr}");
            tokio::spawn(accept_loop(state.clone(), listener, listeners_stopped))
        });
        tracing::info!("Server is ready");
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
            stop_listeners,
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
    /// Stops everything (monitoring too).
    stop: watch::Sender<bool>,
    /// Stops the client and WebSocket listeners only (lame duck mode).
    stop_listeners: watch::Sender<bool>,
}

/// Checks options as [`ServerBuilder::start`] and [`Server::reload`] need them, and loads
/// their TLS files. In operator mode, decodes the JWTs and puts their accounts and system
/// account into `options`.
fn check(options: &mut ServerOptions) -> Result<Option<crate::tls::Tls>, ServerError> {
    if let Some(operator) = &options.operator {
        let has_users = matches!(&options.auth, Auth::Users(users) if !users.is_empty());
        let trust = Trust::load(
            operator,
            options.system_account.as_deref(),
            !options.accounts.is_empty(),
            has_users,
        )?;
        options.accounts = trust.accounts();
        options.system_account.clone_from(&trust.system_account);
        options.trust = Some(Arc::new(trust));
    }
    crate::auth::check_nkeys(&options.auth)?;
    crate::auth::check_no_auth_user(&options.auth, options.no_auth_user.as_deref())?;
    crate::accounts::check(&options.accounts, options.system_account.as_deref())?;
    if let Auth::Users(users) = &options.auth {
        let placed = users
            .iter()
            .filter_map(|u| Some((u.name.as_str(), u.account.as_deref()?)));
        crate::accounts::check_users(placed, &options.accounts)?;
    }
    let grace = options.lame_duck_grace.unwrap_or(DEFAULT_LAME_DUCK_GRACE);
    if !options.lame_duck_duration.is_zero() && grace >= options.lame_duck_duration {
        return Err(ServerError::InvalidOptions {
            reason: format!(
                "lame duck grace period ({}) should be strictly lower than lame duck duration ({})",
                go_duration(grace),
                go_duration(options.lame_duck_duration)
            ),
        });
    }
    crate::tls::load(&options.tls)
}

/// `10s`, `2m0s`, `1.5s`, `500ms`: a duration as Go prints it (for nats-server's texts).
fn go_duration(d: Duration) -> String {
    if d.as_secs() == 0 {
        return match d.subsec_nanos() {
            0 => "0s".into(),
            n if n % 1_000_000 == 0 => format!("{}ms", n / 1_000_000),
            n if n % 1_000 == 0 => format!("{}µs", n / 1_000),
            n => format!("{n}ns"),
        };
    }
    let (h, m, secs) = (d.as_secs() / 3600, d.as_secs() / 60 % 60, d.as_secs() % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    match d.subsec_nanos() {
        0 => out.push_str(&format!("{secs}s")),
        n => {
            let fraction = format!("{n:09}");
            out.push_str(&format!("{secs}.{}s", fraction.trim_end_matches('0')));
        }
    }
    out
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
    /// then, after the lame-duck grace period (none unless [`ServerBuilder::lame_duck_grace`]
    /// set one, and none after [`Server::lame_duck`]), what is queued for it, and is
    /// disconnected. Returns when every connection has ended (or after the write deadline).
    pub async fn shutdown(mut self) {
        tracing::info!("Initiating Shutdown...");
        let after_lame_duck = self.state.lame_duck.load(Ordering::Acquire);
        self.stop_accepting();
        let options = self.state.options();
        let conns: Vec<Arc<Conn>> = lock(&self.state.conns).values().cloned().collect();
        send_lame_duck_info(&self.state, &conns);
        let grace = options.lame_duck_grace.unwrap_or_default();
        if !grace.is_zero() && !after_lame_duck && !conns.is_empty() {
            tokio::time::sleep(grace).await;
        }
        for conn in &conns {
            conn.close("server shutdown", None);
        }
        // JetStream last: what the clients published before is stored and synced.
        for conn in lock(&self.state.internal).iter() {
            conn.close("server shutdown", None);
        }
        let deadline = options.limits.write_deadline;
        let _ = tokio::time::timeout(deadline, self.state.all_tasks_ended()).await;
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        tracing::info!("Server Exiting..");
    }

    /// Lame duck mode, as nats-server enters it on SIGUSR2 (`nats-server --signal ldm`): the
    /// client and WebSocket listeners close (monitoring stays), every client gets an INFO with
    /// `ldm` (so it can move to another server of its cluster), and after the grace period
    /// ([`ServerBuilder::lame_duck_grace`], default 10 s) the clients are disconnected one by
    /// one, spread over what is left of the lame duck duration
    /// ([`ServerBuilder::lame_duck_duration`], default 2 minutes) and at most a second apart.
    /// Returns when the last one is disconnected (at once without clients, or when called
    /// again); then call [`Server::shutdown`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// let server = natskit_server::Server::builder()
    ///     .port(0)
    ///     .lame_duck_duration(Duration::from_secs(2))
    ///     .lame_duck_grace(Duration::from_millis(100))
    ///     .start()
    ///     .await?;
    /// let client = natskit::connect(&server.client_url()).await?;
    /// server.lame_duck().await; // the client is gone now
    /// assert!(natskit::connect(&server.client_url()).await.is_err());
    /// server.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn lame_duck(&self) {
        if self.state.lame_duck.swap(true, Ordering::AcqRel) {
            return;
        }
        tracing::info!("Entering lame duck mode, stop accepting new clients");
        let _ = self.stop_listeners.send(true);
        let options = self.state.options();
        let conns: Vec<Arc<Conn>> = lock(&self.state.conns).values().cloned().collect();
        if conns.is_empty() {
            return;
        }
        let grace = options.lame_duck_grace.unwrap_or(DEFAULT_LAME_DUCK_GRACE);
        let (pause, batch) = lame_duck_pace(options.lame_duck_duration, grace, conns.len());
        send_lame_duck_info(&self.state, &conns);
        tokio::time::sleep(grace).await;
        tracing::info!("Closing existing clients");
        for (i, conn) in conns.iter().enumerate() {
            conn.close("server shutdown", None);
            if i + 1 == conns.len() {
                break;
            }
            if batch == 1 || i % batch == 0 {
                // At least half the pause, as nats-server picks it.
                let nanos = pause.as_nanos() as u64;
                let wait = rand::random_range(nanos / 2..nanos.max(1));
                tokio::time::sleep(Duration::from_nanos(wait)).await;
            }
        }
    }

    /// Applies new options to the running broker, as nats-server's configuration reload
    /// (SIGHUP) does: new users, passwords, tokens, NKey users, permissions and
    /// `no_auth_user`; new TLS certificates and keys (for connections from now on); new
    /// limits for new connections. Every connected client is checked again with the
    /// credentials of its CONNECT: one no longer allowed is disconnected with
    /// `-ERR 'Authorization Violation'`; the others stay, with the permissions of their user
    /// as the new options give them, and lose the subscriptions those no longer allow (each
    /// with `-ERR 'Permissions Violation for Subscription to "SUBJECT" (sid "SID")'`).
    ///
    /// Fails, changing nothing, when the options are not valid or change what cannot change
    /// while the broker runs ([`ServerError::Reload`]): host, port (a new port 0 keeps the
    /// one bound), server name, monitoring port, WebSocket listener, lame duck settings,
    /// `max_pending`, `max_subscriptions`, the accounts and the operator (JWT) settings.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use natskit_server::Server;
    /// let server = Server::builder().port(0).user("a", "pa").start().await?;
    /// server.reload(Server::builder().port(0).user("b", "pb"))?; // "a" is disconnected
    /// let b = natskit::ConnectOptions::new().user_and_password("b", "pb").connect(&server.client_url()).await?;
    /// b.flush().await?;
    /// assert!(server.reload(Server::builder().port(4333)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn reload(&self, builder: ServerBuilder) -> Result<(), ServerError> {
        let mut new = builder.options;
        let old = self.state.options();
        let tls = check(&mut new)?;
        reloadable(&old, &new)?;
        // A port 0 (or a reload of options that asked for 0) keeps the one bound.
        new.port = old.port;
        self.state.replace_options(new, tls);
        let options = self.state.options();
        let conns: Vec<Arc<Conn>> = lock(&self.state.conns).values().cloned().collect();
        for conn in &conns {
            recheck(&self.state, &options, conn);
        }
        tracing::info!("Reloaded server configuration");
        Ok(())
    }

    fn stop_accepting(&self) {
        self.state.shutting_down.store(true, Ordering::Release);
        let _ = self.stop_listeners.send(true);
        let _ = self.stop.send(true);
    }
}

/// The lame-duck INFO (`"ldm":true`) to each of `conns`.
fn send_lame_duck_info(state: &State, conns: &[Arc<Conn>]) {
    for conn in conns {
        let mut info = state.info(conn);
        info.lame_duck_mode = true;
        conn.send(|out| out.put_info(&info));
    }
}

/// How lame duck mode spreads `clients` evictions over `duration` less `grace`, as
/// nats-server does: the pause between two, at most a second, and after how many a pause
/// comes (more than one when there are more clients than nanoseconds).
fn lame_duck_pace(duration: Duration, grace: Duration, clients: usize) -> (Duration, usize) {
    let mut spread = duration.saturating_sub(grace).as_nanos();
    if spread == 0 {
        spread = Duration::from_secs(1).as_nanos();
    }
    let clients = clients.max(1) as u128;
    let pause = spread / clients;
    if pause < 1 {
        let batch = usize::try_from(clients / spread)
            .unwrap_or(usize::MAX)
            .max(1);
        return (Duration::from_nanos(1), batch);
    }
    let pause = Duration::from_nanos(u64::try_from(pause).unwrap_or(u64::MAX));
    (pause.min(Duration::from_secs(1)), 1)
}

/// Fails when `new` changes a setting a reload cannot change.
fn reloadable(old: &ServerOptions, new: &ServerOptions) -> Result<(), ServerError> {
    fn differ<T: PartialEq + std::fmt::Debug>(
        setting: &'static str,
        old: &T,
        new: &T,
    ) -> Result<(), ServerError> {
        if old == new {
            return Ok(());
        }
        Err(ServerError::Reload {
            setting,
            old: format!("{old:?}"),
            new: format!("{new:?}"),
        })
    }
    differ("host", &old.host, &new.host)?;
    if new.port != 0 {
        differ("port", &old.port, &new.port)?;
    }
    differ("server_name", &old.server_name, &new.server_name)?;
    differ("http_port", &old.http_port, &new.http_port)?;
    differ("websocket", &old.websocket, &new.websocket)?;
    differ("listen", &old.listen, &new.listen)?;
    differ(
        "lame_duck_duration",
        &old.lame_duck_duration,
        &new.lame_duck_duration,
    )?;
    differ(
        "lame_duck_grace_period",
        &old.lame_duck_grace,
        &new.lame_duck_grace,
    )?;
    differ(
        "max_pending",
        &old.limits.max_pending,
        &new.limits.max_pending,
    )?;
    differ(
        "max_subscriptions",
        &old.limits.max_subscriptions,
        &new.limits.max_subscriptions,
    )?;
    // Each account's subject space is built at start: accounts stay as they are.
    differ("operator", &old.operator, &new.operator)?;
    differ("accounts", &old.accounts, &new.accounts)?;
    differ("system_account", &old.system_account, &new.system_account)
}

/// False when `connect` named a user (or NKey) that `auth` does not have.
fn still_configured(auth: &Auth, connect: &natskit_proto::ConnectInfo) -> bool {
    let users: &[User] = match auth {
        Auth::Users(users) => users,
        _ => &[],
    };
    match (&connect.nkey, &connect.user) {
        (Some(key), _) => users.iter().any(|u| u.nkey.as_ref() == Some(key)),
        (None, Some(name)) => users.iter().any(|u| u.nkey.is_none() && &u.name == name),
        (None, None) => true,
    }
}

/// Checks a connected client against reloaded options, as nats-server's reload does:
/// disconnected when its credentials no longer admit it; else its user's permissions now,
/// and its subscriptions they no longer allow removed.
fn recheck(state: &State, options: &ServerOptions, conn: &Arc<Conn>) {
    let Some(login) = lock(&conn.login).clone() else {
        return; // no CONNECT yet: it is checked against the new options when it comes
    };
    // The operator and its accounts cannot change on reload: a JWT user stays admitted.
    if options.trust.is_some() {
        return;
    }
    // As nats-server: a client that named a user or an NKey the options no longer have is
    // closed without an -ERR (its user "moved"); the others are checked as at CONNECT.
    if !still_configured(&options.auth, &login.connect) {
        tracing::debug!(
            "{} - {} removed by the configuration reload",
            conn.label(),
            crate::client::shared::who(&login.connect)
        );
        conn.close(
            "Client Closed (user removed by a configuration reload)",
            None,
        );
        return;
    }
    let map = crate::client::protocol::cert_map(&options.tls, conn);
    let admitted = match crate::client::protocol::anonymous(options, map, &login.connect) {
        Some(user) => Ok(Some(user)),
        None => crate::auth::authorize_with_cert(&options.auth, &login.connect, &login.nonce, map),
    };
    let Ok(user) = admitted else {
        tracing::error!(
            "{} - authentication error - {} (configuration reload)",
            conn.label(),
            crate::client::shared::who(&login.connect)
        );
        conn.close(
            "Authentication Failure (configuration reload)",
            Some(crate::texts::AUTH_VIOLATION),
        );
        return;
    };
    // As nats-server: a client whose user is now in another account is closed (it
    // reconnects into that one).
    let account = user
        .and_then(|u| u.account.as_deref())
        .unwrap_or(crate::accounts::GLOBAL_ACCOUNT);
    if conn
        .account
        .get()
        .is_some_and(|&index| state.spaces[index].name != account)
    {
        conn.close(
            "Client Closed (account changed by a configuration reload)",
            None,
        );
        return;
    }
    let permissions = user.and_then(|u| u.permissions.clone());
    lock(&conn.meta).user = user.map(|u| u.name.clone()).unwrap_or_default();
    if conn.permissions() != permissions {
        conn.set_permissions(permissions.clone());
    }
    let Some(permissions) = permissions else {
        return;
    };
    let subs: Vec<_> = lock(&conn.subs).iter().map(|s| s.0.clone()).collect();
    for sub in subs {
        if permissions.subscribe.permits(&sub.subject) {
            continue;
        }
        state.remove_subscription(&sub);
        conn.send(|out| {
            out.put_err(&crate::texts::reload_subscribe_violation(
                &sub.subject,
                &sub.sid,
            ))
        });
        tracing::info!(
            "Removed sub {} (sid {}) for {} - not authorized",
            crate::quoted::quoted(&sub.subject),
            crate::quoted::quoted(&sub.sid),
            crate::client::shared::who(&login.connect)
        );
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
        if self.state.shutting_down.load(Ordering::Acquire)
            || self.state.lame_duck.load(Ordering::Acquire)
        {
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
    tracing::debug!("{} - Client connection created", conn.label());
    match state.tls() {
        Some(tls) => {
            state.spawn_tracked(io::serve_tls(state.clone(), conn, stream, tls));
        }
        None => {
            let (reader, writer) = stream.into_split();
            state.spawn_tracked(io::serve(state.clone(), conn, reader, writer));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_prints_them() {
        let d = Duration::from_millis;
        assert_eq!(go_duration(d(10_000)), "10s");
        assert_eq!(go_duration(d(120_000)), "2m0s");
        assert_eq!(go_duration(d(90_500)), "1m30.5s");
        assert_eq!(go_duration(d(3_600_000)), "1h0m0s");
        assert_eq!(go_duration(d(500)), "500ms");
        assert_eq!(go_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn lame_duck_evictions_are_spread_as_nats_server_spreads_them() {
        let s = Duration::from_secs;
        // 2 minutes less 10 s over 10 clients: 11 s each, at most a second.
        assert_eq!(lame_duck_pace(s(120), s(10), 10), (s(1), 1));
        // 20 s over 100 clients: 200 ms each.
        assert_eq!(
            lame_duck_pace(s(30), s(10), 100),
            (Duration::from_millis(200), 1)
        );
        // No time left after the grace period: a second.
        assert_eq!(
            lame_duck_pace(s(10), s(10), 4),
            (Duration::from_millis(250), 1)
        );
        // More clients than nanoseconds: batches.
        assert_eq!(
            lame_duck_pace(Duration::from_nanos(10), Duration::ZERO, 100),
            (Duration::from_nanos(1), 10)
        );
    }
}
