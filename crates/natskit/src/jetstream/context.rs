//! [`Context`]: a [`Client`] seen through the JetStream API: where the API lives (prefix or
//! domain), how long its answers may take, and the one way every API call is made and its
//! answer read.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::{OnceCell, Semaphore};

use crate::client::{Client, Request};
use crate::jetstream::error::{ApiError, JetStreamError};

/// The API prefix of the local JetStream domain.
pub(crate) const DEFAULT_PREFIX: &str = "$JS.API";

/// How long an API call waits for its answer unless told otherwise.
///
/// ```
/// assert_eq!(natskit::jetstream::DEFAULT_TIMEOUT.as_secs(), 5);
/// ```
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a publish answered by "no responders" is sent again (ADR-22), by default.
///
/// ```
/// assert_eq!(natskit::jetstream::DEFAULT_PUBLISH_RETRIES, 2);
/// ```
pub const DEFAULT_PUBLISH_RETRIES: u32 = 2;

/// The wait before the first publish retry; each further retry waits twice as long.
///
/// ```
/// assert_eq!(natskit::jetstream::DEFAULT_PUBLISH_RETRY_WAIT.as_millis(), 100);
/// ```
pub const DEFAULT_PUBLISH_RETRY_WAIT: Duration = Duration::from_millis(100);

/// Asynchronous publishes waiting for their acknowledgement at once, by default (as nats.go).
///
/// ```
/// assert_eq!(natskit::jetstream::DEFAULT_MAX_PUBLISHES_IN_FLIGHT, 4000);
/// ```
pub const DEFAULT_MAX_PUBLISHES_IN_FLIGHT: usize = 4000;

/// JetStream over a [`Client`]: streams, messages and publishing with acknowledgements.
///
/// Made by [`jetstream::new`](crate::jetstream::new); cheap to clone, and every clone shares the
/// client's connection.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
///
/// let client = natskit::connect("nats://127.0.0.1:4222").await?;
/// let js = natskit::jetstream::new(client)
///     .with_domain("hub")                      // the API of domain "hub": $JS.hub.API
///     .with_timeout(Duration::from_secs(2));   // for each API call and publish
/// let account = js.account_info().await?;
/// println!("{} streams", account.streams);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Context {
    client: Client,
    /// Shared by the clones: one is made per asynchronous publish.
    prefix: Arc<str>,
    timeout: Duration,
    publish_retries: u32,
    publish_retry_wait: Duration,
    /// Slots of the asynchronous publish window, shared by the clones of this context.
    publish_window: Arc<Semaphore>,
    /// The server's API level, read once when a feature needs it.
    api_level: Arc<OnceCell<u32>>,
}

impl Context {
    /// JetStream of the local domain (`$JS.API`) over `client`.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) {
    /// let js = natskit::jetstream::Context::new(client);
    /// assert_eq!(js.prefix(), "$JS.API");
    /// # }
    /// ```
    pub fn new(client: Client) -> Self {
        Context {
            client,
            prefix: Arc::from(DEFAULT_PREFIX),
            timeout: DEFAULT_TIMEOUT,
            publish_retries: DEFAULT_PUBLISH_RETRIES,
            publish_retry_wait: DEFAULT_PUBLISH_RETRY_WAIT,
            publish_window: Arc::new(Semaphore::new(DEFAULT_MAX_PUBLISHES_IN_FLIGHT)),
            api_level: Arc::new(OnceCell::new()),
        }
    }

    /// Sends API calls under `prefix` instead of `$JS.API`, for an API imported from another
    /// account (ADR-19). A trailing `.` is ignored.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) {
    /// let js = natskit::jetstream::new(client).with_prefix("$JS.hub.API");
    /// assert_eq!(js.prefix(), "$JS.hub.API");
    /// # }
    /// ```
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        self.prefix = Arc::from(prefix.trim_end_matches('.'));
        self
    }

    /// Sends API calls to JetStream domain `domain` (`$JS.<domain>.API`); an empty domain means
    /// the local one.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) {
    /// let js = natskit::jetstream::new(client).with_domain("hub");
    /// assert_eq!(js.prefix(), "$JS.hub.API");
    /// # }
    /// ```
    pub fn with_domain(mut self, domain: impl AsRef<str>) -> Self {
        self.prefix = match domain.as_ref() {
            "" => Arc::from(DEFAULT_PREFIX),
            domain => Arc::from(format!("$JS.{domain}.API")),
        };
        self
    }

    /// How long an API call or a publish waits for its answer (5 s by default).
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) {
    /// use std::time::Duration;
    /// let js = natskit::jetstream::new(client).with_timeout(Duration::from_millis(500));
    /// assert_eq!(js.timeout(), Duration::from_millis(500));
    /// # }
    /// ```
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How a publish answered by "no responders" (status 503: no stream captures the subject,
    /// or its stream is electing a leader) is retried, per ADR-22: sent again up to `retries`
    /// times, after `first_wait`, then twice that, and so on. The defaults are 2 retries and
    /// 100 ms, so a publish no stream captures fails after about 300 ms. `retries` 0 fails at
    /// the first 503.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) {
    /// use std::time::Duration;
    /// let js = natskit::jetstream::new(client).with_publish_retries(5, Duration::from_millis(250));
    /// # }
    /// ```
    pub fn with_publish_retries(mut self, retries: u32, first_wait: Duration) -> Self {
        self.publish_retries = retries;
        self.publish_retry_wait = first_wait;
        self
    }

    /// At most `max` asynchronous publishes (see
    /// [`publish_async`](Context::publish_async)) wait for their acknowledgement at once; the
    /// next one waits for a slot. Default: [`DEFAULT_MAX_PUBLISHES_IN_FLIGHT`]. The clones of
    /// the returned context share its window.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) {
    /// let js = natskit::jetstream::new(client).with_max_publishes_in_flight(256);
    /// # }
    /// ```
    pub fn with_max_publishes_in_flight(mut self, max: usize) -> Self {
        self.publish_window = Arc::new(Semaphore::new(max.clamp(1, Semaphore::MAX_PERMITS)));
        self
    }

    /// The JetStream API level of the server (`$JS.API.INFO`'s `api.level`): 0 before
    /// nats-server 2.11, 1 for 2.11, and so on. Read once and kept: features that need a newer
    /// server check it before sending anything.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// if js.api_level().await? >= 1 {
    ///     println!("nats-server 2.11 or newer");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn api_level(&self) -> Result<u32, JetStreamError> {
        self.api_level
            .get_or_try_init(|| async { Ok(self.account_info().await?.api.level) })
            .await
            .copied()
    }

    /// The asynchronous publish window.
    pub(crate) fn publish_window(&self) -> &Arc<Semaphore> {
        &self.publish_window
    }

    /// The API prefix in use, such as `$JS.API` or `$JS.hub.API`.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) {
    /// assert_eq!(natskit::jetstream::new(client).prefix(), "$JS.API");
    /// # }
    /// ```
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The timeout of each API call and publish.
    ///
    /// ```no_run
    /// # async fn demo(client: natskit::Client) {
    /// assert_eq!(natskit::jetstream::new(client).timeout(), natskit::jetstream::DEFAULT_TIMEOUT);
    /// # }
    /// ```
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The client underneath, for core NATS beside JetStream.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::PublishError> {
    /// js.client().publish("core.subject", "not stored").await?;
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Retries and first wait of publishes answered by "no responders".
    pub(crate) fn publish_retry(&self) -> (u32, Duration) {
        (self.publish_retries, self.publish_retry_wait)
    }

    /// `<prefix>.<api>`.
    pub(crate) fn api_subject(&self, api: &str) -> String {
        format!("{}.{api}", self.prefix)
    }

    /// Calls `<prefix>.<api>` with `body` as JSON, and reads the answer as `R` or the server's
    /// error.
    pub(crate) async fn api_call<B, R>(&self, api: &str, body: &B) -> Result<R, JetStreamError>
    where
        B: Serialize + ?Sized,
        R: DeserializeOwned,
    {
        let subject = self.api_subject(api);
        let payload = serde_json::to_vec(body).map_err(|e| JetStreamError::Decode {
            subject: subject.clone(),
            reason: format!("the request could not be encoded: {e}"),
        })?;
        self.api_call_raw(&subject, payload.into()).await
    }

    /// Calls `subject` with `payload` (already encoded) and reads the answer.
    pub(crate) async fn api_call_raw<R: DeserializeOwned>(
        &self,
        subject: &str,
        payload: Bytes,
    ) -> Result<R, JetStreamError> {
        let answer = self
            .client
            .send_request(subject, Request::new(payload).timeout(self.timeout))
            .await
            .map_err(JetStreamError::from_request)?;
        decode_answer(&answer.payload).map_err(|e| match e {
            Answer::Api(e) => JetStreamError::Api(e),
            Answer::Undecodable(reason) => JetStreamError::Decode {
                subject: subject.to_owned(),
                reason,
            },
        })
    }
}

/// What an API answer that is not the expected value is.
#[derive(Debug, PartialEq)]
pub(crate) enum Answer {
    /// `{"error": {...}}`.
    Api(ApiError),
    /// Not JSON, or not the expected shape.
    Undecodable(String),
}

/// Reads an API answer: the server's error when it has an `error` field, else `R`. Fields
/// neither knows are ignored.
pub(crate) fn decode_answer<R: DeserializeOwned>(payload: &[u8]) -> Result<R, Answer> {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        error: Option<ApiError>,
    }
    let probe: Probe = serde_json::from_slice(payload).map_err(|e| {
        Answer::Undecodable(format!("{e} in {:?}", String::from_utf8_lossy(payload)))
    })?;
    if let Some(error) = probe.error {
        return Err(Answer::Api(error));
    }
    serde_json::from_slice(payload).map_err(|e| Answer::Undecodable(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Success {
        success: bool,
    }

    #[test]
    fn an_error_answer_is_the_api_error() {
        let got = decode_answer::<Success>(
            br#"{"type":"io.nats.jetstream.api.v1.stream_delete_response","error":{"code":404,"err_code":10059,"description":"stream not found"}}"#,
        );
        assert_eq!(
            got,
            Err(Answer::Api(ApiError {
                code: 404,
                err_code: ApiError::STREAM_NOT_FOUND,
                description: "stream not found".into()
            }))
        );
    }

    #[test]
    fn a_good_answer_is_read_ignoring_unknown_fields() {
        let got = decode_answer::<Success>(br#"{"type":"x","success":true,"new_field":[1]}"#);
        assert_eq!(got, Ok(Success { success: true }));
    }

    #[test]
    fn garbage_is_undecodable() {
        assert!(matches!(
            decode_answer::<Success>(b"not json"),
            Err(Answer::Undecodable(_))
        ));
        assert!(matches!(
            decode_answer::<Success>(b"{}"),
            Err(Answer::Undecodable(_))
        ));
    }
}
