//! Splitting and reading the arguments of a control line.

use crate::ProtoError;

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

impl Args {
    /// Splits `line[from..]` on runs of spaces and tabs. More than [`MAX_ARGS`] is an error.
    pub(crate) fn split(op: &'static str, line: &[u8], from: usize) -> Result<Args, ProtoError> {
        let mut args = Args {
            ranges: [(0, 0); MAX_ARGS],
            len: 0,
        };
        let mut i = from;
        while i < line.len() {
            if is_blank(line[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < line.len() && !is_blank(line[i]) {
                i += 1;
            }
            if args.len == MAX_ARGS {
                return Err(invalid(op, "too many arguments"));
            }
            args.ranges[args.len] = (start, i);
            args.len += 1;
        }
        Ok(args)
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
    line.len() >= name.len() && line[..name.len()].eq_ignore_ascii_case(name)
}

/// True when `line` starts with the operation `name` followed by a space, a tab or nothing.
pub(crate) fn is_op(line: &[u8], name: &[u8]) -> bool {
    starts_with_ignore_case(line, name) && line.get(name.len()).is_none_or(|&b| is_blank(b))
}
