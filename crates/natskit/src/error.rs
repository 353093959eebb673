//! One error type per operation, each variant saying what went wrong and what to do.

use std::time::Duration;

use natskit_proto::ProtoError;
use thiserror::Error;

/// Why [`connect`](crate::connect) failed.
///
/// ```no_run
/// # async fn demo() {
/// match natskit::connect("nats://127.0.0.1:1").await {
///     Err(natskit::ConnectError::Io { address, .. }) => eprintln!("nothing listens on {address}"),
///     Err(other) => eprintln!("{other}"),
///     Ok(_) => {}
/// }
/// # }
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// A server URL could not be understood.
    #[error("invalid server URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The TCP connection to a server failed (refused, unreachable, unknown host).
    #[error("could not connect to {address}: {source}")]
    Io {
        /// `host:port` that was tried.
        address: String,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// The server did not complete the handshake in time.
    #[error("connecting to {address} timed out after {timeout:?}")]
    TimedOut {
        /// `host:port` that was tried.
        address: String,
        /// The connection timeout in force.
        timeout: Duration,
    },
    /// The server refused the connection with `-ERR`, for instance "Authorization Violation".
    #[error("server {address} refused the connection: {message}")]
    Refused {
        /// `host:port` that refused.
        address: String,
        /// The server's error text.
        message: String,
    },
    /// The server sent something that is not the NATS protocol.
    #[error("protocol error from {address}: {source}")]
    Protocol {
        /// `host:port` of the peer.
        address: String,
        /// What was wrong with its bytes.
        #[source]
        source: ProtoError,
    },
    /// The peer's first words were not those of a NATS server (no INFO first, say).
    #[error("{address} does not behave like a NATS server: {reason}")]
    NotNats {
        /// `host:port` of the peer.
        address: String,
        /// What it did instead.
        reason: String,
    },
    /// The options ask for something the server cannot do.
    #[error("server {address} cannot be used: {reason}")]
    Unsupported {
        /// `host:port` of the server.
        address: String,
        /// What it lacks.
        reason: String,
    },
    /// The credentials in the options cannot be used: a malformed NKey seed or `.creds` file,
    /// a signer or auth callback that failed, a server that sent no nonce to sign. Never
    /// quotes a secret.
    #[error("credentials cannot be used: {reason}")]
    Credentials {
        /// What is wrong.
        reason: String,
    },
    /// The connection needs a Cargo feature this build of natskit leaves out: `tls` for a
    /// `tls://` or `wss://` URL, the TLS options or a server that requires TLS, `nkeys` for an
    /// NKey seed or a `.creds` file, `websocket` for a `ws://` or `wss://` URL.
    #[error("{needed_by}: natskit was built without its `{feature}` Cargo feature; enable it in Cargo.toml")]
    FeatureDisabled {
        /// The feature, as Cargo.toml names it.
        feature: &'static str,
        /// What asked for it: the URL, the option, or the server that requires TLS.
        needed_by: String,
    },
    /// The TLS options cannot be used: a CA, certificate or key file that is missing or holds
    /// no PEM item, a host that is no valid TLS server name.
    #[error("TLS configuration: {reason}")]
    TlsConfig {
        /// What is wrong.
        reason: String,
    },
    /// TLS is required (by [`require_tls`](crate::ConnectOptions::require_tls) or a `tls://`
    /// URL) but the server does not offer it.
    #[error("server {address} does not offer TLS, and TLS is required")]
    TlsNotOffered {
        /// `host:port` of the server.
        address: String,
    },
    /// The server's certificate failed verification.
    #[error("the TLS certificate of {address} was rejected: {reason}")]
    CertificateRejected {
        /// `host:port` of the server.
        address: String,
        /// The name the certificate was checked against (the URL's host).
        server_name: String,
        /// What is wrong with it: wrong name, unknown CA, expired...
        reason: String,
    },
    /// The server refused our client certificate, or its absence, with a TLS alert: set or fix
    /// [`client_certificate`](crate::ConnectOptions::client_certificate).
    #[error("server {address} refused the client certificate (or its absence): alert {alert}")]
    ClientCertificateRefused {
        /// `host:port` of the server.
        address: String,
        /// The TLS alert it sent, such as `BadCertificate` or `CertificateRequired`.
        alert: String,
    },
    /// The TLS session failed for another reason (a server that does not speak TLS, say).
    #[error("TLS with {address} failed: {source}")]
    Tls {
        /// `host:port` of the server.
        address: String,
        /// The TLS error, as the I/O error it came in.
        #[source]
        source: std::io::Error,
    },
    /// A `ws://` or `wss://` server answered the WebSocket upgrade with another HTTP status
    /// than 101: a plain web server, a monitoring port, a proxy that refused, or a `ws://`
    /// URL for a listener that wants `wss://`.
    #[error("{address} answered the WebSocket upgrade with HTTP {status} {reason}: is it a NATS WebSocket listener, and is the scheme (ws or wss) right?")]
    WebSocketRefused {
        /// `host:port` of the server.
        address: String,
        /// The HTTP status code.
        status: u16,
        /// The status text, and the start of the body the server sent with it.
        reason: String,
    },
    /// The WebSocket upgrade failed otherwise: the answer was not HTTP (a NATS TCP port, say),
    /// or not a valid upgrade.
    #[error("WebSocket handshake with {address} failed: {reason}")]
    WebSocket {
        /// `host:port` of the server.
        address: String,
        /// What went wrong.
        reason: String,
    },
    /// Every server of the list failed; the last error is kept.
    #[error("no server could be reached; last error: {last}")]
    NoServers {
        /// The error of the last server tried.
        #[source]
        last: Box<ConnectError>,
    },
}

/// Why a publish was refused. Nothing was sent when this is returned.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishError {
    /// The subject or reply subject is not valid.
    #[error(transparent)]
    InvalidSubject(ProtoError),
    /// Payload and headers together are larger than the server accepts.
    #[error("message of {size} bytes exceeds the server's max_payload of {max_payload} bytes")]
    TooLarge {
        /// Payload plus encoded headers.
        size: usize,
        /// The limit from the server's INFO.
        max_payload: usize,
    },
    /// Headers were given but the server does not support them.
    #[error("the server does not support headers")]
    HeadersNotSupported,
    /// `respond` was called on a message that has no reply subject.
    #[error("the message has no reply subject to respond to")]
    NoReplySubject,
    /// The client is reconnecting and its reconnect buffer (publishes kept for after the
    /// reconnect) is full. Nothing was queued; try again later or raise
    /// [`ConnectOptions::reconnect_buffer`](crate::ConnectOptions::reconnect_buffer).
    #[error("disconnected, and the reconnect buffer of {limit} bytes is full")]
    ReconnectBufferFull {
        /// The buffer's size in bytes.
        limit: usize,
    },
    /// The client is draining (see [`Client::drain`](crate::Client::drain)): no new publishes.
    #[error("the connection is draining")]
    Draining,
    /// The client was closed.
    #[error("the connection is closed")]
    Closed,
}

/// Why a subscription could not be made.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscribeError {
    /// The subject or queue group is not valid.
    #[error(transparent)]
    Invalid(ProtoError),
    /// The client was closed.
    #[error("the connection is closed")]
    Closed,
}

/// Why a request got no answer.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// Nobody subscribes to the subject: the server answered with status 503.
    #[error("no responders for {subject:?}")]
    NoResponders {
        /// The subject of the request.
        subject: String,
    },
    /// No answer came within the timeout.
    #[error("request to {subject:?} timed out after {timeout:?}")]
    TimedOut {
        /// The subject of the request.
        subject: String,
        /// The timeout in force.
        timeout: Duration,
    },
    /// The request could not be published.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// The client was closed before the answer came.
    #[error("the connection closed before the reply to {subject:?} arrived")]
    Closed {
        /// The subject of the request.
        subject: String,
    },
    /// The connection was lost after the request went out, so its answer cannot arrive. (A
    /// request still waiting to be sent when the connection broke is sent after the reconnect
    /// instead.)
    #[error("the connection was lost after the request to {subject:?} was sent")]
    Disconnected {
        /// The subject of the request.
        subject: String,
    },
}

/// Why a flush (a PING/PONG round trip with the server) did not complete.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlushError {
    /// The server did not answer within the timeout.
    #[error("flush timed out after {0:?}: the server did not answer PING")]
    TimedOut(Duration),
    /// The connection was lost before the server confirmed; what was published before may or
    /// may not have reached it.
    #[error("the connection was lost before the server answered the flush")]
    Disconnected,
    /// The client was closed.
    #[error("the connection is closed")]
    Closed,
}
