//! Reading many entries at once: [`Store::keys`], [`Store::history`],
//! [`Store::purge_deletes`]. Each is a watch read up to its end-of-initial-values marker.

use std::time::{Duration, SystemTime};

use futures_core::Stream;

use crate::jetstream::kv::entry::{Entry, Operation};
use crate::jetstream::kv::error::KvError;
use crate::jetstream::kv::name::validate_key;
use crate::jetstream::kv::store::Store;
use crate::jetstream::kv::watch::{Watch, WatchEvent, WatchOptions};
use crate::jetstream::stream::manage::Purge;

impl Store {
    /// The keys that have a value (deleted and purged ones left out).
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// for key in kv.keys().await? {
    ///     println!("{key}");
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn keys(&self) -> Result<Vec<String>, KvError> {
        self.keys_matching(">").await
    }

    /// The keys `filter` matches that have a value.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let devices = kv.keys_matching("device.*").await?;
    /// # let _ = devices;
    /// # Ok(()) }
    /// ```
    pub async fn keys_matching(&self, filter: &str) -> Result<Vec<String>, KvError> {
        let options = WatchOptions::default().meta_only().ignore_deletes();
        let watch = self.watch_with(filter, options).await?;
        Ok(initial(watch)
            .await?
            .into_iter()
            .map(|entry| entry.key)
            .collect())
    }

    /// Every entry of `key` still in the history, oldest first, deletes included; empty when
    /// the key was never written.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// for entry in kv.history("mode").await? {
    ///     println!("{} {:?} {:?}", entry.revision, entry.operation, entry.value);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn history(&self, key: &str) -> Result<Vec<Entry>, KvError> {
        validate_key(key)?;
        let watch = self
            .watch_with(key, WatchOptions::default().include_history())
            .await?;
        initial(watch).await
    }

    /// Removes the history of deleted and purged keys: entirely for those deleted more than
    /// `older_than` ago, all but the delete marker for the others. Returns how many keys were
    /// cleaned.
    ///
    /// ```no_run
    /// # async fn demo(kv: natskit::jetstream::kv::Store) -> Result<(), natskit::jetstream::kv::KvError> {
    /// let cleaned = kv.purge_deletes(std::time::Duration::from_secs(30 * 60)).await?;
    /// # let _ = cleaned;
    /// # Ok(()) }
    /// ```
    pub async fn purge_deletes(&self, older_than: Duration) -> Result<usize, KvError> {
        let watch = self
            .watch_with(">", WatchOptions::default().meta_only())
            .await?;
        let deleted: Vec<Entry> = initial(watch)
            .await?
            .into_iter()
            .filter(|entry| entry.operation != Operation::Put)
            .collect();
        let now = SystemTime::now();
        for entry in &deleted {
            let age = now.duration_since(entry.created_at()).unwrap_or_default();
            let keep = if age > older_than { 0 } else { 1 };
            let purge = Purge::all().filter(self.subject(&entry.key)).keep(keep);
            self.context.purge_stream(&self.stream, purge).await?;
        }
        Ok(deleted.len())
    }
}

/// The entries a watch sends before its end-of-initial-values marker.
async fn initial(mut watch: Watch) -> Result<Vec<Entry>, KvError> {
    let mut entries = Vec::new();
    while let Some(event) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut watch).poll_next(cx)).await
    {
        match event? {
            WatchEvent::Entry(entry) => entries.push(entry),
            WatchEvent::EndOfInitial => return Ok(entries),
        }
    }
    Ok(entries)
}
