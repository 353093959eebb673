//! [`Puller`]: the I/O around a [`PullFlow`]: one subscription on an inbox for every pull
//! request's answers, the requests themselves, a timer, and the connection's events.
//!
//! No task runs behind it: everything happens when the stream is polled, so a slow reader
//! slows the pulling (nothing piles up past what was asked for), and a reader that comes back
//! after a long pause finds the timer expired and pulls again rather than hanging.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use futures_core::Stream;
use tokio::time::{Instant, Sleep};

use crate::client::Client;
use crate::error::PublishError;
use crate::events::{Event, Events};
use crate::jetstream::consumer::flow::{PullFlow, PullRequest, Verdict};
use crate::jetstream::consumer::incoming::classify;
use crate::jetstream::consumer::message::{AckTarget, Message};
use crate::jetstream::context::Context;
use crate::jetstream::error::{ConsumeError, JetStreamError};
use crate::subscriber::Subscriber;

type Sending = Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send>>;
type Checking = Pin<Box<dyn Future<Output = Result<(), JetStreamError>> + Send>>;

/// Which consumer a puller pulls from.
pub(crate) struct Target {
    pub(crate) context: Context,
    pub(crate) stream: String,
    pub(crate) consumer: String,
    pub(crate) acks: Arc<AckTarget>,
}

/// Pulls from one consumer as its [`PullFlow`] says; a stream of messages and warnings.
pub(crate) struct Puller {
    flow: PullFlow,
    target: Target,
    subscription: Subscriber,
    inbox: String,
    next_subject: String,
    events: Events,
    /// The pull request being written, with what it asked for.
    sending: Option<(Sending, PullRequest)>,
    /// The consumer info call after a "no responders".
    checking: Option<Checking>,
    timer: Pin<Box<Sleep>>,
    done: bool,
}

impl Puller {
    /// Subscribes to a fresh inbox; the first request goes out at the first poll.
    pub(crate) async fn start(target: Target, flow: PullFlow) -> Result<Self, JetStreamError> {
        let client = target.context.client();
        let inbox = client.new_inbox();
        let subscription = client
            .subscribe(&inbox)
            .await
            .map_err(JetStreamError::Subscribe)?;
        let next_subject = target.context.api_subject(&format!(
            "CONSUMER.MSG.NEXT.{}.{}",
            target.stream, target.consumer
        ));
        Ok(Puller {
            flow,
            events: client.events_from_now(),
            target,
            subscription,
            inbox,
            next_subject,
            sending: None,
            checking: None,
            timer: Box::pin(tokio::time::sleep_until(Instant::now())),
            done: false,
        })
    }

    /// Stops pulling; what was asked for still arrives (see [`PullFlow::stop`]).
    pub(crate) fn stop(&mut self) {
        self.flow.stop();
    }

    fn client(&self) -> &Client {
        self.target.context.client()
    }

    /// Connection events: pause while disconnected, pull afresh when back.
    fn poll_events(&mut self, cx: &mut TaskContext<'_>) {
        while let Poll::Ready(Some(event)) = Pin::new(&mut self.events).poll_next(cx) {
            match event {
                Event::Disconnected { .. } => self.flow.disconnected(),
                Event::Reconnected { .. } | Event::Lost { .. } => {
                    self.flow.reconnected(Instant::now().into_std())
                }
                _ => {}
            }
        }
    }

    /// Sends the due pull request, or drives the one being sent.
    fn poll_sending(&mut self, cx: &mut TaskContext<'_>) -> Option<ConsumeError> {
        if self.sending.is_none() {
            let request = self.flow.poll_request(Instant::now().into_std())?;
            let body = Bytes::from(serde_json::to_vec(&request).unwrap_or_default());
            let client = self.client().clone();
            let (subject, inbox) = (self.next_subject.clone(), self.inbox.clone());
            let send: Sending =
                Box::pin(async move { client.publish_with_reply(subject, inbox, body).await });
            self.sending = Some((send, request));
        }
        let (send, request) = self.sending.as_mut()?;
        let Poll::Ready(result) = send.as_mut().poll(cx) else {
            return None;
        };
        let request = request.clone();
        self.sending = None;
        match result {
            Ok(()) => None,
            Err(error) => {
                self.flow
                    .request_failed(Instant::now().into_std(), &request);
                if self.client().is_closed() {
                    self.done = true;
                    return None;
                }
                Some(ConsumeError::Publish(error))
            }
        }
    }

    /// After a "no responders": is the consumer there?
    fn poll_checking(&mut self, cx: &mut TaskContext<'_>) -> Option<ConsumeError> {
        let check = self.checking.as_mut()?;
        let Poll::Ready(result) = check.as_mut().poll(cx) else {
            return None;
        };
        self.checking = None;
        let now = Instant::now().into_std();
        match result {
            Ok(()) => self.flow.consumer_exists(now, true),
            Err(e) if Context::is_consumer_missing(&e) => self.flow.consumer_exists(now, false),
            Err(e) => {
                // Unknown: pull again after the pause, and say why.
                self.flow.consumer_exists(now, true);
                Some(ConsumeError::Api(e))
            }
        }
    }

    fn start_check(&mut self) {
        let context = self.target.context.clone();
        let (stream, consumer) = (self.target.stream.clone(), self.target.consumer.clone());
        self.checking = Some(Box::pin(async move {
            context.consumer_info(&stream, &consumer).await.map(drop)
        }));
    }

    /// One step of the stream; `None` inside means "nothing yet, look again".
    fn poll_step(
        &mut self,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Message, ConsumeError>>> {
        loop {
            if self.done || self.flow.is_finished() && self.sending.is_none() {
                self.done = true;
                return Poll::Ready(None);
            }
            self.poll_events(cx);
            if let Some(error) = self.poll_checking(cx) {
                return self.report(error);
            }
            if let Some(error) = self.poll_sending(cx) {
                return self.report(error);
            }
            match Pin::new(&mut self.subscription).poll_next(cx) {
                Poll::Ready(Some(msg)) => {
                    let now = Instant::now();
                    match self.flow.on_incoming(now.into_std(), &classify(&msg)) {
                        Verdict::Deliver => {
                            let acks = Arc::clone(&self.target.acks);
                            return Poll::Ready(Some(Ok(Message::new(msg, acks, now.into_std()))));
                        }
                        Verdict::Skip => continue,
                        Verdict::Warn(error) => return self.report(error),
                        Verdict::End(error) => {
                            self.done = true;
                            return Poll::Ready(error.map(Err));
                        }
                        Verdict::CheckConsumer => {
                            self.start_check();
                            continue;
                        }
                    }
                }
                Poll::Ready(None) => {
                    // The client was closed.
                    self.done = true;
                    return Poll::Ready(None);
                }
                Poll::Pending => {}
            }
            let Some(deadline) = self.flow.poll_timeout() else {
                return Poll::Pending;
            };
            let deadline = Instant::from_std(deadline);
            if Instant::now() >= deadline {
                if let Some(error) = self.flow.handle_timeout(Instant::now().into_std()) {
                    return self.report(error);
                }
                continue;
            }
            self.timer.as_mut().reset(deadline);
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }

    fn report(&mut self, error: ConsumeError) -> Poll<Option<Result<Message, ConsumeError>>> {
        if error.is_terminal() {
            self.done = true;
        }
        Poll::Ready(Some(Err(error)))
    }
}

impl Stream for Puller {
    type Item = Result<Message, ConsumeError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.poll_step(cx)
    }
}
