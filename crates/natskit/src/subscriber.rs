//! [`Subscriber`]: a subscription as a `Stream` of messages.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use natskit_proto::Subject;
use tokio::sync::mpsc;

use crate::error::FlushError;
use crate::machine::{Batch, Delivery, Pending};
use crate::message::Message;
use crate::shared::{wait_for_pong, Owner};

/// The messages of one subscription. Dropping it unsubscribes.
///
/// ```no_run
/// use futures_util::StreamExt;
///
/// # async fn demo(client: natskit::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let mut sub = client.subscribe("happy").await?;
/// while let Some(msg) = sub.next().await {
///     println!("{}: {:?}", msg.subject, msg.payload);
/// }
/// # Ok(()) }
/// ```
pub struct Subscriber {
    sid: u64,
    subject: Subject,
    rx: mpsc::UnboundedReceiver<Batch>,
    /// The rest of the last batch taken from `rx`, handed out before the next is taken.
    batch: std::vec::IntoIter<Delivery>,
    pending: Arc<Pending>,
    /// Keeps the connection open while this subscriber lives.
    owner: Arc<Owner>,
    unsubscribed: bool,
}

impl Subscriber {
    pub(crate) fn new(
        sid: u64,
        subject: Subject,
        rx: mpsc::UnboundedReceiver<Batch>,
        pending: Arc<Pending>,
        owner: Arc<Owner>,
    ) -> Self {
        Subscriber {
            sid,
            subject,
            rx,
            batch: Vec::new().into_iter(),
            pending,
            owner,
            unsubscribed: false,
        }
    }

    /// The subscription id on the wire.
    pub fn sid(&self) -> u64 {
        self.sid
    }

    /// The subject subscribed to.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Messages dropped because this subscriber fell behind its pending limits.
    pub fn dropped(&self) -> u64 {
        self.pending.dropped()
    }

    /// Messages received and not yet taken from the stream.
    pub fn pending_messages(&self) -> usize {
        self.pending.messages()
    }

    /// Stops the subscription now. Messages already received can still be read; then the stream ends.
    pub fn unsubscribe(&mut self) {
        if !self.unsubscribed {
            self.unsubscribed = true;
            let sid = self.sid;
            self.owner
                .shared()
                .with(|machine| machine.unsubscribe(sid, None));
        }
    }

    /// Drains the subscription: tells the server to stop (UNSUB), waits for a round trip so that
    /// every message it sent before is in, then ends the stream behind those messages. Keep
    /// reading the stream until it ends to get them all. Waits at most the flush timeout.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    ///
    /// # async fn demo(client: natskit::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut sub = client.subscribe("orders").await?;
    /// sub.drain().await?;
    /// while let Some(order) = sub.next().await {
    ///     println!("still to handle: {:?}", order.payload); // then the stream ends
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn drain(&mut self) -> Result<(), FlushError> {
        if self.unsubscribed {
            return Ok(());
        }
        self.unsubscribed = true;
        let shared = self.owner.shared();
        let sid = self.sid;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let drained = match shared.with(|machine| machine.drain_subscription(sid, tx)) {
            Ok(()) => wait_for_pong(rx, shared.options().timing.flush_timeout).await,
            Err(_) => Err(FlushError::Closed),
        };
        // Ends it here if its PONG did not (timed out, disconnected, closed).
        shared.with(|machine| machine.forget_subscription(sid));
        drained
    }

    /// Ends the subscription after `max` messages in all (counting those already received).
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    ///
    /// # async fn demo(client: natskit::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut sub = client.subscribe("ticks").await?;
    /// sub.unsubscribe_after(3);
    /// let three: Vec<_> = sub.collect().await; // the stream ends after the third message
    /// # Ok(()) }
    /// ```
    pub fn unsubscribe_after(&mut self, max: u64) {
        if !self.unsubscribed {
            let sid = self.sid;
            self.owner
                .shared()
                .with(|machine| machine.unsubscribe(sid, Some(max)));
        }
    }
}

impl Stream for Subscriber {
    type Item = Message;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let this = &mut *self;
        let delivery = match this.batch.next() {
            Some(delivery) => delivery,
            None => match ready!(this.rx.poll_recv(cx)) {
                None => return Poll::Ready(None),
                Some(batch) => {
                    this.batch = batch.rest.into_iter();
                    batch.first
                }
            },
        };
        this.pending.taken(&delivery);
        Poll::Ready(Some(Message::new(delivery.msg, this.owner.shared())))
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        // Synchronous: removes the route and queues UNSUB; no task is spawned.
        self.unsubscribe();
    }
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber")
            .field("sid", &self.sid)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}
