//! The frame nearly every publisher sends, read in one pass: `PUB <subject> [reply] <size>\r\n`
//! in upper case with single spaces, followed by its data and CRLF. Anything else (another
//! operation, `HPUB`, lower case, tabs, runs of spaces, a frame not all there, a size with
//! leading zeros or over the limits) is left to the decoder, which reads every form and
//! reports the errors; a frame this reads, the decoder reads the same way.
//!
//! The decoder's own in-place path costs about 250 instructions for a 16-byte publish, most of
//! them in its general splitting of a control line and its checks of the operation's name.
//! [`Framer::pub_in_place`](crate::framer::Framer::pub_in_place) tries this first.

use crate::args::{mark_bytes_equal, plain_number};
use crate::limits::Limits;
use crate::op::PubRef;

/// Most digits of a size: nats-server reads 9 at most.
const MAX_SIZE_DIGITS: usize = 9;

/// A whole plain `PUB` at the front of `buf` and the bytes it takes, or `None` (the decoder's
/// turn). Only where no frame has begun: the framer knows.
#[inline]
pub(crate) fn scan_pub<'a>(buf: &'a [u8], limits: &Limits) -> Option<(PubRef<'a>, usize)> {
    if buf.get(..4)? != b"PUB " {
        return None;
    }
    // The blanks after the subject and after the reply subject, and the end of the line,
    // which may be at `max_control_line` at the furthest (as the decoder counts).
    let limit = buf.len().min(limits.max_control_line.saturating_add(1));
    let mut spaces = [0usize; 2];
    let mut found = 0;
    let mut at = 4;
    let end = loop {
        at = next_special(buf, at, limit)?;
        match buf[at] {
            b' ' if found < spaces.len() => {
                spaces[found] = at;
                found += 1;
                at += 1;
            }
            b'\r' => break at,
            _ => return None,
        }
    };
    if *buf.get(end + 1)? != b'\n' {
        return None;
    }
    let (subject, reply, size) = match found {
        1 => (4..spaces[0], None, spaces[0] + 1..end),
        2 => (
            4..spaces[0],
            Some(spaces[0] + 1..spaces[1]),
            spaces[1] + 1..end,
        ),
        _ => return None,
    };
    if subject.is_empty() || reply.as_ref().is_some_and(|r| r.is_empty()) {
        return None;
    }
    let size = size_of(&buf[size])?;
    if size > limits.max_payload {
        return None;
    }
    let start = end + 2;
    let stop = start + size;
    if buf.get(stop..stop + 2)? != b"\r\n" {
        return None;
    }
    let publish = PubRef {
        subject: &buf[subject],
        reply: reply.map(|range| &buf[range]),
        header_len: None,
        data: &buf[start..stop],
    };
    Some((publish, stop + 2))
}

fn is_special(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// The first space, tab, CR or LF in `buf[at..limit]`, eight bytes at a time: subjects are
/// most of a control line. The lowest mark of each kind is a true one, so the lowest of all is.
#[inline]
fn next_special(buf: &[u8], mut at: usize, limit: usize) -> Option<usize> {
    while let Some(chunk) = buf.get(at..at + 8).filter(|_| at + 8 <= limit) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        let found = mark_bytes_equal(word, b' ')
            | mark_bytes_equal(word, b'\t')
            | mark_bytes_equal(word, b'\r')
            | mark_bytes_equal(word, b'\n');
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    (at..limit).find(|&i| is_special(buf[i]))
}

/// 1 to 9 digits without a leading zero (but `0` itself).
#[inline]
fn size_of(digits: &[u8]) -> Option<usize> {
    if digits.len() > MAX_SIZE_DIGITS || digits.len() > 1 && digits[0] == b'0' {
        return None;
    }
    // Nine digits fit any usize.
    plain_number(digits).map(|size| size as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;

    use crate::{BrokerOp, BrokerOpDecoder};

    fn limits() -> Limits {
        Limits {
            max_control_line: 32,
            max_json_line: 32,
            max_payload: 100,
        }
    }

    /// A publish as the general decoder reads the front of `case`: subject, reply, data and
    /// the bytes it takes.
    type Read = (Vec<u8>, Option<Vec<u8>>, Vec<u8>, usize);

    fn decoded(case: &[u8], limits: Limits) -> Option<Read> {
        let mut buf = BytesMut::from(case);
        match BrokerOpDecoder::with_limits(limits).decode(&mut buf) {
            Ok(Some(BrokerOp::Pub(publish))) if publish.header_len.is_none() => Some((
                publish.subject.to_vec(),
                publish.reply.map(|reply| reply.to_vec()),
                publish.data.to_vec(),
                case.len() - buf.len(),
            )),
            _ => None,
        }
    }

    fn scanned(case: &[u8], limits: &Limits) -> Option<Read> {
        scan_pub(case, limits).map(|(publish, len)| {
            (
                publish.subject.to_vec(),
                publish.reply.map(<[u8]>::to_vec),
                publish.data.to_vec(),
                len,
            )
        })
    }

    #[test]
    fn reads_what_the_decoder_reads_and_leaves_it_the_rest() {
        let cases: &[&[u8]] = &[
            b"PUB a 2\r\nhi\r\n",
            b"PUB a.b _INBOX.x 0\r\n\r\nPUB c 1\r\nx\r\n",
            b"PUB a 100\r\n",
            b"PUB a 016\r\n0123456789abcdef\r\n",
            b"PUB a 101\r\n",
            b"pub a 2\r\nhi\r\n",
            b"PUB  a 2\r\nhi\r\n",
            b"PUB a  2\r\nhi\r\n",
            b"PUB a\t2\r\nhi\r\n",
            b"PUB a 2 \r\nhi\r\n",
            b"PUB a b c 2\r\nhi\r\n",
            b"PUB a 2\nhi\r\n",
            b"PUB a\rb 2\r\nhi\r\n",
            b"PUB a 2\r\nhi!\r\n",
            b"PUB a 2\r\nhi",
            b"PUB a x\r\nhi\r\n",
            b"PUB a 1234567890\r\n",
            b"PUB a.very.long.subject.past.the.limit 2\r\nhi\r\n",
            b"HPUB a 0 2\r\nhi\r\n",
            b"PUB 2\r\nhi\r\n",
            b"PING\r\n",
            b"PUB",
        ];
        for &case in cases {
            if let Some(fast) = scanned(case, &limits()) {
                assert_eq!(
                    decoded(case, limits()),
                    Some(fast),
                    "{:?}",
                    String::from_utf8_lossy(case)
                );
            }
        }
        // Every length of subject and reply, across the eight-byte steps, and a tab anywhere.
        let defaults = Limits::default();
        for n in 1..40 {
            let name = "s".repeat(n);
            for line in [
                format!("PUB {name} 3\r\nabc\r\n"),
                format!("PUB {name} {name} 3\r\nabc\r\n"),
                format!("PUB a{name}\tb 3\r\nabc\r\n"),
            ] {
                let case = line.as_bytes();
                let fast = scanned(case, &defaults);
                assert_eq!(fast.is_some(), !line.contains('\t'), "{line:?}");
                if fast.is_some() {
                    assert_eq!(fast, decoded(case, defaults), "{line:?}");
                }
            }
        }
        let taken = |case: &[u8]| scan_pub(case, &limits()).map(|(_, len)| len);
        assert_eq!(taken(b"PUB a 2\r\nhi\r\n"), Some(13));
        assert_eq!(
            taken(b"PUB a.b _INBOX.x 0\r\n\r\nPUB c 1\r\nx\r\n"),
            Some(22)
        );
        for refused in [
            &b"PUB a 016\r\n0123456789abcdef\r\n"[..],
            b"PUB a 101\r\n",
            b"pub a 2\r\nhi\r\n",
            b"PUB a\t2\r\nhi\r\n",
            b"PUB a b c 2\r\nhi\r\n",
            b"PUB a 2\r\nhi!\r\n",
            b"PUB a.very.long.subject.past.the.limit 2\r\nhi\r\n",
            b"HPUB a 0 2\r\nhi\r\n",
        ] {
            assert_eq!(
                taken(refused),
                None,
                "{:?}",
                String::from_utf8_lossy(refused)
            );
        }
    }
}
