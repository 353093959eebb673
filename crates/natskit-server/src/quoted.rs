//! Names quoted as nats-server quotes them in its `-ERR` texts (Go's `%q`), so a subject that is
//! not UTF-8 reads the same from both: `"a\xff.b"`.

use std::fmt::Write;

/// `name` in double quotes, escaped as Go's `strconv.Quote` escapes it: a byte that is no part
/// of a UTF-8 character as `\xNN`, quotes and backslashes with a backslash, ASCII controls by
/// their escapes; other characters as they are.
pub(crate) fn quoted(name: &[u8]) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for chunk in name.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\x07' => out.push_str("\\a"),
                '\x08' => out.push_str("\\b"),
                '\x0c' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\x0b' => out.push_str("\\v"),
                c if c.is_ascii_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn bytes_that_are_not_utf8_are_escaped_as_go_does() {
        assert_eq!(quoted(b"a\xff.b"), r#""a\xff.b""#);
        assert_eq!(quoted("é.\"\\".as_bytes()), r#""é.\"\\""#);
        assert_eq!(quoted(b"\x01\x7f"), r#""\x01\x7f""#);
    }
}
