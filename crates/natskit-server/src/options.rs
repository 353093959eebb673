//! What a [`Server`](crate::Server) is configured with: where it listens, its limits and who may
//! connect. Defaults follow nats-server's.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::accounts::Account;
use crate::operator::{Operator, Trust};
use crate::permissions::Permissions;
use crate::tls::TlsFiles;

/// nats-server's default client port.
pub const DEFAULT_PORT: u16 = 4222;

/// Size, count and time limits, with nats-server's defaults.
///
/// ```
/// let limits = natskit_server::Limits::default();
/// assert_eq!(limits.max_payload, 1024 * 1024);
/// assert_eq!(limits.max_control_line, 4096);
/// assert_eq!(limits.max_pending, 64 * 1024 * 1024);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest message (headers and payload) a client may publish; announced in INFO.
    pub max_payload: usize,
    /// Longest control line a client may send.
    pub max_control_line: usize,
    /// Most client connections at once.
    pub max_connections: usize,
    /// Most subscriptions per connection; 0 for no limit.
    pub max_subscriptions: usize,
    /// Most bytes waiting to be written to one client; a client above it is a slow consumer and
    /// is disconnected, so one reader that stopped cannot make the broker's memory grow.
    pub max_pending: usize,
    /// How long one write to a client may take before it counts as a slow consumer.
    pub write_deadline: Duration,
    /// How long a new connection has to send a valid CONNECT.
    pub auth_timeout: Duration,
    /// How often the broker PINGs each client.
    pub ping_interval: Duration,
    /// Unanswered PINGs after which a client is disconnected as stale.
    pub max_pings_outstanding: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_payload: natskit_proto::DEFAULT_MAX_PAYLOAD,
            max_control_line: natskit_proto::limits::DEFAULT_MAX_CONTROL_LINE,
            max_connections: 64 * 1024,
            max_subscriptions: 0,
            max_pending: 64 * 1024 * 1024,
            write_deadline: Duration::from_secs(10),
            auth_timeout: Duration::from_secs(2),
            ping_interval: Duration::from_secs(120),
            max_pings_outstanding: 2,
        }
    }
}

/// Who may connect.
///
/// `Debug` never shows a token or a password.
///
/// ```
/// use natskit_server::Auth;
///
/// let auth = Auth::Token("s3cret".into());
/// assert!(!format!("{auth:?}").contains("s3cret"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Auth {
    /// Anyone.
    #[default]
    None,
    /// Clients that send this token (`auth_token` in CONNECT, or `nats://token@host`).
    Token(String),
    /// Clients that send one of these user names with its password, or that sign the nonce
    /// with the seed of one of these NKey users ([`User::nkey`]).
    Users(Vec<User>),
}

impl Auth {
    /// True when clients must authenticate.
    ///
    /// ```
    /// assert!(!natskit_server::Auth::None.is_required());
    /// ```
    pub fn is_required(&self) -> bool {
        !matches!(self, Auth::None)
    }

    /// True when INFO must carry a nonce: some user is an NKey user.
    ///
    /// ```
    /// use natskit_server::{Auth, User};
    /// assert!(!Auth::Users(vec![User::new("a", "pw")]).needs_nonce());
    /// assert!(Auth::Users(vec![User::nkey("UABC")]).needs_nonce());
    /// ```
    pub fn needs_nonce(&self) -> bool {
        matches!(self, Auth::Users(users) if users.iter().any(|u| u.nkey.is_some()))
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Token(_) => f.write_str("Token(<redacted>)"),
            Auth::Users(users) => f.debug_tuple("Users").field(users).finish(),
        }
    }
}

/// A user the broker admits: a name with its password, or an NKey user (a public key `U...`
/// that proves itself by signing the nonce of INFO, as with nats-server's `nkey` users); and
/// optionally what it may publish and subscribe to. Both kinds may be mixed in
/// [`Auth::Users`]: a CONNECT with `nkey` is checked against the NKey users, any other against
/// the password users. `Debug` never shows the password.
///
/// ```
/// let user = natskit_server::User::new("alice", "wonderland");
/// assert_eq!(format!("{user:?}"), r#"User { name: "alice", password: <redacted>, permissions: None }"#);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// The user name; for an NKey user, its public key.
    pub name: String,
    /// The password; empty for an NKey user.
    pub password: String,
    /// The public NKey (`U...`) of an NKey user; `None` for a password user.
    pub nkey: Option<String>,
    /// What the user may do; `None`: anything.
    pub permissions: Option<Arc<Permissions>>,
    /// The account it belongs to; `None`: the global account (`$G`).
    pub account: Option<String>,
}

impl User {
    /// A user with a password, allowed everything.
    ///
    /// ```
    /// let user = natskit_server::User::new("alice", "wonderland");
    /// assert!(user.nkey.is_none());
    /// ```
    pub fn new(name: impl Into<String>, password: impl Into<String>) -> Self {
        User {
            name: name.into(),
            password: password.into(),
            nkey: None,
            permissions: None,
            account: None,
        }
    }

    /// An NKey user, allowed everything: a client proves it holds the seed of `public_key`
    /// (`U...`) by signing the nonce the broker sends in INFO. The key is checked when the
    /// broker starts ([`ServerError::InvalidNKey`](crate::ServerError::InvalidNKey)).
    ///
    /// ```
    /// let key = nkeys::KeyPair::new_user();
    /// let user = natskit_server::User::nkey(key.public_key());
    /// assert_eq!(user.nkey.as_deref(), Some(user.name.as_str()));
    /// assert!(format!("{user:?}").starts_with("User { nkey: \"U"));
    /// ```
    pub fn nkey(public_key: impl Into<String>) -> Self {
        let public_key = public_key.into();
        User {
            name: public_key.clone(),
            password: String::new(),
            nkey: Some(public_key),
            permissions: None,
            account: None,
        }
    }

    /// Limits what the user may publish and subscribe to.
    ///
    /// ```
    /// use natskit_server::{Permissions, Rule, User};
    /// let bob = User::new("bob", "pw").permissions(Permissions::default().publish(Rule::allow(["bob.>"])));
    /// assert!(bob.permissions.is_some());
    /// ```
    pub fn permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = Some(Arc::new(permissions));
        self
    }

    /// Puts the user in `account` (see [`Account`](crate::Account)).
    ///
    /// ```
    /// let bob = natskit_server::User::new("bob", "pw").account("A");
    /// assert_eq!(bob.account.as_deref(), Some("A"));
    /// ```
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = Some(account.into());
        self
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.nkey {
            Some(key) => write!(
                f,
                "User {{ nkey: {key:?}, permissions: {:?} }}",
                self.permissions
            ),
            None => write!(
                f,
                "User {{ name: {:?}, password: <redacted>, permissions: {:?} }}",
                self.name, self.permissions
            ),
        }
    }
}

/// Everything a server is started with; built by [`ServerBuilder`](crate::ServerBuilder).
#[derive(Debug, Clone)]
pub(crate) struct ServerOptions {
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) server_name: String,
    pub(crate) limits: Limits,
    pub(crate) auth: Auth,
    /// The user a client that sends no credentials is taken as (nats-server's `no_auth_user`).
    pub(crate) no_auth_user: Option<String>,
    pub(crate) tls: TlsFiles,
    pub(crate) http_port: Option<u16>,
    /// How long lame duck mode takes to evict every client (nats-server's
    /// `lame_duck_duration`, default 2 minutes).
    pub(crate) lame_duck_duration: Duration,
    /// How long clients get after the lame-duck INFO before the first is evicted; `None`:
    /// none on [`Server::shutdown`](crate::Server::shutdown), nats-server's 10 seconds in
    /// [`Server::lame_duck`](crate::Server::lame_duck).
    pub(crate) lame_duck_grace: Option<Duration>,
    pub(crate) listen: bool,
    pub(crate) websocket: Option<WebSocket>,
    /// Longest payload shown in a protocol trace line (0: all of it).
    pub(crate) max_traced_msg_len: usize,
    /// Logging, pid and ports files: for the program around the broker.
    pub(crate) process: ProcessOptions,
    /// Accounts besides the global one.
    pub(crate) accounts: Vec<Account>,
    /// The account that receives `$SYS.ACCOUNT.<account>.CONNECT` / `DISCONNECT` events.
    pub(crate) system_account: Option<String>,
    /// JetStream, when switched on.
    pub(crate) jetstream: Option<crate::jetstream::options::JetStream>,
    /// Operator (JWT) mode, as configured.
    pub(crate) operator: Option<Operator>,
    /// The operator mode's JWTs decoded and checked, once the broker starts.
    pub(crate) trust: Option<Arc<Trust>>,
}

impl ServerOptions {
    /// True when clients must authenticate (configured users or token, or operator mode).
    pub(crate) fn auth_required(&self) -> bool {
        self.auth.is_required() || self.operator.is_some()
    }

    /// True when INFO carries a nonce: NKey users, or operator mode (as nats-server).
    pub(crate) fn needs_nonce(&self) -> bool {
        self.auth.needs_nonce() || self.operator.is_some()
    }
}

/// nats-server's default `lame_duck_duration`.
pub(crate) const DEFAULT_LAME_DUCK_DURATION: Duration = Duration::from_secs(120);
/// nats-server's default `lame_duck_grace_period`.
pub(crate) const DEFAULT_LAME_DUCK_GRACE: Duration = Duration::from_secs(10);

/// What a nats-server configuration file says about the process around the broker rather
/// than the broker itself: how and where it logs, and its pid and ports files. natskit-server
/// only emits `tracing` events and writes no files; the program that runs it acts on these
/// (`natskit server` does, as nats-server would). Read them from a builder with
/// [`ServerBuilder::process_options`](crate::ServerBuilder::process_options).
///
/// ```
/// let p = natskit_server::ProcessOptions::default();
/// assert!(p.logtime && !p.debug && !p.trace && p.log_file.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessOptions {
    /// Debug lines (`debug: true`, nats-server's `-D`): connections opened and closed, and
    /// the like.
    pub debug: bool,
    /// Protocol trace lines (`trace: true`, nats-server's `-V`): every operation a client
    /// sends and every one it is sent.
    pub trace: bool,
    /// Each line starts with the date and time (`logtime`, default true).
    pub logtime: bool,
    /// Times in UTC (`logtime_utc`).
    pub logtime_utc: bool,
    /// Log to this file instead of standard error (`logfile`, nats-server's `-l`).
    pub log_file: Option<PathBuf>,
    /// Write the process id to this file (`pid_file`, nats-server's `-P`).
    pub pid_file: Option<PathBuf>,
    /// Write `<program>_<pid>.ports` with the listeners' URLs into this directory
    /// (`ports_file_dir`).
    pub ports_file_dir: Option<PathBuf>,
}

impl Default for ProcessOptions {
    fn default() -> Self {
        ProcessOptions {
            debug: false,
            trace: false,
            logtime: true,
            logtime_utc: false,
            log_file: None,
            pid_file: None,
            ports_file_dir: None,
        }
    }
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            host: "127.0.0.1".into(),
            port: DEFAULT_PORT,
            server_name: String::new(),
            limits: Limits::default(),
            auth: Auth::None,
            no_auth_user: None,
            tls: TlsFiles::default(),
            http_port: None,
            lame_duck_duration: DEFAULT_LAME_DUCK_DURATION,
            lame_duck_grace: None,
            listen: true,
            websocket: None,
            max_traced_msg_len: 0,
            process: ProcessOptions::default(),
            accounts: Vec::new(),
            system_account: None,
            operator: None,
            trust: None,
            jetstream: None,
        }
    }
}

/// A WebSocket listener, as nats-server's `websocket {}` block: browsers and other WebSocket
/// clients speak NATS in binary frames on its port, with the same authentication and
/// permissions as TCP clients. Give it to [`ServerBuilder::websocket`](crate::ServerBuilder::websocket);
/// the bound address is [`Server::websocket_addr`](crate::Server::websocket_addr) and the URL
/// for clients [`Server::websocket_url`](crate::Server::websocket_url).
///
/// As nats-server, it serves TLS (`wss://`) unless told [`WebSocket::no_tls`]: a listener with
/// neither a certificate nor `no_tls` makes [`ServerBuilder::start`](crate::ServerBuilder::start) fail.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use natskit_server::{Server, WebSocket};
///
/// let server = Server::builder()
///     .port(0)
///     .websocket(WebSocket::port(0).no_tls().compression(true))
///     .start()
///     .await?;
/// let url = server.websocket_url().expect("a WebSocket listener");
/// assert!(url.starts_with("ws://127.0.0.1:"));
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebSocket {
    /// Address to listen on; `None`: the broker's host.
    pub host: Option<String>,
    /// Port (0: a free one).
    pub port: u16,
    /// Serve plain `ws://` (nats-server's `no_tls: true`).
    pub no_tls: bool,
    /// Offer permessage-deflate to clients that ask for it (`compression: true`).
    pub compression: bool,
    /// Refuse a request whose `Origin` is not the host it was sent to (`same_origin: true`).
    pub same_origin: bool,
    /// Refuse a request whose `Origin` is not one of these (`allowed_origins`), such as
    /// `https://example.com:8443`; empty: any.
    pub allowed_origins: Vec<String>,
    /// How long a connection has to complete its TLS and HTTP handshake
    /// (`handshake_timeout`); default 2 s (nats-server waits forever by default).
    pub handshake_timeout: Duration,
    pub(crate) tls: TlsFiles,
}

impl WebSocket {
    /// A listener on `port` (0: a free one), with nats-server's defaults otherwise.
    ///
    /// ```
    /// let ws = natskit_server::WebSocket::port(8080);
    /// assert!(!ws.no_tls && !ws.compression);
    /// ```
    pub fn port(port: u16) -> Self {
        WebSocket {
            host: None,
            port,
            no_tls: false,
            compression: false,
            same_origin: false,
            allowed_origins: Vec::new(),
            handshake_timeout: Duration::from_secs(2),
            tls: TlsFiles::default(),
        }
    }

    /// Listens on this address instead of the broker's host.
    ///
    /// ```
    /// let ws = natskit_server::WebSocket::port(0).host("0.0.0.0");
    /// assert_eq!(ws.host.as_deref(), Some("0.0.0.0"));
    /// ```
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Serves plain `ws://`, without TLS (`no_tls: true`): for loopback, tests, or behind a
    /// proxy that terminates TLS.
    ///
    /// ```
    /// assert!(natskit_server::WebSocket::port(0).no_tls().no_tls);
    /// ```
    pub fn no_tls(mut self) -> Self {
        self.no_tls = true;
        self
    }

    /// Serves `wss://` with this certificate chain and key (PEM files, read at start), as the
    /// block's `tls { cert_file, key_file }`.
    ///
    /// ```
    /// let ws = natskit_server::WebSocket::port(443).tls("cert.pem", "key.pem");
    /// # let _ = ws;
    /// ```
    pub fn tls(
        mut self,
        cert_pem: impl Into<std::path::PathBuf>,
        key_pem: impl Into<std::path::PathBuf>,
    ) -> Self {
        self.tls.cert = Some(cert_pem.into());
        self.tls.key = Some(key_pem.into());
        self
    }

    /// Agrees permessage-deflate with clients that offer it (`compression: true`).
    ///
    /// ```
    /// assert!(natskit_server::WebSocket::port(0).compression(true).compression);
    /// ```
    pub fn compression(mut self, on: bool) -> Self {
        self.compression = on;
        self
    }

    /// Refuses (403) a request whose `Origin` differs from its `Host` (`same_origin: true`).
    ///
    /// ```
    /// assert!(natskit_server::WebSocket::port(0).same_origin(true).same_origin);
    /// ```
    pub fn same_origin(mut self, on: bool) -> Self {
        self.same_origin = on;
        self
    }

    /// Refuses (403) a request whose `Origin` is not one of these URLs (scheme, host and
    /// port must match); a request without `Origin` passes, as with nats-server.
    ///
    /// ```
    /// let ws = natskit_server::WebSocket::port(0).allowed_origins(["https://example.com"]);
    /// assert_eq!(ws.allowed_origins, ["https://example.com"]);
    /// ```
    pub fn allowed_origins<I, S>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// How long a connection has for its TLS and HTTP handshake (default 2 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// let ws = natskit_server::WebSocket::port(0).handshake_timeout(Duration::from_secs(5));
    /// assert_eq!(ws.handshake_timeout, Duration::from_secs(5));
    /// ```
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }
}
