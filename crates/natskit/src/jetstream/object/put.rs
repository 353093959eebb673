//! Storing an object: its data read from an `AsyncRead` a chunk at a time, each chunk
//! published with its acknowledgement awaited a window later, the SHA-256 digest computed on
//! the way; then the meta, and only then the chunks of the object it replaces are purged.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::jetstream::object::error::ObjectStoreError;
use crate::jetstream::object::info::{
    format_digest, ObjectInfo, ObjectMeta, ObjectMetaOptions, DEFAULT_CHUNK_SIZE,
};
use crate::jetstream::object::manage::now;
use crate::jetstream::object::name::{chunk_subject, validate_object_name};
use crate::jetstream::object::ObjectStore;
use crate::jetstream::publish::{PubAckFuture, Publish};

/// Bytes of chunks published but not yet acknowledged, at most (besides one being read): what
/// a put holds in memory, whatever the object's size.
const WINDOW_BYTES: usize = 8 * 1024 * 1024;

/// Chunks published but not yet acknowledged, at most, however small they are.
const MAX_WINDOW_CHUNKS: usize = 256;

/// What the chunks of a put came to.
struct Stored {
    size: u64,
    chunks: u32,
    digest: String,
}

impl ObjectStore {
    /// Stores an object read from `data` until its end, and returns its info. `meta` is the
    /// object's name (a `&str` will do) or its [`ObjectMeta`]: description, headers,
    /// metadata and chunk size (default [`DEFAULT_CHUNK_SIZE`], at most the server's
    /// `max_payload`, else [`ObjectStoreError::ChunkTooLarge`] before anything is sent).
    ///
    /// The data is read a chunk at a time and never held whole: a window of chunks (8 MiB at
    /// most) waits for its acknowledgements while the next are read. An object of that name
    /// is replaced: its chunks are purged once the new meta is stored, so a reader sees the
    /// old object or the new one, whole. When reading `data` or storing a chunk fails, what
    /// was stored of the new object is purged and the old one stays. A sealed bucket refuses
    /// with [`ObjectStoreError::Sealed`].
    ///
    /// ```no_run
    /// use natskit::jetstream::object::ObjectMeta;
    ///
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), Box<dyn std::error::Error>> {
    /// let file = tokio::fs::File::open("video.mp4").await?;
    /// let meta = ObjectMeta::new("video.mp4")
    ///     .header("Content-Type", "video/mp4")
    ///     .chunk_size(512 * 1024);
    /// let info = store.put(meta, file).await?;
    /// println!("{} bytes, {}", info.size, info.digest);
    /// # Ok(()) }
    /// ```
    pub async fn put<R>(
        &self,
        meta: impl Into<ObjectMeta>,
        data: R,
    ) -> Result<ObjectInfo, ObjectStoreError>
    where
        R: AsyncRead + Unpin,
    {
        let meta = meta.into();
        validate_object_name(&meta.name)?;
        if meta.options.link.is_some() {
            return Err(ObjectStoreError::LinkNotAllowed { name: meta.name });
        }
        let chunk_size = match meta.options.max_chunk_size {
            0 => DEFAULT_CHUNK_SIZE,
            n => n,
        };
        let max_payload = self.context.client().server_info().max_payload;
        if usize::try_from(chunk_size).map_or(true, |size| size > max_payload) {
            return Err(ObjectStoreError::ChunkTooLarge {
                name: meta.name,
                chunk_size,
                max_payload,
            });
        }
        let replaced = self.read_meta(&meta.name).await?;
        let nuid = natskit_proto::nuid::next();
        let subject = chunk_subject(&self.bucket, &nuid);

        let stored = match self
            .put_chunks(&meta.name, &subject, chunk_size, data)
            .await
        {
            Ok(stored) => stored,
            Err(e) => {
                self.discard(&subject).await;
                return Err(e);
            }
        };
        let mut info = ObjectInfo {
            name: meta.name,
            description: meta.description,
            headers: meta.headers,
            metadata: meta.metadata,
            options: ObjectMetaOptions {
                link: None,
                max_chunk_size: chunk_size,
            },
            bucket: self.bucket.clone(),
            nuid,
            size: stored.size,
            mtime: String::new(),
            chunks: stored.chunks,
            digest: stored.digest,
            deleted: false,
        };
        if let Err(e) = self.publish_meta(&info).await {
            self.discard(&subject).await;
            return Err(e);
        }
        info.mtime = now();

        // The new meta is in: the replaced object's chunks are of no use to anyone.
        if let Some(old) = replaced.filter(|old| !old.deleted && !old.nuid.is_empty()) {
            if old.nuid != info.nuid {
                if let Err(e) = self.purge(&chunk_subject(&self.bucket, &old.nuid)).await {
                    tracing::warn!(
                        bucket = %self.bucket,
                        object = %info.name,
                        error = %e,
                        "the chunks of the replaced object could not be purged"
                    );
                }
            }
        }
        Ok(info)
    }

    /// Stores `data` as object `meta` (a name or an [`ObjectMeta`]); see
    /// [`put`](ObjectStore::put).
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let info = store.put_bytes("config.json", r#"{"debug":false}"#).await?;
    /// assert_eq!(info.size, 15);
    /// # Ok(()) }
    /// ```
    pub async fn put_bytes(
        &self,
        meta: impl Into<ObjectMeta>,
        data: impl Into<Bytes>,
    ) -> Result<ObjectInfo, ObjectStoreError> {
        let data: Bytes = data.into();
        self.put(meta, data.as_ref()).await
    }

    /// Publishes the chunks of `data` to `subject`, a window of acknowledgements in flight.
    async fn put_chunks<R>(
        &self,
        name: &str,
        subject: &str,
        chunk_size: u32,
        mut data: R,
    ) -> Result<Stored, ObjectStoreError>
    where
        R: AsyncRead + Unpin,
    {
        let chunk_size = usize::try_from(chunk_size).unwrap_or(usize::MAX);
        let window = (WINDOW_BYTES / chunk_size).clamp(1, MAX_WINDOW_CHUNKS);
        let mut in_flight: VecDeque<PubAckFuture> = VecDeque::with_capacity(window);
        // A chunk answered "no responders" is not sent again: a retry could land after the
        // chunks behind it. The put fails instead, and what it stored is purged.
        let publisher = self.context.clone().with_publish_retries(0, Duration::ZERO);
        let mut hasher = Sha256::new();
        let (mut size, mut chunks) = (0u64, 0u32);
        let result = async {
            loop {
                let chunk = read_chunk(&mut data, chunk_size).await.map_err(|error| {
                    ObjectStoreError::Read {
                        name: name.to_owned(),
                        error,
                    }
                })?;
                if chunk.is_empty() {
                    break;
                }
                chunks = chunks
                    .checked_add(1)
                    .ok_or_else(|| ObjectStoreError::TooManyChunks {
                        name: name.to_owned(),
                    })?;
                hasher.update(&chunk);
                size += chunk.len() as u64;
                if in_flight.len() == window {
                    if let Some(oldest) = in_flight.pop_front() {
                        oldest.await.map_err(|e| self.publish_error(e))?;
                    }
                }
                let ack = publisher
                    .send_publish_async(subject, Publish::new(chunk))
                    .await
                    .map_err(|e| self.publish_error(e))?;
                in_flight.push_back(ack);
            }
            while let Some(ack) = in_flight.pop_front() {
                ack.await.map_err(|e| self.publish_error(e))?;
            }
            Ok(())
        }
        .await;
        if let Err(e) = result {
            // Let those still in flight land before the purge that follows, so none outlives it.
            for ack in in_flight {
                let _ = ack.await;
            }
            return Err(e);
        }
        Ok(Stored {
            size,
            chunks,
            digest: format_digest(&hasher.finalize()),
        })
    }

    /// Purges the chunks of a put that failed; a failure here is only logged, the put's own
    /// error being the one that matters.
    async fn discard(&self, subject: &str) {
        if let Err(e) = self.purge(subject).await {
            tracing::warn!(bucket = %self.bucket, subject, error = %e, "the chunks of a failed put could not be purged");
        }
    }
}

/// The next chunk of `data`: `size` bytes, fewer only at its end, empty at its end.
async fn read_chunk<R: AsyncRead + Unpin>(data: &mut R, size: usize) -> std::io::Result<Bytes> {
    let mut chunk = vec![0u8; size];
    let mut filled = 0;
    while filled < size {
        let n = data.read(&mut chunk[filled..]).await?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    chunk.truncate(filled);
    Ok(Bytes::from(chunk))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its data a few bytes at a time.
    struct Trickle(Vec<u8>, usize);

    impl AsyncRead for Trickle {
        fn poll_read(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> std::task::Poll<std::io::Result<()>> {
            let n = self.1.min(self.0.len()).min(buf.remaining());
            let rest = self.0.split_off(n);
            buf.put_slice(&self.0);
            self.0 = rest;
            std::task::Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn chunks_are_full_until_the_last() {
        let mut data = Trickle((0..25u8).collect(), 3);
        let mut sizes = Vec::new();
        loop {
            let chunk = read_chunk(&mut data, 10).await.expect("reads");
            if chunk.is_empty() {
                break;
            }
            sizes.push(chunk.len());
        }
        assert_eq!(sizes, [10, 10, 5]);
        let mut empty: &[u8] = &[];
        assert!(read_chunk(&mut empty, 10).await.expect("reads").is_empty());
    }
}
