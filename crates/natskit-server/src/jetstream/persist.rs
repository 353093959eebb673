//! What file streams leave on disk besides their messages: `meta.json` (configuration and
//! creation time) per stream, and per durable consumer its configuration and ack floor; read
//! back when the broker starts.
//!
//! Layout: `<store_dir>/jetstream/<account>/streams/<stream>/meta.json`, the store's files
//! beside it, and `consumers/<consumer>.json`.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::api::config::{ConsumerConfig, Storage, StreamConfig};
use super::consumer::{epoch_nanos, Consumer, Position};
use super::engine::Engine;
use super::options::SyncPolicy;
use super::store::file::{FileStore, FileStoreOptions, SyncPolicy as FileSync};
use super::store::memory::MemoryStore;
use super::store::{Store, StoreError};
use super::stream::Stream;

/// How often at most durable consumers' positions are written (a confirmed ack is written at
/// once; an unconfirmed one a restart may take back, as with nats-server).
pub(crate) const CONSUMER_SAVE_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

#[derive(Serialize, Deserialize)]
struct StreamMeta {
    config: StreamConfig,
    created: i64,
}

#[derive(Serialize, Deserialize)]
struct ConsumerMeta {
    config: ConsumerConfig,
    created: i64,
    position: Position,
}

fn from_nanos(nanos: i64) -> SystemTime {
    UNIX_EPOCH + std::time::Duration::from_nanos(nanos.max(0) as u64)
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a crash leaves the old
/// or the new file, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path)
}

impl Engine {
    fn stream_dir(&self, name: &str) -> Option<PathBuf> {
        self.dir.as_ref().map(|d| d.join(name))
    }

    fn is_file_stream(&self, name: &str) -> bool {
        self.streams
            .get(name)
            .is_some_and(|s| s.config.storage == Storage::File)
    }

    /// The store for a new stream.
    pub(crate) fn open_store(
        &self,
        name: &str,
        config: &StreamConfig,
    ) -> Result<Box<dyn Store>, StoreError> {
        let dir = match (config.storage, self.stream_dir(name)) {
            (Storage::File, Some(dir)) => dir,
            _ => return Ok(Box::new(MemoryStore::new())),
        };
        let sync = match self.options.sync {
            SyncPolicy::Always => FileSync::Always,
            SyncPolicy::Interval(every) => FileSync::Interval(every),
        };
        let options = FileStoreOptions {
            sync,
            ..FileStoreOptions::default()
        };
        Ok(Box::new(FileStore::open(&dir, options)?))
    }

    /// Saves a file stream's configuration.
    pub(crate) fn save_stream(&self, name: &str) {
        if !self.is_file_stream(name) {
            return;
        }
        let (Some(dir), Some(stream)) = (self.stream_dir(name), self.streams.get(name)) else {
            return;
        };
        let meta = StreamMeta {
            config: stream.config.clone(),
            created: epoch_nanos(stream.created),
        };
        let json = serde_json::to_vec_pretty(&meta).expect("a configuration serializes");
        if let Err(e) = write_atomically(&dir.join("meta.json"), &json) {
            tracing::error!("JetStream: saving stream {name}: {e}");
        }
    }

    /// Saves a durable consumer of a file stream, configuration and ack floor.
    pub(crate) fn save_consumer(&self, stream: &str, consumer: &str) {
        self.save_consumer_state(stream, consumer);
    }

    /// Saves a durable consumer's ack floor (and configuration).
    pub(crate) fn save_consumer_state(&self, stream: &str, consumer: &str) {
        if !self.is_file_stream(stream) {
            return;
        }
        let Some(dir) = self.stream_dir(stream) else {
            return;
        };
        let Some(c) = self
            .streams
            .get(stream)
            .and_then(|s| s.consumers.get(consumer))
        else {
            return;
        };
        if c.config.durable_name.is_empty() {
            return;
        }
        let meta = ConsumerMeta {
            config: c.config.clone(),
            created: epoch_nanos(c.created),
            position: c.position(),
        };
        let json = serde_json::to_vec(&meta).expect("a configuration serializes");
        let path = dir.join("consumers").join(format!("{consumer}.json"));
        if let Err(e) = write_atomically(&path, &json) {
            tracing::error!("JetStream: saving consumer {stream} > {consumer}: {e}");
        }
    }

    /// Saves the durable consumers that moved since the last save.
    pub(crate) fn save_moved_consumers(&mut self, now: Instant) {
        if self.moved_consumers.is_empty() || now < self.last_consumer_save + CONSUMER_SAVE_EVERY {
            return;
        }
        self.last_consumer_save = now;
        let moved: Vec<(String, String)> = self.moved_consumers.drain().collect();
        for (stream, consumer) in moved {
            self.save_consumer_state(&stream, &consumer);
        }
    }

    /// Saves every durable consumer (at shutdown).
    pub(crate) fn save_all_consumers(&mut self) {
        let all: Vec<(String, String)> = self
            .streams
            .iter()
            .flat_map(|(s, stream)| stream.consumers.keys().map(move |c| (s.clone(), c.clone())))
            .collect();
        for (stream, consumer) in all {
            self.save_consumer_state(&stream, &consumer);
        }
    }

    /// Removes a deleted stream's directory.
    pub(crate) fn remove_stream_files(&self, name: &str) {
        if let Some(dir) = self.stream_dir(name) {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// Removes a deleted consumer's file.
    pub(crate) fn remove_consumer_files(&self, stream: &str, consumer: &str) {
        if let Some(dir) = self.stream_dir(stream) {
            let _ = std::fs::remove_file(dir.join("consumers").join(format!("{consumer}.json")));
        }
    }

    /// Reads back the file streams and their durable consumers.
    pub(crate) fn load_streams(&mut self) {
        let Some(dir) = self.dir.clone() else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(text) = std::fs::read(path.join("meta.json")) else {
                continue;
            };
            let meta: StreamMeta = match serde_json::from_slice(&text) {
                Ok(meta) => meta,
                Err(e) => {
                    tracing::error!("JetStream: {}: {e}", path.display());
                    continue;
                }
            };
            let name = meta.config.name.clone();
            let store = match self.open_store(&name, &meta.config) {
                Ok(store) => store,
                Err(e) => {
                    tracing::error!("JetStream: opening stream {name}: {e}");
                    continue;
                }
            };
            let mut stream = Stream::new(meta.config, store, from_nanos(meta.created));
            load_consumers(&path.join("consumers"), &mut stream);
            tracing::info!("JetStream: restored stream {name}");
            self.streams.insert(name.clone(), stream);
            self.subscribe_stream(&name);
        }
    }
}

fn load_consumers(dir: &Path, stream: &mut Stream) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read(entry.path()) else {
            continue;
        };
        let Ok(meta) = serde_json::from_slice::<ConsumerMeta>(&text) else {
            continue;
        };
        let name = meta.config.name.clone();
        let mut consumer = Consumer::new(
            name.clone(),
            meta.config,
            &*stream.store,
            from_nanos(meta.created),
            Instant::now(),
        );
        consumer.resume(&meta.position, Instant::now());
        stream.consumers.insert(name, consumer);
    }
}
