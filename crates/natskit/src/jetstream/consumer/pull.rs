//! [`PullConsumer`]: reading a consumer by asking for messages (ADR-13, ADR-37): [`fetch`]
//! a batch, [`next`] one, or [`consume`] without end.
//!
//! [`fetch`]: PullConsumer::fetch
//! [`next`]: PullConsumer::next
//! [`consume`]: PullConsumer::consume

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures_core::Stream;

use crate::jetstream::consumer::config::ConsumerConfig;
use crate::jetstream::consumer::flow::{Mode, PullFlow, PullLimits};
use crate::jetstream::consumer::info::ConsumerInfo;
use crate::jetstream::consumer::message::{AckTarget, Message};
use crate::jetstream::consumer::puller::{Puller, Target};
use crate::jetstream::context::Context;
use crate::jetstream::error::{ConsumeError, JetStreamError};
use crate::jetstream::name::{validate_consumer_name, validate_stream_name};

/// A consume's buffer by default, in messages.
///
/// ```
/// assert_eq!(natskit::jetstream::DEFAULT_CONSUME_MESSAGES, 500);
/// ```
pub const DEFAULT_CONSUME_MESSAGES: u64 = 500;

/// A pull request's life on the server by default (ADR-37: 30 s).
///
/// ```
/// assert_eq!(natskit::jetstream::DEFAULT_EXPIRES.as_secs(), 30);
/// ```
pub const DEFAULT_EXPIRES: Duration = Duration::from_secs(30);

/// The shortest `expires` a consume accepts (ADR-37).
const MIN_EXPIRES: Duration = Duration::from_secs(1);

/// A pull consumer on a stream.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use natskit::jetstream::ConsumerConfig;
///
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), Box<dyn std::error::Error>> {
/// let consumer = js.create_pull_consumer("ORDERS", ConsumerConfig::durable("billing")).await?;
/// let mut messages = consumer.messages().await?;
/// while let Some(msg) = messages.next().await {
///     let msg = msg?;
///     println!("{:?}", msg.payload);
///     msg.ack().await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PullConsumer {
    context: Context,
    info: ConsumerInfo,
}

impl Context {
    /// Creates a pull consumer (see [`create_consumer`](Context::create_consumer)) and returns
    /// its handle.
    ///
    /// ```no_run
    /// use natskit::jetstream::ConsumerConfig;
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let consumer = js.create_pull_consumer("ORDERS", ConsumerConfig::durable("billing")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_pull_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<PullConsumer, JetStreamError> {
        if !config.deliver_subject.is_empty() {
            return Err(JetStreamError::InvalidConfig {
                reason: "a pull consumer has no deliver_subject".into(),
            });
        }
        let info = self.create_consumer(stream, config).await?;
        Ok(self.pull_consumer_from(info))
    }

    /// The handle of an existing pull consumer (its info is read once, here).
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let consumer = js.pull_consumer("ORDERS", "billing").await?;
    /// # Ok(()) }
    /// ```
    pub async fn pull_consumer(
        &self,
        stream: &str,
        name: &str,
    ) -> Result<PullConsumer, JetStreamError> {
        let info = self.consumer_info(stream, name).await?;
        if !info.config.deliver_subject.is_empty() {
            return Err(JetStreamError::InvalidConfig {
                reason: format!("consumer {name:?} is a push consumer"),
            });
        }
        Ok(self.pull_consumer_from(info))
    }

    fn pull_consumer_from(&self, info: ConsumerInfo) -> PullConsumer {
        PullConsumer {
            context: self.clone(),
            info,
        }
    }
}

impl PullConsumer {
    /// Its name.
    ///
    /// ```no_run
    /// # fn demo(consumer: natskit::jetstream::PullConsumer) {
    /// println!("{}", consumer.name());
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// Its stream.
    ///
    /// ```no_run
    /// # fn demo(consumer: natskit::jetstream::PullConsumer) {
    /// println!("{}", consumer.stream());
    /// # }
    /// ```
    pub fn stream(&self) -> &str {
        &self.info.stream_name
    }

    /// The info read when the handle was made (never refreshed; see [`info`](Self::info)).
    ///
    /// ```no_run
    /// # fn demo(consumer: natskit::jetstream::PullConsumer) {
    /// println!("{:?}", consumer.cached_info().config.ack_wait);
    /// # }
    /// ```
    pub fn cached_info(&self) -> &ConsumerInfo {
        &self.info
    }

    /// Its info, read from the server now.
    ///
    /// ```no_run
    /// # async fn demo(consumer: natskit::jetstream::PullConsumer) -> Result<(), natskit::jetstream::JetStreamError> {
    /// println!("{} pending", consumer.info().await?.num_pending);
    /// # Ok(()) }
    /// ```
    pub async fn info(&self) -> Result<ConsumerInfo, JetStreamError> {
        self.context.consumer_info(self.stream(), self.name()).await
    }

    /// One request for up to `fetch`'s messages or bytes; the batch ends when they are in,
    /// when the server has no more (with `no_wait`) or when the request expires.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use natskit::jetstream::Fetch;
    ///
    /// # async fn demo(consumer: natskit::jetstream::PullConsumer) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut batch = consumer.fetch(Fetch::messages(10).no_wait()).await?;
    /// while let Some(msg) = batch.next().await {
    ///     msg?.ack().await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch(&self, fetch: Fetch) -> Result<Batch, JetStreamError> {
        let limits = fetch.limits()?;
        let flow = PullFlow::new(
            limits,
            Mode::Once {
                no_wait: fetch.no_wait,
            },
        );
        Ok(Batch(self.puller(flow).await?))
    }

    /// The next message, waiting up to [`DEFAULT_EXPIRES`] for one; `Ok(None)` when none came.
    ///
    /// ```no_run
    /// # async fn demo(consumer: natskit::jetstream::PullConsumer) -> Result<(), Box<dyn std::error::Error>> {
    /// if let Some(msg) = consumer.next().await? {
    ///     msg.ack().await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn next(&self) -> Result<Option<Message>, ConsumeError> {
        self.next_within(DEFAULT_EXPIRES).await
    }

    /// The next message, waiting up to `expires` for one; `Ok(None)` when none came.
    ///
    /// ```no_run
    /// # async fn demo(consumer: natskit::jetstream::PullConsumer) -> Result<(), Box<dyn std::error::Error>> {
    /// let msg = consumer.next_within(std::time::Duration::from_secs(1)).await?;
    /// # let _ = msg;
    /// # Ok(()) }
    /// ```
    pub async fn next_within(&self, expires: Duration) -> Result<Option<Message>, ConsumeError> {
        let mut batch = self
            .fetch(Fetch::messages(1).expires(expires))
            .await
            .map_err(ConsumeError::Api)?;
        std::future::poll_fn(|cx| Pin::new(&mut batch).poll_next(cx))
            .await
            .transpose()
    }

    /// Messages without end, with the defaults of [`Consume`]: a buffer of 500, refilled at
    /// half, requests of 30 s with heartbeats every 15 s.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn demo(consumer: natskit::jetstream::PullConsumer) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut messages = consumer.messages().await?;
    /// while let Some(msg) = messages.next().await {
    ///     msg?.ack().await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn messages(&self) -> Result<Messages, JetStreamError> {
        self.consume(Consume::default()).await
    }

    /// Messages without end: pull requests keep a buffer filled (ADR-37). Warnings (a missed
    /// heartbeat) come as `Err` items and the stream goes on; a terminal error (the consumer
    /// deleted) is the last item. A reconnect or a server restart is recovered from.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use natskit::jetstream::Consume;
    ///
    /// # async fn demo(consumer: natskit::jetstream::PullConsumer) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut messages = consumer.consume(Consume::default().max_messages(100)).await?;
    /// while let Some(msg) = messages.next().await {
    ///     match msg {
    ///         Ok(msg) => msg.ack().await?,
    ///         Err(e) if e.is_terminal() => return Err(e.into()),
    ///         Err(warning) => eprintln!("{warning}"),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn consume(&self, consume: Consume) -> Result<Messages, JetStreamError> {
        let flow = PullFlow::new(consume.limits()?, Mode::Continuous);
        Ok(Messages(self.puller(flow).await?))
    }

    async fn puller(&self, flow: PullFlow) -> Result<Puller, JetStreamError> {
        validate_stream_name(self.stream())?;
        validate_consumer_name(self.name())?;
        let ack_wait = match self.info.config.ack_wait {
            d if d.is_zero() => None,
            d => Some(d),
        };
        let acks = Arc::new(AckTarget {
            client: self.context.client().clone(),
            ack_wait,
            timeout: self.context.timeout(),
        });
        let target = Target {
            context: self.context.clone(),
            stream: self.stream().to_owned(),
            consumer: self.name().to_owned(),
            acks,
        };
        Puller::start(target, flow).await
    }
}

/// What a [`fetch`](PullConsumer::fetch) asks for.
///
/// ```
/// use std::time::Duration;
/// use natskit::jetstream::Fetch;
///
/// let fetch = Fetch::messages(100).expires(Duration::from_secs(2));
/// let by_bytes = Fetch::bytes(64 * 1024).no_wait();
/// # let _ = (fetch, by_bytes);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetch {
    max_messages: u64,
    max_bytes: u64,
    expires: Duration,
    heartbeat: Option<Duration>,
    no_wait: bool,
}

impl Fetch {
    /// Up to `n` messages.
    ///
    /// ```
    /// let fetch = natskit::jetstream::Fetch::messages(10);
    /// # let _ = fetch;
    /// ```
    pub fn messages(n: u64) -> Self {
        Fetch {
            max_messages: n,
            max_bytes: 0,
            expires: DEFAULT_EXPIRES,
            heartbeat: None,
            no_wait: false,
        }
    }

    /// Up to `n` bytes of messages (as the server counts them: subject, reply, headers and
    /// payload).
    ///
    /// ```
    /// let fetch = natskit::jetstream::Fetch::bytes(1 << 20);
    /// # let _ = fetch;
    /// ```
    pub fn bytes(n: u64) -> Self {
        Fetch {
            max_messages: 1_000_000,
            max_bytes: n,
            ..Fetch::messages(0)
        }
    }

    /// How long the request waits on the server (30 s by default).
    ///
    /// ```
    /// let fetch = natskit::jetstream::Fetch::messages(10).expires(std::time::Duration::from_secs(1));
    /// # let _ = fetch;
    /// ```
    pub fn expires(mut self, expires: Duration) -> Self {
        self.expires = expires;
        self
    }

    /// Heartbeats from the server while the request waits; a fetch ends with
    /// [`ConsumeError::MissedHeartbeats`] when two are missed. On by default (at half of
    /// `expires`, at most 30 s) for requests longer than 30 s.
    ///
    /// ```
    /// let fetch = natskit::jetstream::Fetch::messages(10).heartbeat(std::time::Duration::from_secs(5));
    /// # let _ = fetch;
    /// ```
    pub fn heartbeat(mut self, heartbeat: Duration) -> Self {
        self.heartbeat = Some(heartbeat);
        self
    }

    /// Only what is there now: the server answers at once, with `404` when nothing is.
    ///
    /// ```
    /// let fetch = natskit::jetstream::Fetch::messages(10).no_wait();
    /// # let _ = fetch;
    /// ```
    pub fn no_wait(mut self) -> Self {
        self.no_wait = true;
        self
    }

    fn limits(&self) -> Result<PullLimits, JetStreamError> {
        if self.max_messages == 0 {
            return Err(invalid("a fetch asks for at least one message or byte"));
        }
        if self.expires.is_zero() {
            return Err(invalid("a fetch needs an expires above zero"));
        }
        let heartbeat = self.heartbeat.unwrap_or(if self.expires > DEFAULT_EXPIRES {
            default_heartbeat(self.expires)
        } else {
            Duration::ZERO
        });
        if !heartbeat.is_zero() && heartbeat * 2 > self.expires {
            return Err(invalid(
                "a fetch's heartbeat must be at most half its expires",
            ));
        }
        Ok(PullLimits {
            max_messages: self.max_messages,
            max_bytes: self.max_bytes,
            threshold: 0,
            expires: self.expires,
            heartbeat,
        })
    }
}

/// How a [`consume`](PullConsumer::consume) pulls: a buffer in messages or in bytes (not
/// both), its refill threshold, each request's life and heartbeat (ADR-37 defaults).
///
/// ```
/// use std::time::Duration;
/// use natskit::jetstream::Consume;
///
/// let consume = Consume::default().max_messages(1000).threshold_messages(200);
/// let by_bytes = Consume::default().max_bytes(1 << 20).expires(Duration::from_secs(10));
/// # let _ = (consume, by_bytes);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Consume {
    max_messages: Option<u64>,
    max_bytes: Option<u64>,
    threshold_messages: Option<u64>,
    threshold_bytes: Option<u64>,
    expires: Option<Duration>,
    heartbeat: Option<Duration>,
}

impl Consume {
    /// Keep up to `n` messages asked for (default [`DEFAULT_CONSUME_MESSAGES`]).
    ///
    /// ```
    /// let c = natskit::jetstream::Consume::default().max_messages(1);
    /// # let _ = c;
    /// ```
    pub fn max_messages(mut self, n: u64) -> Self {
        self.max_messages = Some(n);
        self
    }

    /// Keep up to `n` bytes asked for instead of a number of messages.
    ///
    /// ```
    /// let c = natskit::jetstream::Consume::default().max_bytes(1 << 20);
    /// # let _ = c;
    /// ```
    pub fn max_bytes(mut self, n: u64) -> Self {
        self.max_bytes = Some(n);
        self
    }

    /// Ask for more when this few messages are still to come (default: half the buffer).
    ///
    /// ```
    /// let c = natskit::jetstream::Consume::default().max_messages(100).threshold_messages(10);
    /// # let _ = c;
    /// ```
    pub fn threshold_messages(mut self, n: u64) -> Self {
        self.threshold_messages = Some(n);
        self
    }

    /// Ask for more when this few bytes are still to come (default: half of `max_bytes`).
    ///
    /// ```
    /// let c = natskit::jetstream::Consume::default().max_bytes(1000).threshold_bytes(100);
    /// # let _ = c;
    /// ```
    pub fn threshold_bytes(mut self, n: u64) -> Self {
        self.threshold_bytes = Some(n);
        self
    }

    /// Each request's life on the server (default 30 s, at least 1 s).
    ///
    /// ```
    /// let c = natskit::jetstream::Consume::default().expires(std::time::Duration::from_secs(5));
    /// # let _ = c;
    /// ```
    pub fn expires(mut self, expires: Duration) -> Self {
        self.expires = Some(expires);
        self
    }

    /// The server's heartbeat while a request waits (default half of `expires`, between
    /// 500 ms and 30 s); two missed are reported.
    ///
    /// ```
    /// let c = natskit::jetstream::Consume::default().heartbeat(std::time::Duration::from_secs(1));
    /// # let _ = c;
    /// ```
    pub fn heartbeat(mut self, heartbeat: Duration) -> Self {
        self.heartbeat = Some(heartbeat);
        self
    }

    pub(crate) fn limits(&self) -> Result<PullLimits, JetStreamError> {
        let expires = self.expires.unwrap_or(DEFAULT_EXPIRES);
        if expires < MIN_EXPIRES {
            return Err(invalid("a consume's expires must be at least 1 s"));
        }
        let heartbeat = self.heartbeat.unwrap_or(default_heartbeat(expires));
        if heartbeat.is_zero() || heartbeat * 2 > expires {
            return Err(invalid(
                "a consume's heartbeat must be above zero and at most half its expires",
            ));
        }
        let (max_messages, max_bytes, threshold) = match (self.max_messages, self.max_bytes) {
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "a consume is limited by messages or by bytes, not both",
                ))
            }
            (_, Some(0)) | (Some(0), _) => {
                return Err(invalid("a consume's buffer must hold at least one"))
            }
            (_, Some(bytes)) => (0, bytes, self.threshold_bytes.unwrap_or(bytes / 2)),
            (messages, None) => {
                let messages = messages.unwrap_or(DEFAULT_CONSUME_MESSAGES);
                (messages, 0, self.threshold_messages.unwrap_or(messages / 2))
            }
        };
        if threshold >= max_messages.max(max_bytes) {
            return Err(invalid("a consume's threshold must be below its buffer"));
        }
        Ok(PullLimits {
            max_messages,
            max_bytes,
            threshold,
            expires,
            heartbeat,
        })
    }
}

/// Half of `expires`, between 500 ms and 30 s (ADR-37).
fn default_heartbeat(expires: Duration) -> Duration {
    (expires / 2).clamp(Duration::from_millis(500), Duration::from_secs(30))
}

fn invalid(reason: &str) -> JetStreamError {
    JetStreamError::InvalidConfig {
        reason: reason.to_owned(),
    }
}

/// The messages of one [`fetch`](PullConsumer::fetch); ends when the batch does.
///
/// ```no_run
/// use futures_util::StreamExt;
/// # async fn demo(consumer: natskit::jetstream::PullConsumer) -> Result<(), Box<dyn std::error::Error>> {
/// let batch: Vec<_> = consumer.fetch(natskit::jetstream::Fetch::messages(5)).await?.collect().await;
/// # Ok(()) }
/// ```
pub struct Batch(Puller);

impl Stream for Batch {
    type Item = Result<Message, ConsumeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.0).poll_next(cx)
    }
}

/// The messages of a [`consume`](PullConsumer::consume): without end, until
/// [`stop`](Messages::stop), a terminal error, or the client closing.
///
/// ```no_run
/// use futures_util::StreamExt;
/// # async fn demo(consumer: natskit::jetstream::PullConsumer) -> Result<(), Box<dyn std::error::Error>> {
/// let mut messages = consumer.messages().await?;
/// let first = messages.next().await;
/// messages.stop(); // what was asked for still comes, then the stream ends
/// while let Some(msg) = messages.next().await {
///     msg?.ack().await?;
/// }
/// # let _ = first;
/// # Ok(()) }
/// ```
pub struct Messages(Puller);

impl Messages {
    /// Stops asking for messages; those already asked for still come (so they can be
    /// handled rather than left to redeliver after ack_wait), then the stream ends.
    ///
    /// ```no_run
    /// # fn demo(mut messages: natskit::jetstream::Messages) {
    /// messages.stop();
    /// # }
    /// ```
    pub fn stop(&mut self) {
        self.0.stop();
    }
}

impl Stream for Messages {
    type Item = Result<Message, ConsumeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.0).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consume_defaults_follow_adr_37() {
        let limits = Consume::default().limits().expect("valid");
        assert_eq!(
            limits,
            PullLimits {
                max_messages: 500,
                max_bytes: 0,
                threshold: 250,
                expires: Duration::from_secs(30),
                heartbeat: Duration::from_secs(15),
            }
        );
        let short = Consume::default()
            .expires(Duration::from_secs(1))
            .limits()
            .expect("valid");
        assert_eq!(short.heartbeat, Duration::from_millis(500));
        let one = Consume::default().max_messages(1).limits().expect("valid");
        assert_eq!((one.max_messages, one.threshold), (1, 0));
    }

    #[test]
    fn bad_consume_options_say_what_is_wrong() {
        let cases = [
            (
                Consume::default().max_messages(10).max_bytes(10),
                "not both",
            ),
            (
                Consume::default().expires(Duration::from_millis(500)),
                "at least 1 s",
            ),
            (
                Consume::default().heartbeat(Duration::from_secs(20)),
                "at most half",
            ),
            (
                Consume::default().max_messages(10).threshold_messages(10),
                "below its buffer",
            ),
            (Consume::default().max_messages(0), "at least one"),
        ];
        for (consume, words) in cases {
            let error = consume.limits().expect_err(words).to_string();
            assert!(error.contains(words), "{error}");
        }
    }

    #[test]
    fn fetch_heartbeats_are_on_only_for_long_requests() {
        let short = Fetch::messages(5).limits().expect("valid");
        assert_eq!(short.heartbeat, Duration::ZERO);
        let long = Fetch::messages(5)
            .expires(Duration::from_secs(120))
            .limits()
            .expect("valid");
        assert_eq!(long.heartbeat, Duration::from_secs(30));
        assert!(Fetch::messages(0).limits().is_err());
        assert!(Fetch::messages(1)
            .expires(Duration::from_secs(2))
            .heartbeat(Duration::from_secs(2))
            .limits()
            .is_err());
    }
}
