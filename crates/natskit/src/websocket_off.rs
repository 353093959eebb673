//! WebSocket left out (the `websocket` feature is off): `connect` refuses `ws://` and `wss://`
//! URLs at once (`features.rs`); this stand-in keeps the handshake the same in every build.

use crate::error::ConnectError;
use crate::features::disabled;
use crate::server_addr::ServerAddr;
use crate::transport::Transport;

/// Always fails: this build cannot speak WebSocket.
pub(crate) async fn upgrade(
    _stream: Transport,
    addr: &ServerAddr,
) -> Result<Transport, ConnectError> {
    Err(disabled("websocket", format!("the URL {addr}")))
}
