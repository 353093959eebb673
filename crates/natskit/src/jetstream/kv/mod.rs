//! Key-value buckets on JetStream (ADR-8): a bucket is a stream `KV_<bucket>` on
//! `$KV.<bucket>.>`, a key's values are that subject's messages, and watches are ordered
//! consumers.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use natskit::jetstream::kv::{KvConfig, WatchEvent};
//!
//! # async fn demo(js: natskit::jetstream::Context) -> Result<(), Box<dyn std::error::Error>> {
//! let kv = js.create_key_value(KvConfig { history: 5, ..KvConfig::new("led") }).await?;
//! kv.put("text", "hello").await?;
//! let mut watch = kv.watch_all().await?;
//! while let Some(event) = watch.next().await {
//!     match event? {
//!         WatchEvent::Entry(entry) => println!("{} = {:?}", entry.key, entry.value),
//!         WatchEvent::EndOfInitial => println!("-- now live --"),
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Layout
//! - `name`: bucket and key checks; `config`: [`KvConfig`] and [`KvStatus`]; `entry`:
//!   [`Entry`] and [`Operation`]; `error`: [`KvError`].
//! - `manage`: buckets on [`Context`](crate::jetstream::Context); `store`: [`Store`], gets and
//!   writes; `watch`: [`Watch`]; `scan`: keys, history and purging deleted keys.
//!
//! Layers: `name`, `config`, `entry`, `error` -> `store` -> `manage`, `watch` -> `scan`.

mod config;
mod entry;
mod error;
mod manage;
mod name;
mod scan;
mod store;
mod watch;

pub use config::{KvConfig, KvStatus, MAX_HISTORY};
pub use entry::{Entry, Operation};
pub use error::KvError;
pub use name::{validate_bucket, validate_key, validate_key_filter};
pub use store::Store;
pub use watch::{Watch, WatchEvent, WatchOptions};
