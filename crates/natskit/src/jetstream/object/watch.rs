//! Watching a bucket's meta messages ([`ObjectWatch`]): by default the latest info of each
//! object, then a marker, then every change as it is stored; and listing, which is a watch
//! read up to its marker.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;
use futures_core::Stream;

use crate::jetstream::consumer::config::DeliverPolicy;
use crate::jetstream::consumer::message::Message;
use crate::jetstream::consumer::ordered::{OrderedConfig, OrderedMessages};
use crate::jetstream::context::Context;
use crate::jetstream::error::{ApiError, JetStreamError};
use crate::jetstream::object::error::ObjectStoreError;
use crate::jetstream::object::info::ObjectInfo;
use crate::jetstream::object::name::all_meta;
use crate::jetstream::object::ObjectStore;

/// How long the server keeps the consumer of a watch nobody is subscribed to any more (it
/// is deleted at once when the watch is dropped after a message named it); while the watch
/// is subscribed, the consumer stays.
const WATCH_INACTIVE_THRESHOLD: Duration = Duration::from_secs(10);

/// What a watch delivers, besides the defaults (the latest info of each object, deleted ones
/// included, then every change).
///
/// ```
/// use natskit::jetstream::object::WatchOptions;
///
/// let options = WatchOptions { ignore_deletes: true, ..WatchOptions::default() };
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchOptions {
    /// Every stored meta message, not only the latest of each object.
    pub include_history: bool,
    /// Leave out deleted objects.
    pub ignore_deletes: bool,
    /// Only changes made after the watch starts; no [`WatchEvent::EndOfInitial`].
    pub updates_only: bool,
}

/// One item of an [`ObjectWatch`].
///
/// ```no_run
/// use futures_util::StreamExt;
/// use natskit::jetstream::object::WatchEvent;
///
/// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
/// let mut watch = store.watch().await?;
/// while let Some(event) = watch.next().await {
///     match event? {
///         WatchEvent::Object(info) if info.deleted => println!("{} deleted", info.name),
///         WatchEvent::Object(info) => println!("{}: {} bytes", info.name, info.size),
///         WatchEvent::EndOfInitial => println!("up to date; changes follow"),
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// An object's info as stored (its `mtime` the time it was stored).
    Object(Box<ObjectInfo>),
    /// Everything stored when the watch started was delivered (sent once, first thing for an
    /// empty bucket); what follows are changes.
    EndOfInitial,
}

/// The changes of a bucket's objects, as a [`Stream`]: through an ordered push consumer on
/// `$O.<bucket>.M.>`. A meta message that is not object info JSON comes as an
/// [`ObjectStoreError::BadMeta`] item and the watch goes on; it ends with an
/// [`ObjectStoreError::WatchFailed`] item when its consumer cannot go on (the bucket is gone).
/// Dropping it stops it.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use natskit::jetstream::object::{WatchEvent, WatchOptions};
///
/// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
/// let mut changes = store.watch_with(WatchOptions { updates_only: true, ..Default::default() }).await?;
/// if let Some(WatchEvent::Object(info)) = changes.next().await.transpose()? {
///     println!("{} changed", info.name);
/// }
/// # Ok(()) }
/// ```
pub struct ObjectWatch {
    messages: OrderedMessages,
    context: Context,
    stream: String,
    /// The consumer delivering, once a message named it: deleted when the watch is dropped.
    consumer: Option<String>,
    bucket: String,
    options: WatchOptions,
    /// The marker goes out before anything else is read.
    marker_due: bool,
    /// The marker went out (or never will).
    marker_done: bool,
    ended: bool,
}

impl ObjectStore {
    /// Watches the bucket: the latest info of each object (deleted ones included), then
    /// [`WatchEvent::EndOfInitial`], then every change.
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let watch = store.watch().await?;
    /// # let _ = watch;
    /// # Ok(()) }
    /// ```
    pub async fn watch(&self) -> Result<ObjectWatch, ObjectStoreError> {
        self.watch_with(WatchOptions::default()).await
    }

    /// Watches the bucket as `options` say.
    ///
    /// ```no_run
    /// use natskit::jetstream::object::WatchOptions;
    ///
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let history = store.watch_with(WatchOptions { include_history: true, ..Default::default() }).await?;
    /// # let _ = history;
    /// # Ok(()) }
    /// ```
    pub async fn watch_with(&self, options: WatchOptions) -> Result<ObjectWatch, ObjectStoreError> {
        let subject = all_meta(&self.bucket);
        // An empty bucket delivers nothing that could carry the marker: it goes out at once.
        let empty = !options.updates_only
            && match self.context.get_last_message(&self.stream, &subject).await {
                Ok(_) => false,
                Err(JetStreamError::Api(e)) if e.is(ApiError::NO_MESSAGE_FOUND) => true,
                Err(e) => return Err(self.api_error(e)),
            };
        let deliver_policy = if options.updates_only {
            DeliverPolicy::New
        } else if options.include_history {
            DeliverPolicy::All
        } else {
            DeliverPolicy::LastPerSubject
        };
        let config = OrderedConfig {
            filter_subjects: vec![subject],
            deliver_policy,
            inactive_threshold: WATCH_INACTIVE_THRESHOLD,
            ..OrderedConfig::default()
        };
        let messages = self
            .context
            .ordered_consumer(&self.stream, config)
            .map_err(|e| self.api_error(e))?
            .push_messages()
            .await
            .map_err(|e| self.api_error(e))?;
        Ok(ObjectWatch {
            messages,
            context: self.context.clone(),
            stream: self.stream.clone(),
            consumer: None,
            bucket: self.bucket.clone(),
            options,
            marker_due: empty,
            marker_done: options.updates_only || empty,
            ended: false,
        })
    }

    /// The info of every object in the bucket, deleted ones left out, links included; empty
    /// for an empty bucket. Each info must arrive within the context's timeout.
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// for info in store.list().await? {
    ///     println!("{}: {} bytes", info.name, info.size);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<ObjectInfo>, ObjectStoreError> {
        self.collect(false).await
    }

    /// The info of every object in the bucket, deleted ones included.
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let deleted = store.list_including_deleted().await?.into_iter().filter(|i| i.deleted).count();
    /// # let _ = deleted;
    /// # Ok(()) }
    /// ```
    pub async fn list_including_deleted(&self) -> Result<Vec<ObjectInfo>, ObjectStoreError> {
        self.collect(true).await
    }

    async fn collect(&self, deleted: bool) -> Result<Vec<ObjectInfo>, ObjectStoreError> {
        let options = WatchOptions {
            ignore_deletes: !deleted,
            ..WatchOptions::default()
        };
        let mut watch = self.watch_with(options).await?;
        let patience = self.context.timeout();
        let mut infos = Vec::new();
        loop {
            let next = poll_fn(|cx| Pin::new(&mut watch).poll_next(cx));
            let item = tokio::time::timeout(patience, next).await.map_err(|_| {
                ObjectStoreError::ListStalled {
                    bucket: self.bucket.clone(),
                    waited: patience,
                }
            })?;
            match item {
                Some(Ok(WatchEvent::Object(info))) => infos.push(*info),
                Some(Ok(WatchEvent::EndOfInitial)) => return Ok(infos),
                Some(Err(e)) => return Err(e),
                None => {
                    return Err(ObjectStoreError::WatchFailed {
                        bucket: self.bucket.clone(),
                        reason: "the watch ended before the last object (the client closed)".into(),
                    })
                }
            }
        }
    }
}

impl ObjectWatch {
    /// The info in meta message `msg`, its time as `mtime`.
    fn decode(&self, msg: &Message) -> Result<ObjectInfo, ObjectStoreError> {
        let mut info: ObjectInfo =
            serde_json::from_slice(&msg.payload).map_err(|e| ObjectStoreError::BadMeta {
                bucket: self.bucket.clone(),
                name: name_of(msg.subject.as_str()),
                reason: format!("it is not object info JSON: {e}"),
            })?;
        if let Ok(delivery) = msg.info() {
            info.mtime = natskit_proto::time::rfc3339(
                delivery.published,
                natskit_proto::time::Precision::Nanos,
            );
        }
        Ok(info)
    }
}

/// The object name in meta subject `$O.<bucket>.M.<base64url(name)>`, or the subject itself.
fn name_of(subject: &str) -> String {
    subject
        .splitn(4, '.')
        .nth(3)
        .and_then(|encoded| URL_SAFE.decode(encoded).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| subject.to_owned())
}

impl Stream for ObjectWatch {
    type Item = Result<WatchEvent, ObjectStoreError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.marker_due {
                this.marker_due = false;
                this.marker_done = true;
                return Poll::Ready(Some(Ok(WatchEvent::EndOfInitial)));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.messages).poll_next(cx)) {
                Some(Ok(msg)) => {
                    let mut caught_up = false;
                    if let Ok(delivery) = msg.info() {
                        caught_up = delivery.pending == 0;
                        if this.consumer.as_deref() != Some(delivery.consumer.as_str()) {
                            this.consumer = Some(delivery.consumer);
                        }
                    }
                    if caught_up && !this.marker_done {
                        this.marker_due = true;
                    }
                    match this.decode(&msg) {
                        Ok(info) if info.deleted && this.options.ignore_deletes => {}
                        Ok(info) => {
                            return Poll::Ready(Some(Ok(WatchEvent::Object(Box::new(info)))))
                        }
                        Err(e) => return Poll::Ready(Some(Err(e))),
                    }
                }
                Some(Err(error)) if error.is_terminal() => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(ObjectStoreError::WatchFailed {
                        bucket: this.bucket.clone(),
                        reason: error.to_string(),
                    })));
                }
                // A warning: the ordered consumer mends itself.
                Some(Err(_)) => {}
                None => {
                    this.ended = true;
                    return Poll::Ready(None);
                }
            }
        }
    }
}

impl Drop for ObjectWatch {
    /// Deletes the consumer rather than leave it to expire.
    fn drop(&mut self) {
        let Some(consumer) = self.consumer.take() else {
            return;
        };
        let (context, stream) = (self.context.clone(), self.stream.clone());
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = context.delete_consumer(&stream, &consumer).await;
            });
        }
    }
}

impl std::fmt::Debug for ObjectWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectWatch")
            .field("bucket", &self.bucket)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_back_from_meta_subjects() {
        assert_eq!(name_of("$O.b.M.ZGlyL2ZpbGUg4pyTLnR4dA=="), "dir/file ✓.txt");
        assert_eq!(name_of("$O.b.M.@@"), "$O.b.M.@@");
        assert_eq!(name_of("short"), "short");
    }
}
