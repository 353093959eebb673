//! [`Discovery`]: the client's side of discovery. Asks every service instance (or those of one
//! name, or one instance) and gathers the answers that arrive within a timeout.

use std::time::Duration;

use futures_util::StreamExt;
use natskit::Client;
use serde::de::DeserializeOwned;

use crate::schema::{InfoResponse, PingResponse, StatsResponse};
use crate::{Error, Verb};

/// How long discovery waits for answers unless told otherwise.
///
/// ```
/// assert_eq!(natskit_micro::DEFAULT_DISCOVERY_TIMEOUT, std::time::Duration::from_secs(1));
/// ```
pub const DEFAULT_DISCOVERY_TIMEOUT: Duration = Duration::from_secs(1);

/// Finds services and asks them for their info and stats.
///
/// A question goes to `$SRV.<verb>[.<name>[.<id>]]` with a fresh inbox (under the client's
/// inbox prefix) as reply subject; every instance that hears it answers, so answers are
/// gathered until the timeout (or, when one instance is asked by id, until its answer).
///
/// ```no_run
/// use std::time::Duration;
///
/// # async fn demo(client: natskit::Client) -> Result<(), natskit_micro::Error> {
/// let discovery = natskit_micro::Discovery::new(&client).timeout(Duration::from_millis(500));
/// for service in discovery.ping(Some("greeter")).await? {
///     println!("{} {} {}", service.name, service.id, service.version);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Discovery {
    client: Client,
    timeout: Duration,
}

impl Discovery {
    /// Discovery over `client`, waiting [`DEFAULT_DISCOVERY_TIMEOUT`] for answers.
    ///
    /// ```no_run
    /// # fn demo(client: natskit::Client) {
    /// let discovery = natskit_micro::Discovery::new(&client);
    /// # }
    /// ```
    pub fn new(client: &Client) -> Self {
        Discovery {
            client: client.clone(),
            timeout: DEFAULT_DISCOVERY_TIMEOUT,
        }
    }

    /// Waits `timeout` for answers.
    ///
    /// ```no_run
    /// # fn demo(client: natskit::Client) {
    /// let quick = natskit_micro::Discovery::new(&client).timeout(std::time::Duration::from_millis(200));
    /// # }
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Pings every instance, or those of service `name`.
    ///
    /// ```no_run
    /// # async fn demo(discovery: natskit_micro::Discovery) -> Result<(), natskit_micro::Error> {
    /// println!("{} instances", discovery.ping(None).await?.len());
    /// # Ok(()) }
    /// ```
    pub async fn ping(&self, name: Option<&str>) -> Result<Vec<PingResponse>, Error> {
        self.ask(Verb::Ping, name, None).await
    }

    /// The info of every instance, or of those of service `name`.
    ///
    /// ```no_run
    /// # async fn demo(discovery: natskit_micro::Discovery) -> Result<(), natskit_micro::Error> {
    /// for info in discovery.info(Some("calc")).await? {
    ///     println!("{}: {}", info.id, info.description);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn info(&self, name: Option<&str>) -> Result<Vec<InfoResponse>, Error> {
        self.ask(Verb::Info, name, None).await
    }

    /// The stats of every instance, or of those of service `name`.
    ///
    /// ```no_run
    /// # async fn demo(discovery: natskit_micro::Discovery) -> Result<(), natskit_micro::Error> {
    /// for stats in discovery.stats(Some("calc")).await? {
    ///     println!("{} since {}", stats.id, stats.started);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn stats(&self, name: Option<&str>) -> Result<Vec<StatsResponse>, Error> {
        self.ask(Verb::Stats, name, None).await
    }

    /// The info of instance `id` of service `name`; `None` when it does not answer in time.
    ///
    /// ```no_run
    /// # async fn demo(discovery: natskit_micro::Discovery) -> Result<(), natskit_micro::Error> {
    /// if let Some(info) = discovery.info_of("calc", "4Z3TNTq2hOYX0vHLGBsbHX").await? {
    ///     println!("{} endpoints", info.endpoints.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn info_of(&self, name: &str, id: &str) -> Result<Option<InfoResponse>, Error> {
        Ok(self.ask(Verb::Info, Some(name), Some(id)).await?.pop())
    }

    /// The stats of instance `id` of service `name`; `None` when it does not answer in time.
    ///
    /// ```no_run
    /// # async fn demo(discovery: natskit_micro::Discovery) -> Result<(), natskit_micro::Error> {
    /// if let Some(stats) = discovery.stats_of("calc", "4Z3TNTq2hOYX0vHLGBsbHX").await? {
    ///     println!("{} endpoints", stats.endpoints.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn stats_of(&self, name: &str, id: &str) -> Result<Option<StatsResponse>, Error> {
        Ok(self.ask(Verb::Stats, Some(name), Some(id)).await?.pop())
    }

    /// Asks `$SRV.<verb>[.<name>[.<id>]]` and gathers the answers that parse as `T`; with an
    /// id (and a name: an id without a name is ignored), stops at the first. Answers that do
    /// not parse are skipped (and logged).
    ///
    /// ```no_run
    /// use natskit_micro::{PingResponse, Verb};
    ///
    /// # async fn demo(discovery: natskit_micro::Discovery) -> Result<(), natskit_micro::Error> {
    /// let raw: Vec<serde_json::Value> = discovery.ask(Verb::Ping, Some("greeter"), None).await?;
    /// # Ok(()) }
    /// ```
    pub async fn ask<T: DeserializeOwned>(
        &self,
        verb: Verb,
        name: Option<&str>,
        id: Option<&str>,
    ) -> Result<Vec<T>, Error> {
        // An id counts only with a name, as in the subject.
        let id = id.filter(|_| name.is_some());
        let subject = verb.subject(name, id);
        let inbox = self.client.new_inbox();
        let mut answers =
            self.client
                .subscribe(&inbox)
                .await
                .map_err(|source| Error::Subscribe {
                    subject: inbox.clone(),
                    source,
                })?;
        self.client.publish_with_reply(&subject, &inbox, "").await?;
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut gathered = Vec::new();
        while let Ok(Some(message)) = tokio::time::timeout_at(deadline, answers.next()).await {
            // A status message (503: nobody listens) is not an answer.
            if message.status.is_some() {
                continue;
            }
            match serde_json::from_slice(&message.payload) {
                Ok(answer) => gathered.push(answer),
                Err(e) => tracing::debug!(%subject, error = %e, "discovery answer skipped"),
            }
            if id.is_some() && !gathered.is_empty() {
                break;
            }
        }
        Ok(gathered)
    }
}
