//! [`OrderedConsumer`]: every message of a stream (or of its filter) once and in order, with
//! no acknowledgements and nothing to set up, pulled or pushed (ADR-17).
//!
//! The consumer underneath is ephemeral, in memory and unacknowledged. Whenever a delivery is
//! out of sequence, a heartbeat names a delivery never seen, heartbeats stop, the consumer is
//! deleted, or (pushed) the connection comes back after a loss, a new one is made from the stream sequence after the last message delivered,
//! or, when nothing was delivered yet, with the deliver policy first asked for: a "new
//! messages only" reader never replays the stream.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures_core::Stream;
use tokio::time::Sleep;

use crate::jetstream::consumer::config::{AckPolicy, ConsumerConfig, DeliverPolicy, ReplayPolicy};
use crate::jetstream::consumer::flow::{Mode, PullFlow, PullLimits};
use crate::jetstream::consumer::message::{AckTarget, Message};
use crate::jetstream::consumer::pull::Consume;
use crate::jetstream::consumer::puller::{Puller, Target};
use crate::jetstream::consumer::pusher::{Pusher, Step};
use crate::jetstream::consumer::sequence::Sequence;
use crate::jetstream::context::Context;
use crate::jetstream::error::{ApiError, ConsumeError, JetStreamError};
use crate::jetstream::name::validate_stream_name;

/// How long an ordered consumer waits before trying again to make its consumer anew after a
/// failure (the server restarting, the connection down).
const RETRY_WAIT: Duration = Duration::from_secs(1);

/// What an ordered consumer reads; the rest of its consumer's configuration is fixed.
///
/// ```
/// use natskit::jetstream::{DeliverPolicy, OrderedConfig};
///
/// let config = OrderedConfig {
///     filter_subjects: vec!["orders.eu.>".into()],
///     deliver_policy: DeliverPolicy::New,
///     ..OrderedConfig::default()
/// };
/// assert_eq!(config.heartbeat.as_secs(), 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderedConfig {
    /// The subjects read; empty for all of the stream's.
    pub filter_subjects: Vec<String>,
    /// Where reading starts.
    pub deliver_policy: DeliverPolicy,
    /// As fast as possible, or at the pace of the original publishes.
    pub replay_policy: ReplayPolicy,
    /// Headers (and `Nats-Msg-Size`) only, no payloads.
    pub headers_only: bool,
    /// The server's idle heartbeat when pushed (5 s by default); pulling uses the
    /// [`Consume`] options' heartbeat.
    pub heartbeat: Duration,
    /// How long the server keeps a consumer nobody reads (5 min by default).
    pub inactive_threshold: Duration,
}

impl Default for OrderedConfig {
    fn default() -> Self {
        OrderedConfig {
            filter_subjects: Vec::new(),
            deliver_policy: DeliverPolicy::All,
            replay_policy: ReplayPolicy::Instant,
            headers_only: false,
            heartbeat: Duration::from_secs(5),
            inactive_threshold: Duration::from_secs(300),
        }
    }
}

/// An ordered reader of a stream: every message of the stream (or of its filter) once and in
/// order, without acknowledgements (ADR-17). The consumer underneath is ephemeral and in
/// memory; when a delivery is out of sequence, heartbeats stop or the consumer is deleted (a
/// server restart loses it), a new one is made from the stream sequence after the last message
/// delivered, or with the first deliver policy when nothing was delivered yet.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use natskit::jetstream::OrderedConfig;
///
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), Box<dyn std::error::Error>> {
/// let reader = js.ordered_consumer("ORDERS", OrderedConfig::default())?;
/// let mut messages = reader.messages().await?;
/// while let Some(msg) = messages.next().await {
///     println!("#{}", msg?.info()?.stream_sequence);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct OrderedConsumer {
    context: Context,
    stream: String,
    config: OrderedConfig,
}

impl Context {
    /// An ordered reader of `stream`; nothing is sent until it is read.
    ///
    /// ```no_run
    /// # fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let reader = js.ordered_consumer("ORDERS", Default::default())?;
    /// # Ok(()) }
    /// ```
    pub fn ordered_consumer(
        &self,
        stream: &str,
        config: OrderedConfig,
    ) -> Result<OrderedConsumer, JetStreamError> {
        validate_stream_name(stream)?;
        Ok(OrderedConsumer {
            context: self.clone(),
            stream: stream.to_owned(),
            config,
        })
    }
}

impl OrderedConsumer {
    /// Reads by pulling, with the [`Consume`] defaults.
    ///
    /// ```no_run
    /// # async fn demo(reader: natskit::jetstream::OrderedConsumer) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let messages = reader.messages().await?;
    /// # Ok(()) }
    /// ```
    pub async fn messages(&self) -> Result<OrderedMessages, JetStreamError> {
        self.consume(Consume::default()).await
    }

    /// Reads by pulling, as `consume` says.
    ///
    /// ```no_run
    /// use natskit::jetstream::Consume;
    /// # async fn demo(reader: natskit::jetstream::OrderedConsumer) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let messages = reader.consume(Consume::default().max_messages(1000)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn consume(&self, consume: Consume) -> Result<OrderedMessages, JetStreamError> {
        OrderedMessages::start(self, Delivery::Pull(consume.limits()?)).await
    }

    /// Reads by having the server push to an inbox, with flow control (what watchers use).
    ///
    /// ```no_run
    /// # async fn demo(reader: natskit::jetstream::OrderedConsumer) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let messages = reader.push_messages().await?;
    /// # Ok(()) }
    /// ```
    pub async fn push_messages(&self) -> Result<OrderedMessages, JetStreamError> {
        OrderedMessages::start(self, Delivery::Push).await
    }
}

/// How messages come.
#[derive(Debug, Clone, Copy)]
enum Delivery {
    Pull(PullLimits),
    Push,
}

/// What each new consumer is made from.
struct Setup {
    context: Context,
    stream: String,
    config: OrderedConfig,
    delivery: Delivery,
    /// Each consumer is named `<base>_<serial>`.
    base: String,
    acks: Arc<AckTarget>,
}

/// The reader of one consumer (boxed: made once per consumer, and the two differ in size).
enum Reader {
    Pull(Box<Puller>),
    Push(Box<Pusher>),
}

type Creating = Pin<Box<dyn Future<Output = Result<(Reader, u64), JetStreamError>> + Send>>;

enum State {
    Reading(Reader),
    Creating(Creating),
    Waiting(Pin<Box<Sleep>>),
    Done,
}

/// The messages of an [`OrderedConsumer`]: in stream order, each once. Warnings come as `Err`
/// items; it ends only when the stream is gone or the client closes.
///
/// ```no_run
/// use futures_util::StreamExt;
/// # async fn demo(mut messages: natskit::jetstream::OrderedMessages) -> Result<(), Box<dyn std::error::Error>> {
/// while let Some(msg) = messages.next().await {
///     println!("{:?}", msg?.payload);
/// }
/// # Ok(()) }
/// ```
pub struct OrderedMessages {
    setup: Arc<Setup>,
    sequence: Sequence,
    serial: u32,
    state: State,
    /// What the first consumer had to deliver when it was made.
    initial_pending: u64,
}

impl OrderedMessages {
    async fn start(reader: &OrderedConsumer, delivery: Delivery) -> Result<Self, JetStreamError> {
        let client = reader.context.client();
        let setup = Arc::new(Setup {
            context: reader.context.clone(),
            stream: reader.stream.clone(),
            config: reader.config.clone(),
            delivery,
            base: natskit_proto::nuid::next(),
            acks: Arc::new(AckTarget {
                client: client.clone(),
                ack_wait: None,
                timeout: reader.context.timeout(),
            }),
        });
        let sequence = Sequence::new(reader.config.deliver_policy.clone());
        let (first, initial_pending) = Arc::clone(&setup)
            .create(sequence.restart_policy(), 1)
            .await?;
        Ok(OrderedMessages {
            setup,
            sequence,
            serial: 1,
            state: State::Reading(first),
            initial_pending,
        })
    }

    /// How many messages the first consumer had to deliver when it was made (0: nothing was
    /// there to read), for readers that mark the end of what was stored.
    pub(crate) fn initial_pending(&self) -> u64 {
        self.initial_pending
    }

    /// Makes the consumer anew from where reading got to.
    fn reset(&mut self) {
        let old = self.setup.name(self.serial);
        let (context, stream) = (self.setup.context.clone(), self.setup.stream.clone());
        // The old one may still exist; it would expire by itself, but need not wait for that.
        tokio::spawn(async move {
            let _ = context.delete_consumer(&stream, &old).await;
        });
        self.sequence.restarted();
        self.serial += 1;
        let create = Arc::clone(&self.setup).create(self.sequence.restart_policy(), self.serial);
        self.state = State::Creating(Box::pin(create));
    }

    /// A delivery: passed on when in order, else the consumer is made anew.
    fn check(&mut self, msg: Message) -> Option<Message> {
        // Every consumer delivery has an ack subject; should one not, it is passed on as is.
        let Ok(info) = msg.info() else {
            return Some(msg);
        };
        if self
            .sequence
            .accept(info.consumer_sequence, info.stream_sequence)
        {
            Some(msg)
        } else {
            self.reset();
            None
        }
    }
}

impl Setup {
    fn name(&self, serial: u32) -> String {
        format!("{}_{serial}", self.base)
    }

    fn consumer_config(&self, name: String, policy: DeliverPolicy) -> ConsumerConfig {
        let config = &self.config;
        let (filter_subject, filter_subjects) = match config.filter_subjects.as_slice() {
            [one] => (one.clone(), Vec::new()),
            many => (String::new(), many.to_vec()),
        };
        ConsumerConfig {
            name,
            deliver_policy: policy,
            ack_policy: AckPolicy::None,
            max_deliver: 1,
            mem_storage: true,
            num_replicas: 1,
            filter_subject,
            filter_subjects,
            replay_policy: config.replay_policy,
            headers_only: config.headers_only,
            inactive_threshold: config.inactive_threshold,
            ..ConsumerConfig::default()
        }
    }

    /// Creates consumer number `serial` starting at `policy`, and its reader; with what the
    /// consumer had to deliver when made.
    async fn create(
        self: Arc<Self>,
        policy: DeliverPolicy,
        serial: u32,
    ) -> Result<(Reader, u64), JetStreamError> {
        let name = self.name(serial);
        let mut config = self.consumer_config(name.clone(), policy);
        match self.delivery {
            Delivery::Push => {
                // Subscribed before the consumer exists, so its first messages find us.
                let inbox = self.context.client().new_inbox();
                let heartbeat = self.config.heartbeat;
                let pusher = Pusher::start(Arc::clone(&self.acks), &inbox, None, heartbeat).await?;
                config.deliver_subject = inbox;
                config.flow_control = true;
                config.idle_heartbeat = heartbeat;
                let info = self.context.create_consumer(&self.stream, config).await?;
                Ok((Reader::Push(Box::new(pusher)), info.num_pending))
            }
            Delivery::Pull(limits) => {
                let info = self.context.create_consumer(&self.stream, config).await?;
                let target = Target {
                    context: self.context.clone(),
                    stream: self.stream.clone(),
                    consumer: name,
                    acks: Arc::clone(&self.acks),
                };
                let puller = Puller::start(target, PullFlow::new(limits, Mode::Continuous)).await?;
                Ok((Reader::Pull(Box::new(puller)), info.num_pending))
            }
        }
    }
}

/// What a reader's step means for an ordered consumer.
enum Outcome {
    Deliver(Message),
    Reset,
    Report(ConsumeError),
    End(Option<ConsumeError>),
}

fn pull_outcome(item: Option<Result<Message, ConsumeError>>) -> Outcome {
    match item {
        Some(Ok(msg)) => Outcome::Deliver(msg),
        Some(Err(e)) if needs_reset(&e) => Outcome::Reset,
        Some(Err(e)) if e.is_terminal() => Outcome::End(Some(e)),
        Some(Err(e)) => Outcome::Report(e),
        None => Outcome::End(None),
    }
}

fn needs_reset(error: &ConsumeError) -> bool {
    matches!(
        error,
        ConsumeError::MissedHeartbeats { .. }
            | ConsumeError::ConsumerDeleted
            | ConsumeError::NoResponders
    )
}

impl Stream for OrderedMessages {
    type Item = Result<Message, ConsumeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            let outcome = match &mut this.state {
                State::Done => return Poll::Ready(None),
                State::Waiting(sleep) => {
                    if sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    let create =
                        Arc::clone(&this.setup).create(this.sequence.restart_policy(), this.serial);
                    this.state = State::Creating(Box::pin(create));
                    continue;
                }
                State::Creating(create) => {
                    let Poll::Ready(result) = create.as_mut().poll(cx) else {
                        return Poll::Pending;
                    };
                    match result {
                        Ok((reader, _)) => {
                            this.state = State::Reading(reader);
                            continue;
                        }
                        Err(JetStreamError::Api(e)) if e.is(ApiError::STREAM_NOT_FOUND) => {
                            this.state = State::Done;
                            Outcome::End(Some(ConsumeError::OrderedFailed(JetStreamError::Api(e))))
                        }
                        Err(e) => {
                            this.state = State::Waiting(Box::pin(tokio::time::sleep(RETRY_WAIT)));
                            Outcome::Report(ConsumeError::Api(e))
                        }
                    }
                }
                State::Reading(Reader::Pull(puller)) => match Pin::new(&mut **puller).poll_next(cx)
                {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(item) => pull_outcome(item),
                },
                State::Reading(Reader::Push(pusher)) => match pusher.poll_step(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Step::Message(msg)) => Outcome::Deliver(msg),
                    Poll::Ready(Step::Heartbeat { last_consumer }) => {
                        if this.sequence.heartbeat_in_order(last_consumer) {
                            continue;
                        }
                        Outcome::Reset
                    }
                    // The server may have restarted without the consumer (it lives in
                    // memory): make it anew now rather than after two missed heartbeats.
                    Poll::Ready(Step::Reconnected) => Outcome::Reset,
                    Poll::Ready(Step::Warning(e)) if needs_reset(&e) => Outcome::Reset,
                    Poll::Ready(Step::Warning(e)) => Outcome::Report(e),
                    Poll::Ready(Step::End(Some(e))) if needs_reset(&e) => Outcome::Reset,
                    Poll::Ready(Step::End(e)) => Outcome::End(e),
                },
            };
            match outcome {
                Outcome::Deliver(msg) => {
                    if let Some(msg) = this.check(msg) {
                        return Poll::Ready(Some(Ok(msg)));
                    }
                }
                Outcome::Reset => this.reset(),
                Outcome::Report(e) => return Poll::Ready(Some(Err(e))),
                Outcome::End(e) => {
                    this.state = State::Done;
                    return Poll::Ready(e.map(Err));
                }
            }
        }
    }
}
