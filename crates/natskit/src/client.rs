//! [`Client`]: the handle applications use. Cheap to clone; every clone shares one connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use natskit_proto::{HeaderMap, ServerInfo};
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::dialer::{dial, GaveUp};
use crate::driver;
use crate::error::{ConnectError, FlushError, PublishError, RequestError, SubscribeError};
use crate::events::{ConnectionState, Events};
use crate::features::{self, Built};
use crate::machine::{Failure, Queued, ServerPool};
use crate::message::Message;
use crate::options::{default_urls, ConnectOptions};
use crate::publish::Publish;
use crate::server_addr::ServerAddr;
use crate::shared::{wait_for_pong, Answered, Machine, Owner, RequestWaiter, Shared};
use crate::stats::Statistics;
use crate::subscriber::Subscriber;

/// A connection to a NATS server.
///
/// All methods take `&self` and may be called from many tasks at once.
///
/// ```no_run
/// use futures_util::StreamExt;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = natskit::connect("nats://127.0.0.1:4222").await?;
/// let mut sub = client.subscribe("happy").await?;
/// client.publish("happy", "hello").await?;
/// let msg = sub.next().await.expect("subscribed");
/// assert_eq!(msg.payload, "hello");
/// client.close().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    /// Shared with the subscribers: the connection closes when the last of them goes away.
    owner: Arc<Owner>,
}

/// Options of one request: headers and a timeout of its own.
///
/// ```no_run
/// # async fn demo(client: natskit::Client) -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use natskit::{HeaderMap, Request};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("Trace-Id", "42")?;
/// let answer = client
///     .send_request("svc.add", Request::new("1 2").headers(headers).timeout(Duration::from_millis(500)))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Request {
    payload: Bytes,
    headers: Option<HeaderMap>,
    timeout: Option<Duration>,
}

impl Request {
    /// A request carrying `payload`.
    pub fn new(payload: impl Into<Bytes>) -> Self {
        Request {
            payload: payload.into(),
            headers: None,
            timeout: None,
        }
    }

    /// Sends these headers with the request.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = Some(headers);
        self
    }

    /// Waits at most `timeout` for the answer, instead of the client's request timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

// Here rather than in `options`, so that `options` does not import this module back.
impl ConnectOptions {
    /// Connects to the first server of `urls` (comma-separated) that answers.
    pub async fn connect(self, urls: &str) -> Result<Client, ConnectError> {
        let servers = ServerAddr::parse_list(urls)?;
        Client::connect_with(servers, self).await
    }

    /// Connects to `NATS_URL`, or to `nats://127.0.0.1:4222` when it is unset.
    pub async fn connect_default(self) -> Result<Client, ConnectError> {
        let urls = default_urls();
        self.connect(&urls).await
    }
}

impl Client {
    /// Connects to the first of `servers` that completes the handshake.
    pub(crate) async fn connect_with(
        servers: Vec<ServerAddr>,
        mut options: ConnectOptions,
    ) -> Result<Client, ConnectError> {
        features::check(Built::THIS, &servers, &options)?;
        options.tls.prepare()?;
        // Spans are debug (connect, request) or trace (publish): silent, and next to free, at
        // the usual info level.
        let span = tracing::debug_span!("natskit.connect", servers = servers.len());
        let pool = ServerPool::new(servers, options.reconnect.randomize);
        let shared = Arc::new(Shared::new(options, pool));
        let established = dial(&shared)
            .instrument(span)
            .await
            .map_err(GaveUp::into_connect_error)?;
        driver::spawn(Arc::clone(&shared), established);
        Ok(Client {
            owner: Arc::new(Owner::new(shared)),
        })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        self.owner.shared()
    }

    /// Publishes `payload` to `subject`.
    ///
    /// Returns once the message is queued for the socket (use [`flush`](Self::flush) to know
    /// the server has it). Waits only when 8 MiB (by default) of output are already queued.
    /// Like any future, it does nothing until awaited.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// client.publish("orders.new", "42 apples").await?;
    /// client.publish(String::from("orders.new"), vec![1, 2, 3]).await?;
    /// client.flush().await?; // the server has both
    /// # Ok(()) }
    /// ```
    pub fn publish<'a>(
        &'a self,
        subject: impl AsRef<str> + 'a,
        payload: impl Into<Bytes>,
    ) -> impl std::future::Future<Output = Result<(), PublishError>> + 'a {
        // Not an `async fn`: the future is `Publish` itself, with no second layer of state
        // around it (8 % of a small publish's instructions went there: callgrind, profile_paths).
        Publish::new(self.shared(), subject, None, None, payload.into())
    }

    /// Publishes with a reply subject, where answers should go.
    pub async fn publish_with_reply(
        &self,
        subject: impl AsRef<str>,
        reply: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        let reply = Some(reply.as_ref());
        Publish::new(self.shared(), subject, reply, None, payload.into()).await
    }

    /// Publishes with headers (and optionally a reply subject).
    pub async fn publish_with_headers(
        &self,
        subject: impl AsRef<str>,
        reply: Option<&str>,
        headers: &HeaderMap,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        Publish::new(self.shared(), subject, reply, Some(headers), payload.into()).await
    }

    /// Subscribes to `subject` (wildcards allowed).
    pub async fn subscribe(&self, subject: impl AsRef<str>) -> Result<Subscriber, SubscribeError> {
        self.subscribe_inner(subject.as_ref(), None)
    }

    /// Subscribes as a member of queue group `queue`: each message goes to one member.
    pub async fn queue_subscribe(
        &self,
        subject: impl AsRef<str>,
        queue: impl AsRef<str>,
    ) -> Result<Subscriber, SubscribeError> {
        self.subscribe_inner(subject.as_ref(), Some(queue.as_ref()))
    }

    fn subscribe_inner(
        &self,
        subject: &str,
        queue: Option<&str>,
    ) -> Result<Subscriber, SubscribeError> {
        let (sid, pending, rx) = self.shared().subscribe(subject, queue)?;
        let owner = Arc::clone(&self.owner);
        Ok(Subscriber::new(sid, subject.into(), rx, pending, owner))
    }

    /// Sends a request and waits for the first answer, up to the client's request timeout.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// match client.request("svc.time", "").await {
    ///     Ok(answer) => println!("{:?}", answer.payload),
    ///     Err(natskit::RequestError::NoResponders { .. }) => println!("nobody serves svc.time"),
    ///     Err(e) => return Err(e.into()),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn request(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<Message, RequestError> {
        self.send_request(subject, Request::new(payload)).await
    }

    /// Sends a request with its own headers or timeout.
    pub async fn send_request(
        &self,
        subject: impl AsRef<str>,
        request: Request,
    ) -> Result<Message, RequestError> {
        let subject = subject.as_ref();
        let span = tracing::debug_span!("natskit.request", subject);
        async {
            self.start_request(subject, request, None)
                .await?
                .answer()
                .await
        }
        .instrument(span)
        .await
    }

    /// Sends a request and returns once it is queued; its answer is awaited later with
    /// [`RequestInFlight::answer`]. For callers that keep many requests in flight at once
    /// (JetStream's asynchronous publish). `hold` is let go of when the answer comes (or the
    /// request fails or is dropped), even if the answer is never read.
    pub(crate) async fn start_request(
        &self,
        subject: &str,
        request: Request,
        hold: Option<tokio::sync::OwnedSemaphorePermit>,
    ) -> Result<RequestInFlight, RequestError> {
        let shared = self.shared();
        let timeout = request
            .timeout
            .unwrap_or(shared.options().timing.request_timeout);
        let (tx, rx) = oneshot::channel();
        let headers = request.headers.as_ref();
        let payload = &request.payload;
        let waiter = RequestWaiter::new(tx, hold);
        let (token, reply, queued) =
            shared.with(|machine| machine.request(waiter, subject, headers, payload))?;
        // Removes the waiter however the request ends: timeout, error or cancellation.
        let forget = ForgetRequest {
            shared: Arc::clone(shared),
            token,
            armed: true,
        };
        if queued == Queued::Full {
            shared
                .queue(|machine| machine.publish_request(token, subject, &reply, headers, payload))
                .await?;
        }
        Ok(RequestInFlight {
            subject: subject.to_owned(),
            timeout,
            rx,
            forget,
        })
    }

    /// Round trip to the server: returns once the server has processed everything this client
    /// sent before the call.
    pub async fn flush(&self) -> Result<(), FlushError> {
        let shared = self.shared();
        let pong = shared.ping().ok_or(FlushError::Closed)?;
        wait_for_pong(pong, shared.options().timing.flush_timeout).await
    }

    /// Measures one PING/PONG round trip.
    pub async fn rtt(&self) -> Result<Duration, FlushError> {
        let start = Instant::now();
        self.flush().await?;
        Ok(start.elapsed())
    }

    /// Flushes what was published, then closes: subscriptions end, waiting requests fail with
    /// [`RequestError::Closed`], later calls fail with `Closed`. Returns the flush's error if the
    /// server did not confirm receipt in time (the connection is closed all the same).
    ///
    /// While reconnecting it does not wait for a server: it closes at once, and what the
    /// reconnect buffer held is not sent (the result is then [`FlushError::Disconnected`]).
    pub async fn close(&self) -> Result<(), FlushError> {
        let shared = self.shared();
        let flushed = match shared.connection_state() {
            ConnectionState::Connected => match self.flush().await {
                Err(FlushError::Closed) => Ok(()),
                other => other,
            },
            ConnectionState::Reconnecting => Err(FlushError::Disconnected),
            ConnectionState::Closed => Ok(()),
        };
        self.stop_and_wait().await;
        flushed
    }

    /// Drains the client: every subscription stops at the server (UNSUB) and gets what the
    /// server sent before that (then its stream ends), new publishes are refused with
    /// [`PublishError::Draining`], what was published is flushed, and the client closes. Waits
    /// at most the drain timeout (see
    /// [`ConnectOptions::drain_timeout`](crate::ConnectOptions::drain_timeout)), then closes
    /// anyway with [`FlushError::TimedOut`].
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// client.drain().await?; // subscribers read what is left, then their streams end
    /// assert!(client.is_closed());
    /// # Ok(()) }
    /// ```
    pub async fn drain(&self) -> Result<(), FlushError> {
        let shared = self.shared();
        let (tx, rx) = oneshot::channel();
        let drained = match shared.with(|machine| machine.drain(tx)) {
            Ok(()) => wait_for_pong(rx, shared.options().timing.drain_timeout).await,
            Err(_) => Err(FlushError::Closed),
        };
        self.stop_and_wait().await;
        drained
    }

    /// Asks the connection task to stop, and waits until it has.
    async fn stop_and_wait(&self) {
        let shared = self.shared();
        shared.request_shutdown();
        let mut state = shared.watch_state();
        let _ = state
            .wait_for(|state| *state == ConnectionState::Closed)
            .await;
    }

    /// Drops the connection and connects again (to the next server of the pool), as after a
    /// network failure: subscriptions are restored and unsent publishes kept.
    pub fn force_reconnect(&self) {
        let shared = self.shared();
        shared.with(Machine::force_reconnect);
        shared.request_reconnect();
    }

    /// A `watch` of the connection's state: connected, reconnecting, closed.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) {
    /// use natskit::ConnectionState;
    ///
    /// let mut state = client.connection_state();
    /// let _ = state.wait_for(|s| *s == ConnectionState::Connected).await;
    /// # }
    /// ```
    pub fn connection_state(&self) -> tokio::sync::watch::Receiver<ConnectionState> {
        self.shared().watch_state()
    }

    /// The servers the client may use: the configured ones and those the cluster announced
    /// (credentials hidden), in the order they are tried.
    pub fn servers(&self) -> Vec<String> {
        self.shared().read(Machine::servers)
    }

    /// The server's latest INFO.
    pub fn server_info(&self) -> ServerInfo {
        self.shared().read(|machine| machine.info().clone())
    }

    /// The address of the server in use, or last used while reconnecting (credentials hidden).
    pub fn server_address(&self) -> String {
        self.shared().read(|machine| machine.server().to_owned())
    }

    /// Counts of messages and bytes in and out.
    pub fn statistics(&self) -> Statistics {
        let counters = self.shared().read(Machine::counters);
        Statistics {
            in_messages: counters.in_messages,
            in_bytes: counters.in_bytes,
            out_messages: counters.out_messages,
            out_bytes: counters.out_bytes,
            reconnects: counters.reconnects,
            malformed_messages: counters.malformed_messages,
        }
    }

    /// Requests sent and still waiting for their answer. A request that timed out or was
    /// abandoned is not counted: it leaves nothing behind.
    pub fn requests_in_flight(&self) -> usize {
        self.shared().read(Machine::requests_waiting)
    }

    /// A stream of connection events. The first call sees every event since the connection was
    /// made, [`Event::Connected`](crate::Event::Connected) first; later calls see events from the moment of the call.
    pub fn events(&self) -> Events {
        Events::new(self.shared().events())
    }

    /// Connection events from now on, for the library's own watchers (consumers), so the
    /// user's first [`events`](Self::events) call still sees the replay.
    #[cfg_attr(not(feature = "jetstream"), allow(dead_code))]
    pub(crate) fn events_from_now(&self) -> Events {
        Events::new(self.shared().events_from_now())
    }

    /// A fresh, unique subject under the client's inbox prefix (`_INBOX` unless set with
    /// [`ConnectOptions::inbox_prefix`]), for replies to a request sent with
    /// [`publish_with_reply`](Self::publish_with_reply).
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let inbox = client.new_inbox();
    /// assert!(inbox.starts_with("_INBOX."));
    /// let answers = client.subscribe(&inbox).await?;
    /// client.publish_with_reply("svc.census", &inbox, "").await?;
    /// # Ok(()) }
    /// ```
    pub fn new_inbox(&self) -> String {
        self.shared().options().protocol.new_inbox()
    }

    /// True once the client is closed.
    pub fn is_closed(&self) -> bool {
        self.shared().is_closed()
    }
}

/// A request sent (or queued to be), whose answer is still to come.
pub(crate) struct RequestInFlight {
    subject: String,
    timeout: Duration,
    rx: oneshot::Receiver<Answered>,
    forget: ForgetRequest,
}

impl RequestInFlight {
    /// Waits for the answer, up to the request's timeout (counted from now).
    pub(crate) async fn answer(mut self) -> Result<Message, RequestError> {
        let outcome = tokio::time::timeout(self.timeout, &mut self.rx).await;
        // Answered or failed: the machine has let go of the waiter already.
        self.forget.armed = !matches!(outcome, Ok(Ok(_)));
        let subject = self.subject;
        match outcome {
            Ok(Ok(Answered::Answer(msg))) => Ok(Message::new(msg, &self.forget.shared)),
            Ok(Ok(Answered::NoResponders)) => Err(RequestError::NoResponders { subject }),
            Ok(Ok(Answered::Failed(Failure::Disconnected))) => {
                Err(RequestError::Disconnected { subject })
            }
            Ok(Ok(Answered::Failed(Failure::Closed)) | Err(_)) => {
                Err(RequestError::Closed { subject })
            }
            Err(_) => Err(RequestError::TimedOut {
                subject,
                timeout: self.timeout,
            }),
        }
    }
}

/// Forgets a request when its caller is done with it, answered or not.
struct ForgetRequest {
    shared: Arc<Shared>,
    token: u64,
    /// False once the machine has let go of the waiter itself: nothing to forget.
    armed: bool,
}

impl Drop for ForgetRequest {
    fn drop(&mut self) {
        if self.armed {
            self.shared
                .with(|machine| machine.cancel_request(self.token));
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.server_address())
            .finish()
    }
}
