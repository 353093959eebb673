//! [`Pusher`]: the I/O around a [`PushFlow`]: the subscription on a push consumer's deliver
//! subject, the answers to flow control, a heartbeat timer and the connection's events.
//! Driven by polling, like the [`Puller`](crate::jetstream::consumer::puller::Puller): a flow
//! control request is answered when the reader reaches it, so the server never runs ahead of
//! the reader by more than its flow control window.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use tokio::time::{Instant, Sleep};

use crate::client::Client;
use crate::error::PublishError;
use crate::events::{Event, Events};
use crate::jetstream::consumer::incoming::classify;
use crate::jetstream::consumer::message::{AckTarget, Message};
use crate::jetstream::consumer::push_flow::{PushFlow, PushVerdict};
use crate::jetstream::error::{ConsumeError, JetStreamError};
use crate::subscriber::Subscriber;

type Sending = Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send>>;

/// One thing a consumer's reader yields, before the public stream turns it into an item.
pub(crate) enum Step {
    /// A message for the user.
    Message(Message),
    /// A heartbeat naming the last consumer sequence delivered (push only).
    Heartbeat { last_consumer: Option<u64> },
    /// The connection came back after a loss (the server may have restarted without the
    /// consumer).
    Reconnected,
    /// A warning; the reading goes on.
    Warning(ConsumeError),
    /// The end, with the error that ended it if any.
    End(Option<ConsumeError>),
}

/// Reads a push consumer's deliver subject.
pub(crate) struct Pusher {
    flow: PushFlow,
    subscription: Subscriber,
    client: Client,
    acks: Arc<AckTarget>,
    events: Events,
    /// Subjects to answer with an empty message, in order.
    answers: VecDeque<String>,
    answering: Option<Sending>,
    timer: Pin<Box<Sleep>>,
    /// A reconnect not yet reported.
    reconnected: bool,
    done: bool,
}

impl Pusher {
    /// Subscribes to `deliver_subject` (in `group` if given), expecting a heartbeat every
    /// `heartbeat` (zero: none).
    pub(crate) async fn start(
        acks: Arc<AckTarget>,
        deliver_subject: &str,
        group: Option<&str>,
        heartbeat: Duration,
    ) -> Result<Self, JetStreamError> {
        let client = acks.client.clone();
        let subscription = match group {
            Some(group) => client.queue_subscribe(deliver_subject, group).await,
            None => client.subscribe(deliver_subject).await,
        }
        .map_err(JetStreamError::Subscribe)?;
        Ok(Pusher {
            flow: PushFlow::new(heartbeat, Instant::now().into_std()),
            subscription,
            events: client.events_from_now(),
            client,
            acks,
            answers: VecDeque::new(),
            answering: None,
            timer: Box::pin(tokio::time::sleep_until(Instant::now())),
            reconnected: false,
            done: false,
        })
    }

    fn poll_events(&mut self, cx: &mut TaskContext<'_>) {
        while let Poll::Ready(Some(event)) = Pin::new(&mut self.events).poll_next(cx) {
            match event {
                Event::Disconnected { .. } => self.flow.disconnected(),
                Event::Reconnected { .. } | Event::Lost { .. } => {
                    self.flow.reconnected(Instant::now().into_std());
                    self.reconnected = true;
                }
                _ => {}
            }
        }
    }

    /// Sends the queued answers, one at a time.
    fn poll_answers(&mut self, cx: &mut TaskContext<'_>) -> Option<ConsumeError> {
        loop {
            if self.answering.is_none() {
                let subject = self.answers.pop_front()?;
                let client = self.client.clone();
                self.answering = Some(Box::pin(async move {
                    client.publish(subject, Bytes::new()).await
                }));
            }
            let answering = self.answering.as_mut()?;
            let Poll::Ready(result) = answering.as_mut().poll(cx) else {
                return None;
            };
            self.answering = None;
            if let Err(error) = result {
                return Some(ConsumeError::Publish(error));
            }
        }
    }

    /// The next step.
    pub(crate) fn poll_step(&mut self, cx: &mut TaskContext<'_>) -> Poll<Step> {
        loop {
            if self.done {
                return Poll::Ready(Step::End(None));
            }
            self.poll_events(cx);
            if std::mem::take(&mut self.reconnected) {
                return Poll::Ready(Step::Reconnected);
            }
            if let Some(error) = self.poll_answers(cx) {
                return Poll::Ready(Step::Warning(error));
            }
            match Pin::new(&mut self.subscription).poll_next(cx) {
                Poll::Ready(Some(msg)) => {
                    let now = Instant::now();
                    match self.flow.on_incoming(now.into_std(), &classify(&msg)) {
                        PushVerdict::Deliver => {
                            let acks = Arc::clone(&self.acks);
                            return Poll::Ready(Step::Message(Message::new(
                                msg,
                                acks,
                                now.into_std(),
                            )));
                        }
                        PushVerdict::Skip => continue,
                        PushVerdict::Answer(subject) => {
                            self.answers.push_back(subject);
                            continue;
                        }
                        PushVerdict::Heartbeat {
                            last_consumer,
                            answer,
                        } => {
                            self.answers.extend(answer);
                            return Poll::Ready(Step::Heartbeat { last_consumer });
                        }
                        PushVerdict::Warn(error) => return Poll::Ready(Step::Warning(error)),
                        PushVerdict::End(error) => {
                            self.done = true;
                            return Poll::Ready(Step::End(Some(error)));
                        }
                    }
                }
                Poll::Ready(None) => {
                    self.done = true;
                    return Poll::Ready(Step::End(None));
                }
                Poll::Pending => {}
            }
            let Some(deadline) = self.flow.poll_timeout() else {
                return Poll::Pending;
            };
            let deadline = Instant::from_std(deadline);
            if Instant::now() >= deadline {
                if let Some(error) = self.flow.handle_timeout(Instant::now().into_std()) {
                    return Poll::Ready(Step::Warning(error));
                }
                continue;
            }
            self.timer.as_mut().reset(deadline);
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

impl Stream for Pusher {
    type Item = Result<Message, ConsumeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        loop {
            return match self.poll_step(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Step::Message(msg)) => Poll::Ready(Some(Ok(msg))),
                Poll::Ready(Step::Heartbeat { .. } | Step::Reconnected) => continue,
                Poll::Ready(Step::Warning(error)) => Poll::Ready(Some(Err(error))),
                Poll::Ready(Step::End(error)) => Poll::Ready(error.map(Err)),
            };
        }
    }
}
