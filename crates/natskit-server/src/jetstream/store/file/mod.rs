//! The file store: a stream's messages in append-only segment files under `<dir>/msgs/`, with
//! the index in memory and payloads read from disk when asked.
//!
//! Every change is a record appended to the newest segment (a message, a removal, a floor
//! below which everything is removed), checked by a CRC-32; see `record` for the bytes. A
//! segment is closed at the size limit and a new one begun, whose header carries the last
//! sequence, so sequences are never reused even when every message has gone. Opening replays
//! the segments in order (`open`, `recovery`); segments whose removed share reaches half are
//! rewritten without it (`compact`). The directory is held by a [`StoreDirLock`] for the
//! store's life.

mod compact;
mod lock;
mod open;
mod read;
mod record;
mod recovery;
mod segment;
mod store;
mod subjects;
mod write;

#[cfg(test)]
mod model_tests;
#[cfg(test)]
mod temp_dir;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub(crate) use lock::StoreDirLock;

use segment::Segment;
use subjects::Subjects;

/// How often an interval policy syncs by default: nats-server's `sync_interval`.
pub(crate) const DEFAULT_SYNC_INTERVAL: Duration = Duration::from_secs(120);
/// The size at which a segment is closed and the next begun, by default.
pub(crate) const DEFAULT_SEGMENT_SIZE: u64 = 8 * 1024 * 1024;

/// When appended records are forced to stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SyncPolicy {
    /// When [`FileStore::sync_due`] says so and the engine calls [`crate::jetstream::store::Store::sync`]
    /// (records reach the operating system at once, so a killed process loses nothing; a power
    /// cut loses at most the interval).
    Interval(Duration),
    /// After every change, before it returns.
    Always,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy::Interval(DEFAULT_SYNC_INTERVAL)
    }
}

/// How a file store writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStoreOptions {
    pub(crate) sync: SyncPolicy,
    /// The size at which a segment is closed (at most 4 GiB; one larger message gets a segment
    /// of its own).
    pub(crate) segment_size: u64,
}

impl Default for FileStoreOptions {
    fn default() -> Self {
        FileStoreOptions {
            sync: SyncPolicy::default(),
            segment_size: DEFAULT_SEGMENT_SIZE,
        }
    }
}

/// A stream's messages on disk.
#[derive(Debug)]
pub(crate) struct FileStore {
    /// The directory of the segment files (`<dir>/msgs`).
    dir: PathBuf,
    options: FileStoreOptions,
    /// Held for the store's life; None once destroyed.
    lock: Option<StoreDirLock>,
    /// The segments, oldest first; the last is the one appended to. Empty once destroyed.
    segments: Vec<Segment>,
    subjects: Subjects,
    /// How many messages are held.
    msgs: u64,
    /// Their sizes summed (see [`super::StoredMessage::size`]).
    bytes: u64,
    /// The first sequence held (the next one when empty).
    first: u64,
    /// The last sequence given out.
    last_seq: u64,
    /// Its time.
    last_time: i64,
    /// Whether records were written since the last sync.
    dirty: bool,
    /// When the last sync was.
    last_sync: Instant,
    /// How many times the store has synced a file, for tests and monitoring.
    fsyncs: u64,
    /// Ids of closed segments that had messages removed, to check for compaction.
    pending: Vec<u32>,
    /// A record being written.
    scratch: Vec<u8>,
}

impl FileStore {
    /// Whether the interval has passed since the last sync with records written since: the
    /// engine's timer asks, and calls `sync` when it is. Always false with [`SyncPolicy::Always`].
    #[cfg(test)]
    pub(crate) fn sync_due(&self, now: Instant) -> bool {
        match self.options.sync {
            SyncPolicy::Interval(interval) => {
                self.dirty && now.saturating_duration_since(self.last_sync) >= interval
            }
            SyncPolicy::Always => false,
        }
    }

    /// How many times the store has synced a file since it was opened.
    #[cfg(test)]
    pub(crate) fn fsyncs(&self) -> u64 {
        self.fsyncs
    }

    /// The lengths of its segment files, oldest first.
    #[cfg(test)]
    pub(crate) fn segment_sizes(&self) -> Vec<u64> {
        self.segments.iter().map(|s| s.size).collect()
    }
}
