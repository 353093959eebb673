//! Buckets on [`Context`]: create, update, open, delete, list.

use crate::jetstream::context::Context;
use crate::jetstream::kv::config::{stream_name, KvConfig, KvStatus, MAX_HISTORY};
use crate::jetstream::kv::error::{not_found, KvError};
use crate::jetstream::kv::name::validate_bucket;
use crate::jetstream::kv::store::Store;

impl Context {
    /// Creates a bucket (the same configuration again is not an error) and returns its handle.
    ///
    /// ```no_run
    /// use natskit::jetstream::kv::KvConfig;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let kv = js.create_key_value(KvConfig { history: 5, ..KvConfig::new("settings") }).await?;
    /// kv.put("mode", "eco").await?;
    /// # Ok(()) }
    /// ```
    pub async fn create_key_value(&self, config: KvConfig) -> Result<Store, KvError> {
        let stream = checked(&config)?;
        self.check_kv_features(&config).await?;
        let info = self.create_stream(stream).await?;
        Ok(Store::new(self.clone(), &config.bucket, &info))
    }

    /// Changes a bucket's configuration (history, TTL, limits...).
    ///
    /// ```no_run
    /// use natskit::jetstream::kv::KvConfig;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let kv = js.update_key_value(KvConfig { history: 10, ..KvConfig::new("settings") }).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update_key_value(&self, config: KvConfig) -> Result<Store, KvError> {
        let stream = checked(&config)?;
        self.check_kv_features(&config).await?;
        let info = self
            .update_stream(stream)
            .await
            .map_err(|e| not_found(e, &config.bucket))?;
        Ok(Store::new(self.clone(), &config.bucket, &info))
    }

    /// The handle of an existing bucket; [`KvError::BucketNotFound`] when there is none.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let kv = js.key_value("settings").await?;
    /// # Ok(()) }
    /// ```
    pub async fn key_value(&self, bucket: &str) -> Result<Store, KvError> {
        validate_bucket(bucket)?;
        let info = self
            .stream_info(&stream_name(bucket))
            .await
            .map_err(|e| not_found(e, bucket))?;
        Ok(Store::new(self.clone(), bucket, &info))
    }

    /// Deletes a bucket and every value in it.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::kv::KvError> {
    /// js.delete_key_value("settings").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_key_value(&self, bucket: &str) -> Result<(), KvError> {
        validate_bucket(bucket)?;
        self.delete_stream(&stream_name(bucket))
            .await
            .map_err(|e| not_found(e, bucket))
    }

    /// The names of all buckets.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::kv::KvError> {
    /// println!("{:?}", js.key_value_names().await?);
    /// # Ok(()) }
    /// ```
    pub async fn key_value_names(&self) -> Result<Vec<String>, KvError> {
        let names = self.stream_names(Some("$KV.*.>")).await?;
        Ok(names
            .into_iter()
            .filter_map(|name| name.strip_prefix("KV_").map(str::to_owned))
            .collect())
    }

    /// The status of every bucket, read now.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::kv::KvError> {
    /// for status in js.key_value_statuses().await? {
    ///     println!("{}: {} values", status.bucket, status.values);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn key_value_statuses(&self) -> Result<Vec<KvStatus>, KvError> {
        let streams = self.streams().await?;
        Ok(streams
            .into_iter()
            .filter_map(|info| {
                let bucket = info.config.name.strip_prefix("KV_")?.to_owned();
                Some(KvStatus::new(&bucket, info))
            })
            .collect())
    }
}

impl Context {
    /// Refuses, before sending, what the server's API level does not offer.
    async fn check_kv_features(&self, config: &KvConfig) -> Result<(), KvError> {
        if config.limit_marker_ttl.is_zero() {
            return Ok(());
        }
        if config.limit_marker_ttl < std::time::Duration::from_secs(1) {
            return Err(KvError::InvalidConfig {
                reason: "limit_marker_ttl must be at least one second".into(),
            });
        }
        let level = self.api_level().await?;
        if level < LIMIT_MARKERS_API_LEVEL {
            return Err(KvError::Unsupported {
                feature: "limit markers (limit_marker_ttl)",
                needs: LIMIT_MARKERS_API_LEVEL,
                server: level,
            });
        }
        Ok(())
    }
}

/// The API level that brought limit markers (nats-server 2.11).
const LIMIT_MARKERS_API_LEVEL: u32 = 1;

/// The stream of a valid configuration.
fn checked(config: &KvConfig) -> Result<crate::jetstream::StreamConfig, KvError> {
    validate_bucket(&config.bucket)?;
    if !(0..=MAX_HISTORY).contains(&config.history) {
        return Err(KvError::InvalidConfig {
            reason: format!("history must be 1 to {MAX_HISTORY}, not {}", config.history),
        });
    }
    Ok(config.stream_config())
}
