//! The two clients under test behind one small trait, so every scenario is written once and
//! runs the same way for both.

use std::future::Future;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::task::JoinHandle;

/// What a scenario needs from a client.
pub trait Contender: Clone + Send + Sync + 'static {
    /// Connects with the client's default settings.
    fn connect(url: &str) -> impl Future<Output = Self> + Send;
    /// Connects with room for `messages` unread messages per subscription, so a counting task
    /// that falls behind never makes the client drop messages.
    fn connect_holding(url: &str, messages: u64) -> impl Future<Output = Self> + Send;
    /// Publishes one message.
    fn publish(&self, subject: &'static str, payload: Bytes) -> impl Future<Output = ()> + Send;
    /// A round trip to the server.
    fn flush(&self) -> impl Future<Output = ()> + Send;
    /// One request, waiting for its answer.
    fn request(&self, subject: &'static str, payload: Bytes) -> impl Future<Output = ()> + Send;
    /// Subscribes (flushed, so the server has it) and counts up to `count` messages in a task;
    /// the task ends after `count` or after `idle` without a message, returning how many came
    /// and when the last one arrived.
    fn count_messages(
        &self,
        subject: &'static str,
        count: u64,
        idle: Duration,
    ) -> impl Future<Output = JoinHandle<(u64, Instant)>> + Send;
    /// Starts a responder (in a queue group if given) that echoes each request, subscribed and
    /// flushed before this returns.
    fn responder(
        &self,
        subject: &'static str,
        queue: Option<&'static str>,
    ) -> impl Future<Output = JoinHandle<()>> + Send;
}

/// Shared counting loop: counts a stream's items until `count`, or until `idle` passes
/// without one.
///
/// One timer for the whole loop, re-armed from the last message only when it fires: a
/// `timeout` around every `next()` would add a timer entry per message to the subscriber's
/// work (it made the subscriber about 20 % slower, and lose messages at the clients' default
/// limits, in the pub/sub scenario).
async fn count_stream<S: futures_util::Stream + Unpin>(
    mut stream: S,
    count: u64,
    idle: Duration,
) -> (u64, Instant) {
    let mut received = 0;
    let mut last = Instant::now();
    let timer = tokio::time::sleep(idle);
    tokio::pin!(timer);
    while received < count {
        tokio::select! {
            // Messages first: while they flow the timer is not even looked at.
            biased;
            item = stream.next() => match item {
                Some(_) => {
                    received += 1;
                    last = Instant::now();
                }
                None => break,
            },
            () = &mut timer => {
                if last.elapsed() >= idle {
                    break;
                }
                timer.as_mut().reset((last + idle).into());
            }
        }
    }
    (received, last)
}

impl Contender for natskit::Client {
    async fn connect(url: &str) -> Self {
        natskit::connect(url).await.expect("natskit connects")
    }

    async fn connect_holding(url: &str, messages: u64) -> Self {
        natskit::ConnectOptions::new()
            .pending_limits(messages as usize, 1 << 30)
            .connect(url)
            .await
            .expect("natskit connects")
    }

    async fn publish(&self, subject: &'static str, payload: Bytes) {
        natskit::Client::publish(self, subject, payload)
            .await
            .expect("natskit publish");
    }

    async fn flush(&self) {
        natskit::Client::flush(self).await.expect("natskit flush");
    }

    async fn request(&self, subject: &'static str, payload: Bytes) {
        natskit::Client::request(self, subject, payload)
            .await
            .expect("natskit request");
    }

    async fn count_messages(
        &self,
        subject: &'static str,
        count: u64,
        idle: Duration,
    ) -> JoinHandle<(u64, Instant)> {
        let sub = self.subscribe(subject).await.expect("natskit subscribe");
        natskit::Client::flush(self).await.expect("flush");
        tokio::spawn(count_stream(sub, count, idle))
    }

    async fn responder(
        &self,
        subject: &'static str,
        queue: Option<&'static str>,
    ) -> JoinHandle<()> {
        let mut sub = match queue {
            Some(q) => self.queue_subscribe(subject, q).await,
            None => self.subscribe(subject).await,
        }
        .expect("natskit subscribe");
        natskit::Client::flush(self).await.expect("flush");
        tokio::spawn(async move {
            while let Some(msg) = sub.next().await {
                let payload = msg.payload.clone();
                if msg.respond(payload).await.is_err() {
                    break;
                }
            }
        })
    }
}

impl Contender for async_nats::Client {
    async fn connect(url: &str) -> Self {
        async_nats::connect(url).await.expect("async-nats connects")
    }

    async fn connect_holding(url: &str, messages: u64) -> Self {
        async_nats::ConnectOptions::new()
            .subscription_capacity(messages as usize)
            .connect(url)
            .await
            .expect("async-nats connects")
    }

    async fn publish(&self, subject: &'static str, payload: Bytes) {
        async_nats::Client::publish(self, subject, payload)
            .await
            .expect("async-nats publish");
    }

    async fn flush(&self) {
        async_nats::Client::flush(self)
            .await
            .expect("async-nats flush");
    }

    async fn request(&self, subject: &'static str, payload: Bytes) {
        async_nats::Client::request(self, subject, payload)
            .await
            .expect("async-nats request");
    }

    async fn count_messages(
        &self,
        subject: &'static str,
        count: u64,
        idle: Duration,
    ) -> JoinHandle<(u64, Instant)> {
        let sub = self.subscribe(subject).await.expect("async-nats subscribe");
        async_nats::Client::flush(self).await.expect("flush");
        tokio::spawn(count_stream(sub, count, idle))
    }

    async fn responder(
        &self,
        subject: &'static str,
        queue: Option<&'static str>,
    ) -> JoinHandle<()> {
        let mut sub = match queue {
            Some(q) => self.queue_subscribe(subject, q.to_string()).await,
            None => self.subscribe(subject).await,
        }
        .expect("async-nats subscribe");
        async_nats::Client::flush(self).await.expect("flush");
        let client = self.clone();
        tokio::spawn(async move {
            while let Some(msg) = sub.next().await {
                if let Some(reply) = msg.reply {
                    if client.publish(reply, msg.payload).await.is_err() {
                        break;
                    }
                }
            }
        })
    }
}
