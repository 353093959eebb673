//! [`ObjectStoreError`]: why an object store call failed, naming the bucket and object.

use std::io;
use std::time::Duration;

use thiserror::Error;

use crate::jetstream::error::{ConsumeError, DirectGetError, JetStreamError, PublishError};

/// Why an object store call failed.
///
/// Bad names are refused before anything is sent; a missing bucket or object has its own
/// variant (never a timeout); data that does not match its meta (size or SHA-256 digest) is
/// an error naming the object, never handed out as if it were whole.
///
/// ```no_run
/// use natskit::jetstream::object::ObjectStoreError;
///
/// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), ObjectStoreError> {
/// match store.get_bytes("report.pdf").await {
///     Ok(data) => println!("{} bytes", data.len()),
///     Err(ObjectStoreError::NotFound { name, .. }) => println!("no {name}"),
///     Err(ObjectStoreError::DigestMismatch { name, .. }) => println!("{name} is corrupted"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ObjectStoreError {
    /// A bucket name ADR-20 does not allow (`^[a-zA-Z0-9_-]+$`); nothing was sent.
    #[error("invalid object store name {bucket:?}: {reason}")]
    InvalidBucket {
        /// The name as given.
        bucket: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An empty object name; nothing was sent.
    #[error("invalid object name: {reason}")]
    InvalidObjectName {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The bucket (its stream `OBJ_<bucket>`) does not exist.
    #[error("object store {bucket:?} does not exist")]
    BucketNotFound {
        /// The bucket.
        bucket: String,
    },
    /// A bucket of that name exists with another configuration.
    #[error("object store {bucket:?} already exists with another configuration")]
    BucketExists {
        /// The bucket.
        bucket: String,
    },
    /// The bucket has no such object, or it was deleted.
    #[error("object {name:?} not found in object store {bucket:?}")]
    NotFound {
        /// The bucket.
        bucket: String,
        /// The object.
        name: String,
    },
    /// A rename or a link would replace an object that exists (and is not deleted).
    #[error("object {name:?} already exists in object store {bucket:?}")]
    AlreadyExists {
        /// The bucket.
        bucket: String,
        /// The object.
        name: String,
    },
    /// The data read does not have the SHA-256 digest its meta records: it was changed or
    /// damaged after it was stored.
    #[error("object {name:?} in object store {bucket:?} is corrupted: its data has digest {actual}, its meta says {expected}")]
    DigestMismatch {
        /// The bucket.
        bucket: String,
        /// The object.
        name: String,
        /// The digest in the meta, `SHA-256=<base64url>`.
        expected: String,
        /// The digest of the data read, in the same form.
        actual: String,
    },
    /// The chunks hold more or fewer bytes than the object's meta records.
    #[error("object {name:?} in object store {bucket:?} is corrupted: its chunks hold {actual} bytes or more, its meta says {expected}")]
    SizeMismatch {
        /// The bucket.
        bucket: String,
        /// The object.
        name: String,
        /// The size in the meta.
        expected: u64,
        /// The bytes found (when too many: as soon as the size was passed).
        actual: u64,
    },
    /// The object's meta message cannot be used: not JSON, no nuid, a digest that is not
    /// `SHA-256=<base64url>`.
    #[error("the meta of object {name:?} in object store {bucket:?} cannot be used: {reason}")]
    BadMeta {
        /// The bucket.
        bucket: String,
        /// The object.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A link may not point at a link: the target of a new link is one, or a link being read
    /// points at one.
    #[error(
        "object {name:?} in object store {bucket:?} is a link, and a link cannot point at a link"
    )]
    LinkToLink {
        /// The bucket of the link pointed at.
        bucket: String,
        /// The link pointed at.
        name: String,
    },
    /// The target of a new link is deleted.
    #[error("object {name:?} in object store {bucket:?} is deleted; a link cannot point at it")]
    LinkToDeleted {
        /// The bucket of the target.
        bucket: String,
        /// The target.
        name: String,
    },
    /// The object read is a link to a whole bucket, which has no data of its own.
    #[error("{name:?} in object store {bucket:?} is a link to the object store {target:?}, not to an object")]
    LinkIsBucket {
        /// The bucket of the link.
        bucket: String,
        /// The link.
        name: String,
        /// The bucket it points at.
        target: String,
    },
    /// A put was given meta with a link; links are made with `add_link` and
    /// `add_bucket_link`. Nothing was sent.
    #[error("a put cannot store a link (object {name:?}): use add_link or add_bucket_link")]
    LinkNotAllowed {
        /// The object.
        name: String,
    },
    /// The bucket is sealed: nothing can be stored, changed or deleted in it any more.
    #[error("object store {bucket:?} is sealed: nothing can be stored, changed or deleted")]
    Sealed {
        /// The bucket.
        bucket: String,
    },
    /// No chunk of the object arrived for the context's timeout while reading it.
    #[error("object {name:?} in object store {bucket:?}: no chunk arrived for {waited:?} ({received} of {size} bytes read)")]
    Stalled {
        /// The bucket.
        bucket: String,
        /// The object.
        name: String,
        /// How long nothing arrived.
        waited: Duration,
        /// Bytes read so far.
        received: u64,
        /// The object's size.
        size: u64,
    },
    /// The chunks stopped coming: the client closed, or the bucket's stream went away.
    #[error("reading object {name:?} in object store {bucket:?} stopped: {reason}")]
    Interrupted {
        /// The bucket.
        bucket: String,
        /// The object.
        name: String,
        /// Why.
        reason: String,
    },
    /// A watch stopped: its consumer could not go on (the bucket is gone), or the client
    /// closed.
    #[error("watching object store {bucket:?} stopped: {reason}")]
    WatchFailed {
        /// The bucket.
        bucket: String,
        /// Why.
        reason: String,
    },
    /// Listing a bucket got no meta message for the context's timeout.
    #[error("listing object store {bucket:?}: nothing arrived for {waited:?}")]
    ListStalled {
        /// The bucket.
        bucket: String,
        /// How long nothing arrived.
        waited: Duration,
    },
    /// The input of a put failed; what was stored of it was removed.
    #[error("reading the data of object {name:?} failed: {error}")]
    Read {
        /// The object.
        name: String,
        /// The input's error.
        error: io::Error,
    },
    /// A chunk size larger than the server accepts in one message (its `max_payload`);
    /// nothing was sent.
    #[error("object {name:?}: chunks of {chunk_size} bytes are larger than the server's max_payload of {max_payload} bytes")]
    ChunkTooLarge {
        /// The object.
        name: String,
        /// The chunk size asked for.
        chunk_size: u32,
        /// The server's limit.
        max_payload: usize,
    },
    /// An object with more chunks than the meta can count (`u32`); what was stored of it was
    /// removed.
    #[error(
        "object {name:?} needs more than {} chunks: use bigger chunks",
        u32::MAX
    )]
    TooManyChunks {
        /// The object.
        name: String,
    },
    /// A JetStream API call failed.
    #[error(transparent)]
    JetStream(JetStreamError),
    /// A chunk or meta message was not stored.
    #[error(transparent)]
    Publish(PublishError),
    /// Reading an object's meta with a direct get failed.
    #[error(transparent)]
    DirectGet(DirectGetError),
    /// Reading an object's chunks failed.
    #[error("reading the chunks of object {name:?} in object store {bucket:?} failed: {error}")]
    Consume {
        /// The bucket.
        bucket: String,
        /// The object.
        name: String,
        /// What the consumer reported.
        error: ConsumeError,
    },
}

impl ObjectStoreError {
    /// The object store error inside an [`io::Error`] from an
    /// [`ObjectReader`](crate::jetstream::object::ObjectReader), if that is what it carries.
    ///
    /// ```no_run
    /// use tokio::io::AsyncReadExt;
    /// use natskit::jetstream::object::ObjectStoreError;
    ///
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), ObjectStoreError> {
    /// let mut reader = store.get("video.mp4").await?;
    /// let mut sink = tokio::io::sink();
    /// if let Err(e) = tokio::io::copy(&mut reader, &mut sink).await {
    ///     if let Some(ObjectStoreError::DigestMismatch { name, .. }) = ObjectStoreError::from_io(&e) {
    ///         println!("{name} is corrupted");
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn from_io(error: &io::Error) -> Option<&ObjectStoreError> {
        error.get_ref()?.downcast_ref::<ObjectStoreError>()
    }

    /// This error as an [`io::Error`] (for `AsyncRead`), of a kind that says what it is.
    pub(crate) fn into_io(self) -> io::Error {
        let kind = match &self {
            ObjectStoreError::DigestMismatch { .. }
            | ObjectStoreError::SizeMismatch { .. }
            | ObjectStoreError::BadMeta { .. } => io::ErrorKind::InvalidData,
            ObjectStoreError::Stalled { .. } => io::ErrorKind::TimedOut,
            ObjectStoreError::Interrupted { .. } => io::ErrorKind::UnexpectedEof,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_carry_the_typed_error() {
        let e = ObjectStoreError::DigestMismatch {
            bucket: "b".into(),
            name: "o".into(),
            expected: "SHA-256=x".into(),
            actual: "SHA-256=y".into(),
        }
        .into_io();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(matches!(
            ObjectStoreError::from_io(&e),
            Some(ObjectStoreError::DigestMismatch { name, .. }) if name == "o"
        ));
        assert!(ObjectStoreError::from_io(&io::Error::other("plain")).is_none());
        assert_eq!(
            e.to_string(),
            "object \"o\" in object store \"b\" is corrupted: its data has digest SHA-256=y, its meta says SHA-256=x"
        );
    }
}
