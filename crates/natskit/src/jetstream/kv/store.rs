//! [`Store`]: one bucket: reads and writes of its keys.

use bytes::Bytes;
use natskit_proto::HeaderMap;

use crate::jetstream::context::Context;
use crate::jetstream::error::{ApiError, DirectGetError, JetStreamError, PublishError};
use crate::jetstream::kv::config::{stream_name, KvStatus};
use crate::jetstream::kv::entry::{Entry, Operation, OPERATION};
use crate::jetstream::kv::error::{not_found, KvError};
use crate::jetstream::kv::name::validate_key;
use crate::jetstream::publish::Publish;
use crate::jetstream::stream::info::StreamInfo;
use crate::jetstream::stream::message::StoredMessage;

/// `Nats-Rollup`: `sub` makes a purge remove the key's earlier messages.
const ROLLUP: &str = "Nats-Rollup";

/// A key-value bucket (ADR-8).
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::kv::KvError> {
/// let kv = js.key_value("settings").await?;
/// let revision = kv.put("mode", "eco").await?;
/// assert_eq!(kv.get("mode").await?.as_deref(), Some(&b"eco"[..]));
/// kv.update("mode", "boost", revision).await?; // only if nobody wrote in between
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) context: Context,
    pub(crate) bucket: String,
    pub(crate) stream: String,
    /// Whether reads go through direct get (else through the message get API).
    direct: bool,
    /// The bucket's value limit when the handle was made; 0 for none.
    max_value_size: usize,
}

impl Store {
    pub(crate) fn new(context: Context, bucket: &str, info: &StreamInfo) -> Self {
        Store {
            context,
            bucket: bucket.to_owned(),
            stream: stream_name(bucket),
            direct: info.config.allow_direct,
            max_value_size: usize::try_from(info.config.max_msg_size).unwrap_or(0),
        }
    }

    /// The bucket's name.
    ///
    /// ```no_run
    /// # fn demo(kv: natskit::jetstream::kv::Store) { println!("{}", kv.bucket()); }
    /// ```
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The bucket's status, read from the server now.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// println!("{} values", kv.status().await?.values);
    /// # Ok(()) }
    /// ```
    pub async fn status(&self) -> Result<KvStatus, KvError> {
        let info = self
            .context
            .stream_info(&self.stream)
            .await
            .map_err(|e| not_found(e, &self.bucket))?;
        Ok(KvStatus::new(&self.bucket, info))
    }

    /// The subject of `key`.
    pub(crate) fn subject(&self, key: &str) -> String {
        format!("$KV.{}.{key}", self.bucket)
    }

    /// The latest value of `key`; `None` when it has none or was deleted.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// match kv.get("mode").await? {
    ///     Some(value) => println!("{value:?}"),
    ///     None => println!("not set"),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, KvError> {
        Ok(self.entry(key).await?.map(|entry| entry.value))
    }

    /// The latest entry of `key`; `None` when it has none or was deleted.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// if let Some(entry) = kv.entry("mode").await? {
    ///     println!("revision {}", entry.revision);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn entry(&self, key: &str) -> Result<Option<Entry>, KvError> {
        validate_key(key)?;
        let latest = self.last_stored(key).await?;
        Ok(latest.filter(|entry| entry.operation == Operation::Put))
    }

    /// `key`'s entry at `revision`; `None` when that revision is not a value of this key (or
    /// is gone from the history).
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let old = kv.entry_at("mode", 3).await?;
    /// # let _ = old;
    /// # Ok(()) }
    /// ```
    pub async fn entry_at(&self, key: &str, revision: u64) -> Result<Option<Entry>, KvError> {
        validate_key(key)?;
        let stored = if self.direct {
            missing_as_none(self.context.direct_get(&self.stream, revision).await)?
        } else {
            message_missing_as_none(self.context.get_message(&self.stream, revision).await)?
        };
        let subject = self.subject(key);
        Ok(stored
            .filter(|stored| stored.subject == subject)
            .map(|stored| Entry::from_stored(&self.bucket, stored))
            .filter(|entry| entry.operation == Operation::Put))
    }

    /// The last message stored for `key`, a delete or purge included.
    pub(crate) async fn last_stored(&self, key: &str) -> Result<Option<Entry>, KvError> {
        let subject = self.subject(key);
        let stored = if self.direct {
            missing_as_none(self.context.direct_get_last(&self.stream, &subject).await)?
        } else {
            message_missing_as_none(self.context.get_last_message(&self.stream, &subject).await)?
        };
        Ok(stored.map(|stored| Entry::from_stored(&self.bucket, stored)))
    }

    /// Writes `value` to `key`; returns its revision.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let revision = kv.put("mode", "eco").await?;
    /// # let _ = revision;
    /// # Ok(()) }
    /// ```
    pub async fn put(&self, key: &str, value: impl Into<Bytes>) -> Result<u64, KvError> {
        validate_key(key)?;
        self.write(key, Publish::new(value.into())).await
    }

    /// Writes `value` to `key` only when the key has no value (never written, deleted or
    /// purged); [`KvError::KeyExists`] otherwise.
    ///
    /// ```no_run
    /// use natskit::jetstream::kv::KvError;
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// match kv.create("lock", "me").await {
    ///     Ok(_) => println!("took the lock"),
    ///     Err(KvError::KeyExists { .. }) => println!("someone has it"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, key: &str, value: impl Into<Bytes>) -> Result<u64, KvError> {
        validate_key(key)?;
        let value = value.into();
        let first = Publish::new(value.clone()).expected_last_subject_sequence(0);
        match self.write(key, first).await {
            Err(KvError::Publish(PublishError::Api(e))) if is_wrong_sequence(&e) => {}
            done => return done,
        }
        // Not the first write of the key: fine if its last write was a delete or purge.
        match self.last_stored(key).await? {
            Some(last) if last.operation != Operation::Put => {
                let again = Publish::new(value).expected_last_subject_sequence(last.revision);
                match self.write(key, again).await {
                    // Someone else created it in between.
                    Err(KvError::Publish(PublishError::Api(e))) if is_wrong_sequence(&e) => {
                        Err(self.exists(key).await)
                    }
                    done => done,
                }
            }
            _ => Err(self.exists(key).await),
        }
    }

    /// [`create`](Self::create) with a TTL for this value alone (`Nats-TTL`, ADR-48). Needs
    /// nats-server 2.11 (API level 1) and a bucket with limit markers; on an older server it
    /// fails with [`PublishError::Unsupported`] inside [`KvError::Publish`] before anything is
    /// sent.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// kv.create_with_ttl("session", "token", std::time::Duration::from_secs(600)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_with_ttl(
        &self,
        key: &str,
        value: impl Into<Bytes>,
        ttl: std::time::Duration,
    ) -> Result<u64, KvError> {
        validate_key(key)?;
        let publish = Publish::new(value.into())
            .expected_last_subject_sequence(0)
            .ttl(ttl);
        match self.write(key, publish).await {
            Err(KvError::Publish(PublishError::Api(e))) if is_wrong_sequence(&e) => {
                Err(self.exists(key).await)
            }
            done => done,
        }
    }

    /// Writes `value` to `key` only when the key's latest revision is `revision` (compare and
    /// set); [`KvError::WrongRevision`] otherwise.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let entry = kv.entry("counter").await?.expect("set");
    /// let n: u64 = std::str::from_utf8(&entry.value).unwrap().parse().unwrap();
    /// kv.update("counter", (n + 1).to_string(), entry.revision).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(
        &self,
        key: &str,
        value: impl Into<Bytes>,
        revision: u64,
    ) -> Result<u64, KvError> {
        validate_key(key)?;
        let publish = Publish::new(value.into()).expected_last_subject_sequence(revision);
        match self.write(key, publish).await {
            Err(KvError::Publish(PublishError::Api(e))) if is_wrong_sequence(&e) => {
                Err(KvError::WrongRevision {
                    key: key.to_owned(),
                    expected: revision,
                    description: e.description,
                })
            }
            done => done,
        }
    }

    /// Deletes `key`: its history is kept (up to the bucket's history), and gets return `None`.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// kv.delete("mode").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, key: &str) -> Result<u64, KvError> {
        self.mark(key, Operation::Delete).await
    }

    /// Purges `key`: its history is removed, leaving only the purge itself.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// kv.purge("mode").await?;
    /// # Ok(()) }
    /// ```
    pub async fn purge(&self, key: &str) -> Result<u64, KvError> {
        self.mark(key, Operation::Purge).await
    }

    async fn mark(&self, key: &str, operation: Operation) -> Result<u64, KvError> {
        validate_key(key)?;
        let mut headers = HeaderMap::new();
        headers
            .insert(OPERATION, operation.header())
            .map_err(PublishError::InvalidHeader)?;
        if operation == Operation::Purge {
            headers
                .insert(ROLLUP, "sub")
                .map_err(PublishError::InvalidHeader)?;
        }
        self.write(key, Publish::new(Bytes::new()).headers(headers))
            .await
    }

    /// Publishes to `key`'s subject, the value's size checked first.
    async fn write(&self, key: &str, publish: Publish) -> Result<u64, KvError> {
        self.check_size(publish.payload_len())?;
        let ack = self
            .context
            .send_publish(self.subject(key), publish)
            .await?;
        Ok(ack.seq)
    }

    fn check_size(&self, size: usize) -> Result<(), KvError> {
        if self.max_value_size > 0 && size > self.max_value_size {
            return Err(KvError::ValueTooLarge {
                size,
                limit: self.max_value_size,
                limit_name: "bucket's max_value_size",
            });
        }
        let max_payload = self.context.client().server_info().max_payload;
        if max_payload > 0 && size > max_payload {
            return Err(KvError::ValueTooLarge {
                size,
                limit: max_payload,
                limit_name: "server's max_payload",
            });
        }
        Ok(())
    }

    /// The "already exists" error, with the current revision when it can be read.
    async fn exists(&self, key: &str) -> KvError {
        let revision = match self.last_stored(key).await {
            Ok(Some(entry)) => entry.revision,
            _ => 0,
        };
        KvError::KeyExists {
            key: key.to_owned(),
            revision,
        }
    }
}

/// A refused expected-sequence header: 10071, or 10164 from servers that say the per-subject
/// sequence is not ready yet.
fn is_wrong_sequence(e: &ApiError) -> bool {
    e.is(ApiError::STREAM_WRONG_LAST_SEQUENCE) || e.err_code == 10164
}

fn missing_as_none(
    result: Result<StoredMessage, DirectGetError>,
) -> Result<Option<StoredMessage>, KvError> {
    match result {
        Ok(stored) => Ok(Some(stored)),
        Err(DirectGetError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn message_missing_as_none(
    result: Result<StoredMessage, JetStreamError>,
) -> Result<Option<StoredMessage>, KvError> {
    match result {
        Ok(stored) => Ok(Some(stored)),
        Err(JetStreamError::Api(e)) if e.is(ApiError::NO_MESSAGE_FOUND) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
