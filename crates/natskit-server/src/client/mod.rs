//! One client connection, in parts, named after what they hold:
//! - [`io`]: the reader and writer tasks (sockets, TLS handshake, timers), I/O only.
//! - [`protocol`]: the per-client protocol logic (CONNECT, PUB, SUB, UNSUB, PING), routing and
//!   delivery, pure of sockets.
//! - [`read_buffer`]: the read buffer, sized to the traffic.
//! - [`route_cache`]: the connection's cache of who listens on which subject.
//! - [`frame`]: a publish encoded once for all its subscribers.
//! - [`shared`]: what other connections touch: the outbound buffer, the subscriptions, the
//!   counters.
//! - [`trace`]: the protocol trace lines (nats-server's `-V`).
//!
//! Imports go one way: `io` -> `protocol` -> `trace` -> `shared` (and `io` -> `read_buffer`).

pub(crate) mod frame;
pub(crate) mod io;
pub(crate) mod protocol;
pub(crate) mod read_buffer;
pub(crate) mod route_cache;
pub(crate) mod shared;
pub(crate) mod trace;
