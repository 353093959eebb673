//! [`Watch`]: a bucket's values as they change, over an ordered push consumer, with the end of
//! the initial values marked (ADR-8).

use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures_core::Stream;

use crate::jetstream::consumer::config::DeliverPolicy;
use crate::jetstream::consumer::ordered::{OrderedConfig, OrderedMessages};
use crate::jetstream::kv::entry::{Entry, Operation};
use crate::jetstream::kv::error::KvError;
use crate::jetstream::kv::name::validate_key_filter;
use crate::jetstream::kv::store::Store;

/// What a watch sends besides the defaults: the latest value of each key (deletes
/// included), then every change.
///
/// ```
/// use natskit::jetstream::kv::WatchOptions;
///
/// let everything = WatchOptions::default().include_history();
/// let changes = WatchOptions::default().updates_only().ignore_deletes();
/// # let _ = (everything, changes);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchOptions {
    include_history: bool,
    ignore_deletes: bool,
    meta_only: bool,
    updates_only: bool,
    heartbeat: Option<Duration>,
}

impl WatchOptions {
    /// Every value still in the history, not only the latest.
    ///
    /// ```
    /// let o = natskit::jetstream::kv::WatchOptions::default().include_history();
    /// # let _ = o;
    /// ```
    pub fn include_history(mut self) -> Self {
        self.include_history = true;
        self
    }

    /// Puts only: no deletes or purges.
    ///
    /// ```
    /// let o = natskit::jetstream::kv::WatchOptions::default().ignore_deletes();
    /// # let _ = o;
    /// ```
    pub fn ignore_deletes(mut self) -> Self {
        self.ignore_deletes = true;
        self
    }

    /// Entries without their values (keys, revisions, operations only).
    ///
    /// ```
    /// let o = natskit::jetstream::kv::WatchOptions::default().meta_only();
    /// # let _ = o;
    /// ```
    pub fn meta_only(mut self) -> Self {
        self.meta_only = true;
        self
    }

    /// The server's idle heartbeat (5 s by default): a watch whose consumer is lost without
    /// a reconnect (deleted, say) notices after two missed heartbeats and resumes.
    ///
    /// ```
    /// let o = natskit::jetstream::kv::WatchOptions::default().heartbeat(std::time::Duration::from_secs(1));
    /// # let _ = o;
    /// ```
    pub fn heartbeat(mut self, heartbeat: Duration) -> Self {
        self.heartbeat = Some(heartbeat);
        self
    }

    /// Changes from now on only; the end-of-initial-values marker comes at once.
    ///
    /// ```
    /// let o = natskit::jetstream::kv::WatchOptions::default().updates_only();
    /// # let _ = o;
    /// ```
    pub fn updates_only(mut self) -> Self {
        self.updates_only = true;
        self
    }
}

/// One thing a watch sends.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use natskit::jetstream::kv::WatchEvent;
///
/// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
/// let mut watch = kv.watch_all().await?;
/// while let Some(event) = watch.next().await {
///     match event? {
///         WatchEvent::Entry(entry) => println!("{} = {:?}", entry.key, entry.value),
///         WatchEvent::EndOfInitial => println!("-- up to date --"),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// A value, delete or purge.
    Entry(Entry),
    /// Everything stored when the watch began has been sent; what follows is new. Sent once,
    /// also for an empty bucket.
    EndOfInitial,
}

/// The changes of a bucket's keys; see [`Store::watch`].
pub struct Watch {
    bucket: String,
    messages: OrderedMessages,
    ignore_deletes: bool,
    /// The initial values are all sent.
    initial_done: bool,
    /// The marker is due at the next poll.
    marker_due: bool,
}

impl Store {
    /// Watches every key: the latest value of each, then every change.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let watch = kv.watch_all().await?;
    /// # let _ = watch;
    /// # Ok(()) }
    /// ```
    pub async fn watch_all(&self) -> Result<Watch, KvError> {
        self.watch_with(">", WatchOptions::default()).await
    }

    /// Watches the keys `filter` matches (a key, or `*` / `>` wildcards).
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let watch = kv.watch("device.*").await?;
    /// # let _ = watch;
    /// # Ok(()) }
    /// ```
    pub async fn watch(&self, filter: &str) -> Result<Watch, KvError> {
        self.watch_with(filter, WatchOptions::default()).await
    }

    /// Watches the keys `filter` matches, as `options` say.
    ///
    /// A watch survives a server restart and the loss of its consumer: it goes on after the
    /// last revision it sent, with no gap and nothing sent twice.
    ///
    /// ```no_run
    /// use natskit::jetstream::kv::WatchOptions;
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let watch = kv.watch_with(">", WatchOptions::default().include_history()).await?;
    /// # let _ = watch;
    /// # Ok(()) }
    /// ```
    pub async fn watch_with(&self, filter: &str, options: WatchOptions) -> Result<Watch, KvError> {
        validate_key_filter(filter)?;
        let deliver_policy = if options.updates_only {
            DeliverPolicy::New
        } else if options.include_history {
            DeliverPolicy::All
        } else {
            DeliverPolicy::LastPerSubject
        };
        let config = OrderedConfig {
            filter_subjects: vec![self.subject(filter)],
            deliver_policy,
            headers_only: options.meta_only,
            ..OrderedConfig::default()
        };
        let config = OrderedConfig {
            heartbeat: options.heartbeat.unwrap_or(config.heartbeat),
            ..config
        };
        let messages = self
            .context
            .ordered_consumer(&self.stream, config)?
            .push_messages()
            .await?;
        let nothing_stored = messages.initial_pending() == 0;
        Ok(Watch {
            bucket: self.bucket.clone(),
            messages,
            ignore_deletes: options.ignore_deletes,
            initial_done: options.updates_only || nothing_stored,
            marker_due: options.updates_only || nothing_stored,
        })
    }
}

impl Stream for Watch {
    type Item = Result<WatchEvent, KvError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.marker_due {
                this.marker_due = false;
                return Poll::Ready(Some(Ok(WatchEvent::EndOfInitial)));
            }
            let msg = match Pin::new(&mut this.messages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(KvError::Watch(e)))),
                Poll::Ready(Some(Ok(msg))) => msg,
            };
            let Some(entry) = Entry::from_message(&this.bucket, &msg) else {
                continue;
            };
            if !this.initial_done && entry.delta == 0 {
                this.initial_done = true;
                this.marker_due = true;
            }
            if this.ignore_deletes && entry.operation != Operation::Put {
                continue;
            }
            return Poll::Ready(Some(Ok(WatchEvent::Entry(entry))));
        }
    }
}
