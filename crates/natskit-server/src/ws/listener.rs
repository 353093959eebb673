//! The WebSocket port: accepts connections, runs the TLS handshake (`wss://`) and the HTTP
//! upgrade within the handshake timeout, then serves the connection with `client::io` over the
//! frame adapter, as any TCP client.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::client::io;
use crate::error::ServerError;
use crate::options::WebSocket;
use crate::state::{State, WsEndpoint};
use crate::tls::Tls;
use crate::ws::handshake::{self, Policy, Refusal, Upgrade};
use crate::ws::origin::Origins;
use crate::ws::{closing, stream};

/// A bound WebSocket port and what its connections need.
#[derive(Debug)]
pub(crate) struct Bound {
    listener: TcpListener,
    addr: SocketAddr,
    config: Arc<Config>,
    endpoint: WsEndpoint,
}

#[derive(Debug)]
struct Config {
    tls: Option<Tls>,
    policy: Policy,
    timeout: Duration,
}

fn config_error(reason: String) -> ServerError {
    ServerError::WebSocket { reason }
}

impl Bound {
    /// The address bound.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What INFO tells WebSocket clients.
    pub(crate) fn endpoint(&self) -> WsEndpoint {
        self.endpoint.clone()
    }
}

/// Checks the options, loads the TLS files and binds the port.
pub(crate) async fn bind(default_host: &str, options: &WebSocket) -> Result<Bound, ServerError> {
    let tls = crate::tls::load(&options.tls)?;
    if tls.is_none() && !options.no_tls {
        return Err(config_error(
            "websocket requires TLS configuration (WebSocket::tls) or no_tls".into(),
        ));
    }
    let origins =
        Origins::new(options.same_origin, &options.allowed_origins).map_err(config_error)?;
    let host = options.host.as_deref().unwrap_or(default_host);
    let (listener, addr) = crate::listen::bind(host, options.port).await?;
    let endpoint = WsEndpoint {
        host: host.to_owned(),
        port: addr.port(),
        tls: tls.is_some(),
    };
    let policy = Policy {
        compression: options.compression,
        origins,
        tls: tls.is_some(),
    };
    Ok(Bound {
        listener,
        addr,
        config: Arc::new(Config {
            tls,
            policy,
            timeout: options.handshake_timeout,
        }),
        endpoint,
    })
}

/// Accepts WebSocket clients until `stop` turns true.
pub(crate) fn start(
    state: Arc<State>,
    bound: Bound,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let scheme = if bound.endpoint.tls { "wss" } else { "ws" };
    tracing::info!(
        "Listening for websocket clients on {scheme}://{}",
        bound.addr
    );
    tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = bound.listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nodelay(true);
                        let task = connection(state.clone(), bound.config.clone(), stream, peer);
                        state.spawn_tracked(task);
                    }
                    Err(e) => {
                        tracing::warn!("WebSocket accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                },
                _ = stop.changed() => return,
            }
        }
    })
}

/// One connection: TLS if configured, the upgrade, then the NATS protocol.
async fn connection(state: Arc<State>, config: Arc<Config>, stream: TcpStream, peer: SocketAddr) {
    let deadline = tokio::time::Instant::now() + config.timeout;
    match &config.tls {
        Some(tls) => match tokio::time::timeout_at(deadline, tls.acceptor.accept(stream)).await {
            Ok(Ok(stream)) => upgraded(state, config, stream, peer, deadline).await,
            Ok(Err(e)) => tracing::error!("{peer} - wid - TLS handshake error: {e}"),
            Err(_) => tracing::error!("{peer} - wid - TLS handshake timeout"),
        },
        None => upgraded(state, config, stream, peer, deadline).await,
    }
}

async fn upgraded<S>(
    state: Arc<State>,
    config: Arc<Config>,
    mut stream: S,
    peer: SocketAddr,
    deadline: tokio::time::Instant,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let upgrade = tokio::time::timeout_at(deadline, upgrade(&mut stream, &config.policy)).await;
    let Ok(Some(upgrade)) = upgrade else {
        tracing::debug!("{peer} - wid - WebSocket handshake not completed");
        return;
    };
    let closing =
        |flag: &std::sync::atomic::AtomicBool| flag.load(std::sync::atomic::Ordering::Acquire);
    if closing(&state.shutting_down) || closing(&state.lame_duck) {
        return;
    }
    let conn = state.register(Some(peer), true);
    tracing::debug!(
        "{} - Client connection created (WebSocket{})",
        conn.label(),
        if upgrade.compress { ", compressed" } else { "" }
    );
    let close: stream::CloseFrame = {
        let conn = conn.clone();
        Box::new(move || {
            let (reason, error) = conn.close_cause();
            closing::payload(reason.as_deref(), error.as_deref())
        })
    };
    let (reader, writer) = tokio::io::split(stream);
    let max_message = state.options().limits.max_pending;
    let (reader, writer) = stream::split(reader, writer, upgrade.compress, max_message, close);
    io::serve(state, conn, reader, writer).await;
}

/// Reads requests until one upgrades (answering the others as nats-server does); `None` when
/// the connection ends first.
async fn upgrade<S>(stream: &mut S, policy: &Policy) -> Option<Upgrade>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = Vec::with_capacity(1024);
    loop {
        let end = loop {
            if let Some(end) = handshake::head_end(&buf) {
                break end;
            }
            if buf.len() >= handshake::MAX_HEAD {
                let _ = stream.write_all(&handshake::too_large()).await;
                let _ = stream.shutdown().await;
                return None;
            }
            if !read_more(stream, &mut buf).await {
                return None;
            }
        };
        let head: Vec<u8> = buf.drain(..end).collect();
        let (refusal, request) = match handshake::parse(&head) {
            Ok(request) => match handshake::check(&request, policy) {
                Ok(upgrade) => {
                    // nats-server refuses bytes sent before the 101 answer.
                    if !buf.is_empty() {
                        tracing::debug!(
                            "WebSocket client sent data before the handshake completed"
                        );
                        return None;
                    }
                    stream
                        .write_all(&handshake::switching(&upgrade))
                        .await
                        .ok()?;
                    return Some(upgrade);
                }
                Err(refusal) => (refusal, Some(request)),
            },
            Err(refusal) => (refusal, None),
        };
        if let Refusal::Refused { reason, .. } = &refusal {
            tracing::warn!("WebSocket handshake error: {reason}");
        }
        let date = handshake::http_date(SystemTime::now());
        let (answer, closes) = handshake::refusal(&refusal, request.as_ref(), &date);
        stream.write_all(&answer).await.ok()?;
        if closes {
            let _ = stream.shutdown().await;
            return None;
        }
        // Keep-alive: skip the body, then read the next request.
        let body = request.and_then(|r| r.body_len()).unwrap_or(0);
        while buf.len() < body {
            if !read_more(stream, &mut buf).await {
                return None;
            }
        }
        buf.drain(..body);
    }
}

/// Appends what the socket has; false at its end or on an error.
async fn read_more<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 4096];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}
