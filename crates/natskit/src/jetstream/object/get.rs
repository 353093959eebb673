//! Reading an object: its meta, then its chunks through an ordered consumer, handed out as an
//! [`ObjectReader`] (`AsyncRead`) that checks size and SHA-256 digest as they come and ends
//! only when both match.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use futures_core::Stream;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::time::Sleep;

use crate::jetstream::consumer::ordered::{OrderedConfig, OrderedMessages};
use crate::jetstream::consumer::pull::Consume;
use crate::jetstream::context::Context;
use crate::jetstream::object::digest_apart::{DigestApart, APART_FROM_BYTES};
use crate::jetstream::object::error::ObjectStoreError;
use crate::jetstream::object::info::{format_digest, parse_digest, ObjectInfo};
use crate::jetstream::object::name::{chunk_subject, validate_object_name};
use crate::jetstream::object::whole::WholeObject;
use crate::jetstream::object::ObjectStore;

/// Bytes of chunks asked for ahead of the reader, at most: what a get holds in memory.
const READ_AHEAD_BYTES: u64 = 8 * 1024 * 1024;

/// Chunks asked for ahead of the reader: at least 2 (one being read, one coming), at most
/// this.
const MAX_READ_AHEAD_CHUNKS: u64 = 500;

/// How long the server keeps the consumer of a get nobody reads from; a reader that pauses
/// longer gets a new one where it left off.
const READ_INACTIVE_THRESHOLD: Duration = Duration::from_secs(30);

/// An object's data as an [`AsyncRead`], read from the server a window of chunks at a time.
///
/// The end of the data is reported only once its size and SHA-256 digest match the object's
/// meta; if they do not, the last read fails instead with an [`io::Error`] of kind
/// `InvalidData` carrying [`ObjectStoreError::DigestMismatch`] or
/// [`ObjectStoreError::SizeMismatch`] (see [`ObjectStoreError::from_io`]), and the chunk that
/// showed it is not handed out. Bytes beyond the recorded size are never handed out. When no
/// chunk comes for the context's timeout, the read fails with
/// [`ObjectStoreError::Stalled`].
///
/// ```no_run
/// use tokio::io::AsyncReadExt;
///
/// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), Box<dyn std::error::Error>> {
/// let mut reader = store.get("notes.txt").await?;
/// println!("{} bytes", reader.info().size);
/// let mut text = String::new();
/// reader.read_to_string(&mut text).await?; // fails unless size and digest match
/// # Ok(()) }
/// ```
pub struct ObjectReader {
    info: ObjectInfo,
    /// The chunks; `None` once all are read, or for an empty object.
    chunks: Option<OrderedMessages>,
    check: Check,
    /// What is left of the chunk being read.
    buffer: Bytes,
    state: State,
    /// Armed while waiting for a chunk.
    stall: Option<Pin<Box<Sleep>>>,
    patience: Duration,
    /// The bucket's context, to delete the consumer with.
    context: Context,
    /// The consumer reading the chunks, once a chunk named it (stream, consumer): deleted
    /// when done.
    consumer: Option<(String, String)>,
}

enum State {
    Reading,
    Done,
    /// Failed, with what the error said (an `io::Error` cannot be given twice).
    Failed(String),
}

impl ObjectStore {
    /// Opens object `name` for reading; a link is followed to its target.
    ///
    /// [`ObjectStoreError::NotFound`] when there is no such object, or it was deleted (or, for
    /// a link, its target); [`ObjectStoreError::LinkIsBucket`] for a link to a whole bucket;
    /// [`ObjectStoreError::LinkToLink`] for a link to a link (never made by this client).
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut reader = store.get("db.dump").await?;
    /// let mut file = tokio::fs::File::create("/tmp/db.dump").await?;
    /// let copied = tokio::io::copy(&mut reader, &mut file).await?;
    /// assert_eq!(copied, reader.info().size);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, name: &str) -> Result<ObjectReader, ObjectStoreError> {
        let info = self.info(name).await?;
        let Some(link) = info.options.link.clone() else {
            return self.open(info).await;
        };
        if link.is_bucket() {
            return Err(ObjectStoreError::LinkIsBucket {
                bucket: self.bucket.clone(),
                name: info.name,
                target: link.bucket,
            });
        }
        validate_object_name(&link.name)?;
        let store = if link.bucket == self.bucket {
            self.clone()
        } else {
            self.context.object_store(&link.bucket).await?
        };
        let target = store.info(&link.name).await?;
        if target.is_link() {
            return Err(ObjectStoreError::LinkToLink {
                bucket: link.bucket,
                name: link.name,
            });
        }
        store.open(target).await
    }

    /// The whole of object `name` in memory, checked; see [`get`](ObjectStore::get).
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let data = store.get_bytes("config.json").await?;
    /// # let _ = data;
    /// # Ok(()) }
    /// ```
    pub async fn get_bytes(&self, name: &str) -> Result<Bytes, ObjectStoreError> {
        let mut reader = self.get(name).await?;
        // The object's size at once rather than growing to it from 8 MiB (four reallocations for
        // 64 MiB); a large one in a mapping readied ahead of the data (see `whole.rs`).
        let fallback = usize::try_from(READ_AHEAD_BYTES).unwrap_or(0);
        let mut data = WholeObject::for_size(reader.info.size, fallback);
        // A large object's digest is summed beside the gathering (see `digest_apart.rs`).
        let apart = if reader.info.size >= APART_FROM_BYTES {
            reader.check.take_hasher().map(DigestApart::start)
        } else {
            None
        };
        while let Some(chunk) = poll_fn(|cx| reader.poll_chunk(cx)).await? {
            data.extend(&chunk);
            if let Some(apart) = &apart {
                apart.add(chunk).await;
            }
        }
        if let Some(apart) = apart {
            match apart.finish().await {
                Some(sum) => reader.check.verify(&sum)?,
                None => return Err(reader.interrupted("the digest's summing thread failed".into())),
            }
        }
        Ok(data.into_bytes())
    }

    /// A reader of the chunks of `info`, an object (not a link) of this bucket.
    async fn open(&self, info: ObjectInfo) -> Result<ObjectReader, ObjectStoreError> {
        let check = Check::new(&self.bucket, &info)?;
        let chunks = if info.size == 0 {
            None
        } else {
            if info.nuid.is_empty() {
                return Err(self.bad_meta(&info.name, "it has no nuid".into()));
            }
            let config = OrderedConfig {
                filter_subjects: vec![chunk_subject(&self.bucket, &info.nuid)],
                inactive_threshold: READ_INACTIVE_THRESHOLD,
                ..OrderedConfig::default()
            };
            let consume = Consume::default().max_messages(read_ahead(&info));
            let messages = self
                .context
                .ordered_consumer(&self.stream, config)
                .map_err(|e| self.api_error(e))?
                .consume(consume)
                .await
                .map_err(|e| self.api_error(e))?;
            Some(messages)
        };
        Ok(ObjectReader {
            info,
            chunks,
            check,
            buffer: Bytes::new(),
            state: State::Reading,
            stall: None,
            patience: self.context.timeout(),
            context: self.context.clone(),
            consumer: None,
        })
    }
}

/// Chunks to ask for at once: about [`READ_AHEAD_BYTES`] of them.
fn read_ahead(info: &ObjectInfo) -> u64 {
    let chunk = match info.options.max_chunk_size {
        0 => info.size.div_ceil(u64::from(info.chunks.max(1))),
        n => u64::from(n),
    };
    (READ_AHEAD_BYTES / chunk.max(1)).clamp(2, MAX_READ_AHEAD_CHUNKS)
}

impl ObjectReader {
    /// The info of the object read (a link's target, when a link was opened).
    ///
    /// ```no_run
    /// # fn demo(reader: natskit::jetstream::object::ObjectReader) {
    /// println!("{} bytes, {}", reader.info().size, reader.info().digest);
    /// # }
    /// ```
    pub fn info(&self) -> &ObjectInfo {
        &self.info
    }

    /// The next chunk of data; `None` once all came and were checked.
    fn poll_chunk(
        &mut self,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Result<Option<Bytes>, ObjectStoreError>> {
        match self.next_chunk(cx) {
            Poll::Ready(Err(e)) => {
                self.state = State::Failed(e.to_string());
                self.finish_consumer();
                Poll::Ready(Err(e))
            }
            other => other,
        }
    }

    fn next_chunk(
        &mut self,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Result<Option<Bytes>, ObjectStoreError>> {
        loop {
            match &self.state {
                State::Reading => {}
                State::Done => return Poll::Ready(Ok(None)),
                State::Failed(why) => {
                    return Poll::Ready(Err(
                        self.interrupted(format!("an earlier read failed: {why}"))
                    ))
                }
            }
            let Some(chunks) = self.chunks.as_mut() else {
                // Nothing to read: an empty object.
                self.check.finish()?;
                self.state = State::Done;
                continue;
            };
            match Pin::new(chunks).poll_next(cx) {
                Poll::Ready(Some(Ok(msg))) => {
                    self.stall = None;
                    let last = match msg.info() {
                        Ok(delivery) => {
                            // The ordered consumer may have been made anew: the last one named.
                            let named = self
                                .consumer
                                .as_ref()
                                .is_some_and(|(_, c)| *c == delivery.consumer);
                            if !named {
                                self.consumer = Some((delivery.stream, delivery.consumer));
                            }
                            delivery.pending == 0
                        }
                        Err(_) => false,
                    };
                    let payload = msg.payload.clone();
                    self.check.chunk(&payload)?;
                    if last || self.check.complete() {
                        self.check.finish()?;
                        self.state = State::Done;
                        self.chunks = None;
                        self.finish_consumer();
                    }
                    if !payload.is_empty() {
                        return Poll::Ready(Ok(Some(payload)));
                    }
                }
                Poll::Ready(Some(Err(error))) if error.is_terminal() => {
                    return Poll::Ready(Err(ObjectStoreError::Consume {
                        bucket: self.check.bucket.clone(),
                        name: self.info.name.clone(),
                        error,
                    }));
                }
                // A warning: the ordered consumer mends itself; the stall timer bounds it.
                Poll::Ready(Some(Err(_))) => {}
                Poll::Ready(None) => {
                    return Poll::Ready(Err(
                        self.interrupted("the chunks stopped coming (the client closed)".into())
                    ));
                }
                Poll::Pending => {
                    let patience = self.patience;
                    let stall = self
                        .stall
                        .get_or_insert_with(|| Box::pin(tokio::time::sleep(patience)));
                    ready!(stall.as_mut().poll(cx));
                    return Poll::Ready(Err(ObjectStoreError::Stalled {
                        bucket: self.check.bucket.clone(),
                        name: self.info.name.clone(),
                        waited: patience,
                        received: self.check.received,
                        size: self.info.size,
                    }));
                }
            }
        }
    }

    fn interrupted(&self, reason: String) -> ObjectStoreError {
        ObjectStoreError::Interrupted {
            bucket: self.check.bucket.clone(),
            name: self.info.name.clone(),
            reason,
        }
    }

    /// Stops reading and deletes the consumer rather than leave it to expire.
    fn finish_consumer(&mut self) {
        self.chunks = None;
        let Some((stream, consumer)) = self.consumer.take() else {
            return;
        };
        let context = self.context.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = context.delete_consumer(&stream, &consumer).await;
            });
        }
    }
}

impl AsyncRead for ObjectReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        while this.buffer.is_empty() {
            match ready!(this.poll_chunk(cx)) {
                Ok(Some(chunk)) => this.buffer = chunk,
                Ok(None) => return Poll::Ready(Ok(())),
                Err(e) => return Poll::Ready(Err(e.into_io())),
            }
        }
        let n = buf.remaining().min(this.buffer.len());
        buf.put_slice(&this.buffer[..n]);
        this.buffer.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        self.finish_consumer();
    }
}

impl std::fmt::Debug for ObjectReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectReader")
            .field("info", &self.info)
            .field("received", &self.check.received)
            .finish_non_exhaustive()
    }
}

/// The check of what is read against the object's meta: never more than its size, and at the
/// end its size and digest. Runtime-free.
struct Check {
    bucket: String,
    name: String,
    size: u64,
    chunks: u32,
    /// The digest as the meta writes it, and its sum; no sum for an empty object without one.
    expected: String,
    sum: Option<[u8; 32]>,
    /// `None` once taken (see [`take_hasher`](Self::take_hasher)): the digest is then checked
    /// by whoever took it, through [`verify`](Self::verify).
    hasher: Option<Sha256>,
    received: u64,
    received_chunks: u64,
}

impl Check {
    /// The check of object `info` of `bucket`; a digest that cannot be read is bad meta.
    fn new(bucket: &str, info: &ObjectInfo) -> Result<Self, ObjectStoreError> {
        let bad = |reason: String| ObjectStoreError::BadMeta {
            bucket: bucket.to_owned(),
            name: info.name.clone(),
            reason,
        };
        let sum = match (info.digest.as_str(), info.size) {
            ("", 0) => None,
            ("", _) => return Err(bad("it has no digest".into())),
            (text, _) => Some(parse_digest(text).map_err(bad)?),
        };
        Ok(Check {
            bucket: bucket.to_owned(),
            name: info.name.clone(),
            size: info.size,
            chunks: info.chunks,
            expected: info.digest.clone(),
            sum,
            hasher: Some(Sha256::new()),
            received: 0,
            received_chunks: 0,
        })
    }

    /// One more chunk; past the object's size is an error at once.
    fn chunk(&mut self, data: &[u8]) -> Result<(), ObjectStoreError> {
        let received = self.received + data.len() as u64;
        if received > self.size {
            return Err(self.size_mismatch(received));
        }
        if let Some(hasher) = &mut self.hasher {
            hasher.update(data);
        }
        self.received = received;
        self.received_chunks += 1;
        Ok(())
    }

    /// All the chunks the meta counts, holding all its bytes, came.
    fn complete(&self) -> bool {
        self.received == self.size && self.received_chunks >= u64::from(self.chunks)
    }

    /// The end: size and digest must be those of the meta.
    fn finish(&mut self) -> Result<(), ObjectStoreError> {
        if self.received != self.size {
            return Err(self.size_mismatch(self.received));
        }
        match self.hasher.take() {
            Some(hasher) => self.verify(&hasher.finalize().into()),
            None => Ok(()),
        }
    }

    /// Takes the summing of the data, before any came, for a caller that sums it elsewhere
    /// and checks the sum with [`verify`](Self::verify); `None` once data came.
    fn take_hasher(&mut self) -> Option<Sha256> {
        if self.received > 0 {
            return None;
        }
        self.hasher.take()
    }

    /// `sum`, the digest of all the data, must be the meta's.
    fn verify(&self, sum: &[u8; 32]) -> Result<(), ObjectStoreError> {
        match self.sum {
            Some(expected) if expected != *sum => Err(ObjectStoreError::DigestMismatch {
                bucket: self.bucket.clone(),
                name: self.name.clone(),
                expected: self.expected.clone(),
                actual: format_digest(sum),
            }),
            _ => Ok(()),
        }
    }

    fn size_mismatch(&self, actual: u64) -> ObjectStoreError {
        ObjectStoreError::SizeMismatch {
            bucket: self.bucket.clone(),
            name: self.name.clone(),
            expected: self.size,
            actual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(size: u64, chunks: u32, data: &[u8]) -> ObjectInfo {
        ObjectInfo {
            name: "o".into(),
            size,
            chunks,
            digest: format_digest(&Sha256::digest(data)),
            ..ObjectInfo::default()
        }
    }

    #[test]
    fn whole_data_passes() {
        let mut check = Check::new("b", &info(5, 2, b"hello")).expect("good meta");
        check.chunk(b"hel").expect("fits");
        assert!(!check.complete());
        check.chunk(b"lo").expect("fits");
        assert!(check.complete());
        check.finish().expect("matches");
    }

    #[test]
    fn other_bytes_of_the_same_size_are_a_digest_mismatch() {
        let mut check = Check::new("b", &info(5, 1, b"hello")).expect("good meta");
        check.chunk(b"jello").expect("fits");
        match check.finish() {
            Err(ObjectStoreError::DigestMismatch {
                bucket,
                name,
                expected,
                actual,
            }) => {
                assert_eq!((bucket.as_str(), name.as_str()), ("b", "o"));
                assert_eq!(expected, format_digest(&Sha256::digest(b"hello")));
                assert_eq!(actual, format_digest(&Sha256::digest(b"jello")));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn too_many_bytes_fail_at_once_and_too_few_at_the_end() {
        let mut check = Check::new("b", &info(5, 1, b"hello")).expect("good meta");
        check.chunk(b"hell").expect("fits");
        assert!(matches!(
            check.chunk(b"o!"),
            Err(ObjectStoreError::SizeMismatch {
                expected: 5,
                actual: 6,
                ..
            })
        ));
        let mut short = Check::new("b", &info(5, 1, b"hello")).expect("good meta");
        short.chunk(b"hell").expect("fits");
        assert!(matches!(
            short.finish(),
            Err(ObjectStoreError::SizeMismatch {
                expected: 5,
                actual: 4,
                ..
            })
        ));
    }

    #[test]
    fn empty_objects_and_bad_digests() {
        let mut empty = Check::new("b", &ObjectInfo::default()).expect("no digest needed");
        empty.finish().expect("nothing to check");
        Check::new("b", &info(0, 0, b""))
            .expect("digest of nothing")
            .finish()
            .expect("matches");
        let no_digest = ObjectInfo {
            digest: String::new(),
            ..info(5, 1, b"hello")
        };
        assert!(matches!(
            Check::new("b", &no_digest),
            Err(ObjectStoreError::BadMeta { .. })
        ));
        let garbage = ObjectInfo {
            digest: "SHA-256=@@".into(),
            ..info(5, 1, b"hello")
        };
        assert!(matches!(
            Check::new("b", &garbage),
            Err(ObjectStoreError::BadMeta { .. })
        ));
    }

    #[test]
    fn read_ahead_is_about_8_mib_of_chunks() {
        let with_size = |size: u32| ObjectInfo {
            options: crate::jetstream::object::info::ObjectMetaOptions {
                max_chunk_size: size,
                link: None,
            },
            ..ObjectInfo::default()
        };
        assert_eq!(read_ahead(&with_size(128 * 1024)), 64);
        assert_eq!(read_ahead(&with_size(16 * 1024 * 1024)), 2);
        assert_eq!(read_ahead(&with_size(1)), 500);
        // No chunk size recorded: size / chunks.
        let inferred = ObjectInfo {
            size: 4 << 20,
            chunks: 4,
            ..ObjectInfo::default()
        };
        assert_eq!(read_ahead(&inferred), 8);
    }
}
