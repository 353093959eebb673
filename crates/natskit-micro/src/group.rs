//! [`Group`]: endpoints under a common subject prefix, with their own default queue group.

use std::future::Future;

use crate::endpoint::EndpointBuilder;
use crate::{Endpoint, Error, Request, Response, Service, ServiceError};

/// Endpoints whose subjects start with a prefix: endpoint `add` in group `math` listens on
/// `math.add`. Groups nest, and can set or disable the queue group of their endpoints.
///
/// ```no_run
/// use natskit_micro::{Request, Response, ServiceError};
///
/// async fn add(request: Request) -> Result<Response, ServiceError> {
///     let [a, b]: [f64; 2] = request.json()?;
///     Response::json(&(a + b))
/// }
///
/// # async fn demo(service: natskit_micro::Service) -> Result<(), natskit_micro::Error> {
/// let v2 = service.group("math").group("v2").queue_group("math-v2");
/// v2.handle("add", add).await?; // subject "math.v2.add", queue group "math-v2"
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Group {
    service: Service,
    prefix: String,
    /// The queue group its endpoints join unless they say otherwise; `None` for none.
    queue_group: Option<String>,
}

impl Group {
    pub(crate) fn new(service: Service, prefix: String, queue_group: Option<String>) -> Self {
        Group {
            service,
            prefix,
            queue_group,
        }
    }

    /// The subject prefix.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// assert_eq!(service.group("math").group("v2").prefix(), "math.v2");
    /// # }
    /// ```
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A group inside this one: its prefix is this one's, a `.`, and `prefix`. It inherits this
    /// group's queue group setting.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// let v2 = service.group("math").group("v2");
    /// # }
    /// ```
    pub fn group(&self, prefix: impl AsRef<str>) -> Group {
        Group {
            service: self.service.clone(),
            prefix: format!("{}.{}", self.prefix, prefix.as_ref()),
            queue_group: self.queue_group.clone(),
        }
    }

    /// Its endpoints join `queue_group` unless they say otherwise.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// let math = service.group("math").queue_group("mathematicians");
    /// # }
    /// ```
    pub fn queue_group(mut self, queue_group: impl Into<String>) -> Self {
        self.queue_group = Some(queue_group.into());
        self
    }

    /// Its endpoints have no queue group unless they say otherwise.
    ///
    /// ```no_run
    /// # fn demo(service: natskit_micro::Service) {
    /// let admin = service.group("admin").no_queue_group();
    /// # }
    /// ```
    pub fn no_queue_group(mut self) -> Self {
        self.queue_group = None;
        self
    }

    /// Configures an endpoint in this group.
    ///
    /// ```no_run
    /// # async fn demo(service: natskit_micro::Service) -> Result<(), natskit_micro::Error> {
    /// let div = service.group("math").endpoint_builder("div").metadata("errors", "400").add().await?;
    /// # Ok(()) }
    /// ```
    pub fn endpoint_builder(&self, name: impl Into<String>) -> EndpointBuilder {
        EndpointBuilder::new(
            self.service.clone(),
            Some(self.prefix.clone()),
            self.queue_group.clone(),
            name.into(),
        )
    }

    /// Adds endpoint `name` on subject `<prefix>.<name>`: a stream of its requests.
    ///
    /// ```no_run
    /// # async fn demo(service: natskit_micro::Service) -> Result<(), natskit_micro::Error> {
    /// let add = service.group("math").endpoint("add").await?;
    /// assert_eq!(add.subject(), "math.add");
    /// # Ok(()) }
    /// ```
    pub async fn endpoint(&self, name: impl Into<String>) -> Result<Endpoint, Error> {
        self.endpoint_builder(name).add().await
    }

    /// Adds endpoint `name` on subject `<prefix>.<name>`, answered by `handler`.
    ///
    /// ```no_run
    /// use natskit_micro::{Request, Response, ServiceError};
    ///
    /// async fn neg(request: Request) -> Result<Response, ServiceError> {
    ///     let x: f64 = request.json()?;
    ///     Response::json(&-x)
    /// }
    ///
    /// # async fn demo(service: natskit_micro::Service) -> Result<(), natskit_micro::Error> {
    /// service.group("math").handle("neg", neg).await?;
    /// # Ok(()) }
    /// ```
    pub async fn handle<F, Fut>(&self, name: impl Into<String>, handler: F) -> Result<(), Error>
    where
        F: Fn(Request) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Response, ServiceError>> + Send + 'static,
    {
        self.endpoint_builder(name).handle(handler).await
    }
}
