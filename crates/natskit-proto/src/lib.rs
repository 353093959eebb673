//! The NATS wire protocol as a sans-IO core: bytes in, operations out, and back, in both
//! directions. No sockets, no tasks, no async runtime: the natskit client, the embedded broker,
//! the test fakes and the fuzzers all drive the same code.
//!
//! It is also the home of three small helpers every crate of the workspace used to write for
//! itself: RFC 3339 times ([`time`]), the poison-tolerant lock ([`sync`]) and PEM reading (`pem`,
//! behind the `pem` feature). They need nothing beyond `std` (and, for PEM,
//! `rustls-pki-types`), and this is the one crate the client, the broker, the service framework,
//! the tool and the test harness all depend on.
//!
//! ```
//! use bytes::{Bytes, BytesMut};
//! use natskit_proto::{ClientOp, ClientOpDecoder, Pub, WriteBuffer};
//!
//! // A client encodes a publish...
//! let mut out = WriteBuffer::new();
//! out.put_pub("greet.joe", Some("_INBOX.1"), None, &Bytes::from_static(b"hello"));
//!
//! // ...and a broker decodes it.
//! let mut wire = BytesMut::from(&out.to_bytes()[..]);
//! let op = ClientOpDecoder::new().decode(&mut wire)?;
//! let Some(ClientOp::Pub(Pub { subject, reply, payload, .. })) = op else { panic!("expected PUB") };
//! assert_eq!((subject.as_str(), reply.as_deref(), &payload[..]), ("greet.joe", Some("_INBOX.1"), &b"hello"[..]));
//! # Ok::<(), natskit_proto::ProtoError>(())
//! ```
//!
//! # Layout
//! - [`decode`]: [`Decoder`] and its aliases [`ServerOpDecoder`], [`ClientOpDecoder`] and
//!   [`BrokerOpDecoder`] (client ops with header blocks left raw), over a `BytesMut`.
//! - [`limits`]: [`Limits`], the sizes a decoder accepts, and their defaults and ceiling.
//! - [`encode`]: [`WriteBuffer`], which copies small payloads and chains large ones for `writev`.
//! - [`op`]: the operations, [`ServerOp`], [`ClientOp`] and [`BrokerOp`] (a `ClientOp` whose
//!   publishes keep their header block raw), and the publishes: [`Pub`] (headers parsed, for a
//!   client's codec) and [`RawPub`] (header block as sent, for a broker), owned or borrowed
//!   ([`PubRef`], read in place without a copy).
//! - [`headers`]: [`HeaderMap`] and the status line.
//! - [`subject`]: [`Subject`], validation per use, wildcard matching.
//! - [`info`]: [`ServerInfo`] and [`ConnectInfo`], the handshake's JSON.
//! - [`nuid`]: unique ids for inboxes.
//! - [`time`]: RFC 3339 text of wall-clock times, as the NATS JSON APIs write them.
//! - [`sync`]: [`sync::lock`], locking that carries on after a panic elsewhere.
//! - `pem` (feature `pem`): certificates and private keys read from PEM files, for TLS.
//! - `error`: [`ProtoError`].
//! - Private helpers: `direction` (the direction markers [`FromServer`], [`FromClient`] and
//!   [`FromClientRaw`], and what each direction parses), `framer` (control lines and payloads, shared
//!   by the directions), `args` (control-line arguments).
//!
//! Which module imports which (`use crate::...`), leaves first:
//!
//! ```text
//! error, info, nuid, limits,
//! sync, time, pem            (no crate imports)
//! args, headers, subject      -> error
//! op                          -> headers, info, subject
//! encode                      -> headers, info, op
//! framer                      -> args, error, headers, limits, op, subject
//! direction                   -> args, error, framer, headers, info, limits, op, subject
//! decode                      -> direction, error, framer, limits, op
//! ```
//!
//! Every module imports only modules on lines above its own, so no import leads back: the graph
//! is acyclic. What broke the old loop (decode -> framer -> direction -> decode): [`Limits`] left
//! `decode` for `limits`, the direction markers left `decode` for `direction`, and the framer
//! reaches a direction only through the `PayloadOp` trait it defines and the directions
//! implement, so it names no direction. Modules import each other by module path
//! (`crate::error::ProtoError`), not through the re-exports at the crate root, so the graph
//! can be read off the `use crate::` lines.

mod args;
pub mod decode;
mod direction;
pub mod encode;
mod error;
mod fast_pub;
mod frame_layout;
mod framer;
pub mod headers;
pub mod info;
pub mod limits;
pub mod msg;
pub mod nuid;
pub mod op;
#[cfg(feature = "pem")]
pub mod pem;
pub mod subject;
pub mod sync;
pub mod time;

pub use decode::{BrokerOpDecoder, ClientOpDecoder, Decoder, ServerOpDecoder};
pub use direction::{FromClient, FromClientRaw, FromServer};
pub use encode::WriteBuffer;
pub use error::ProtoError;
pub use headers::HeaderMap;
pub use info::{ConnectInfo, ServerInfo, DEFAULT_MAX_PAYLOAD};
pub use limits::Limits;
pub use msg::{Msg, MsgParts};
pub use op::{BrokerOp, ClientOp, MalformedMsg, Pub, PubRef, RawPub, ServerOp, Sub};
pub use subject::Subject;
