//! Buckets (create, open, delete, list, status, seal) and objects' meta (info, delete,
//! update): everything but the data itself. Also the few steps every operation shares:
//! reading and publishing a meta message, purging a subject, and telling a missing or
//! sealed bucket from other failures.

use natskit_proto::HeaderMap;

use crate::jetstream::context::Context;
use crate::jetstream::error::{ApiError, DirectGetError, JetStreamError, PublishError};
use crate::jetstream::object::config::{ObjectStoreConfig, ObjectStoreStatus};
use crate::jetstream::object::error::ObjectStoreError;
use crate::jetstream::object::info::{ObjectInfo, ObjectMeta};
use crate::jetstream::object::name::{
    all_chunks, chunk_subject, meta_subject, stream_name, validate_bucket, validate_object_name,
    STREAM_PREFIX,
};
use crate::jetstream::object::ObjectStore;
use crate::jetstream::publish::Publish;
use crate::jetstream::stream::info::StreamInfo;
use crate::jetstream::stream::manage::Purge;
use crate::jetstream::stream::message::StoredMessage;

/// The server's err_code for anything done to a sealed stream (nats-server
/// `JSStreamSealedErr`).
const STREAM_SEALED: u16 = 10109;

/// The header that makes a meta message replace those before it on its subject.
const ROLLUP: &str = "Nats-Rollup";

impl Context {
    /// Creates a bucket and returns it; a bucket of that name with the same configuration is
    /// returned as it is, one with another configuration is [`ObjectStoreError::BucketExists`].
    ///
    /// ```no_run
    /// use natskit::jetstream::object::ObjectStoreConfig;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let store = js.create_object_store(ObjectStoreConfig {
    ///     description: "build artifacts".into(),
    ///     max_bytes: 10 << 30,
    ///     ..ObjectStoreConfig::new("artifacts")
    /// }).await?;
    /// # let _ = store;
    /// # Ok(()) }
    /// ```
    pub async fn create_object_store(
        &self,
        config: ObjectStoreConfig,
    ) -> Result<ObjectStore, ObjectStoreError> {
        validate_bucket(&config.bucket)?;
        let info = self
            .create_stream(config.stream_config())
            .await
            .map_err(|e| match e {
                JetStreamError::Api(api) if api.is(ApiError::STREAM_NAME_IN_USE) => {
                    ObjectStoreError::BucketExists {
                        bucket: config.bucket.clone(),
                    }
                }
                other => ObjectStoreError::JetStream(other),
            })?;
        Ok(self.bind(&config.bucket, &info))
    }

    /// The existing bucket `bucket`; [`ObjectStoreError::BucketNotFound`] when there is none.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let store = js.object_store("artifacts").await?;
    /// # let _ = store;
    /// # Ok(()) }
    /// ```
    pub async fn object_store(&self, bucket: &str) -> Result<ObjectStore, ObjectStoreError> {
        validate_bucket(bucket)?;
        let info = self
            .stream_info(&stream_name(bucket))
            .await
            .map_err(|e| bucket_error(bucket, e))?;
        Ok(self.bind(bucket, &info))
    }

    /// Deletes a bucket with all its objects; [`ObjectStoreError::BucketNotFound`] when there
    /// is none.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// js.delete_object_store("artifacts").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_object_store(&self, bucket: &str) -> Result<(), ObjectStoreError> {
        validate_bucket(bucket)?;
        self.delete_stream(&stream_name(bucket))
            .await
            .map_err(|e| bucket_error(bucket, e))
    }

    /// The names of all buckets (streams `OBJ_<bucket>` on `$O.<bucket>.C.>`).
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// for bucket in js.object_store_names().await? {
    ///     println!("{bucket}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn object_store_names(&self) -> Result<Vec<String>, ObjectStoreError> {
        let names = self
            .stream_names(Some(&all_chunks("*")))
            .await
            .map_err(ObjectStoreError::JetStream)?;
        Ok(names
            .into_iter()
            .filter_map(|name| name.strip_prefix(STREAM_PREFIX).map(str::to_owned))
            .collect())
    }

    /// The status of every bucket.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// for status in js.object_stores().await? {
    ///     println!("{}: {} bytes", status.bucket, status.size);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn object_stores(&self) -> Result<Vec<ObjectStoreStatus>, ObjectStoreError> {
        let infos: Vec<StreamInfo> = self
            .all_pages("STREAM.LIST", Some(&all_chunks("*")))
            .await
            .map_err(ObjectStoreError::JetStream)?;
        Ok(infos
            .into_iter()
            .filter(|info| info.config.name.starts_with(STREAM_PREFIX))
            .map(ObjectStoreStatus::from_stream)
            .collect())
    }

    fn bind(&self, bucket: &str, info: &StreamInfo) -> ObjectStore {
        ObjectStore {
            context: self.clone(),
            bucket: bucket.to_owned(),
            stream: stream_name(bucket),
            allow_direct: info.config.allow_direct,
        }
    }
}

/// A missing stream is a missing bucket.
fn bucket_error(bucket: &str, error: JetStreamError) -> ObjectStoreError {
    match error {
        JetStreamError::Api(e) if e.is(ApiError::STREAM_NOT_FOUND) => {
            ObjectStoreError::BucketNotFound {
                bucket: bucket.to_owned(),
            }
        }
        JetStreamError::Api(e) if e.is(STREAM_SEALED) => ObjectStoreError::Sealed {
            bucket: bucket.to_owned(),
        },
        other => ObjectStoreError::JetStream(other),
    }
}

impl ObjectStore {
    /// The bucket as the server reports it now.
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let status = store.status().await?;
    /// println!("{} bytes, sealed: {}", status.size, status.sealed);
    /// # Ok(()) }
    /// ```
    pub async fn status(&self) -> Result<ObjectStoreStatus, ObjectStoreError> {
        let info = self
            .context
            .stream_info(&self.stream)
            .await
            .map_err(|e| self.api_error(e))?;
        Ok(ObjectStoreStatus::from_stream(info))
    }

    /// Seals the bucket: from now on nothing can be stored, changed or deleted in it (puts
    /// fail with [`ObjectStoreError::Sealed`]); reading goes on. Cannot be undone.
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let status = store.seal().await?;
    /// assert!(status.sealed);
    /// # Ok(()) }
    /// ```
    pub async fn seal(&self) -> Result<ObjectStoreStatus, ObjectStoreError> {
        let mut config = self.status().await?.stream_info.config;
        config.sealed = true;
        let info = self
            .context
            .update_stream(config)
            .await
            .map_err(|e| self.api_error(e))?;
        Ok(ObjectStoreStatus::from_stream(info))
    }

    /// The info of object `name`; [`ObjectStoreError::NotFound`] when there is none or it was
    /// deleted. A link's own info (see [`is_link`](ObjectInfo::is_link)), not its target's.
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let info = store.info("db.dump").await?;
    /// println!("{} bytes, {}", info.size, info.digest);
    /// # Ok(()) }
    /// ```
    pub async fn info(&self, name: &str) -> Result<ObjectInfo, ObjectStoreError> {
        match self.info_including_deleted(name).await? {
            info if info.deleted => Err(self.not_found(name)),
            info => Ok(info),
        }
    }

    /// The info of object `name`, deleted or not; [`ObjectStoreError::NotFound`] only when it
    /// never existed (or its meta was purged).
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// if store.info_including_deleted("old.log").await?.deleted {
    ///     println!("deleted");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn info_including_deleted(&self, name: &str) -> Result<ObjectInfo, ObjectStoreError> {
        validate_object_name(name)?;
        self.read_meta(name)
            .await?
            .ok_or_else(|| self.not_found(name))
    }

    /// Deletes object `name`: its meta is stored again marked deleted (so watchers see it go),
    /// and its chunks are purged. Deleting a deleted object does nothing;
    /// [`ObjectStoreError::NotFound`] when there is no such object.
    ///
    /// ```no_run
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// store.delete("old.log").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, name: &str) -> Result<(), ObjectStoreError> {
        let mut info = self.info_including_deleted(name).await?;
        if info.deleted {
            return Ok(());
        }
        if info.nuid.is_empty() {
            return Err(self.bad_meta(name, "it has no nuid".into()));
        }
        info.deleted = true;
        info.size = 0;
        info.chunks = 0;
        info.digest.clear();
        self.publish_meta(&info).await?;
        self.purge(&chunk_subject(&self.bucket, &info.nuid)).await
    }

    /// Changes the name, description, headers and metadata of object `name` to those of
    /// `meta` (its options, the link or chunk size, stay as they are), and returns the new
    /// info. A new name moves the object without copying its data; a new name that an
    /// object already has (and not a deleted one) is [`ObjectStoreError::AlreadyExists`].
    /// [`ObjectStoreError::NotFound`] when there is no such object, or it was deleted.
    ///
    /// ```no_run
    /// use natskit::jetstream::object::ObjectMeta;
    ///
    /// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
    /// let info = store.update_meta("draft.txt", ObjectMeta::new("final.txt").description("approved")).await?;
    /// assert_eq!(info.name, "final.txt");
    /// # Ok(()) }
    /// ```
    pub async fn update_meta(
        &self,
        name: &str,
        meta: ObjectMeta,
    ) -> Result<ObjectInfo, ObjectStoreError> {
        validate_object_name(name)?;
        validate_object_name(&meta.name)?;
        let mut info = self.info(name).await?;
        let renamed = meta.name != name;
        if renamed {
            if let Some(existing) = self.read_meta(&meta.name).await? {
                if !existing.deleted {
                    return Err(ObjectStoreError::AlreadyExists {
                        bucket: self.bucket.clone(),
                        name: meta.name,
                    });
                }
            }
        }
        info.name = meta.name;
        info.description = meta.description;
        info.headers = meta.headers;
        info.metadata = meta.metadata;
        self.publish_meta(&info).await?;
        if renamed {
            self.purge(&meta_subject(&self.bucket, name)).await?;
        }
        info.mtime = now();
        Ok(info)
    }

    /// The meta of object `name` as stored, deleted or not; `None` when there is none.
    pub(crate) async fn read_meta(
        &self,
        name: &str,
    ) -> Result<Option<ObjectInfo>, ObjectStoreError> {
        let subject = meta_subject(&self.bucket, name);
        let found = if self.allow_direct {
            match self.context.direct_get_last(&self.stream, &subject).await {
                Ok(msg) => Some(msg),
                Err(DirectGetError::NotFound { .. }) => None,
                Err(DirectGetError::Unavailable { .. }) => return Err(self.bucket_not_found()),
                Err(e) => return Err(ObjectStoreError::DirectGet(e)),
            }
        } else {
            match self.context.get_last_message(&self.stream, &subject).await {
                Ok(msg) => Some(msg),
                Err(JetStreamError::Api(e)) if e.is(ApiError::NO_MESSAGE_FOUND) => None,
                Err(e) => return Err(self.api_error(e)),
            }
        };
        found.map(|msg| self.decode_meta(name, msg)).transpose()
    }

    /// The info in a meta message, its time as `mtime`.
    fn decode_meta(&self, name: &str, msg: StoredMessage) -> Result<ObjectInfo, ObjectStoreError> {
        let mut info: ObjectInfo = serde_json::from_slice(&msg.payload)
            .map_err(|e| self.bad_meta(name, format!("it is not object info JSON: {e}")))?;
        info.mtime = msg.time;
        Ok(info)
    }

    /// Stores `info` as its object's meta, replacing the meta before it.
    pub(crate) async fn publish_meta(&self, info: &ObjectInfo) -> Result<(), ObjectStoreError> {
        let mut headers = HeaderMap::new();
        headers
            .insert(ROLLUP, "sub")
            .map_err(|e| ObjectStoreError::Publish(PublishError::InvalidHeader(e)))?;
        let publish = Publish::new(info.to_meta_json()).headers(headers);
        self.context
            .send_publish(meta_subject(&self.bucket, &info.name), publish)
            .await
            .map_err(|e| self.publish_error(e))?;
        Ok(())
    }

    /// Removes every message on `subject` (one object's chunks, or an old meta subject).
    pub(crate) async fn purge(&self, subject: &str) -> Result<(), ObjectStoreError> {
        self.context
            .purge_stream(&self.stream, Purge::all().filter(subject))
            .await
            .map_err(|e| self.api_error(e))?;
        Ok(())
    }

    /// An API error, a missing or sealed bucket told apart.
    pub(crate) fn api_error(&self, error: JetStreamError) -> ObjectStoreError {
        bucket_error(&self.bucket, error)
    }

    /// A publish error, a missing or sealed bucket told apart.
    pub(crate) fn publish_error(&self, error: PublishError) -> ObjectStoreError {
        match error {
            PublishError::Api(e) if e.is(STREAM_SEALED) => self.sealed(),
            PublishError::NoStream { .. } => self.bucket_not_found(),
            other => ObjectStoreError::Publish(other),
        }
    }

    pub(crate) fn not_found(&self, name: &str) -> ObjectStoreError {
        ObjectStoreError::NotFound {
            bucket: self.bucket.clone(),
            name: name.to_owned(),
        }
    }

    pub(crate) fn bad_meta(&self, name: &str, reason: String) -> ObjectStoreError {
        ObjectStoreError::BadMeta {
            bucket: self.bucket.clone(),
            name: name.to_owned(),
            reason,
        }
    }

    fn bucket_not_found(&self) -> ObjectStoreError {
        ObjectStoreError::BucketNotFound {
            bucket: self.bucket.clone(),
        }
    }

    fn sealed(&self) -> ObjectStoreError {
        ObjectStoreError::Sealed {
            bucket: self.bucket.clone(),
        }
    }
}

/// The local time as RFC 3339, the `mtime` of an info returned after a change (ADR-20: the
/// stored meta has none).
pub(crate) fn now() -> String {
    natskit_proto::time::rfc3339(
        std::time::SystemTime::now(),
        natskit_proto::time::Precision::Nanos,
    )
}
