//! [`ConnectOptions`]: how to reach the servers and how the connection behaves, grouped by
//! concern (servers, auth, timing, limits) behind one builder.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use crate::auth::Auth;
use crate::auth::AuthCallbackError;
use crate::auth::{AuthOptions, CredsSource};
use crate::reconnect::{ReconnectDelay, ReconnectOptions};
use crate::server_addr::DEFAULT_URL;
use crate::tls::TlsOptions;
use crate::transport::Connector;

/// What the connection says about itself and asks of the server.
#[derive(Debug, Clone)]
pub(crate) struct ProtocolOptions {
    pub(crate) name: Option<String>,
    pub(crate) echo: bool,
    pub(crate) verbose: bool,
    pub(crate) pedantic: bool,
    pub(crate) inbox_prefix: String,
}

impl ProtocolOptions {
    /// `<inbox prefix>.<nuid>`: a fresh, unique inbox subject.
    pub(crate) fn new_inbox(&self) -> String {
        format!("{}.{}", self.inbox_prefix, natskit_proto::nuid::next())
    }
}

/// Keepalive and timeouts.
#[derive(Debug, Clone)]
pub(crate) struct TimingOptions {
    pub(crate) ping_interval: Duration,
    pub(crate) max_pings_outstanding: usize,
    pub(crate) connection_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) flush_timeout: Duration,
    pub(crate) drain_timeout: Duration,
}

/// Buffers and pending limits.
#[derive(Debug, Clone)]
pub(crate) struct LimitOptions {
    pub(crate) pending_messages: usize,
    pub(crate) pending_bytes: usize,
    pub(crate) write_buffer: usize,
    pub(crate) event_capacity: usize,
}

/// Default number of messages a subscription may hold unread before it drops (Go's default).
pub const DEFAULT_PENDING_MESSAGES: usize = 500_000;
/// Default bytes a subscription may hold unread before it drops. Go's default is 64 MiB of
/// payload; natskit counts the memory the messages really hold (see
/// [`ConnectOptions::pending_limits`]), about 280 bytes for a 16-byte message, so its default is
/// twice that: room for about 470,000 small messages, near the 500,000-message limit.
pub const DEFAULT_PENDING_BYTES: usize = 128 * 1024 * 1024;

/// Options for a connection; finish with [`connect`](ConnectOptions::connect).
///
/// ```no_run
/// use std::time::Duration;
///
/// # async fn demo() -> Result<(), natskit::ConnectError> {
/// let client = natskit::ConnectOptions::new()
///     .name("orders-service")
///     .ping_interval(Duration::from_secs(30))
///     .request_timeout(Duration::from_secs(2))
///     .user_and_password("alice", "s3cret")
///     .connect("nats://127.0.0.1:4222")
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub(crate) auth: AuthOptions,
    pub(crate) tls: TlsOptions,
    pub(crate) protocol: ProtocolOptions,
    pub(crate) timing: TimingOptions,
    pub(crate) limits: LimitOptions,
    pub(crate) reconnect: ReconnectOptions,
    pub(crate) connector: Option<Connector>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl ConnectOptions {
    /// The defaults: echo on, 2-minute pings, 2 outstanding allowed, 5 s connection timeout,
    /// 10 s request and flush timeouts, 500,000 messages / 128 MiB pending per subscription.
    pub fn new() -> Self {
        ConnectOptions {
            auth: AuthOptions::default(),
            tls: TlsOptions::default(),
            protocol: ProtocolOptions {
                name: None,
                echo: true,
                verbose: false,
                pedantic: false,
                inbox_prefix: "_INBOX".into(),
            },
            timing: TimingOptions {
                ping_interval: Duration::from_secs(120),
                max_pings_outstanding: 2,
                connection_timeout: Duration::from_secs(5),
                request_timeout: Duration::from_secs(10),
                flush_timeout: Duration::from_secs(10),
                drain_timeout: Duration::from_secs(30),
            },
            limits: LimitOptions {
                pending_messages: DEFAULT_PENDING_MESSAGES,
                pending_bytes: DEFAULT_PENDING_BYTES,
                write_buffer: 8 * 1024 * 1024,
                event_capacity: 256,
            },
            reconnect: ReconnectOptions::default(),
            connector: None,
        }
    }

    /// Opens connections with `connector` instead of TCP: for an in-process broker
    /// (natskit-server's `Server::in_process`), a Unix socket, or a test double. The URLs still
    /// name the servers (the connector gets each [`ServerAddr`](crate::ServerAddr)) and their credentials.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), natskit::ConnectError> {
    /// use natskit::{ConnectOptions, Connector};
    ///
    /// let client = ConnectOptions::new()
    ///     .connector(Connector::new(|_addr| tokio::net::UnixStream::connect("/run/nats.sock")))
    ///     .connect("nats://local")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn connector(mut self, connector: Connector) -> Self {
        self.connector = Some(connector);
        self
    }

    /// Connection name, shown by the server's monitoring.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.protocol.name = Some(name.into());
        self
    }

    /// Whether this connection receives its own publishes (default: true).
    pub fn echo(mut self, echo: bool) -> Self {
        self.protocol.echo = echo;
        self
    }

    /// Ask the server to acknowledge each operation with `+OK` (default: false).
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.protocol.verbose = verbose;
        self
    }

    /// Ask the server for strict checks, such as literal publish subjects (default: false).
    pub fn pedantic(mut self, pedantic: bool) -> Self {
        self.protocol.pedantic = pedantic;
        self
    }

    /// Prefix of the reply subjects of requests (default: `_INBOX`).
    pub fn inbox_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.protocol.inbox_prefix = prefix.into();
        self
    }

    /// How often to PING the server when nothing else proves it alive (default: 2 minutes).
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.timing.ping_interval = interval;
        self
    }

    /// Unanswered PINGs tolerated before the connection counts as stale (default: 2).
    pub fn max_pings_outstanding(mut self, max: usize) -> Self {
        self.timing.max_pings_outstanding = max;
        self
    }

    /// Time allowed for TCP connect plus handshake with one server (default: 5 s).
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.timing.connection_timeout = timeout;
        self
    }

    /// Default timeout of [`Client::request`](crate::Client::request) (default: 10 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.timing.request_timeout = timeout;
        self
    }

    /// Timeout of [`Client::flush`](crate::Client::flush) and of the flush in [`Client::close`](crate::Client::close) (default: 10 s).
    pub fn flush_timeout(mut self, timeout: Duration) -> Self {
        self.timing.flush_timeout = timeout;
        self
    }

    /// User and password authentication.
    pub fn user_and_password(
        mut self,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.auth.user = Some(user.into());
        self.auth.pass = Some(password.into());
        self
    }

    /// Token authentication.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.auth.token = Some(token.into());
        self
    }

    /// NKey authentication: the public key of `seed` (`SU...`) is sent with its signature of
    /// the server's nonce. The seed never leaves the process and never appears in `Debug`
    /// output or errors.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), natskit::ConnectError> {
    /// let seed = std::env::var("NKEY_SEED").unwrap_or_default();
    /// let client = natskit::ConnectOptions::new().nkey(seed).connect("nats://127.0.0.1:4222").await?;
    /// # Ok(()) }
    /// ```
    pub fn nkey(mut self, seed: impl Into<String>) -> Self {
        self.auth.nkey_seed = Some(seed.into());
        self
    }

    /// User JWT authentication: `jwt` is sent with `sign`'s signature of the server's nonce
    /// (raw Ed25519 signature bytes by the key whose public half is the JWT's subject).
    ///
    /// ```no_run
    /// # async fn demo(jwt: String) -> Result<(), natskit::ConnectError> {
    /// let key = nkeys::KeyPair::new_user();
    /// let client = natskit::ConnectOptions::new()
    ///     .jwt(jwt, move |nonce| Ok(key.sign(nonce)?))
    ///     .connect("nats://127.0.0.1:4222")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn jwt<F>(mut self, jwt: impl Into<String>, sign: F) -> Self
    where
        F: Fn(&[u8]) -> Result<Vec<u8>, AuthCallbackError> + Send + Sync + 'static,
    {
        self.auth.set_jwt(jwt.into(), sign);
        self
    }

    /// Authenticates with a `.creds` file as `nsc` writes it (a user JWT block and an NKey
    /// seed block). The file is read at every connect and reconnect, so a rotated file is
    /// picked up.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), natskit::ConnectError> {
    /// let client = natskit::ConnectOptions::new()
    ///     .credentials_file("/etc/nats/app.creds")
    ///     .connect("nats://127.0.0.1:4222")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn credentials_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.auth.creds = Some(CredsSource::File(path.into()));
        self
    }

    /// Like [`credentials_file`](Self::credentials_file), with the file's text given.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), natskit::ConnectError> {
    /// let creds = std::env::var("NATS_CREDS").unwrap_or_default();
    /// let client = natskit::ConnectOptions::new().credentials(creds).connect("nats://127.0.0.1:4222").await?;
    /// # Ok(()) }
    /// ```
    pub fn credentials(mut self, creds: impl Into<String>) -> Self {
        self.auth.creds = Some(CredsSource::Text(creds.into()));
        self
    }

    /// Lets `callback` decide the credentials of each connection: it gets the server's nonce
    /// (empty when the server sent none) and returns what to present, replacing every other
    /// credential of the options and URL.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), natskit::ConnectError> {
    /// use natskit::{Auth, ConnectOptions};
    ///
    /// let key = std::sync::Arc::new(nkeys::KeyPair::new_user());
    /// let client = ConnectOptions::new()
    ///     .auth_callback(move |nonce| {
    ///         let key = key.clone();
    ///         async move { Ok(Auth::new().nkey(key.public_key()).signature(key.sign(&nonce)?)) }
    ///     })
    ///     .connect("nats://127.0.0.1:4222")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn auth_callback<F, Fut>(mut self, callback: F) -> Self
    where
        F: Fn(Vec<u8>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Auth, AuthCallbackError>> + Send + 'static,
    {
        self.auth.set_callback(callback);
        self
    }

    /// Refuse servers that do not offer TLS (default: false, TLS only when the server
    /// requires it or the URL is `tls://` or `wss://`). A `ws://` URL gets TLS under its
    /// WebSocket upgrade then, as `wss://` does (as nats.go does).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), natskit::ConnectError> {
    /// let client = natskit::ConnectOptions::new().require_tls(true).connect("nats.example.com").await?;
    /// # Ok(()) }
    /// ```
    pub fn require_tls(mut self, required: bool) -> Self {
        self.tls.required = required;
        self
    }

    /// Start TLS before the server's INFO, for servers configured with `handshake_first`.
    /// (Over WebSocket, TLS always comes first: under the HTTP upgrade.)
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), natskit::ConnectError> {
    /// let client = natskit::ConnectOptions::new().tls_first().connect("tls://nats.example.com").await?;
    /// # Ok(()) }
    /// ```
    pub fn tls_first(mut self) -> Self {
        self.tls.first = true;
        self
    }

    /// Trust the CA certificates of this PEM file. The first one given replaces the default
    /// roots (Mozilla's, from `webpki-roots`); later ones add to it.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), natskit::ConnectError> {
    /// let client = natskit::ConnectOptions::new()
    ///     .add_root_certificate("/etc/nats/ca.pem")
    ///     .connect("tls://nats.internal:4222")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn add_root_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls.root_certificates.push(path.into());
        self
    }

    /// Present this certificate chain and private key (PEM files) for mutual TLS.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), natskit::ConnectError> {
    /// let client = natskit::ConnectOptions::new()
    ///     .client_certificate("/etc/nats/client.pem", "/etc/nats/client-key.pem")
    ///     .connect("tls://nats.internal:4222")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn client_certificate(mut self, cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        self.tls.client_certificate = Some((cert.into(), key.into()));
        self
    }

    /// Use this rustls configuration for TLS, instead of one built from
    /// [`add_root_certificate`](Self::add_root_certificate) and
    /// [`client_certificate`](Self::client_certificate) (which are then ignored).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), natskit::ConnectError> {
    /// use natskit::rustls;
    ///
    /// let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    /// let roots = rustls::RootCertStore::empty(); // add the CAs to trust here
    /// let config = rustls::ClientConfig::builder_with_provider(provider)
    ///     .with_safe_default_protocol_versions()
    ///     .expect("TLS 1.2 and 1.3 are supported")
    ///     .with_root_certificates(roots)
    ///     .with_no_client_auth();
    /// let client = natskit::ConnectOptions::new()
    ///     .tls_client_config(config)
    ///     .connect("tls://nats.example.com")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "tls")]
    pub fn tls_client_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls.config = Some(std::sync::Arc::new(config));
        self
    }

    /// Messages and bytes a subscription may hold unread; past either, new messages are
    /// dropped and counted, and a slow-consumer event is reported. Bytes are the memory the
    /// messages hold: subject, reply subject, headers and payload, and about 150 bytes per
    /// message for the message itself. Messages a reader falls behind on are copied out of the
    /// read buffer, so what it holds stays within `bytes` plus one read buffer (64 KiB) and two
    /// chunks of copies (64 KiB each). Messages of 64 KiB or more are always copied, into
    /// buffers rounded up to 4 KiB that the connection keeps for later ones once they are
    /// dropped: up to 16 MiB of them, of which up to 4 MiB are kept free.
    pub fn pending_limits(mut self, messages: usize, bytes: usize) -> Self {
        self.limits.pending_messages = messages.max(1);
        self.limits.pending_bytes = bytes.max(1);
        self
    }

    /// Bytes of output that may wait for the socket before `publish` waits (default: 8 MiB).
    pub fn write_buffer(mut self, bytes: usize) -> Self {
        self.limits.write_buffer = bytes.max(1024);
        self
    }

    /// Events kept for a slow reader of [`Client::events`](crate::Client::events) before the oldest are lost
    /// (and counted); default 256.
    pub fn event_capacity(mut self, capacity: usize) -> Self {
        self.limits.event_capacity = capacity.max(1);
        self
    }

    /// Longest [`Client::drain`](crate::Client::drain) waits before closing anyway (default:
    /// 30 s).
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.timing.drain_timeout = timeout;
        self
    }

    /// Reconnect when the connection is lost (default: true). When false, a lost connection
    /// closes the client.
    pub fn reconnect(mut self, enabled: bool) -> Self {
        self.reconnect.enabled = enabled;
        self
    }

    /// Failed attempts in a row after which a server is skipped (default: no limit).
    pub fn max_reconnects_per_server(mut self, max: Option<u32>) -> Self {
        self.reconnect.max_per_server = max;
        self
    }

    /// Failed reconnect attempts in all, over every server, before the client closes
    /// (default: no limit).
    pub fn max_reconnects(mut self, max: Option<u64>) -> Self {
        self.reconnect.max_total = max;
        self
    }

    /// The wait between attempts on a server that failed (default: 50 ms for the first 20
    /// failures, then doubling from 100 ms up to 4 s, plus up to 50 ms of jitter each time).
    /// The first attempt after a disconnect is made at once.
    ///
    /// ```
    /// use std::time::Duration;
    /// use natskit::{ConnectOptions, ReconnectDelay};
    ///
    /// let options = ConnectOptions::new()
    ///     .reconnect_delay(ReconnectDelay::custom(|failures| Duration::from_millis(50 * u64::from(failures))));
    /// ```
    pub fn reconnect_delay(mut self, delay: ReconnectDelay) -> Self {
        self.reconnect.delay = delay;
        self
    }

    /// Bytes of publishes kept while disconnected and sent after reconnecting, in order
    /// (default: [`DEFAULT_RECONNECT_BUFFER`](crate::DEFAULT_RECONNECT_BUFFER), 8 MiB). When
    /// it is full, `publish` fails at once with
    /// [`PublishError::ReconnectBufferFull`](crate::PublishError::ReconnectBufferFull).
    pub fn reconnect_buffer(mut self, bytes: usize) -> Self {
        self.reconnect.buffer = bytes;
        self
    }

    /// Try the configured servers in the order given instead of shuffled.
    pub fn no_randomize(mut self) -> Self {
        self.reconnect.randomize = false;
        self
    }

    /// Do not add the servers a cluster announces (INFO `connect_urls`) to the pool.
    pub fn ignore_discovered_servers(mut self) -> Self {
        self.reconnect.use_discovered = false;
        self
    }
}

/// `NATS_URL` when set and not blank, else [`DEFAULT_URL`].
pub fn default_urls() -> String {
    match std::env::var("NATS_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => DEFAULT_URL.to_owned(),
    }
}
