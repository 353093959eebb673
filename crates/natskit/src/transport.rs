//! What a connection runs over: TCP by default, or any byte stream a [`Connector`] opens (an
//! in-process broker, a Unix socket, a test double). Both become a [`Transport`] that the
//! handshake and the connection task use alike.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

use crate::server_addr::ServerAddr;

/// A byte stream a connection can run over: anything that reads and writes asynchronously.
///
/// Implemented for every `AsyncRead + AsyncWrite + Unpin + Send` type, such as
/// `tokio::io::DuplexStream` or `tokio::net::UnixStream`.
pub trait ByteStream: AsyncRead + AsyncWrite + Unpin + Send + 'static {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> ByteStream for T {}

type Opening = Pin<Box<dyn Future<Output = io::Result<Box<dyn ByteStream>>> + Send>>;

/// Opens the byte stream to a server instead of a TCP connection; set with
/// [`ConnectOptions::connector`](crate::ConnectOptions::connector). Called for the first
/// connection and for every reconnect, with the server address from the pool.
#[derive(Clone)]
pub struct Connector(Arc<dyn Fn(&ServerAddr) -> Opening + Send + Sync>);

impl Connector {
    /// A connector from an async function.
    ///
    /// ```
    /// use natskit::Connector;
    ///
    /// // Every connection attempt gets one end of an in-memory pipe.
    /// let connector = Connector::new(|_addr| async {
    ///     let (ours, _theirs) = tokio::io::duplex(64 * 1024);
    ///     Ok(ours)
    /// });
    /// # let _ = connector;
    /// ```
    pub fn new<F, Fut, S>(open: F) -> Self
    where
        F: Fn(&ServerAddr) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = io::Result<S>> + Send + 'static,
        S: ByteStream,
    {
        Connector(Arc::new(move |addr| {
            let opening = open(addr);
            Box::pin(async move { Ok(Box::new(opening.await?) as Box<dyn ByteStream>) })
        }))
    }

    pub(crate) async fn open(&self, addr: &ServerAddr) -> io::Result<Box<dyn ByteStream>> {
        (self.0)(addr).await
    }
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Connector(..)")
    }
}

/// An open connection.
pub(crate) enum Transport {
    Tcp(TcpStream),
    Custom(Box<dyn ByteStream>),
}

impl Transport {
    /// Splits into halves the connection task reads and writes separately. TCP splits without a
    /// lock; other streams share one behind tokio's split.
    pub(crate) fn into_split(self) -> (ReadHalf, WriteHalf) {
        match self {
            Transport::Tcp(stream) => {
                let (r, w) = stream.into_split();
                (ReadHalf::Tcp(r), WriteHalf::Tcp(w))
            }
            Transport::Custom(stream) => {
                let (r, w) = tokio::io::split(stream);
                (ReadHalf::Custom(r), WriteHalf::Custom(w))
            }
        }
    }
}

/// The read half of a [`Transport`].
pub(crate) enum ReadHalf {
    Tcp(OwnedReadHalf),
    Custom(tokio::io::ReadHalf<Box<dyn ByteStream>>),
}

/// The write half of a [`Transport`].
pub(crate) enum WriteHalf {
    Tcp(OwnedWriteHalf),
    Custom(tokio::io::WriteHalf<Box<dyn ByteStream>>),
}

impl WriteHalf {
    /// True when bytes it accepted may wait inside it until a flush (TLS, a user's stream);
    /// a TCP socket sends what it accepts.
    pub(crate) fn buffers(&self) -> bool {
        matches!(self, WriteHalf::Custom(_))
    }
}

macro_rules! delegate_read {
    ($t:ty) => {
        impl AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    Self::Tcp(s) => Pin::new(s).poll_read(cx, buf),
                    Self::Custom(s) => Pin::new(s).poll_read(cx, buf),
                }
            }
        }
    };
}

macro_rules! delegate_write {
    ($t:ty) => {
        impl AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                match self.get_mut() {
                    Self::Tcp(s) => Pin::new(s).poll_write(cx, buf),
                    Self::Custom(s) => Pin::new(s).poll_write(cx, buf),
                }
            }
            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                match self.get_mut() {
                    Self::Tcp(s) => Pin::new(s).poll_write_vectored(cx, bufs),
                    Self::Custom(s) => Pin::new(s).poll_write_vectored(cx, bufs),
                }
            }
            fn is_write_vectored(&self) -> bool {
                match self {
                    Self::Tcp(s) => s.is_write_vectored(),
                    Self::Custom(s) => s.is_write_vectored(),
                }
            }
            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    Self::Tcp(s) => Pin::new(s).poll_flush(cx),
                    Self::Custom(s) => Pin::new(s).poll_flush(cx),
                }
            }
            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    Self::Tcp(s) => Pin::new(s).poll_shutdown(cx),
                    Self::Custom(s) => Pin::new(s).poll_shutdown(cx),
                }
            }
        }
    };
}

delegate_read!(ReadHalf);
delegate_read!(Transport);
delegate_write!(WriteHalf);
delegate_write!(Transport);
