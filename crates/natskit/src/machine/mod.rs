//! The client's connection as a state machine with no I/O, no runtime and no clock: bytes and
//! `Instant`s go in, and what to do comes out.
//!
//! [`Connection`] owns everything the protocol decides: the subscription table with its
//! auto-unsubscribe counts and pending limits, the request multiplexer, the PINGs awaited
//! (keepalive and flushes), the output with a record of each publish in it, the reconnect
//! buffer, the server pool and what INFO says, and whether the client is connecting,
//! connected, reconnecting, draining or closed.
//!
//! - In: commands from the handles ([`publish`](Connection::publish),
//!   [`subscribe`](Connection::subscribe), [`unsubscribe`](Connection::unsubscribe),
//!   [`request`](Connection::request), [`flush`](Connection::flush),
//!   [`drain`](Connection::drain), [`close`](Connection::close)); from the driver, bytes read
//!   ([`handle_input`](Connection::handle_input)), the time
//!   ([`handle_timeout`](Connection::handle_timeout)), and how connecting went
//!   ([`next_attempt`](Connection::next_attempt), [`connected`](Connection::connected),
//!   [`attempt_failed`](Connection::attempt_failed),
//!   [`connection_lost`](Connection::connection_lost)).
//! - Out: [`poll_transmit`](Connection::poll_transmit) (bytes to write),
//!   [`poll_timeout`](Connection::poll_timeout) (the next deadline),
//!   [`take_effects`](Connection::take_effects) (deliveries, answers, completed flushes,
//!   connection events, in order; the tests take them one by one) and
//!   [`take_leave`](Connection::take_leave) (drop this connection).
//!
//! Files: `commands` (what the handles ask), `driving` (what the driver hands in and takes
//! out), `connecting` (which server when, and what a connection made or lost changes);
//! the state they work on: `output` (the output and the marks of its publishes), `subscriptions`
//! (with `large_copies`, where large messages are copied),
//! `requests`, `keepalive` (PINGs, and what each PONG completes), `pool` (the servers),
//! `sid_map` (maps keyed by ids); `tests`.
//!
//! It lives in natskit, not natskit-proto, because it holds the client's policy (pending
//! limits, the reconnect buffer, the server pool, the errors of the client's API), while
//! natskit-proto is the wire format both sides share. It is kept free of tokio: `W` and `F` are
//! whatever the caller wakes a request and a flush with (oneshot senders in the client, plain
//! values in the tests), and the tests drive it with made-up instants and bytes.

mod commands;
mod connecting;
mod driving;
mod keepalive;
mod large_copies;
mod output;
mod pool;
mod requests;
mod sid_map;
mod subscriptions;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::Duration;

use natskit_proto::{Msg, ServerInfo, ServerOpDecoder};

use crate::events::{ConnectionState, Event};
use crate::options::ConnectOptions;
use crate::reconnect::ReconnectOptions;
use crate::server_addr::ServerAddr;

use keepalive::Keepalive;
use output::Output;
pub(crate) use output::Transmit;
pub(crate) use pool::ServerPool;
use requests::Requests;
pub(crate) use sid_map::IdMap;
use subscriptions::Subscriptions;
pub(crate) use subscriptions::{Batch, Counts, Delivery, Pending, PendingLimits};

/// Operations [`Connection::handle_input`] handles in one call.
pub(crate) const INPUT_CHUNK: usize = 64;

/// Settings the machine works with, taken from [`ConnectOptions`].
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) ping_interval: Duration,
    pub(crate) max_pings_outstanding: usize,
    pub(crate) pending: PendingLimits,
    /// Output bytes queued before publishers wait for the socket.
    pub(crate) write_buffer: usize,
    pub(crate) reconnect: ReconnectOptions,
    /// Reply subjects of requests start with this (it ends with a `.`).
    pub(crate) request_prefix: String,
}

impl Config {
    pub(crate) fn from_options(options: &ConnectOptions) -> Self {
        Config {
            ping_interval: options.timing.ping_interval,
            max_pings_outstanding: options.timing.max_pings_outstanding,
            pending: PendingLimits {
                messages: options.limits.pending_messages,
                bytes: options.limits.pending_bytes,
            },
            write_buffer: options.limits.write_buffer,
            reconnect: options.reconnect.clone(),
            request_prefix: options.protocol.new_inbox() + ".",
        }
    }
}

/// Why a waiting request or flush will get no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection broke after it went out.
    Disconnected,
    /// The client closed.
    Closed,
}

/// Something the caller must do, from [`Connection::take_effects`], in order.
#[derive(Debug)]
pub(crate) enum Effect<W, F> {
    /// Hand `batch` to the reader of subscription `sid`.
    Deliver { sid: u64, batch: Batch },
    /// Subscription `sid` has ended: its reader gets nothing more (after what it was handed).
    EndSubscription { sid: u64 },
    /// The answer to a request.
    Answer { waiter: W, msg: Msg },
    /// A request's "no responders" notice (status 503).
    NoResponders { waiter: W },
    /// A request that will get no answer.
    FailRequest { waiter: W, why: Failure },
    /// The PONG a flush waited for came.
    Flushed { waiter: F },
    /// A flush whose PONG will not come.
    FailFlush { waiter: F, why: Failure },
    /// Report this to the client's event readers.
    Event(Event),
    /// The connection's state changed.
    State(ConnectionState),
}

/// Where the connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Before the first connection: publishes are refused until it is made.
    Connecting,
    Connected,
    /// Lost; publishes go to the reconnect buffer.
    Reconnecting,
    Closed,
}

/// A server to try, from [`Connection::next_attempt`].
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    /// Its place in the pool, for [`Connection::connected`] and [`Connection::attempt_failed`].
    pub(crate) index: usize,
    pub(crate) addr: ServerAddr,
    /// Wait this long before trying.
    pub(crate) delay: Duration,
}

/// Counts of what went through, for [`Client::statistics`](crate::Client::statistics).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counters {
    pub(crate) in_messages: u64,
    pub(crate) in_bytes: u64,
    pub(crate) out_messages: u64,
    pub(crate) out_bytes: u64,
    pub(crate) reconnects: u64,
    pub(crate) malformed_messages: u64,
}

/// How a publish fared, from [`Connection::publish`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Queued {
    /// In the output (or the reconnect buffer).
    Yes,
    /// The output is full: wait for the driver to take it, then try again.
    Full,
}

/// One client connection's protocol state. See the [module docs](self).
#[derive(Debug)]
pub(crate) struct Connection<W, F> {
    config: Config,
    link: Link,
    /// Set by the second step of a client drain: publishes are refused.
    draining: bool,
    info: ServerInfo,
    decoder: ServerOpDecoder,
    output: Output,
    subscriptions: Subscriptions,
    requests: Requests<W>,
    keepalive: Keepalive<F>,
    pool: ServerPool,
    /// Attempts since the connection was lost.
    attempts: u64,
    last_error: String,
    /// Why the connection in use should be dropped (stale, lame duck mode), until taken.
    leave: Option<String>,
    /// The server in use, or last used (credentials hidden).
    server: String,
    next_sid: u64,
    counters: Counters,
    /// Reads from the socket so far: which read buffer a message came from.
    reads: u64,
    effects: VecDeque<Effect<W, F>>,
}

impl<W, F> Connection<W, F> {
    /// A client that has not connected yet, with the servers of `pool` to try.
    pub(crate) fn new(config: Config, pool: ServerPool) -> Self {
        let keepalive = Keepalive::new(config.ping_interval, config.max_pings_outstanding);
        let requests = Requests::new(config.request_prefix.clone());
        Connection {
            config,
            link: Link::Connecting,
            draining: false,
            info: ServerInfo::default(),
            decoder: ServerOpDecoder::new(),
            output: Output::default(),
            subscriptions: Subscriptions::default(),
            requests,
            keepalive,
            pool,
            attempts: 0,
            last_error: String::from("no attempt made"),
            leave: None,
            server: String::new(),
            next_sid: 1,
            counters: Counters::default(),
            reads: 0,
            effects: VecDeque::new(),
        }
    }

    // ----- what the handles read -----

    /// True once closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.link == Link::Closed
    }

    /// The server's latest INFO.
    pub(crate) fn info(&self) -> &ServerInfo {
        &self.info
    }

    /// The server in use, or last used (credentials hidden).
    pub(crate) fn server(&self) -> &str {
        &self.server
    }

    /// Every server the client may use, in trying order.
    pub(crate) fn servers(&self) -> Vec<String> {
        self.pool
            .addresses()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Requests waiting for their answer.
    pub(crate) fn requests_waiting(&self) -> usize {
        self.requests.len()
    }

    pub(crate) fn counters(&self) -> Counters {
        self.counters
    }

    /// True while subscription `sid` exists.
    #[cfg(test)]
    pub(crate) fn has_subscription(&self, sid: u64) -> bool {
        self.subscriptions.contains(sid)
    }
}
