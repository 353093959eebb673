//! [`Msg`]: a message delivered by the server, holding its frame as one shared reference.
//!
//! A decoded `MSG` keeps its whole frame, control line to terminator, as one [`Bytes`] and
//! knows where each part lies in it. Taking a message out of the read buffer then costs one
//! reference count instead of one per part and no cutting of the `Bytes` (each cut was a call
//! that moved the `Bytes` through memory: together about a sixth of a 16-byte message's
//! decoding). [`Msg::into_parts`] gives the parts as their own values when they are wanted.

use std::fmt;
use std::ops::Range;

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::frame_layout::FrameLayout;
use crate::headers::HeaderMap;
use crate::subject::Subject;

/// A message delivered by the server: `MSG`, or `HMSG` when it has [`headers`](Self::headers).
///
/// ```
/// use bytes::BytesMut;
/// use natskit_proto::{ServerOp, ServerOpDecoder};
///
/// let mut buf = BytesMut::from(&b"MSG orders.new 7 _INBOX.x 5\r\nhello\r\n"[..]);
/// let Some(ServerOp::Msg(msg)) = ServerOpDecoder::new().decode(&mut buf)? else { panic!() };
/// assert_eq!(msg.subject(), "orders.new");
/// assert_eq!(msg.sid(), 7);
/// assert_eq!(msg.reply(), Some("_INBOX.x"));
/// assert_eq!(msg.payload(), b"hello");
/// # Ok::<(), natskit_proto::ProtoError>(())
/// ```
#[derive(Clone)]
pub struct Msg {
    /// The bytes the parts lie in: a decoded message's whole frame, or the parts one after the
    /// other for a message made with [`Msg::new`]; what lies between the parts is whatever the
    /// frame had there.
    frame: Bytes,
    sid: u64,
    /// Where the subject lies in `frame`, valid UTF-8.
    subject: Range<usize>,
    /// Where the reply subject lies in `frame`, valid UTF-8.
    reply: Option<Range<usize>>,
    /// The payload is `frame[payload_start..payload_end]` (a parsed header block excluded).
    payload_start: usize,
    payload_end: usize,
    /// Boxed: most messages have none, and the box keeps the message small to move.
    headers: Option<Box<HeaderMap>>,
}

/// The parts of a [`Msg`] as values of their own, from [`Msg::into_parts`]: the subjects and
/// the payload share the message's frame.
///
/// ```
/// use natskit_proto::Msg;
///
/// let parts = Msg::new("a.b", 1, Some("_INBOX.1"), None, b"hi").into_parts();
/// assert_eq!(parts.subject, "a.b");
/// assert_eq!(parts.reply.as_deref(), Some("_INBOX.1"));
/// assert_eq!(parts.payload, "hi");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgParts {
    /// The subject it was published to.
    pub subject: Subject,
    /// The subscription it is delivered for.
    pub sid: u64,
    /// Where the publisher wants an answer.
    pub reply: Option<Subject>,
    /// Headers (and status line) of an `HMSG`; `None` for a plain `MSG`.
    pub headers: Option<HeaderMap>,
    /// The payload.
    pub payload: Bytes,
}

impl Msg {
    /// A message made of the given parts, copied into one frame: for tests and for servers
    /// that make messages of their own.
    ///
    /// ```
    /// use natskit_proto::Msg;
    ///
    /// let msg = Msg::new("greet", 3, None, None, b"hi");
    /// assert_eq!((msg.subject(), msg.sid(), msg.reply(), msg.payload()), ("greet", 3, None, &b"hi"[..]));
    /// ```
    pub fn new(
        subject: &str,
        sid: u64,
        reply: Option<&str>,
        headers: Option<HeaderMap>,
        payload: &[u8],
    ) -> Msg {
        let reply_len = reply.map_or(0, str::len);
        let mut frame = BytesMut::with_capacity(subject.len() + reply_len + payload.len());
        frame.put_slice(subject.as_bytes());
        let reply = reply.map(|reply| {
            frame.put_slice(reply.as_bytes());
            subject.len()..subject.len() + reply.len()
        });
        let payload_start = frame.len();
        frame.put_slice(payload);
        Msg {
            payload_end: frame.len(),
            frame: frame.freeze(),
            sid,
            subject: 0..subject.len(),
            reply,
            payload_start,
            headers: headers.map(Box::new),
        }
    }

    /// A decoded frame; the decoder has checked that the subject and the reply subject are
    /// UTF-8 and that every range lies in `frame`.
    #[inline(always)]
    pub(crate) fn from_frame(frame: Bytes, layout: FrameLayout, headers: Option<HeaderMap>) -> Msg {
        Msg {
            frame,
            sid: layout.sid,
            subject: layout.subject,
            reply: layout.reply,
            payload_start: layout.payload_start,
            payload_end: layout.payload_end,
            headers: headers.map(Box::new),
        }
    }

    /// The subscription it is delivered for.
    ///
    /// ```
    /// assert_eq!(natskit_proto::Msg::new("a", 9, None, None, b"").sid(), 9);
    /// ```
    pub fn sid(&self) -> u64 {
        self.sid
    }

    /// The subject it was published to.
    ///
    /// ```
    /// assert_eq!(natskit_proto::Msg::new("a.b", 1, None, None, b"").subject(), "a.b");
    /// ```
    pub fn subject(&self) -> &str {
        text(&self.frame[self.subject.clone()])
    }

    /// Where the publisher wants an answer.
    ///
    /// ```
    /// let msg = natskit_proto::Msg::new("a", 1, Some("_INBOX.7"), None, b"");
    /// assert_eq!(msg.reply(), Some("_INBOX.7"));
    /// ```
    pub fn reply(&self) -> Option<&str> {
        self.reply.clone().map(|range| text(&self.frame[range]))
    }

    /// Headers (and status line) of an `HMSG`; `None` for a plain `MSG`.
    ///
    /// ```
    /// use natskit_proto::{HeaderMap, Msg};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.append("K", "v").unwrap();
    /// let msg = Msg::new("a", 1, None, Some(headers), b"");
    /// assert_eq!(msg.headers().and_then(|h| h.get("K")), Some("v"));
    /// ```
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.headers.as_deref()
    }

    /// The payload.
    ///
    /// ```
    /// assert_eq!(natskit_proto::Msg::new("a", 1, None, None, b"hi").payload(), b"hi");
    /// ```
    pub fn payload(&self) -> &[u8] {
        &self.frame[self.payload_start..self.payload_end]
    }

    /// The payload as [`Bytes`] sharing the frame.
    ///
    /// ```
    /// assert_eq!(natskit_proto::Msg::new("a", 1, None, None, b"hi").payload_bytes(), "hi");
    /// ```
    pub fn payload_bytes(&self) -> Bytes {
        self.frame.slice(self.payload_start..self.payload_end)
    }

    /// How many bytes of its frame the message holds alive: its subjects, its payload and the
    /// few bytes of the control line around them.
    ///
    /// ```
    /// assert_eq!(natskit_proto::Msg::new("a", 1, Some("b"), None, b"hi").frame_len(), 4);
    /// ```
    pub fn frame_len(&self) -> usize {
        self.frame.len()
    }

    /// The same message over a copy of its parts (from its subject to the end of its payload)
    /// appended to `chunk` and split off it, so that holding it no longer holds the buffer it
    /// was decoded from: one copy and one reference count, however many parts the message has.
    /// `chunk` needs room for [`frame_len`](Self::frame_len) bytes to take no allocation.
    ///
    /// ```
    /// use bytes::BytesMut;
    /// use natskit_proto::Msg;
    ///
    /// let msg = Msg::new("a", 1, Some("b"), None, b"hi");
    /// let mut chunk = BytesMut::with_capacity(1024);
    /// let copy = msg.clone().copied_to(&mut chunk);
    /// assert_eq!(copy, msg);
    /// assert_eq!(chunk.capacity(), 1024 - msg.frame_len());
    /// ```
    pub fn copied_to(self, chunk: &mut BytesMut) -> Msg {
        // The parts keep their places relative to the subject, which the copy starts with.
        let start = self.subject.start;
        let shift = |range: Range<usize>| range.start - start..range.end - start;
        chunk.put_slice(&self.frame[start..self.payload_end]);
        Msg {
            frame: chunk.split_to(self.payload_end - start).freeze(),
            sid: self.sid,
            subject: shift(self.subject),
            reply: self.reply.map(shift),
            payload_start: self.payload_start - start,
            payload_end: self.payload_end - start,
            headers: self.headers,
        }
    }

    /// The parts as values of their own: the subjects and the payload share the frame.
    ///
    /// ```
    /// let parts = natskit_proto::Msg::new("a", 1, None, None, b"hi").into_parts();
    /// assert_eq!((parts.subject.as_str(), parts.payload.as_ref()), ("a", &b"hi"[..]));
    /// ```
    pub fn into_parts(self) -> MsgParts {
        let Msg {
            mut frame,
            sid,
            subject,
            reply,
            payload_start,
            payload_end,
            headers,
        } = self;
        let subject = subject_of(frame.slice(subject));
        let reply = reply.map(|range| subject_of(frame.slice(range)));
        // The frame itself becomes the payload: no reference count for it.
        frame.truncate(payload_end);
        frame.advance(payload_start);
        let payload = frame;
        MsgParts {
            subject,
            sid,
            reply,
            headers: headers.map(|headers| *headers),
            payload,
        }
    }
}

/// `bytes` as text; the decoder and [`Msg::new`] let only UTF-8 into a subject, so the empty
/// fallback is never taken.
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// `bytes` as a [`Subject`]; UTF-8 as for [`text`].
fn subject_of(bytes: Bytes) -> Subject {
    Subject::from_utf8(bytes).unwrap_or_else(|_| Subject::from(""))
}

impl PartialEq for Msg {
    /// Equal parts: two messages are equal whatever the rest of their frames holds.
    fn eq(&self, other: &Msg) -> bool {
        self.sid == other.sid
            && self.subject() == other.subject()
            && self.reply() == other.reply()
            && self.headers() == other.headers()
            && self.payload() == other.payload()
    }
}

impl Eq for Msg {}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Msg")
            .field("subject", &self.subject())
            .field("sid", &self.sid)
            .field("reply", &self.reply())
            .field("headers", &self.headers())
            .field("payload", &self.payload_bytes())
            .finish()
    }
}
