//! The future of a publish, written out by hand.
//!
//! Nearly every publish is queued at its first poll, without waiting. As an `async fn`, that
//! first poll began by moving every argument into the future's own locals, and the moved
//! subject and payload were read back at once in wider loads than they were written with:
//! store-to-load stalls that perf put at about a tenth of a small publish's time. Here the
//! first try reads the arguments where the caller put them; only a publish that has to wait
//! (the output is full, its worker is owed a turn, or its tracing span is wanted) becomes an
//! `async` future, boxed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use natskit_proto::HeaderMap;

use crate::error::PublishError;
use crate::machine::Queued;
use crate::shared::{publish_span, Shared};

/// The rare publish that waits, with its own copy of the subject.
type Waiting<'a> = Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send + 'a>>;

/// A publish on its way into the connection's output: what
/// [`Client::publish`](crate::Client::publish) returns. Does nothing until polled.
pub(crate) struct Publish<'a, S> {
    shared: &'a Arc<Shared>,
    subject: S,
    reply: Option<&'a str>,
    headers: Option<&'a HeaderMap>,
    /// Taken by the first poll.
    payload: Option<Bytes>,
    waiting: Option<Waiting<'a>>,
}

// Nothing in a `Publish` is ever pinned: the subject is only read through `&S`, and what waits
// is pinned in its own box.
impl<S> Unpin for Publish<'_, S> {}

impl<'a, S: AsRef<str>> Publish<'a, S> {
    /// Checks and queues a publish when first polled, waiting while the output is full.
    pub(crate) fn new(
        shared: &'a Arc<Shared>,
        subject: S,
        reply: Option<&'a str>,
        headers: Option<&'a HeaderMap>,
        payload: Bytes,
    ) -> Self {
        Publish {
            shared,
            subject,
            reply,
            headers,
            payload: Some(payload),
            waiting: None,
        }
    }
}

impl<S: AsRef<str>> Future for Publish<'_, S> {
    type Output = Result<(), PublishError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(waiting) = &mut this.waiting {
            return waiting.as_mut().poll(cx);
        }
        // Read in place, not moved out: a move read it back in wider loads than the caller
        // wrote it with (another stall).
        let payload = this
            .payload
            .as_ref()
            .expect("a publish future polled after it completed");
        let subject = this.subject.as_ref();
        let yield_first = this.shared.take_yield_due();
        if !yield_first && publish_span(subject, payload).is_disabled() {
            let tried = this
                .shared
                .try_publish(subject, this.reply, this.headers, payload);
            match tried {
                Ok(Queued::Full) => {}
                done => {
                    this.payload = None;
                    return Poll::Ready(done.map(|_| ()));
                }
            }
        }
        let payload = this.payload.take().unwrap_or_default();
        let mut waiting: Waiting<'_> = Box::pin(this.shared.publish_slowly(
            subject.to_owned(),
            this.reply,
            this.headers,
            payload,
            yield_first,
        ));
        let polled = waiting.as_mut().poll(cx);
        this.waiting = Some(waiting);
        polled
    }
}
