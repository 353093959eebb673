//! [`ServiceBuilder`]: a service's name, version, description, metadata and defaults, checked
//! when it starts.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use natskit::Client;

use crate::lifecycle::Lifecycle;
use crate::schema::Metadata;
use crate::state::State;
use crate::validate::{is_semver, is_valid_name};
use crate::{control, Error, Service};

/// The queue group endpoints join unless told otherwise.
///
/// ```
/// assert_eq!(natskit_micro::DEFAULT_QUEUE_GROUP, "q");
/// ```
pub const DEFAULT_QUEUE_GROUP: &str = "q";

/// Adds data to each endpoint's stats: called with the endpoint's name for every `$SRV.STATS`.
///
/// ```
/// use serde_json::json;
///
/// let handler: natskit_micro::StatsHandler = std::sync::Arc::new(|e| json!({ "endpoint": e }));
/// assert_eq!(handler("add"), serde_json::json!({ "endpoint": "add" }));
/// ```
pub type StatsHandler = Arc<dyn Fn(&str) -> serde_json::Value + Send + Sync>;

/// How a service is configured before it starts.
///
/// ```no_run
/// # async fn demo(client: natskit::Client) -> Result<(), natskit_micro::Error> {
/// let service = natskit_micro::Service::builder("greeter", "1.0.0")
///     .description("Says hello")
///     .metadata("team", "hello-world")
///     .queue_group("greeters")
///     .start(&client)
///     .await?;
/// # Ok(()) }
/// ```
#[must_use = "a builder does nothing until start is called"]
pub struct ServiceBuilder {
    name: String,
    version: String,
    description: String,
    metadata: Metadata,
    queue_group: Option<String>,
    stats_handler: Option<StatsHandler>,
}

impl ServiceBuilder {
    pub(crate) fn new(name: String, version: String) -> Self {
        ServiceBuilder {
            name,
            version,
            description: String::new(),
            metadata: Metadata::new(),
            queue_group: Some(DEFAULT_QUEUE_GROUP.into()),
            stats_handler: None,
        }
    }

    /// Sets what the service does, shown by `$SRV.INFO`.
    ///
    /// ```
    /// let builder = natskit_micro::Service::builder("greeter", "1.0.0").description("Says hello");
    /// ```
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Adds a metadata entry, shown by every discovery answer.
    ///
    /// ```
    /// let builder = natskit_micro::Service::builder("greeter", "1.0.0").metadata("region", "eu");
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Sets the queue group endpoints join by default (`q` when not set).
    ///
    /// ```
    /// let builder = natskit_micro::Service::builder("greeter", "1.0.0").queue_group("greeters");
    /// ```
    pub fn queue_group(mut self, queue_group: impl Into<String>) -> Self {
        self.queue_group = Some(queue_group.into());
        self
    }

    /// Endpoints subscribe without a queue group by default: every instance gets every request.
    ///
    /// ```
    /// let builder = natskit_micro::Service::builder("audit", "1.0.0").no_queue_group();
    /// ```
    pub fn no_queue_group(mut self) -> Self {
        self.queue_group = None;
        self
    }

    /// Adds `handler`'s value as `data` to each endpoint's stats.
    ///
    /// ```
    /// let builder = natskit_micro::Service::builder("greeter", "1.0.0")
    ///     .stats_handler(|endpoint| serde_json::json!({ "endpoint": endpoint, "cache_hits": 0 }));
    /// ```
    pub fn stats_handler(
        mut self,
        handler: impl Fn(&str) -> serde_json::Value + Send + Sync + 'static,
    ) -> Self {
        self.stats_handler = Some(Arc::new(handler));
        self
    }

    /// Checks the name and version, subscribes to the discovery subjects and starts answering
    /// them. The service has no endpoints yet: add them on the returned [`Service`].
    ///
    /// Keep the returned [`Service`] (or a clone): dropping the last handle stops the service.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) -> Result<(), natskit_micro::Error> {
    /// let service = natskit_micro::Service::builder("greeter", "1.0.0").start(&client).await?;
    /// println!("started {} as {}", service.name(), service.id());
    /// # Ok(()) }
    /// ```
    pub async fn start(self, client: &Client) -> Result<Service, Error> {
        if !is_valid_name(&self.name) {
            return Err(Error::InvalidName(self.name));
        }
        if !is_semver(&self.version) {
            return Err(Error::InvalidVersion(self.version));
        }
        let state = Arc::new(State {
            id: natskit_proto::nuid::next(),
            name: self.name,
            version: self.version,
            description: self.description,
            metadata: self.metadata,
            queue_group: self.queue_group,
            started: SystemTime::now(),
            stats_handler: self.stats_handler,
            endpoints: Mutex::new(Vec::new()),
            lifecycle: Lifecycle::new(),
            client: client.clone(),
        });
        control::start(&state).await?;
        Ok(Service::from_state(state))
    }
}
