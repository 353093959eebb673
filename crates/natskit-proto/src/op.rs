//! The operations of both directions: [`ServerOp`] (server to client) and [`ClientOp`] (client
//! to server), and the two forms of a publish: [`Pub`], with its headers parsed, for a client's
//! codec, and [`RawPub`] (owned) / [`PubRef`] (borrowed), with its header block left as sent,
//! for a broker.

use std::ops::Deref;

use bytes::Bytes;

use crate::error::ProtoError;
use crate::headers::HeaderMap;
use crate::info::{ConnectInfo, ServerInfo};
pub use crate::msg::Msg;
use crate::subject::Subject;

/// A `MSG` or `HMSG` whose framing is sound but whose subject or reply subject is not UTF-8, or
/// whose header block does not parse. nats-server forwards such messages as publishers sent
/// them; the decoder takes the frame out whole and reports it as this, so the connection and
/// the messages after it are kept. What to do with it is the caller's choice (natskit's client
/// drops it, counts it and reports an event).
///
/// ```
/// use bytes::BytesMut;
/// use natskit_proto::{ServerOp, ServerOpDecoder};
///
/// let mut buf = BytesMut::from(&b"HMSG a 3 6 8\r\ngarb\r\nhi\r\nPING\r\n"[..]);
/// let mut decoder = ServerOpDecoder::new();
/// let Some(ServerOp::Malformed(bad)) = decoder.decode(&mut buf)? else { panic!() };
/// assert_eq!(bad.sid, 3);
/// assert!(bad.error.to_string().contains("header"));
/// assert_eq!(decoder.decode(&mut buf)?, Some(ServerOp::Ping));
/// # Ok::<(), natskit_proto::ProtoError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedMsg {
    /// The subscription it was delivered for.
    pub sid: u64,
    /// What could not be read.
    pub error: ProtoError,
}

/// An operation sent by a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerOp {
    /// `INFO {json}`: the server's description, at connect and whenever it changes.
    Info(Box<ServerInfo>),
    /// `MSG` or `HMSG`.
    Msg(Msg),
    /// `PING`: answer with `PONG` at once.
    Ping,
    /// `PONG`: answers our oldest outstanding `PING`.
    Pong,
    /// `+OK`: acknowledgement in verbose mode.
    Ok,
    /// `-ERR '<text>'`, with the dash, spaces and quotes removed.
    Err(String),
    /// A message whose subject or header block cannot be read (see [`MalformedMsg`]). Decoded
    /// only: [`WriteBuffer::put_server_op`](crate::WriteBuffer::put_server_op) writes nothing
    /// for it.
    Malformed(MalformedMsg),
}

/// A publish as a client's codec sees it: `PUB`, or `HPUB` when `headers` is set, with the
/// header block parsed. What [`ClientOp::Pub`] holds.
///
/// ```
/// use bytes::Bytes;
/// use natskit_proto::{ClientOp, Pub, WriteBuffer};
///
/// let op = ClientOp::Pub(Pub::new("orders.new", Bytes::from_static(b"hello")));
/// let mut out = WriteBuffer::new();
/// out.put_client_op(&op);
/// assert_eq!(out.to_bytes(), "PUB orders.new 5\r\nhello\r\n");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pub {
    /// The subject to publish to.
    pub subject: Subject,
    /// Where answers should go.
    pub reply: Option<Subject>,
    /// Headers; `None` sends a plain `PUB`.
    pub headers: Option<HeaderMap>,
    /// The payload.
    pub payload: Bytes,
}

impl Pub {
    /// A plain publish without reply subject or headers.
    pub fn new(subject: impl Into<Subject>, payload: Bytes) -> Self {
        Pub {
            subject: subject.into(),
            reply: None,
            headers: None,
            payload,
        }
    }
}

/// A subscription: `SUB <subject> [queue] <sid>`. `S` is the form of the sid: a number (the
/// default, what natskit and every official client send), or, for a broker, the token as the
/// client sent it ([`Bytes`]), which nats-server takes whatever it is (`SUB foo abc`). `N` is
/// the form of the subject and queue: a UTF-8 [`Subject`] by default, for a broker the bytes
/// sent, which nats-server takes whether they are UTF-8 or not.
///
/// ```
/// use bytes::{Bytes, BytesMut};
/// use natskit_proto::{BrokerOp, BrokerOpDecoder};
///
/// let mut buf = BytesMut::from(&b"SUB orders.* abc\r\n"[..]);
/// let Some(BrokerOp::Sub(sub)) = BrokerOpDecoder::new().decode(&mut buf)? else { panic!() };
/// assert_eq!(sub.sid, Bytes::from_static(b"abc"));
/// assert_eq!(sub.subject, Bytes::from_static(b"orders.*"));
/// # Ok::<(), natskit_proto::ProtoError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sub<S = u64, N = Subject> {
    /// The subject, wildcards allowed.
    pub subject: N,
    /// The queue group, if the subscriber shares the load with others.
    pub queue: Option<N>,
    /// Subscription id chosen by the client.
    pub sid: S,
}

/// An operation sent by a client. `P` is the form of a publish: [`Pub`] (headers parsed) by
/// default, [`RawPub`] (header block left raw) for a broker, which is [`BrokerOp`]. `S` is the
/// form of a sid (see [`Sub`]): a number by default, the bytes sent for a broker. `N` is the
/// form of subjects and queue names (see [`Sub`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOp<P = Pub, S = u64, N = Subject> {
    /// `CONNECT {json}`.
    Connect(Box<ConnectInfo>),
    /// `PUB` or `HPUB`.
    Pub(P),
    /// `SUB`.
    Sub(Sub<S, N>),
    /// `UNSUB <sid> [max]`: stop now, or after `max` messages in all.
    Unsub {
        /// The subscription.
        sid: S,
        /// Total number of messages after which the server ends the subscription. For a
        /// broker ([`BrokerOp`]), a max nats-server does not read as a count (anything but one
        /// to nine digits) is `Some(0)`: the subscription ends now, as there.
        max: Option<u64>,
    },
    /// `PING`.
    Ping,
    /// `PONG`.
    Pong,
}

/// What a broker reads from a client: a [`ClientOp`] whose publishes keep their header block
/// raw ([`RawPub`]), so they are forwarded byte for byte and never parsed, and whose sids are
/// the bytes the client sent, written back as they are in each `MSG`. Subjects, reply subjects
/// and queue names are the bytes sent too: nats-server routes them whether UTF-8 or not.
pub type BrokerOp = ClientOp<RawPub, Bytes, Bytes>;

/// A publish as a broker forwards it: the header block of an `HPUB` is kept as the bytes the
/// client sent, at the front of `data`, so it is delivered unchanged and never parsed.
///
/// One type for both ways a broker holds a publish: owned (`RawPub`, the default parameters:
/// subjects and data as [`Bytes`] split out of the read buffer, what
/// [`BrokerOpDecoder::decode`](crate::Decoder::decode) returns when a frame arrived in pieces)
/// and borrowed ([`PubRef`]: `&[u8]` where the frame lies in the read buffer, what
/// [`BrokerOpDecoder::decode_pub_in_place`](crate::BrokerOpDecoder::decode_pub_in_place)
/// returns). Subjects are bytes, not necessarily UTF-8, as nats-server routes them.
///
/// ```
/// use bytes::BytesMut;
/// use natskit_proto::{BrokerOp, BrokerOpDecoder};
///
/// let mut buf = BytesMut::from(&b"HPUB greet 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"[..]);
/// let Some(BrokerOp::Pub(publish)) = BrokerOpDecoder::new().decode(&mut buf)? else { panic!() };
/// assert_eq!(publish.header_len, Some(12));
/// assert_eq!(&publish.data[..], b"NATS/1.0\r\n\r\nhi");
/// assert_eq!(publish.payload(), &b"hi"[..]);
/// # Ok::<(), natskit_proto::ProtoError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPub<S = Bytes, D = Bytes> {
    /// The subject to publish to.
    pub subject: S,
    /// Where answers should go.
    pub reply: Option<S>,
    /// Size of the header block for `HPUB`; `None` for `PUB`.
    pub header_len: Option<usize>,
    /// Header block (if any) followed by the payload, as on the wire.
    pub data: D,
}

/// A publish read where it lies in the read buffer, borrowed rather than split out: what
/// [`BrokerOpDecoder::decode_pub_in_place`](crate::BrokerOpDecoder::decode_pub_in_place) returns.
/// A broker copies small payloads into each subscriber's output anyway, so taking them out of
/// the buffer as reference-counted [`Bytes`] would only cost time.
///
/// ```
/// use bytes::Bytes;
/// use natskit_proto::{PubRef, RawPub};
///
/// let raw = RawPub { subject: Bytes::from_static(b"a"), reply: None, header_len: None, data: Bytes::from_static(b"hi") };
/// let publish: PubRef<'_> = raw.borrowed();
/// assert_eq!((publish.subject, publish.data), (&b"a"[..], &b"hi"[..]));
/// ```
pub type PubRef<'a> = RawPub<&'a [u8], &'a [u8]>;

impl<S: Deref<Target = [u8]>, D: Deref<Target = [u8]>> RawPub<S, D> {
    /// The payload without the header block. Panics when `header_len` is larger than `data`,
    /// which a decoder never returns but a hand-built publish could hold.
    ///
    /// ```
    /// use natskit_proto::PubRef;
    ///
    /// let publish = PubRef { subject: b"a", reply: None, header_len: Some(12), data: b"NATS/1.0\r\n\r\nhi" };
    /// assert_eq!(publish.payload(), b"hi");
    /// ```
    pub fn payload(&self) -> &[u8] {
        &self.data[self.header_len.unwrap_or(0)..]
    }

    /// The same publish, borrowed.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use natskit_proto::RawPub;
    ///
    /// let raw = RawPub { subject: Bytes::from_static(b"a"), reply: None, header_len: None, data: Bytes::from_static(b"hi") };
    /// assert_eq!(raw.borrowed().data, b"hi");
    /// ```
    #[inline]
    pub fn borrowed(&self) -> PubRef<'_> {
        RawPub {
            subject: &self.subject,
            reply: self.reply.as_deref(),
            header_len: self.header_len,
            data: &self.data,
        }
    }
}
