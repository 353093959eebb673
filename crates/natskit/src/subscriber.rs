//! [`Subscriber`]: a subscription as a `Stream` of messages.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use futures_core::Stream;
use natskit_proto::Subject;
use tokio::sync::mpsc;

use crate::error::FlushError;
use crate::machine::{Batch, Counts, Delivery, Pending};
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
    /// What was handed out of `batch`, counted down from `pending` when the batch is done.
    taken: Counts,
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
            taken: Counts::default(),
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
        self.pending
            .messages()
            .saturating_sub(self.taken.messages())
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
        // Every few messages of a batch taken before count against the task's budget as one
        // from the channel does, so that a reader far behind still lets its worker go now and
        // then. Counting each message made a flooded reader fall further behind and take 15 %
        // more time (profile_paths sub through the embedded broker, medians of 9).
        if this.batch.len() % BUDGET_EVERY == 1 {
            ready!(tokio::task::coop::poll_proceed(cx)).made_progress();
        }
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
        this.taken.add(&delivery);
        if this.batch.as_slice().is_empty() {
            // The batch is done: counted down at once, and its allocation goes now, not when
            // the next batch comes (an idle subscriber holds none).
            this.pending.count_down(&mut this.taken);
            this.batch = Vec::new().into_iter();
        }
        Poll::Ready(Some(Message::new(delivery.msg, this.owner.shared())))
    }
}

/// Messages of a batch handed out for one unit of tokio's budget (128 units a turn).
const BUDGET_EVERY: usize = 8;

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

#[cfg(test)]
mod tests {
    use std::future::poll_fn;

    use futures_util::StreamExt;

    use super::*;
    use crate::machine::ServerPool;
    use crate::options::ConnectOptions;
    use crate::shared::Shared;

    /// A subscriber with `count` messages waiting in one batch, on a connection never made, and
    /// the sending side of its channel.
    fn subscriber_with_a_batch_of(count: usize) -> (Subscriber, mpsc::UnboundedSender<Batch>) {
        let shared = Arc::new(Shared::new(
            ConnectOptions::default(),
            ServerPool::new(Vec::new(), false),
        ));
        let (tx, rx) = mpsc::unbounded_channel();
        let delivery = || Delivery::of(natskit_proto::Msg::new("a", 1, None, None, b"hi"), false);
        let mut batch = Batch::new(delivery());
        batch.rest.extend((1..count).map(|_| delivery()));
        tx.send(batch).expect("the receiver is here");
        let pending = Arc::new(Pending::default());
        let owner = Arc::new(Owner::new(shared));
        (Subscriber::new(1, "a".into(), rx, pending, owner), tx)
    }

    #[tokio::test]
    async fn a_batch_is_handed_out_whole_and_in_order_and_then_the_stream_waits() {
        let (mut sub, tx) = subscriber_with_a_batch_of(3);
        for _ in 0..3 {
            let msg = sub.next().await.expect("a message of the batch");
            assert_eq!((msg.subject.as_str(), &msg.payload[..]), ("a", &b"hi"[..]));
        }
        let waits = poll_fn(|cx| Poll::Ready(sub.poll_next_unpin(cx).is_pending())).await;
        assert!(waits, "nothing more was sent, and the sender lives");
        drop(tx);
        assert!(
            sub.next().await.is_none(),
            "the stream ends with its sender"
        );
    }

    #[tokio::test]
    async fn messages_handed_out_of_a_batch_are_no_longer_pending_and_counted_down_at_its_end() {
        let (mut sub, _tx) = subscriber_with_a_batch_of(3);
        let delivered = Delivery::of(natskit_proto::Msg::new("a", 1, None, None, b"hi"), false);
        // As the machine counts the three deliveries in.
        let mut in_flight = Counts::default();
        for _ in 0..3 {
            in_flight.add(&delivered);
        }
        sub.pending.count_in(&mut in_flight);
        assert_eq!(sub.pending_messages(), 3);
        sub.next().await.expect("first");
        assert_eq!(
            sub.pending_messages(),
            2,
            "taken, though not yet counted down"
        );
        assert_eq!(
            sub.pending.messages(),
            3,
            "counted down once, at the batch's end"
        );
        sub.next().await.expect("second");
        sub.next().await.expect("third");
        assert_eq!(sub.pending_messages(), 0);
        assert_eq!(sub.pending.messages(), 0, "the whole batch counted down");
    }

    #[tokio::test]
    async fn a_reader_far_behind_lets_its_worker_go_within_a_batch() {
        let (mut sub, _tx) = subscriber_with_a_batch_of(5_000);
        // Polls without awaiting anything else: only the task's budget can stop it.
        let handed = poll_fn(|cx| {
            let mut handed = 0;
            while let Poll::Ready(Some(_)) = sub.poll_next_unpin(cx) {
                handed += 1;
            }
            Poll::Ready(handed)
        })
        .await;
        assert!(
            (1..5_000).contains(&handed),
            "{handed} messages in one turn: the budget did not apply"
        );
        let rest = (&mut sub).take(5_000 - handed).count().await;
        assert_eq!(handed + rest, 5_000, "every message is still handed out");
    }
}
