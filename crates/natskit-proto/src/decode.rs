//! Decoders for both directions over a `BytesMut` read buffer.
//!
//! - [`ServerOpDecoder`] reads what a server sends (used by the client and the test fakes).
//! - [`ClientOpDecoder`] reads what a client sends (used by the embedded broker).
//!
//! Both follow the same rules:
//! - An incomplete frame returns `Ok(None)` and consumes nothing; call again when more bytes
//!   arrived. The part of an unfinished control line already searched is not searched again, and
//!   a control line whose payload is still arriving is parsed once and kept.
//! - Subjects, reply subjects and payloads are taken out of the buffer without copying.
//! - Control lines and payloads are bounded by [`Limits`], so a peer cannot make memory grow.
//! - Anything malformed is a [`ProtoError`], never a panic. After an error the stream is out of
//!   step: the caller should close the connection (the client reconnects). The exception is a
//!   frame whose framing is sound but whose subject or headers cannot be read: it is taken out
//!   whole, so decoding can go on (a server's message becomes [`ServerOp::Malformed`](crate::ServerOp::Malformed); a
//!   client's publish or subscription is a [`ProtoError::InvalidUtf8`] or
//!   [`ProtoError::InvalidHeaders`] after which the stream is in step). A broker's decoder
//!   ([`BrokerOpDecoder`]) takes names as bytes, as nats-server does, so UTF-8 is no error there.
//! - A control line is refused as [`ProtoError::UnknownOperation`] as soon as its first bytes
//!   can be no operation of the direction, before its end arrives, as nats-server does.

use std::marker::PhantomData;

use bytes::BytesMut;

use crate::direction::{Direction, FromClient, FromClientRaw, FromServer};
use crate::error::ProtoError;
use crate::framer::Framer;
use crate::limits::{Limits, MAX_PAYLOAD_CEILING};
use crate::op::PubRef;

/// Decodes the operations of one direction; use the aliases [`ServerOpDecoder`] (what a
/// server sends: `INFO`, `MSG`, `HMSG`, `PING`, `PONG`, `+OK`, `-ERR`) and [`ClientOpDecoder`]
/// (what a client sends: `CONNECT`, `PUB`, `HPUB`, `SUB`, `UNSUB`, `PING`, `PONG`).
///
/// ```
/// use bytes::BytesMut;
/// use natskit_proto::{ServerOp, ServerOpDecoder};
///
/// let mut decoder = ServerOpDecoder::new();
/// let mut buf = BytesMut::from(&b"PING\r\nMSG greet 1 5\r\nhel"[..]);
/// assert_eq!(decoder.decode(&mut buf)?, Some(ServerOp::Ping));
/// assert_eq!(decoder.decode(&mut buf)?, None); // the payload is not all here yet
/// buf.extend_from_slice(b"lo\r\n");
/// let Some(ServerOp::Msg(msg)) = decoder.decode(&mut buf)? else { panic!("expected MSG") };
/// assert_eq!(msg.payload(), b"hello");
/// assert!(buf.is_empty());
/// # Ok::<(), natskit_proto::ProtoError>(())
/// ```
#[derive(Debug)]
pub struct Decoder<D> {
    framer: Framer,
    direction: PhantomData<D>,
}

/// Decodes what a server sends. [`Decoder::new`] accepts any payload a nats-server can be
/// configured to send (64 MiB); narrow it with [`Decoder::set_max_payload`] after INFO.
pub type ServerOpDecoder = Decoder<FromServer>;

/// Decodes what a client sends. [`Decoder::new`] uses nats-server's defaults: 4096-byte control
/// lines and 1 MiB payloads.
///
/// ```
/// use bytes::BytesMut;
/// use natskit_proto::{ClientOp, ClientOpDecoder};
///
/// let mut decoder = ClientOpDecoder::new();
/// let mut buf = BytesMut::from(&b"SUB orders.* workers 9\r\nUNSUB 9 10\r\n"[..]);
/// let Some(ClientOp::Sub(sub)) = decoder.decode(&mut buf)? else { panic!("expected SUB") };
/// assert_eq!((sub.subject.as_str(), sub.queue.as_deref(), sub.sid), ("orders.*", Some("workers"), 9));
/// assert_eq!(decoder.decode(&mut buf)?, Some(ClientOp::Unsub { sid: 9, max: Some(10) }));
/// # Ok::<(), natskit_proto::ProtoError>(())
/// ```
pub type ClientOpDecoder = Decoder<FromClient>;

/// Decodes what a client sends, for a broker: like [`ClientOpDecoder`], but `HPUB` header blocks
/// are not parsed, only measured, and stay in front of the payload ([`crate::RawPub`]), so they
/// are forwarded byte for byte as nats-server does.
///
/// ```
/// use bytes::BytesMut;
/// use natskit_proto::{BrokerOp, BrokerOpDecoder};
///
/// let mut decoder = BrokerOpDecoder::new();
/// let mut buf = BytesMut::from(&b"PING\r\nPUB a 2\r\nhi\r\n"[..]);
/// assert_eq!(decoder.decode(&mut buf)?, Some(BrokerOp::Ping));
/// let Some(BrokerOp::Pub(publish)) = decoder.decode(&mut buf)? else { panic!("expected PUB") };
/// assert_eq!((&publish.subject[..], &publish.data[..]), (&b"a"[..], &b"hi"[..]));
/// # Ok::<(), natskit_proto::ProtoError>(())
/// ```
pub type BrokerOpDecoder = Decoder<FromClientRaw>;

#[allow(private_bounds)] // Direction is sealed: only this crate's directions implement it.
impl<D: Direction> Default for Decoder<D> {
    fn default() -> Self {
        Self::new()
    }
}

#[allow(private_bounds)] // Direction is sealed: only the three markers implement it.
impl<D: Direction> Decoder<D> {
    /// A decoder with this direction's default limits.
    pub fn new() -> Self {
        Self::with_limits(D::default_limits())
    }

    /// A decoder with the given limits (payloads capped at [`MAX_PAYLOAD_CEILING`]).
    pub fn with_limits(limits: Limits) -> Self {
        Decoder {
            framer: Framer::new(limits, D::JSON_OP, D::OPS),
            direction: PhantomData,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.framer.limits
    }

    /// Changes the payload limit, for instance to the `max_payload` of the server's INFO.
    /// Values above [`MAX_PAYLOAD_CEILING`] are capped: a peer cannot make us reserve more.
    pub fn set_max_payload(&mut self, max_payload: usize) {
        self.framer.limits.max_payload = max_payload.min(MAX_PAYLOAD_CEILING);
    }

    /// The next whole operation in `buf`, `Ok(None)` if it is not complete yet. A frame still
    /// on its way stays at the front of `buf`, its line parsed once: between calls, the caller
    /// appends to `buf` and takes nothing from its front.
    #[inline(always)]
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<D::Op>, ProtoError> {
        if self.framer.pending.is_none() {
            let Some(line) = self.framer.find_line(buf)? else {
                return Ok(None);
            };
            return D::parse_line(&mut self.framer, buf, line);
        }
        self.framer.take_payload::<D>(buf)
    }
}

impl Decoder<FromClientRaw> {
    /// A whole `PUB` or `HPUB` frame at the front of `buf`, read in place, with the number of
    /// bytes it takes; `None` for anything else: another operation, a frame not complete yet,
    /// a frame [`Decoder::decode`] would reject, or a decoder in the middle of a frame. The
    /// caller skips the bytes of each frame it got (for a batch, with one `advance` at the end)
    /// and hands the rest to [`Decoder::decode`], which reports errors.
    ///
    /// This is a broker's fast path: nothing is split out of the buffer, so a publish costs no
    /// reference counting.
    ///
    /// ```
    /// use bytes::{Buf, BytesMut};
    /// use natskit_proto::{BrokerOp, BrokerOpDecoder};
    ///
    /// let mut decoder = BrokerOpDecoder::new();
    /// let mut buf = BytesMut::from(&b"PUB a 2\r\nhi\r\nPUB b _INBOX.1 0\r\n\r\nPING\r\n"[..]);
    /// let mut at = 0;
    /// let mut subjects = Vec::new();
    /// while let Some((publish, len)) = decoder.decode_pub_in_place(&buf[at..]) {
    ///     subjects.push(publish.subject.to_vec());
    ///     at += len;
    /// }
    /// assert_eq!(subjects, [b"a", b"b"]);
    /// buf.advance(at);
    /// assert_eq!(decoder.decode(&mut buf)?, Some(BrokerOp::Ping));
    /// # Ok::<(), natskit_proto::ProtoError>(())
    /// ```
    #[inline]
    pub fn decode_pub_in_place<'a>(&self, buf: &'a [u8]) -> Option<(PubRef<'a>, usize)> {
        self.framer.pub_in_place(buf)
    }
}
