//! [`ServerError`]: why a broker could not start.

/// A broker could not start.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let first = natskit_server::Server::builder().port(0).start().await.unwrap();
/// let taken = first.addr().port();
/// let err = natskit_server::Server::builder().port(taken).start().await.unwrap_err();
/// assert!(err.to_string().contains(&taken.to_string()));
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The address could not be bound (in use, not local, no permission).
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for.
        address: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A configured NKey user's public key is not a valid user key (`U...`).
    #[error("invalid NKey user public key {public_key:?}: {reason}")]
    InvalidNKey {
        /// The key as configured.
        public_key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS configuration cannot be used: a file is missing or holds no certificate or
    /// key, or client verification was asked for without a certificate.
    #[error("TLS configuration: {reason}")]
    Tls {
        /// What is wrong (names files, never shows key material).
        reason: String,
    },
    /// JetStream could not start: its store directory is held by another server, was
    /// written by another version, or cannot be created.
    #[error("JetStream: {0}")]
    JetStream(String),
    /// The WebSocket options cannot be used: neither TLS nor `no_tls`, or an allowed origin
    /// that is no URL.
    #[error("WebSocket configuration: {reason}")]
    WebSocket {
        /// What is wrong.
        reason: String,
    },
    /// Options that contradict each other, as nats-server checks them: a lame-duck grace
    /// period not shorter than the lame duck duration.
    #[error("{reason}")]
    InvalidOptions {
        /// What is wrong, in nats-server's words.
        reason: String,
    },
    /// A reload ([`Server::reload`](crate::Server::reload)) changed a setting that cannot
    /// change while the broker runs (its port, say); nothing was changed.
    #[error("config reload not supported for {setting}: old={old}, new={new}")]
    Reload {
        /// The setting, as the configuration file names it.
        setting: &'static str,
        /// Its value in force.
        old: String,
        /// Its value in the new options.
        new: String,
    },
    /// `no_auth_user` names no configured user.
    #[error("no_auth_user: {name:?} {reason}")]
    NoAuthUser {
        /// The name as configured.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Operator mode cannot start: a JWT does not decode or verify, the system account is
    /// not a preloaded account, or users or accounts are configured beside the operator.
    #[error("operator mode: {reason}")]
    Operator {
        /// What is wrong, in nats-server's words where it has them.
        reason: String,
    },
    /// The accounts cannot be used: an import names no matching export, an account is
    /// defined twice, a user's or the system account does not exist.
    #[error("accounts: {reason}")]
    Accounts {
        /// What is wrong.
        reason: String,
    },
}
