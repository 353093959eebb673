//! JetStream, NATS's persistence layer, over a [`Client`]: streams that keep messages,
//! publishing with the stream's acknowledgement, and consumers that read them back: pulled
//! ([`PullConsumer`]: fetch, next, consume), pushed ([`PushConsumer`]) or in order
//! ([`OrderedConsumer`]), each [`Message`] acknowledged as ADR-15 says.
//!
//! ```no_run
//! use natskit::jetstream::{self, ApiError, Publish, PublishError, StreamConfig};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = natskit::connect("nats://127.0.0.1:4222").await?;
//!     let js = jetstream::new(client);
//!
//!     js.get_or_create_stream(StreamConfig::new("ORDERS").subjects(["orders.>"])).await?;
//!     let ack = js.publish("orders.eu.7", "order 7").await?;
//!     println!("stored as #{} in {}", ack.seq, ack.stream);
//!
//!     // Only if nobody stored anything since.
//!     match js.send_publish("orders.eu.8", Publish::new("order 8").expected_last_sequence(ack.seq)).await {
//!         Err(PublishError::Api(e)) if e.is(ApiError::STREAM_WRONG_LAST_SEQUENCE) => println!("lost the race"),
//!         other => println!("{:?}", other?),
//!     }
//!     let last = js.get_last_message("ORDERS", "orders.eu.7").await?;
//!     assert_eq!(last.payload, "order 7");
//!     Ok(())
//! }
//! ```
//!
//! Every call is a request on the JetStream API (`$JS.API.*`, ADR-1), answered with JSON:
//! what was asked for, or an [`ApiError`] carrying the server's `code` and `err_code` (ADR-7).
//! Each kind of call has its own error enum ([`JetStreamError`], [`PublishError`],
//! [`DirectGetError`]); names are checked before anything is sent ([`InvalidName`]).
//!
//! # Layout
//! - `context`: [`Context`]: prefix or domain, timeout, publish retries, the API call itself.
//! - `error`: the errors; `name`: stream name checks.
//! - `account`: [`AccountInfo`]; `publish`: [`Publish`], [`PubAck`], asynchronous publish;
//!   `publish_retry`: when a "no responders" publish is sent again (ADR-22, runtime-free).
//! - `stream::config`: [`StreamConfig`] and its parts; `stream::info`: [`StreamInfo`];
//!   `stream::manage`: create, update, delete, info, names, list, purge;
//!   `stream::message`: [`StoredMessage`], get and delete; `stream::direct`: direct get
//!   (ADR-31).
//! - `consumer`: consumers, their messages and acknowledgements, and the pull, push and
//!   ordered readers, each over a runtime-free state machine (see its module page).
//! - `wire`: how the JSON differs from plain serde (durations in nanoseconds, `null` lists,
//!   base64).
//!
//! Layers: `wire`, `name` -> `error` -> `context` -> `account`, `publish`, `stream::config`
//! -> `stream::info` -> `stream::manage`, `stream::message` -> `stream::direct`;
//! `context` -> `consumer`.

mod account;
mod consumer;
mod context;
mod error;
pub mod kv;
mod name;
pub mod object;
mod publish;
mod publish_retry;
mod stream;
mod wire;

pub use account::{AccountInfo, AccountLimits, ApiStats};
pub use consumer::config::{AckPolicy, ConsumerConfig, DeliverPolicy, ReplayPolicy};
pub use consumer::info::{ConsumerInfo, SequenceInfo};
pub use consumer::message::{AckKind, Message, MessageInfo};
pub use consumer::ordered::{OrderedConfig, OrderedConsumer, OrderedMessages};
pub use consumer::pull::{
    Batch, Consume, Fetch, Messages, PullConsumer, DEFAULT_CONSUME_MESSAGES, DEFAULT_EXPIRES,
};
pub use consumer::push::{PushConsumer, PushMessages};
pub use context::{
    Context, DEFAULT_MAX_PUBLISHES_IN_FLIGHT, DEFAULT_PUBLISH_RETRIES, DEFAULT_PUBLISH_RETRY_WAIT,
    DEFAULT_TIMEOUT,
};
pub use error::{AckError, ApiError, ConsumeError, DirectGetError, JetStreamError, PublishError};
pub use name::{validate_consumer_name, validate_stream_name, InvalidName};
pub use publish::{PubAck, PubAckFuture, Publish};
pub use stream::config::{
    Compression, ConsumerLimits, DiscardPolicy, External, Placement, Republish, RetentionPolicy,
    Source, StorageType, StreamConfig, SubjectTransform,
};
pub use stream::info::{StreamInfo, StreamState};
pub use stream::manage::{Purge, StreamInfoDetails};
pub use stream::message::StoredMessage;

use crate::client::Client;

/// JetStream over `client`, on the local domain's API (`$JS.API`); see [`Context`] for
/// domains, prefixes and timeouts.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = natskit::connect("nats://127.0.0.1:4222").await?;
/// let js = natskit::jetstream::new(client);
/// println!("{:?}", js.account_info().await?);
/// # Ok(()) }
/// ```
pub fn new(client: Client) -> Context {
    Context::new(client)
}
