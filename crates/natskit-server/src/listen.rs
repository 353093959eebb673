//! Binding a listening socket, for the client port ([`crate::server`]) and the monitoring port
//! ([`crate::monitor`]). Its own module so that neither borrows it from the other.

use std::io;
use std::net::SocketAddr;

use tokio::net::{lookup_host, TcpListener, TcpSocket};

use crate::error::ServerError;

/// Connections the kernel completes and holds for us before we accept them: nats-server's
/// figure, so a storm of clients connecting at once is queued rather than made to retry its
/// SYN (the kernel caps it at `net.core.somaxconn`).
const BACKLOG: u32 = 4096;

/// Binds `host:port` (port 0: a free one), and says which address it got.
pub(crate) async fn bind(host: &str, port: u16) -> Result<(TcpListener, SocketAddr), ServerError> {
    let address = format!("{host}:{port}");
    let bind_error = |source| ServerError::Bind {
        address: address.clone(),
        source,
    };
    let listener = listen_any(&address).await.map_err(bind_error)?;
    let addr = listener.local_addr().map_err(bind_error)?;
    Ok((listener, addr))
}

/// Listens on the first address `address` resolves to that can be bound.
async fn listen_any(address: &str) -> io::Result<TcpListener> {
    let mut last = None;
    for addr in lookup_host(address).await? {
        match listen(addr) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "the address resolved to nothing",
        )
    }))
}

/// What `TcpListener::bind` does, with our backlog instead of tokio's.
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => TcpSocket::new_v4()?,
        SocketAddr::V6(_) => TcpSocket::new_v6()?,
    };
    // As TcpListener::bind: a restarted broker gets its port back at once.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}
