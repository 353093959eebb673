//! Binding a listening socket, for the client port ([`crate::server`]) and the monitoring port
//! ([`crate::monitor`]). Its own module so that neither borrows it from the other.

use std::net::SocketAddr;

use tokio::net::TcpListener;

use crate::error::ServerError;

/// Binds `host:port` (port 0: a free one), and says which address it got.
pub(crate) async fn bind(host: &str, port: u16) -> Result<(TcpListener, SocketAddr), ServerError> {
    let address = format!("{host}:{port}");
    let bind_error = |source| ServerError::Bind {
        address: address.clone(),
        source,
    };
    let listener = TcpListener::bind(&address).await.map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    Ok((listener, addr))
}
