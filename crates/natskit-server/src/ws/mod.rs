//! The WebSocket listener (nats-server's `websocket {}`): NATS in binary frames, for browsers.
//! One piece per file:
//! - [`frame`]: frame headers, masking and close payloads, sans I/O;
//! - [`handshake`]: the HTTP upgrade, sans I/O; [`origin`]: the `Origin` rules;
//! - [`deflate`]: permessage-deflate (RFC 7692);
//! - [`stream`]: the adapter that turns frames into the byte stream `client::io` serves;
//! - [`closing`]: the close frame for each way a connection ends;
//! - [`listener`]: the accept loop, TLS and the handshake with its timeout.
//!
//! The TCP path does not pass through any of it.

pub(crate) mod closing;
pub(crate) mod deflate;
pub(crate) mod frame;
pub(crate) mod handshake;
pub(crate) mod listener;
pub(crate) mod origin;
pub(crate) mod stream;
