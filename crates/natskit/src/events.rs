//! Connection events, delivered as a stream to every reader of [`Client::events`](crate::Client::events).

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::broadcast;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::BroadcastStream;

/// Something that happened to the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The connection to `server` is up and the handshake is done.
    Connected {
        /// The server's address (credentials hidden).
        server: String,
    },
    /// The connection was lost.
    Disconnected {
        /// Why, in words.
        reason: String,
    },
    /// The server reported an error with `-ERR`; the text is the server's.
    ServerError(String),
    /// A subscription could not keep up and messages were dropped.
    SlowConsumer {
        /// The subscription's id.
        sid: u64,
        /// Its subject.
        subject: String,
    },
    /// A message arrived whose subject or reply subject is not UTF-8, or whose header block
    /// does not parse. nats-server forwards such messages as their publisher sent them; the
    /// client drops the message, counts it in
    /// [`Statistics::malformed_messages`](crate::Statistics::malformed_messages) and keeps the
    /// connection and every message after it.
    MalformedMessage {
        /// The subscription it was for.
        sid: u64,
        /// That subscription's subject, if it is still open.
        subject: Option<String>,
        /// What could not be read.
        reason: String,
    },
    /// The server entered lame duck mode and will soon evict its clients.
    LameDuckMode,
    /// Trying to connect again: attempt `attempt` (counted from 1 since the disconnect) to
    /// `server`.
    Reconnecting {
        /// Attempts so far, this one included.
        attempt: u64,
        /// The server tried (credentials hidden).
        server: String,
    },
    /// Connected again. The subscriptions are restored first (their SUBs go out before anything
    /// else), then the reconnect buffer; both are queued, not yet confirmed, when this event
    /// comes: `client.flush()` returns once the server has them.
    Reconnected {
        /// The server now in use (credentials hidden).
        server: String,
    },
    /// The cluster announced servers the pool did not have; they were added.
    ServersDiscovered {
        /// The new servers (credentials hidden).
        servers: Vec<String>,
    },
    /// The client is closed for good.
    Closed {
        /// Why, in words.
        reason: String,
    },
    /// This reader fell behind and `count` events were lost before this one.
    Lost {
        /// How many events this reader missed.
        count: u64,
    },
}

/// Where the connection stands, as [`Client::connection_state`](crate::Client::connection_state)
/// reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Connected to a server.
    Connected,
    /// The connection was lost; reconnecting.
    Reconnecting,
    /// Closed for good, by the client or because no server is left.
    Closed,
}

/// A stream of [`Event`]s. Readers that fall behind get an [`Event::Lost`] saying how many they
/// missed, never a silent gap.
///
/// ```no_run
/// use futures_util::StreamExt;
///
/// # async fn demo(client: natskit::Client) {
/// let mut events = client.events();
/// while let Some(event) = events.next().await {
///     println!("{event:?}");
/// }
/// # }
/// ```
pub struct Events {
    inner: BroadcastStream<Event>,
}

impl Events {
    pub(crate) fn new(receiver: broadcast::Receiver<Event>) -> Self {
        Events {
            inner: BroadcastStream::new(receiver),
        }
    }
}

impl Stream for Events {
    type Item = Event;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Event>> {
        Pin::new(&mut self.inner).poll_next(cx).map(|item| {
            item.map(|result| match result {
                Ok(event) => event,
                Err(BroadcastStreamRecvError::Lagged(count)) => Event::Lost { count },
            })
        })
    }
}
