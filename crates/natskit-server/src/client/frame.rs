//! A publish encoded once as the `MSG` (or `HMSG`) its subscribers get: a delivery is then one
//! to three copies into the subscriber's buffer instead of a control line formatted again,
//! piece by piece, for every subscriber.
//!
//! The wire form is `<op> <subject> <sid>[ <reply>][ <#hdr>] <#total>\r\n<data>\r\n`. The frame
//! holds all of it, the data too when it is small, with the sid of one subscriber: a delivery
//! to a subscription with that sid (often all of them: clients number their subscriptions from
//! 1 each) is one copy; others get the parts around the sid and their own. A publisher mostly
//! sends run after run of one subject and size, so the control line is kept from one publish
//! to the next while those stay the same, and only the data is copied again.

use std::ops::Range;

use natskit_proto::encode::message_line;
use natskit_proto::WriteBuffer;

/// Data up to this size is copied into the frame, so a delivery is one copy after the sid;
/// larger data is copied from where it lies, once per delivery.
const INLINE_MAX: usize = 256;

/// One publish's `MSG`.
#[derive(Debug, Default)]
pub(crate) struct Frame {
    /// `<op> <subject> <sid>[ <reply>][ <#hdr>] <#total>\r\n`, then, when small, the data and
    /// its CRLF.
    buf: Vec<u8>,
    /// Where the sid is in `buf`.
    sid: Range<usize>,
    /// Where the control line ends (after its CRLF).
    line_end: usize,
    /// Whether the data and its CRLF are in `buf`.
    inline: bool,
    /// What the control line says, to know whether the next publish has the same one: the
    /// subject and reply subject as ranges of `buf`, the header and data sizes.
    subject: Range<usize>,
    reply: Option<Range<usize>>,
    header_len: Option<usize>,
    data_len: usize,
}

impl Frame {
    /// Encodes a message on `subject` with `reply` whose `data` starts with a header block of
    /// `header_len` bytes, if any (`Some(0)` is sent as a plain `MSG`, as nats-server does),
    /// with `sid` (the subscription most deliveries are expected to be for). The buffer is
    /// reused from one publish to the next.
    pub(crate) fn encode(
        &mut self,
        subject: &[u8],
        reply: Option<&[u8]>,
        header_len: Option<usize>,
        data: &[u8],
        sid: &[u8],
    ) {
        let header_len = header_len.filter(|&len| len > 0);
        let same_line = self.line_end > 0
            && self.data_len == data.len()
            && self.header_len == header_len
            && same(&self.buf[self.sid.clone()], sid)
            && self.buf[self.subject.clone()] == *subject
            && self.reply.clone().map(|range| &self.buf[range]) == reply;
        if !same_line {
            self.encode_line(subject, reply, header_len, data.len(), sid);
        }
        self.buf.truncate(self.line_end);
        self.inline = data.len() <= INLINE_MAX;
        if self.inline {
            self.buf.extend_from_slice(data);
            self.buf.extend_from_slice(b"\r\n");
        }
    }

    /// Writes the control line at the start of `buf`.
    fn encode_line(
        &mut self,
        subject: &[u8],
        reply: Option<&[u8]>,
        header_len: Option<usize>,
        data_len: usize,
        sid: &[u8],
    ) {
        let op: &[u8] = if header_len.is_some() {
            b"HMSG"
        } else {
            b"MSG"
        };
        self.buf.clear();
        self.sid = message_line(
            &mut self.buf,
            op,
            subject,
            Some(sid),
            reply,
            header_len,
            data_len,
        );
        // `<op> <subject> <sid>[ <reply>] ...`: the names lie around the sid.
        self.subject = op.len() + 1..op.len() + 1 + subject.len();
        self.reply = reply.map(|reply| self.sid.end + 1..self.sid.end + 1 + reply.len());
        self.line_end = self.buf.len();
        self.header_len = header_len;
        self.data_len = data_len;
    }

    /// Appends the message for subscription `sid`; `data` is the one given to [`Self::encode`].
    #[inline]
    pub(crate) fn put(&self, out: &mut WriteBuffer, sid: &[u8], data: &[u8]) {
        let after = if same(&self.buf[self.sid.clone()], sid) {
            &self.buf[..]
        } else {
            out.put_raw(&self.buf[..self.sid.start]);
            out.put_raw(sid);
            &self.buf[self.sid.end..]
        };
        out.put_raw(after);
        if !self.inline {
            out.put_raw(data);
            out.put_raw(b"\r\n");
        }
    }
}

/// Whether two sids are the same: they are short, and a byte loop beats a call to `memcmp`.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Buf;

    /// Subject, reply subject, header size and data of a publish.
    type Publish<'a> = (&'a [u8], Option<&'a [u8]>, Option<usize>, &'a [u8]);

    fn delivered(
        subject: &[u8],
        reply: Option<&[u8]>,
        header_len: Option<usize>,
        data: &[u8],
    ) -> (Vec<u8>, Vec<u8>) {
        let mut frame = Frame::default();
        frame.encode(subject, reply, header_len, data, b"7");
        // One delivery with the frame's sid, one with another.
        let mut out = WriteBuffer::new();
        frame.put(&mut out, b"7", data);
        frame.put(&mut out, b"12", data);
        let mut expected = WriteBuffer::new();
        let header_len = header_len.filter(|&len| len > 0);
        expected.put_msg_slice(subject, b"7", reply, header_len, data);
        expected.put_msg_slice(subject, b"12", reply, header_len, data);
        let got = out.copy_to_bytes(out.remaining()).to_vec();
        (got, expected.copy_to_bytes(expected.remaining()).to_vec())
    }

    #[test]
    fn writes_what_the_encoder_writes() {
        let large = vec![b'x'; INLINE_MAX + 1];
        let cases: [Publish<'_>; 6] = [
            (b"a.b", None, None, b"hello"),
            (b"a.b", Some(b"_INBOX.1"), None, b""),
            (b"a", None, Some(12), b"NATS/1.0\r\n\r\nhi"),
            (b"a", Some(b"r"), Some(12), b"NATS/1.0\r\n\r\n"),
            (b"a", None, Some(0), b"hi"),
            (b"big", Some(b"r"), None, &large),
        ];
        for (subject, reply, header_len, data) in cases {
            let (got, expected) = delivered(subject, reply, header_len, data);
            assert_eq!(got, expected, "{subject:?} {reply:?} {header_len:?}");
        }
    }

    #[test]
    fn a_reused_frame_writes_each_publish_as_its_own() {
        let mut frame = Frame::default();
        let publishes: [Publish<'_>; 8] = [
            (
                b"first.subject",
                Some(b"reply"),
                Some(2),
                b"\r\nlonger data",
            ),
            (b"b", None, None, b"x"),
            (b"b", None, None, b"y"),
            (b"b", None, None, b"z"),
            (b"b", Some(b"r"), None, b"y"),
            (b"b", Some(b"s"), None, b"y"),
            (b"c", Some(b"s"), None, b"y"),
            (b"c", Some(b"s"), Some(1), b"y"),
        ];
        for (i, (subject, reply, header_len, data)) in publishes.into_iter().enumerate() {
            let sid: &[u8] = if i % 3 == 0 { b"1" } else { b"12" };
            frame.encode(subject, reply, header_len, data, sid);
            let mut out = WriteBuffer::new();
            frame.put(&mut out, b"12", data);
            let mut expected = WriteBuffer::new();
            expected.put_msg_slice(subject, b"12", reply, header_len, data);
            assert_eq!(
                out.copy_to_bytes(out.remaining()),
                expected.copy_to_bytes(expected.remaining())
            );
        }
    }
}
