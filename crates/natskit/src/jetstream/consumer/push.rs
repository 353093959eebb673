//! [`PushConsumer`]: a consumer that sends its messages to a deliver subject, with flow
//! control and idle heartbeats handled (ADR-9).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use futures_core::Stream;

use crate::jetstream::consumer::config::ConsumerConfig;
use crate::jetstream::consumer::info::ConsumerInfo;
use crate::jetstream::consumer::message::{AckTarget, Message};
use crate::jetstream::consumer::pusher::Pusher;
use crate::jetstream::context::Context;
use crate::jetstream::error::{ConsumeError, JetStreamError};

/// A push consumer on a stream: the server sends to its `deliver_subject`.
///
/// ```no_run
/// use std::time::Duration;
/// use futures_util::StreamExt;
/// use natskit::jetstream::ConsumerConfig;
///
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), Box<dyn std::error::Error>> {
/// let config = ConsumerConfig {
///     deliver_subject: js.client().new_inbox(),
///     flow_control: true,
///     idle_heartbeat: Duration::from_secs(5),
///     ..ConsumerConfig::durable("audit")
/// };
/// let consumer = js.create_push_consumer("ORDERS", config).await?;
/// let mut messages = consumer.messages().await?;
/// while let Some(msg) = messages.next().await {
///     msg?.ack().await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct PushConsumer {
    context: Context,
    info: ConsumerInfo,
}

impl Context {
    /// Creates a push consumer (its `deliver_subject` set) and returns its handle.
    ///
    /// ```no_run
    /// use natskit::jetstream::ConsumerConfig;
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let config = ConsumerConfig { deliver_subject: "audit.inbox".into(), ..ConsumerConfig::durable("audit") };
    /// let consumer = js.create_push_consumer("ORDERS", config).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_push_consumer(
        &self,
        stream: &str,
        config: ConsumerConfig,
    ) -> Result<PushConsumer, JetStreamError> {
        if config.deliver_subject.is_empty() {
            return Err(JetStreamError::InvalidConfig {
                reason: "a push consumer needs a deliver_subject".into(),
            });
        }
        let info = self.create_consumer(stream, config).await?;
        Ok(PushConsumer {
            context: self.clone(),
            info,
        })
    }

    /// The handle of an existing push consumer.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let consumer = js.push_consumer("ORDERS", "audit").await?;
    /// # Ok(()) }
    /// ```
    pub async fn push_consumer(
        &self,
        stream: &str,
        name: &str,
    ) -> Result<PushConsumer, JetStreamError> {
        let info = self.consumer_info(stream, name).await?;
        if info.config.deliver_subject.is_empty() {
            return Err(JetStreamError::InvalidConfig {
                reason: format!("consumer {name:?} is a pull consumer"),
            });
        }
        Ok(PushConsumer {
            context: self.clone(),
            info,
        })
    }
}

impl PushConsumer {
    /// Its name.
    ///
    /// ```no_run
    /// # fn demo(consumer: natskit::jetstream::PushConsumer) { println!("{}", consumer.name()); }
    /// ```
    pub fn name(&self) -> &str {
        &self.info.name
    }

    /// The info read when the handle was made.
    ///
    /// ```no_run
    /// # fn demo(consumer: natskit::jetstream::PushConsumer) {
    /// println!("{}", consumer.cached_info().config.deliver_subject);
    /// # }
    /// ```
    pub fn cached_info(&self) -> &ConsumerInfo {
        &self.info
    }

    /// Its info, read from the server now.
    ///
    /// ```no_run
    /// # async fn demo(consumer: natskit::jetstream::PushConsumer) -> Result<(), natskit::jetstream::JetStreamError> {
    /// println!("{} pending", consumer.info().await?.num_pending);
    /// # Ok(()) }
    /// ```
    pub async fn info(&self) -> Result<ConsumerInfo, JetStreamError> {
        self.context
            .consumer_info(&self.info.stream_name, &self.info.name)
            .await
    }

    /// Subscribes to the deliver subject (in its `deliver_group`, if any): messages, with flow
    /// control answered as they are read and missed heartbeats reported as warnings.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// # async fn demo(consumer: natskit::jetstream::PushConsumer) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut messages = consumer.messages().await?;
    /// let first = messages.next().await;
    /// # let _ = first;
    /// # Ok(()) }
    /// ```
    pub async fn messages(&self) -> Result<PushMessages, JetStreamError> {
        let config = &self.info.config;
        let ack_wait = (!config.ack_wait.is_zero()).then_some(config.ack_wait);
        let acks = Arc::new(AckTarget {
            client: self.context.client().clone(),
            ack_wait,
            timeout: self.context.timeout(),
        });
        let group = (!config.deliver_group.is_empty()).then_some(config.deliver_group.as_str());
        let pusher =
            Pusher::start(acks, &config.deliver_subject, group, config.idle_heartbeat).await?;
        Ok(PushMessages(pusher))
    }
}

/// The messages of a [`PushConsumer`]; ends when the consumer is deleted or the client closes.
///
/// ```no_run
/// use futures_util::StreamExt;
/// # async fn demo(mut messages: natskit::jetstream::PushMessages) -> Result<(), Box<dyn std::error::Error>> {
/// while let Some(msg) = messages.next().await {
///     msg?.ack().await?;
/// }
/// # Ok(()) }
/// ```
pub struct PushMessages(Pusher);

impl Stream for PushMessages {
    type Item = Result<Message, ConsumeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.0).poll_next(cx)
    }
}
