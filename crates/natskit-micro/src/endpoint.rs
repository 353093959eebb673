//! [`EndpointBuilder`] and [`Endpoint`]: one subject of a service, as a stream of requests or
//! answered by a handler.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::{FutureExt, StreamExt};
use natskit::Subscriber;
use tokio::sync::{mpsc, watch, Semaphore};

use crate::lifecycle::{stopping, InFlight};
use crate::request::Track;
use crate::schema::Metadata;
use crate::state::EndpointEntry;
use crate::stats::Counters;
use crate::validate::is_valid_name;
use crate::{Error, Request, Response, Service, ServiceError};

/// How many requests of one endpoint its handler answers at once, unless told otherwise.
///
/// ```
/// assert_eq!(natskit_micro::DEFAULT_CONCURRENCY, 64);
/// ```
pub const DEFAULT_CONCURRENCY: usize = 64;

/// How many requests an endpoint's stream holds unread; past that, requests wait in the
/// subscription, whose pending limits apply.
const STREAM_CAPACITY: usize = 64;

/// How an endpoint is configured before it is added: from
/// [`Service::endpoint_builder`] or [`Group::endpoint_builder`](crate::Group::endpoint_builder).
///
/// ```no_run
/// # async fn demo(service: natskit_micro::Service) -> Result<(), natskit_micro::Error> {
/// let add = service
///     .group("math")
///     .endpoint_builder("add")
///     .metadata("input", "{a, b}")
///     .queue_group("adders")
///     .add()
///     .await?; // subject "math.add", queue group "adders"
/// # Ok(()) }
/// ```
#[must_use = "a builder does nothing until add or handle is called"]
pub struct EndpointBuilder {
    service: Service,
    prefix: Option<String>,
    /// The queue group to join; `None` for none.
    queue_group: Option<String>,
    name: String,
    subject: Option<String>,
    metadata: Metadata,
    concurrency: usize,
}

impl EndpointBuilder {
    pub(crate) fn new(
        service: Service,
        prefix: Option<String>,
        queue_group: Option<String>,
        name: String,
    ) -> Self {
        EndpointBuilder {
            service,
            prefix,
            queue_group,
            name,
            subject: None,
            metadata: Metadata::new(),
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// Listens on `subject` (after the group's prefix) instead of the endpoint's name.
    /// Wildcards are allowed.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// let builder = service.endpoint_builder("greet").subject("greet.*");
    /// # }
    /// ```
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Adds a metadata entry, shown by `$SRV.INFO`.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// let builder = service.endpoint_builder("add").metadata("input", "JSON {a, b}");
    /// # }
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Joins queue group `queue_group` instead of the group's or service's.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// let builder = service.endpoint_builder("add").queue_group("adders");
    /// # }
    /// ```
    pub fn queue_group(mut self, queue_group: impl Into<String>) -> Self {
        self.queue_group = Some(queue_group.into());
        self
    }

    /// Subscribes without a queue group: every instance gets every request.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// let builder = service.endpoint_builder("reload").no_queue_group();
    /// # }
    /// ```
    pub fn no_queue_group(mut self) -> Self {
        self.queue_group = None;
        self
    }

    /// Runs at most `limit` handler calls of this endpoint at once ([`DEFAULT_CONCURRENCY`]
    /// when not set). Only for [`handle`](Self::handle). `limit` is clamped to
    /// `1..=`[`tokio::sync::Semaphore::MAX_PERMITS`]. As many requests again may wait for a
    /// turn; past those, requests wait in the subscription, whose pending limits apply.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// let builder = service.endpoint_builder("slow").concurrency(4);
    /// # }
    /// ```
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = limit.clamp(1, Semaphore::MAX_PERMITS);
        self
    }

    /// Adds the endpoint: a stream of its requests.
    ///
    /// ```no_run
    /// use futures_util::{FutureExt, StreamExt};
    ///
    /// # async fn demo(service: natskit_micro::Service) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut echo = service.endpoint_builder("echo").add().await?;
    /// while let Some(request) = echo.next().await {
    ///     request.respond(request.payload().clone()).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn add(self) -> Result<Endpoint, Error> {
        self.add_inner(STREAM_CAPACITY).await
    }

    /// Adds the endpoint, with a stream that holds at most `capacity` requests unread.
    async fn add_inner(self, capacity: usize) -> Result<Endpoint, Error> {
        if !is_valid_name(&self.name) {
            return Err(Error::InvalidName(self.name));
        }
        let state = Arc::clone(self.service.state());
        let share = state.lifecycle.share().ok_or(Error::Stopped)?;
        let subject = self.subject.unwrap_or_else(|| self.name.clone());
        let subject = match self.prefix {
            Some(prefix) => format!("{prefix}.{subject}"),
            None => subject,
        };
        let subscribed = match &self.queue_group {
            Some(queue) => state.client.queue_subscribe(&subject, queue).await,
            None => state.client.subscribe(&subject).await,
        };
        let subscriber = subscribed.map_err(|source| Error::Subscribe {
            subject: subject.clone(),
            source,
        })?;
        let entry = Arc::new(EndpointEntry {
            name: self.name,
            subject,
            queue_group: self.queue_group,
            metadata: self.metadata,
            counters: Arc::new(Counters::default()),
        });
        state.add_entry(Arc::clone(&entry));
        let (tx, rx) = mpsc::channel(capacity);
        tokio::spawn(pump(
            subscriber,
            tx,
            Arc::clone(&entry.counters),
            state.lifecycle.stop_signal(),
            share,
        ));
        Ok(Endpoint { rx, entry })
    }

    /// Adds the endpoint, answered by `handler`: what it returns is sent back (an error with the
    /// error headers), and counted in the stats. A handler that answers itself (with
    /// [`Request::respond`] and the like) has its answer sent instead: what it returns then is
    /// not sent. A handler that panics is answered with error 500 `handler panicked`, counted as
    /// an error.
    ///
    /// ```no_run
    /// use natskit_micro::{Request, Response, ServiceError};
    ///
    /// # async fn demo(service: natskit_micro::Service) -> Result<(), natskit_micro::Error> {
    /// service
    ///     .endpoint_builder("upper")
    ///     .concurrency(8)
    ///     .handle(|request: Request| async move {
    ///         let text = std::str::from_utf8(request.payload())
    ///             .map_err(|_| ServiceError::bad_request("not UTF-8"))?;
    ///         Ok(Response::new(text.to_uppercase()))
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn handle<F, Fut>(self, handler: F) -> Result<(), Error>
    where
        F: Fn(Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, ServiceError>> + Send + 'static,
    {
        let concurrency = self.concurrency;
        let endpoint = self.add_inner(concurrency).await?;
        tokio::spawn(run_handler(endpoint, Arc::new(handler), concurrency));
        Ok(())
    }
}

/// Moves requests from the subscription to the endpoint's stream; on stop, drains the
/// subscription so that requests the server already sent are still delivered, then ends.
///
/// A message is taken from the subscription only once the stream has room for it: a stream
/// (or handler) that falls behind leaves requests in the subscription, whose pending limits
/// apply.
async fn pump(
    mut subscriber: Subscriber,
    tx: mpsc::Sender<Request>,
    counters: Arc<Counters>,
    mut stop: watch::Receiver<bool>,
    share: InFlight,
) {
    let wrap =
        |message| Request::tracked(message, Track::new(Arc::clone(&counters), share.clone()));
    loop {
        // Unbiased: under a flood of requests, or with a full stream, stop is still seen.
        let room = tokio::select! {
            room = tx.reserve() => room,
            () = stopping(&mut stop) => break,
        };
        tokio::select! {
            message = subscriber.next() => match message {
                // A closed stream (the endpoint was dropped) drops the request: it counts
                // unanswered.
                Some(message) => match room {
                    Ok(room) => room.send(wrap(message)),
                    Err(_) => drop(wrap(message)),
                },
                None => return,
            },
            () = stopping(&mut stop) => break,
        }
    }
    if let Err(e) = subscriber.drain().await {
        tracing::debug!(subject = subscriber.subject(), error = %e, "endpoint drain incomplete");
    }
    while let Some(message) = subscriber.next().await {
        let _ = tx.send(wrap(message)).await;
    }
}

/// Answers an endpoint's requests with `handler`, at most `limit` at once; returns when the
/// endpoint's stream ends (handlers still running hold their own share of the work in flight).
async fn run_handler<F, Fut>(mut endpoint: Endpoint, handler: Arc<F>, limit: usize)
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Response, ServiceError>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit));
    // Not through `Stream::poll_next`, which starts the processing-time clock: a request's
    // clock starts when its handler does, not while it waits for a permit.
    while let Some(request) = endpoint.rx.recv().await {
        // The semaphore is never closed, so this only waits.
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let handler = Arc::clone(&handler);
        tokio::spawn(async move {
            request.start();
            let fallback = request.fallback();
            // Calling the handler inside the future catches a panic in the call too.
            let response = AssertUnwindSafe(async move { handler(request).await })
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err(ServiceError::internal("handler panicked")));
            if let Err(e) = fallback.answer(response).await {
                tracing::debug!(subject = %fallback.subject(), error = %e, "answer not sent");
            }
            drop(permit);
        });
    }
}

/// An endpoint's requests, as a stream. It ends when the service stops, after the requests
/// the server had already sent.
///
/// ```no_run
/// use futures_util::{FutureExt, StreamExt};
///
/// # async fn demo(service: natskit_micro::Service) -> Result<(), Box<dyn std::error::Error>> {
/// let mut hello = service.endpoint("hello").await?;
/// println!("{} listens on {}", hello.name(), hello.subject());
/// while let Some(request) = hello.next().await {
///     request.respond("Hello!").await?;
/// }
/// # Ok(()) }
/// ```
pub struct Endpoint {
    rx: mpsc::Receiver<Request>,
    /// What discovery shows of it, shared with the service.
    entry: Arc<EndpointEntry>,
}

impl Endpoint {
    /// The endpoint's name.
    ///
    /// ```no_run
    /// # fn demo(endpoint: natskit_micro::Endpoint) {
    /// println!("{}", endpoint.name());
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.entry.name
    }

    /// The subject it listens on, group prefix included.
    ///
    /// ```no_run
    /// # fn demo(endpoint: natskit_micro::Endpoint) {
    /// println!("{}", endpoint.subject());
    /// # }
    /// ```
    pub fn subject(&self) -> &str {
        &self.entry.subject
    }

    /// Its queue group, `None` when it has none.
    ///
    /// ```no_run
    /// # fn demo(endpoint: natskit_micro::Endpoint) {
    /// println!("{:?}", endpoint.queue_group());
    /// # }
    /// ```
    pub fn queue_group(&self) -> Option<&str> {
        self.entry.queue_group.as_deref()
    }
}

impl Stream for Endpoint {
    type Item = Request;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Request>> {
        let next = self.rx.poll_recv(cx);
        if let Poll::Ready(Some(request)) = &next {
            request.start();
        }
        next
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.entry.name)
            .field("subject", &self.entry.subject)
            .field("queue_group", &self.entry.queue_group)
            .finish_non_exhaustive()
    }
}
