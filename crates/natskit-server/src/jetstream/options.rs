//! How JetStream runs in the broker: where it keeps its files, how much it may hold, how often
//! it writes to disk.

use std::path::PathBuf;
use std::time::Duration;

/// JetStream settings for [`ServerBuilder::jetstream`](crate::ServerBuilder::jetstream): the
/// store directory (file streams live under `<dir>/jetstream/`), the memory and file limits
/// (`-1`: as much as there is) and the sync policy.
///
/// ```
/// use std::time::Duration;
/// use natskit_server::JetStream;
///
/// let js = JetStream::new()
///     .store_dir(std::env::temp_dir().join("natskit-js-doc"))
///     .max_memory(256 << 20)
///     .sync_interval(Duration::from_secs(10));
/// assert_eq!(js.memory_limit(), 256 << 20);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JetStream {
    pub(crate) store_dir: Option<PathBuf>,
    pub(crate) max_memory: i64,
    pub(crate) max_file: i64,
    pub(crate) sync: SyncPolicy,
    pub(crate) domain: Option<String>,
}

/// When file streams write their data to stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPolicy {
    /// Every so often (nats-server's default: every 2 minutes).
    Interval(Duration),
    /// After every message, before its ack.
    Always,
}

impl Default for JetStream {
    fn default() -> Self {
        JetStream {
            store_dir: None,
            max_memory: -1,
            max_file: -1,
            sync: SyncPolicy::Interval(Duration::from_secs(120)),
            domain: None,
        }
    }
}

impl JetStream {
    /// JetStream with nats-server's defaults: a store directory under the system's temporary
    /// directory, no limits, a sync every 2 minutes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Where file streams are kept (nats-server's `store_dir`, `-sd`).
    pub fn store_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.store_dir = Some(dir.into());
        self
    }

    /// The most memory streams may hold, in bytes (`max_memory_store`).
    pub fn max_memory(mut self, bytes: i64) -> Self {
        self.max_memory = bytes;
        self
    }

    /// The most disk file streams may hold, in bytes (`max_file_store`).
    pub fn max_file(mut self, bytes: i64) -> Self {
        self.max_file = bytes;
        self
    }

    /// Writes to stable storage this often (`sync_interval`).
    pub fn sync_interval(mut self, every: Duration) -> Self {
        self.sync = SyncPolicy::Interval(every);
        self
    }

    /// Writes every message to stable storage before acknowledging it (`sync_interval:
    /// always`).
    pub fn sync_always(mut self) -> Self {
        self.sync = SyncPolicy::Always;
        self
    }

    /// Serves the API under `$JS.<domain>.API` as well, and names the domain in answers
    /// (nats-server's `jetstream { domain }`), so clients reach it with a domain.
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// The memory limit, `-1` for none.
    pub fn memory_limit(&self) -> i64 {
        self.max_memory
    }

    /// The file limit, `-1` for none.
    pub fn file_limit(&self) -> i64 {
        self.max_file
    }

    /// The store directory this runs with: the one given, or nats-server's default place
    /// under the temporary directory.
    pub fn directory(&self) -> PathBuf {
        self.store_dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join("nats"))
    }
}

/// What JetStream holds and has answered, as the engine last counted it (for `/jsz` and
/// `/varz`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    pub(crate) memory: u64,
    pub(crate) storage: u64,
    pub(crate) streams: u64,
    pub(crate) consumers: u64,
    pub(crate) messages: u64,
    pub(crate) bytes: u64,
    pub(crate) api_total: u64,
    pub(crate) api_errors: u64,
}
