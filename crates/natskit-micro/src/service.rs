//! [`Service`]: a running, named, versioned set of endpoints that discovery finds.

use std::future::Future;
use std::sync::Arc;

use crate::endpoint::{Endpoint, EndpointBuilder};
use crate::schema::{InfoResponse, PingResponse, StatsResponse};
use crate::state::State;
use crate::{Error, Group, Request, Response, ServiceBuilder, ServiceError};

/// A running service. Cheap to clone; all clones are the same service.
///
/// **Dropping the last handle stops the service** (without waiting: use [`stop`](Self::stop)
/// to wait for requests in flight). Keep a handle for as long as the service should run.
///
/// ```no_run
/// use natskit_micro::{Request, Response, ServiceError};
///
/// async fn hello(request: Request) -> Result<Response, ServiceError> {
///     Ok(Response::new(format!("Hello, {}!", String::from_utf8_lossy(request.payload()))))
/// }
///
/// # async fn demo(client: natskit::Client) -> Result<(), natskit_micro::Error> {
/// let service = natskit_micro::Service::builder("greeter", "1.0.0").start(&client).await?;
/// service.handle("hello", hello).await?;
/// service.done().await; // until someone calls service.stop()
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[must_use = "dropping the last Service handle stops the service"]
pub struct Service {
    inner: Arc<Inner>,
}

/// The last [`Service`] handle: dropping it signals stop.
struct Inner {
    state: Arc<State>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Without waiting: `stop` is async and a drop cannot be.
        self.state.lifecycle.signal();
    }
}

impl Service {
    /// Starts configuring a service called `name` (`[A-Za-z0-9_-]+`) at semantic version
    /// `version`.
    ///
    /// ```
    /// let builder = natskit_micro::Service::builder("greeter", "1.0.0");
    /// ```
    pub fn builder(name: impl Into<String>, version: impl Into<String>) -> ServiceBuilder {
        ServiceBuilder::new(name.into(), version.into())
    }

    pub(crate) fn from_state(state: Arc<State>) -> Self {
        Service {
            inner: Arc::new(Inner { state }),
        }
    }

    pub(crate) fn state(&self) -> &Arc<State> {
        &self.inner.state
    }

    /// This instance's id (a NUID), unique among all instances.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// println!("$SRV.PING.{}.{}", service.name(), service.id());
    /// # }
    /// ```
    pub fn id(&self) -> &str {
        &self.state().id
    }

    /// The service's name.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// assert_eq!(service.name(), "greeter");
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.state().name
    }

    /// The service's version.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// println!("version {}", service.version());
    /// # }
    /// ```
    pub fn version(&self) -> &str {
        &self.state().version
    }

    /// What `$SRV.PING` answers.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// assert_eq!(service.ping().id, service.id());
    /// # }
    /// ```
    pub fn ping(&self) -> PingResponse {
        self.state().ping()
    }

    /// What `$SRV.INFO` answers.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// for endpoint in service.info().endpoints {
    ///     println!("{} on {}", endpoint.name, endpoint.subject);
    /// }
    /// # }
    /// ```
    pub fn info(&self) -> InfoResponse {
        self.state().info()
    }

    /// What `$SRV.STATS` answers.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// let requests: u64 = service.stats().endpoints.iter().map(|e| e.num_requests).sum();
    /// # }
    /// ```
    pub fn stats(&self) -> StatsResponse {
        self.state().stats()
    }

    /// Sets every endpoint's counters back to zero.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// service.reset();
    /// assert!(service.stats().endpoints.iter().all(|e| e.num_requests == 0));
    /// # }
    /// ```
    pub fn reset(&self) {
        for entry in self.state().entries() {
            entry.counters.reset();
        }
    }

    /// A group of endpoints whose subjects start with `prefix` and a `.`.
    ///
    /// ```no_run
    /// # async fn demo(service: natskit_micro::Service) -> Result<(), natskit_micro::Error> {
    /// let math = service.group("math");
    /// let add = math.endpoint("add").await?; // subject "math.add"
    /// # Ok(()) }
    /// ```
    pub fn group(&self, prefix: impl Into<String>) -> Group {
        Group::new(
            self.clone(),
            prefix.into(),
            self.state().queue_group.clone(),
        )
    }

    /// Configures an endpoint called `name` (subject, metadata, queue group, concurrency).
    ///
    /// ```no_run
    /// # async fn demo(service: natskit_micro::Service) -> Result<(), natskit_micro::Error> {
    /// let hello = service
    ///     .endpoint_builder("hello")
    ///     .subject("greet.hello")
    ///     .metadata("format", "text")
    ///     .add()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn endpoint_builder(&self, name: impl Into<String>) -> EndpointBuilder {
        EndpointBuilder::new(
            self.clone(),
            None,
            self.state().queue_group.clone(),
            name.into(),
        )
    }

    /// Adds an endpoint called `name` on subject `name`: a stream of its requests.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    ///
    /// # async fn demo(service: natskit_micro::Service) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut hello = service.endpoint("hello").await?;
    /// while let Some(request) = hello.next().await {
    ///     request.respond("Hello!").await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn endpoint(&self, name: impl Into<String>) -> Result<Endpoint, Error> {
        self.endpoint_builder(name).add().await
    }

    /// Adds an endpoint called `name` on subject `name`, answered by `handler`.
    ///
    /// ```no_run
    /// use natskit_micro::{Request, Response, ServiceError};
    ///
    /// async fn hello(_request: Request) -> Result<Response, ServiceError> {
    ///     Ok(Response::new("Hello!"))
    /// }
    ///
    /// # async fn demo(service: natskit_micro::Service) -> Result<(), natskit_micro::Error> {
    /// service.handle("hello", hello).await?;
    /// # Ok(()) }
    /// ```
    pub async fn handle<F, Fut>(&self, name: impl Into<String>, handler: F) -> Result<(), Error>
    where
        F: Fn(Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, ServiceError>> + Send + 'static,
    {
        self.endpoint_builder(name).handle(handler).await
    }

    /// Stops gracefully: stops answering discovery, drains every endpoint (the server stops
    /// sending, and requests already sent are still delivered), and returns once every request
    /// received is answered (or dropped) and every handler has returned. An endpoint stream
    /// that nobody reads keeps its requests, and so keeps `stop` waiting: read it to its end,
    /// or drop it.
    ///
    /// ```no_run
    /// # async fn demo(service: natskit_micro::Service) {
    /// service.stop().await;
    /// assert!(service.is_stopped());
    /// # }
    /// ```
    pub async fn stop(&self) {
        self.state().lifecycle.stop().await;
    }

    /// Returns once the service has stopped (through [`stop`](Self::stop) from any clone).
    ///
    /// ```no_run
    /// # async fn demo(service: natskit_micro::Service) {
    /// let watcher = service.clone();
    /// tokio::spawn(async move { watcher.done().await; println!("stopped") });
    /// service.stop().await;
    /// # }
    /// ```
    pub async fn done(&self) {
        self.state().lifecycle.done().await;
    }

    /// True once the service has stopped.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// if service.is_stopped() { println!("gone"); }
    /// # }
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.state().lifecycle.is_stopped()
    }
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("name", &self.name())
            .field("id", &self.id())
            .field("version", &self.version())
            .finish_non_exhaustive()
    }
}
