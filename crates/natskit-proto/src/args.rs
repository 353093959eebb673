//! Splitting and reading the arguments of a control line.

use crate::error::ProtoError;

/// Most arguments any operation takes (`HMSG subject sid reply #hdr #total`).
pub(crate) const MAX_ARGS: usize = 5;

/// Byte ranges of the space- or tab-separated arguments of one control line.
pub(crate) struct Args {
    ranges: [(usize, usize); MAX_ARGS],
    len: usize,
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Eight copies of `byte`, one per byte of a `u64`.
const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// Marks (high bit set) the bytes of `word` equal to `byte`. Bytes above the first match may be
/// marked falsely, so only the lowest mark is meaningful.
#[inline]
pub(crate) fn mark_bytes_equal(word: u64, byte: u8) -> u64 {
    let x = word ^ splat(byte);
    x.wrapping_sub(splat(0x01)) & !x & splat(0x80)
}

/// Index of the first space or tab in `line` at or after `i`, or `line.len()`.
///
/// Reads eight bytes at a time: control lines are mostly subjects, which are long and have no
/// blanks, and this halves the cost of splitting a typical `MSG` line.
#[inline]
pub(crate) fn next_blank(line: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = line.get(i..i + 8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(chunk);
        let word = u64::from_le_bytes(bytes);
        let marks = mark_bytes_equal(word, b' ') | mark_bytes_equal(word, b'\t');
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < line.len() && !is_blank(line[i]) {
        i += 1;
    }
    i
}

impl Args {
    /// Splits `line[from..]` on runs of spaces and tabs. More than [`MAX_ARGS`] is an error.
    pub(crate) fn split(op: &'static str, line: &[u8], from: usize) -> Result<Args, ProtoError> {
        let mut args = Args {
            ranges: [(0, 0); MAX_ARGS],
            len: 0,
        };
        let mut i = from;
        loop {
            while i < line.len() && is_blank(line[i]) {
                i += 1;
            }
            if i == line.len() {
                return Ok(args);
            }
            let start = i;
            i = next_blank(line, i);
            if args.len == MAX_ARGS {
                return Err(invalid(op, "too many arguments"));
            }
            args.ranges[args.len] = (start, i);
            args.len += 1;
        }
    }

    /// Number of arguments.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The byte range of argument `i`.
    pub(crate) fn range(&self, i: usize) -> std::ops::Range<usize> {
        let (start, end) = self.ranges[i];
        start..end
    }
}

/// The arguments of a payload operation's line in its plain form, read in one pass: single
/// spaces between them, nothing after the last, numbers of at most 19 digits.
pub(crate) struct PlainPayloadArgs {
    pub subject: std::ops::Range<usize>,
    pub reply: Option<std::ops::Range<usize>>,
    pub sid: u64,
    pub header_len: Option<u64>,
    pub total: u64,
}

/// Reads `line[from..]` (after the operation's name and its space) as `subject [sid] [reply]
/// [#hdr] #total`, with a sid when `with_sid` and a header size when `with_headers`; `None`
/// when the line is not in the plain form, for [`Args::split`] to read it (and report what is
/// wrong).
///
/// Servers and clients write exactly this form; reading it without the general splitter's
/// bookkeeping is what keeps a 16-byte `MSG` well under 100 ns to decode.
#[inline]
pub(crate) fn plain_payload_args(
    line: &[u8],
    from: usize,
    with_sid: bool,
    with_headers: bool,
) -> Option<PlainPayloadArgs> {
    if !with_headers {
        return plain_args_without_headers(line, from, with_sid);
    }
    // Up to four tokens after the subject (sid, reply, #hdr, #total): their ranges.
    let mut tokens = [(0usize, 0usize); MAX_ARGS];
    let mut n = 0;
    let mut start = from;
    loop {
        let end = next_blank(line, start);
        if end == start || n == MAX_ARGS {
            return None;
        }
        tokens[n] = (start, end);
        n += 1;
        if end == line.len() {
            break;
        }
        if line[end] != b' ' {
            return None;
        }
        start = end + 1;
    }
    let required = 2 + usize::from(with_sid) + usize::from(with_headers);
    if n != required && n != required + 1 {
        return None;
    }
    let number = |i: usize| plain_number(&line[tokens[i].0..tokens[i].1]);
    let sid = if with_sid { number(1)? } else { 0 };
    let header_len = if with_headers {
        Some(number(n - 2)?)
    } else {
        None
    };
    let range = |i: usize| tokens[i].0..tokens[i].1;
    Some(PlainPayloadArgs {
        subject: range(0),
        reply: (n == required + 1).then(|| range(1 + usize::from(with_sid))),
        sid,
        header_len,
        total: number(n - 1)?,
    })
}

/// [`plain_payload_args`] of `MSG` and `PUB`, scanning and reading numbers in one go.
#[inline]
pub(crate) fn plain_args_without_headers(
    line: &[u8],
    from: usize,
    with_sid: bool,
) -> Option<PlainPayloadArgs> {
    let subject_end = next_blank(line, from);
    if subject_end == from || line.get(subject_end) != Some(&b' ') {
        return None;
    }
    let mut at = subject_end + 1;
    let sid = if with_sid {
        let (sid, end) = leading_number(line, at)?;
        if line.get(end) != Some(&b' ') {
            return None;
        }
        at = end + 1;
        sid
    } else {
        0
    };
    // `#total` alone, or `reply #total` (a reply may be all digits too).
    let (reply, total_at) = match leading_number(line, at) {
        Some((total, end)) if end == line.len() => {
            return Some(PlainPayloadArgs {
                subject: from..subject_end,
                reply: None,
                sid,
                header_len: None,
                total,
            })
        }
        _ => {
            let reply_end = next_blank(line, at);
            if reply_end == at || line.get(reply_end) != Some(&b' ') {
                return None;
            }
            (at..reply_end, reply_end + 1)
        }
    };
    let (total, end) = leading_number(line, total_at)?;
    if end != line.len() {
        return None;
    }
    Some(PlainPayloadArgs {
        subject: from..subject_end,
        reply: Some(reply),
        sid,
        header_len: None,
        total,
    })
}

/// The 1 to 19 ASCII digits (so no overflow) at `line[at..]` as a number, and where they end;
/// `None` when there are none or more.
#[inline(always)]
fn leading_number(line: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    let mut end = at;
    while let Some(&b) = line.get(end) {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        // At most 20 digits are read before the check below: wrapping keeps that defined.
        value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
        end += 1;
        if end - at > 19 {
            return None;
        }
    }
    (end > at).then_some((value, end))
}

/// 1 to 19 ASCII digits (so no overflow) as a number; `None` for anything else.
#[inline]
pub(crate) fn plain_number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut value: u64 = 0;
    for &b in digits {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + u64::from(digit);
    }
    Some(value)
}

/// An `InvalidArguments` error.
pub(crate) fn invalid(op: &'static str, reason: impl Into<String>) -> ProtoError {
    ProtoError::InvalidArguments {
        op,
        reason: reason.into(),
    }
}

/// Reads a decimal number made of ASCII digits only (no sign, no spaces), without overflow.
pub(crate) fn parse_number(op: &'static str, what: &str, digits: &[u8]) -> Result<u64, ProtoError> {
    if digits.is_empty() {
        return Err(invalid(op, format!("{what} is empty")));
    }
    let mut value: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return Err(invalid(
                op,
                format!(
                    "{what} {:?} is not a non-negative number",
                    String::from_utf8_lossy(digits)
                ),
            ));
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or_else(|| invalid(op, format!("{what} is too large")))?;
    }
    Ok(value)
}

/// True when `line` starts with `name`, compared ignoring ASCII case.
pub(crate) fn starts_with_ignore_case(line: &[u8], name: &[u8]) -> bool {
    match line.get(..name.len()) {
        // Servers and clients send operations in upper case: try the exact match first.
        Some(start) => start == name || start.eq_ignore_ascii_case(name),
        None => false,
    }
}

/// True when `line` starts with the operation `name` and a space or tab: how nats-server reads
/// the operations that take arguments (`SUB` alone is no operation there).
pub(crate) fn is_op_with_args(line: &[u8], name: &[u8]) -> bool {
    starts_with_ignore_case(line, name) && line.get(name.len()).is_some_and(|&b| is_blank(b))
}

/// An operation's name, and whether a blank must follow it (operations with arguments).
#[derive(Debug, Clone, Copy)]
pub struct OpName {
    /// The name, in upper case.
    pub name: &'static [u8],
    /// A space or tab must follow the name.
    pub blank: bool,
}

/// False once `start`, the first bytes of a control line (complete or not), can no longer be
/// any of `ops`: nats-server reads a line byte by byte and refuses it at the first byte that
/// fits no operation, without waiting for the line's end.
pub(crate) fn could_be_op(start: &[u8], ops: &[OpName]) -> bool {
    ops.iter().any(|op| {
        let n = op.name.len().min(start.len());
        start[..n].eq_ignore_ascii_case(&op.name[..n])
            && start
                .get(op.name.len())
                .is_none_or(|&b| !op.blank || is_blank(b))
    })
}

/// True when `line` starts with the operation `name` followed by a space, a tab or nothing.
pub(crate) fn is_op(line: &[u8], name: &[u8]) -> bool {
    starts_with_ignore_case(line, name) && line.get(name.len()).is_none_or(|&b| is_blank(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The eight-bytes-at-a-time search agrees with a plain one for every blank position,
    /// including positions on and around the eight-byte boundaries.
    #[test]
    fn next_blank_agrees_with_a_byte_by_byte_search() {
        for len in 0..40 {
            for at in 0..=len {
                for blank in [b' ', b'\t'] {
                    let mut line = vec![b'a'; len];
                    if at < len {
                        line[at] = blank;
                    }
                    for from in 0..=at.min(len) {
                        let expected = (from..len).find(|&i| is_blank(line[i])).unwrap_or(len);
                        assert_eq!(next_blank(&line, from), expected, "{line:?} from {from}");
                    }
                }
            }
        }
    }

    #[test]
    fn bytes_just_above_a_blank_are_not_blanks() {
        // 0x21 and 0x0a differ from ' ' and '\t' by one bit; 0xa0 has the high bit set.
        let line = b"ab!\n\xa0\x0a\x21cd ef";
        assert_eq!(next_blank(line, 0), 9);
    }

    #[test]
    fn a_line_is_no_operation_from_the_first_byte_that_fits_none() {
        let ops = [
            OpName {
                name: b"SUB",
                blank: true,
            },
            OpName {
                name: b"PING",
                blank: false,
            },
        ];
        for ok in [
            &b""[..],
            b"s",
            b"SU",
            b"SUB",
            b"sub ",
            b"SUB\tx",
            b"PIN",
            b"PINGx",
        ] {
            assert!(could_be_op(ok, &ops), "{ok:?}");
        }
        for bad in [&b"x"[..], b"SX", b"SUB\r", b"SUBX", b"PUNG"] {
            assert!(!could_be_op(bad, &ops), "{bad:?}");
        }
    }

    #[test]
    fn split_handles_runs_of_blanks_and_tabs() {
        let line = b"MSG \t subject.a\t\t7   12  ";
        let args = Args::split("MSG", line, 3).expect("valid");
        let parts: Vec<&[u8]> = (0..args.len()).map(|i| &line[args.range(i)]).collect();
        assert_eq!(parts, [&b"subject.a"[..], b"7", b"12"]);
    }
}
