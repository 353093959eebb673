//! JetStream object stores (ADR-20): objects of any size kept in a bucket, each cut into
//! chunks on its own subject and described by a meta message, readable by nats.go, nats-py
//! and the `nats` CLI, and able to read what they store.
//!
//! ```no_run
//! use tokio::io::AsyncReadExt;
//! use natskit::jetstream::object::{ObjectMeta, ObjectStoreConfig};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = natskit::connect("nats://127.0.0.1:4222").await?;
//!     let js = natskit::jetstream::new(client);
//!
//!     let store = js.create_object_store(ObjectStoreConfig::new("backups")).await?;
//!     // Streamed from any AsyncRead, 128 KiB at a time, never held whole.
//!     let file = tokio::fs::File::open("/var/backups/db.dump").await?;
//!     let info = store.put(ObjectMeta::new("db.dump").description("nightly"), file).await?;
//!     println!("{} bytes in {} chunks, {}", info.size, info.chunks, info.digest);
//!
//!     // Read back as an AsyncRead; its end is reported only once size and digest match.
//!     let mut reader = store.get("db.dump").await?;
//!     let mut out = tokio::fs::File::create("/tmp/db.dump").await?;
//!     tokio::io::copy(&mut reader, &mut out).await?;
//!
//!     store.put_bytes("hello.txt", "hello").await?;
//!     assert_eq!(store.get_bytes("hello.txt").await?, "hello");
//!     Ok(())
//! }
//! ```
//!
//! # On the wire
//! A bucket is the stream `OBJ_<bucket>` on `$O.<bucket>.C.>` and `$O.<bucket>.M.>`. An object
//! is its chunks, published to `$O.<bucket>.C.<nuid>` (a new nuid each time it is stored),
//! then its [`ObjectInfo`] as JSON on `$O.<bucket>.M.<base64url(name)>` with
//! `Nats-Rollup: sub`, which replaces the meta before it; the chunks of the object it
//! replaced are purged after that. Deleting stores the meta again marked `deleted` and
//! purges the chunks.
//!
//! # Layout
//! - `name`: bucket and object name checks, stream and subject names; `error`:
//!   [`ObjectStoreError`].
//! - `config`: [`ObjectStoreConfig`] and its stream, [`ObjectStoreStatus`]; `info`:
//!   [`ObjectMeta`], [`ObjectInfo`], links, the digest text.
//! - `manage`: buckets (create, open, delete, list) and objects' meta (info, delete, update,
//!   seal); `link`: links to objects and buckets.
//! - `put`: storing from an `AsyncRead`; `get`: [`ObjectReader`] and the check of what it
//!   reads; `watch`: [`ObjectWatch`] and listing.
//!
//! Layers: `name`, `error` -> `config`, `info` -> `manage` (with [`ObjectStore`] here) ->
//! `link`, `put`, `get`, `watch`.

mod config;
mod digest_apart;
mod error;
mod get;
mod info;
mod link;
mod manage;
mod name;
mod put;
mod watch;
mod whole;

pub use config::{ObjectStoreConfig, ObjectStoreStatus};
pub use error::ObjectStoreError;
pub use get::ObjectReader;
pub use info::{
    ObjectHeaders, ObjectInfo, ObjectLink, ObjectMeta, ObjectMetaOptions, DEFAULT_CHUNK_SIZE,
};
pub use name::{validate_bucket, validate_object_name};
pub use watch::{ObjectWatch, WatchEvent, WatchOptions};

use crate::jetstream::context::Context;

/// One bucket of objects, made by
/// [`create_object_store`](Context::create_object_store) or
/// [`object_store`](Context::object_store). Cheap to clone; clones share the connection.
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
/// let store = js.object_store("backups").await?;
/// for info in store.list().await? {
///     println!("{}: {} bytes", info.name, info.size);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ObjectStore {
    context: Context,
    bucket: String,
    stream: String,
    /// The stream answers direct gets: meta is read with them.
    allow_direct: bool,
}

impl ObjectStore {
    /// The bucket's name.
    ///
    /// ```no_run
    /// # fn demo(store: natskit::jetstream::object::ObjectStore) {
    /// println!("{}", store.bucket());
    /// # }
    /// ```
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The name of the bucket's stream, `OBJ_<bucket>`.
    ///
    /// ```no_run
    /// # fn demo(store: natskit::jetstream::object::ObjectStore) {
    /// assert_eq!(store.stream_name(), format!("OBJ_{}", store.bucket()));
    /// # }
    /// ```
    pub fn stream_name(&self) -> &str {
        &self.stream
    }

    /// The JetStream context the bucket is used through.
    ///
    /// ```no_run
    /// # fn demo(store: natskit::jetstream::object::ObjectStore) {
    /// println!("{}", store.context().prefix());
    /// # }
    /// ```
    pub fn context(&self) -> &Context {
        &self.context
    }
}
