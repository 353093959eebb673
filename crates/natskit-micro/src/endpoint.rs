//! [`EndpointBuilder`] and [`Endpoint`]: one subject of a service, as a stream of requests or
//! answered by a handler.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::StreamExt;
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
pub const DEFAULT_CONCURRENCY: usize = 64;

/// The queue group setting of a group or endpoint.
#[derive(Debug, Clone)]
pub(crate) enum Queue {
    Named(String),
    Disabled,
}

impl Queue {
    fn name(self) -> Option<String> {
        match self {
            Queue::Named(q) => Some(q),
            Queue::Disabled => None,
        }
    }
}

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
    queue: Queue,
    name: String,
    subject: Option<String>,
    metadata: Metadata,
    concurrency: usize,
}

impl EndpointBuilder {
    pub(crate) fn new(
        service: Service,
        prefix: Option<String>,
        queue: Queue,
        name: String,
    ) -> Self {
        EndpointBuilder {
            service,
            prefix,
            queue,
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
        self.queue = Queue::Named(queue_group.into());
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
        self.queue = Queue::Disabled;
        self
    }

    /// Runs at most `limit` (at least 1) handler calls of this endpoint at once
    /// ([`DEFAULT_CONCURRENCY`] when not set). Only for [`handle`](Self::handle).
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// let builder = service.endpoint_builder("slow").concurrency(4);
    /// # }
    /// ```
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = limit.max(1);
        self
    }

    /// Adds the endpoint: a stream of its requests.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    ///
    /// # async fn demo(service: natskit_micro::Service) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut echo = service.endpoint_builder("echo").add().await?;
    /// while let Some(request) = echo.next().await {
    ///     request.respond(request.payload().clone()).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn add(self) -> Result<Endpoint, Error> {
        self.add_inner().await.map(|(endpoint, _)| endpoint)
    }

    async fn add_inner(self) -> Result<(Endpoint, usize), Error> {
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
        let queue_group = self.queue.name();
        let subscribed = match &queue_group {
            Some(queue) => state.client.queue_subscribe(&subject, queue).await,
            None => state.client.subscribe(&subject).await,
        };
        let subscriber = subscribed.map_err(|source| Error::Subscribe {
            subject: subject.clone(),
            source,
        })?;
        let counters = Arc::new(Counters::default());
        state.add_entry(Arc::new(EndpointEntry {
            name: self.name.clone(),
            subject: subject.clone(),
            queue_group: queue_group.clone(),
            metadata: self.metadata,
            counters: Arc::clone(&counters),
        }));
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(pump(
            subscriber,
            tx,
            counters,
            state.lifecycle.stop_signal(),
            share,
        ));
        let endpoint = Endpoint {
            rx,
            name: self.name,
            subject,
            queue_group,
        };
        Ok((endpoint, self.concurrency))
    }

    /// Adds the endpoint, answered by `handler`: what it returns is sent back (an error with the
    /// error headers), and counted in the stats.
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
        let (endpoint, concurrency) = self.add_inner().await?;
        tokio::spawn(run_handler(endpoint, Arc::new(handler), concurrency));
        Ok(())
    }
}

/// Moves requests from the subscription to the endpoint's stream; on stop, drains the
/// subscription so that requests the server already sent are still delivered, then ends.
async fn pump(
    mut subscriber: Subscriber,
    tx: mpsc::UnboundedSender<Request>,
    counters: Arc<Counters>,
    mut stop: watch::Receiver<bool>,
    share: InFlight,
) {
    let forward = |message| {
        let track = Track::new(Arc::clone(&counters), share.clone());
        // A closed stream (the endpoint was dropped) drops the request: it counts unanswered.
        let _ = tx.send(Request::tracked(message, track));
    };
    loop {
        // Unbiased: under a flood of requests, stop is still seen.
        tokio::select! {
            message = subscriber.next() => match message {
                Some(message) => forward(message),
                None => return,
            },
            () = stopping(&mut stop) => break,
        }
    }
    if let Err(e) = subscriber.drain().await {
        tracing::debug!(subject = subscriber.subject(), error = %e, "endpoint drain incomplete");
    }
    while let Some(message) = subscriber.next().await {
        forward(message);
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
    while let Some(request) = endpoint.next().await {
        // The semaphore is never closed, so this only waits.
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            return;
        };
        let handler = Arc::clone(&handler);
        tokio::spawn(async move {
            let (request, track, message) = request.detach();
            let response = handler(request).await;
            if let Some(track) = track {
                if let Err(e) = track.answer(&message, response).await {
                    tracing::debug!(subject = %message.subject, error = %e, "answer not sent");
                }
            }
            drop(permit);
        });
    }
}

/// An endpoint's requests, as a stream. It ends when the service stops, after the requests
/// the server had already sent.
///
/// ```no_run
/// use futures_util::StreamExt;
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
    rx: mpsc::UnboundedReceiver<Request>,
    name: String,
    subject: String,
    queue_group: Option<String>,
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
        &self.name
    }

    /// The subject it listens on, group prefix included.
    ///
    /// ```no_run
    /// # fn demo(endpoint: natskit_micro::Endpoint) {
    /// println!("{}", endpoint.subject());
    /// # }
    /// ```
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Its queue group, `None` when it has none.
    ///
    /// ```no_run
    /// # fn demo(endpoint: natskit_micro::Endpoint) {
    /// println!("{:?}", endpoint.queue_group());
    /// # }
    /// ```
    pub fn queue_group(&self) -> Option<&str> {
        self.queue_group.as_deref()
    }
}

impl Stream for Endpoint {
    type Item = Request;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Request>> {
        self.rx.poll_recv(cx)
    }
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name)
            .field("subject", &self.subject)
            .field("queue_group", &self.queue_group)
            .finish_non_exhaustive()
    }
}
