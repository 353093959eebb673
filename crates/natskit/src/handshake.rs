//! Opening one connection: TCP connect (or the user's connector), TLS when wanted (before INFO
//! for TLS-first, else after it), read INFO, send CONNECT + PING, wait for PONG. For `ws://`
//! and `wss://`, the WebSocket upgrade comes right after the connect (and TLS, which for a
//! WebSocket is always first), and the rest runs inside its messages.

use bytes::BytesMut;
use natskit_proto::{ConnectInfo, ServerInfo, ServerOp, ServerOpDecoder, WriteBuffer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::transport::Transport;
use crate::{tls, websocket};

use crate::error::ConnectError;
use crate::options::ConnectOptions;
use crate::server_addr::ServerAddr;

/// A connection that completed the handshake, with what was read past it.
pub(crate) struct Established {
    pub(crate) stream: Transport,
    pub(crate) info: ServerInfo,
    /// Bytes read past the handshake's PONG: the start of what follows.
    pub(crate) read_buf: BytesMut,
}

/// Connects to `addr` and completes the handshake within the connection timeout.
pub(crate) async fn establish(
    addr: &ServerAddr,
    options: &ConnectOptions,
) -> Result<Established, ConnectError> {
    let address = addr.socket_address();
    let timeout = options.timing.connection_timeout;
    match tokio::time::timeout(timeout, handshake(addr, &address, options)).await {
        Ok(result) => result,
        Err(_) => Err(ConnectError::TimedOut { address, timeout }),
    }
}

async fn handshake(
    addr: &ServerAddr,
    address: &str,
    options: &ConnectOptions,
) -> Result<Established, ConnectError> {
    let io_error = |source| tls::classify(address, source);
    let mut stream = match &options.connector {
        Some(connector) => Transport::Custom(connector.open(addr).await.map_err(io_error)?),
        None => {
            let tcp = TcpStream::connect(address).await.map_err(io_error)?;
            tcp.set_nodelay(true).map_err(io_error)?;
            Transport::Tcp(tcp)
        }
    };
    let websocket = addr.is_websocket();
    // A WebSocket's TLS is under its HTTP upgrade; `require_tls` puts it on a `ws://` URL too,
    // as nats.go does.
    let ws_secure = websocket && (addr.scheme() == "wss" || options.tls.demanded(addr));
    if options.tls.first || ws_secure {
        stream = tls::upgrade(stream, addr, &options.tls).await?;
    }
    if websocket {
        stream = websocket::upgrade(stream, addr).await?;
    }
    let mut decoder = ServerOpDecoder::new();
    let mut read_buf = BytesMut::with_capacity(64 * 1024);

    let info = match next_op(&mut stream, &mut decoder, &mut read_buf, address).await? {
        ServerOp::Info(info) => *info,
        other => {
            return Err(protocol_error(
                address,
                format!("expected INFO first, got {}", op_name(&other)),
            ));
        }
    };
    // `demanded` covers TLS-first too. Over a WebSocket, TLS is settled already: nats-server
    // says there whether its WebSocket listener has TLS, not what the client must do next.
    let tls_on = if websocket {
        ws_secure
    } else {
        info.tls_required || options.tls.demanded(addr)
    };
    if tls_on && !options.tls.first && !websocket {
        // A server that allows but does not require TLS says so with tls_available.
        if !info.tls_required && !info.tls_available {
            return Err(ConnectError::TlsNotOffered {
                address: address.to_owned(),
            });
        }
        // Bytes past INFO would be lost to the TLS layer; a real server sends none.
        if !read_buf.is_empty() {
            return Err(protocol_error(
                address,
                "sent data after INFO instead of waiting for TLS".into(),
            ));
        }
        stream = tls::upgrade(stream, addr, &options.tls).await?;
    }
    if !options.protocol.echo && info.proto < 1 {
        return Err(ConnectError::Unsupported {
            address: address.to_owned(),
            reason: "echo cannot be turned off: the server speaks protocol 0".into(),
        });
    }
    decoder.set_max_payload(info.max_payload.max(natskit_proto::DEFAULT_MAX_PAYLOAD));

    let mut out = WriteBuffer::new();
    let mut connect = connect_info(options, &info);
    connect.tls_required = tls_on;
    options.auth.fill(addr, &info.nonce, &mut connect).await?;
    out.put_connect(&connect);
    out.put_raw(b"PING\r\n");
    stream.write_all(&out.to_bytes()).await.map_err(io_error)?;

    let mut info = info;
    loop {
        match next_op(&mut stream, &mut decoder, &mut read_buf, address).await? {
            ServerOp::Pong => break,
            ServerOp::Ok => {}
            ServerOp::Ping => stream.write_all(b"PONG\r\n").await.map_err(io_error)?,
            ServerOp::Info(update) => info = *update,
            ServerOp::Err(message) => {
                return Err(ConnectError::Refused {
                    address: address.to_owned(),
                    message,
                })
            }
            ServerOp::Msg(_) | ServerOp::Malformed(_) => {
                return Err(protocol_error(
                    address,
                    "MSG before the handshake completed".into(),
                ))
            }
        }
    }
    Ok(Established {
        stream,
        info,
        read_buf,
    })
}

/// The CONNECT for these options, without credentials.
fn connect_info(options: &ConnectOptions, info: &ServerInfo) -> ConnectInfo {
    let mut connect = ConnectInfo::new(options.protocol.name.clone().unwrap_or_default());
    if options.protocol.name.is_none() {
        connect.name = None;
    }
    connect.verbose = options.protocol.verbose;
    connect.pedantic = options.protocol.pedantic;
    connect.echo = options.protocol.echo;
    // no_responders needs headers, or the server refuses the connection.
    connect.headers = info.headers;
    connect.no_responders = info.headers;
    connect
}

async fn next_op(
    stream: &mut Transport,
    decoder: &mut ServerOpDecoder,
    buf: &mut BytesMut,
    address: &str,
) -> Result<ServerOp, ConnectError> {
    loop {
        match decoder.decode(buf) {
            Ok(Some(op)) => return Ok(op),
            Ok(None) => {}
            Err(source) => {
                return Err(ConnectError::Protocol {
                    address: address.to_owned(),
                    source,
                })
            }
        }
        let read = stream
            .read_buf(buf)
            .await
            .map_err(|source| tls::classify(address, source))?;
        if read == 0 {
            return Err(ConnectError::Io {
                address: address.to_owned(),
                source: std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the server closed the connection during the handshake",
                ),
            });
        }
    }
}

fn protocol_error(address: &str, reason: String) -> ConnectError {
    ConnectError::NotNats {
        address: address.to_owned(),
        reason,
    }
}

fn op_name(op: &ServerOp) -> &'static str {
    match op {
        ServerOp::Info(_) => "INFO",
        ServerOp::Msg(_) => "MSG",
        ServerOp::Ping => "PING",
        ServerOp::Pong => "PONG",
        ServerOp::Ok => "+OK",
        ServerOp::Err(_) => "-ERR",
        ServerOp::Malformed(_) => "MSG",
    }
}
