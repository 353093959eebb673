//! natskit-micro: services on NATS that others can discover, compatible with the NATS service
//! API ("micro", ADR-32) of nats.go, nats.py and the `nats` CLI.
//!
//! A [`Service`] has a name, a semantic version and endpoints. Each endpoint listens on a subject
//! in a queue group (`q` by default), so instances of a service share its requests. Every
//! instance answers discovery on `$SRV.PING|INFO|STATS` with the spec's JSON documents, and
//! counts requests, errors and processing time per endpoint.
//!
//! # Keep the `Service`
//!
//! **Dropping the last [`Service`] handle stops the service**: it leaves its queue groups and
//! stops answering discovery. A service started and not kept (`let _ = ...start(&client)`, or
//! a handle dropped at the end of a function) is gone at once. Keep a handle (or a clone) for as
//! long as the service should run; [`Service::done`] waits until someone stops it.
//!
//! ```no_run
//! use natskit_micro::{Request, Response, Service, ServiceError};
//!
//! #[derive(serde::Deserialize)]
//! struct Div { a: f64, b: f64 }
//!
//! async fn div(request: Request) -> Result<Response, ServiceError> {
//!     let Div { a, b } = request.json()?;
//!     if b == 0.0 {
//!         return Err(ServiceError::bad_request("division by zero"));
//!     }
//!     Response::json(&(a / b))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = natskit::connect("nats://127.0.0.1:4222").await?;
//!     let service = Service::builder("calc", "1.0.0")
//!         .description("Arithmetic")
//!         .start(&client)
//!         .await?;
//!     service.group("math").handle("div", div).await?; // subject "math.div"
//!
//!     let answer = client.request("math.div", r#"{"a": 1, "b": 4}"#).await?;
//!     assert_eq!(&answer.payload[..], b"0.25");
//!     service.stop().await; // drains: requests in flight are answered
//!     Ok(())
//! }
//! ```
//!
//! # Handlers
//!
//! A handler's return value is the answer (an error with the error headers). A handler that
//! answers itself with [`Request::respond`] gets its own answer sent, and its return value is
//! not. A handler that panics is answered with error 500 `handler panicked`.
//!
//! # Layout
//! - `builder`: [`ServiceBuilder`]; `service`: [`Service`]; `state`: what its tasks share and the
//!   documents made from it; `group`: [`Group`];
//!   `endpoint`: [`EndpointBuilder`], [`Endpoint`] (a stream of [`Request`]s, or a handler).
//! - `request`: [`Request`], [`Response`]; `error`: [`ServiceError`], [`Error`].
//! - `control`: answering discovery; `discover`: [`Discovery`], asking for it.
//! - `schema`: the JSON documents; `stats`: the counters. Times in the documents are RFC 3339
//!   text from [`natskit_proto::time`], and locks are taken with [`natskit_proto::sync::lock`].
//! - `lifecycle`: stop, drain and done; `validate`: names and versions.

mod builder;
mod control;
mod discover;
mod endpoint;
mod error;
mod group;
mod lifecycle;
mod request;
mod schema;
mod service;
mod state;
mod stats;
mod validate;

pub use builder::{ServiceBuilder, StatsHandler, DEFAULT_QUEUE_GROUP};
pub use control::{Verb, SRV_PREFIX};
pub use discover::{Discovery, DEFAULT_DISCOVERY_TIMEOUT};
pub use endpoint::{Endpoint, EndpointBuilder, DEFAULT_CONCURRENCY};
pub use error::{Error, ServiceError, ERROR_CODE_HEADER, ERROR_HEADER};
pub use group::Group;
pub use request::{Request, Response};
pub use schema::{
    EndpointInfo, EndpointStats, InfoResponse, Metadata, PingResponse, StatsResponse,
    INFO_RESPONSE_TYPE, PING_RESPONSE_TYPE, STATS_RESPONSE_TYPE,
};
pub use service::Service;

// Every update under a lock in this crate is complete or absent, so a holder's panic leaves the
// data consistent: the workspace's poison-tolerant lock is the right one.
use natskit_proto::sync::lock;
