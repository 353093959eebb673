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
}
