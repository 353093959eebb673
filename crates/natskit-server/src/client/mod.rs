//! One client connection, in three parts, named after what they hold:
//! - [`io`]: the reader and writer tasks (sockets, TLS handshake, timers), I/O only.
//! - [`protocol`]: the per-client protocol logic (CONNECT, PUB, SUB, UNSUB, PING), routing and
//!   delivery, pure of sockets.
//! - [`shared`]: what other connections touch: the outbound buffer, the subscriptions, the
//!   counters.
//!
//! Imports go one way: `io` -> `protocol` -> `shared`.

pub(crate) mod io;
pub(crate) mod protocol;
pub(crate) mod shared;
