//! Stream names checked before any request: a name the server would refuse, or one that would
//! change the API subject it is put into (`STREAM.INFO.a.b`), fails here with what is wrong.

use thiserror::Error;

/// The longest name the server accepts.
const MAX_NAME_LEN: usize = 255;

/// A stream name that cannot be used, found before anything was sent.
///
/// ```
/// use natskit::jetstream::InvalidName;
///
/// let err = natskit::jetstream::validate_stream_name("orders.eu").unwrap_err();
/// assert_eq!(err.name, "orders.eu");
/// assert_eq!(err.to_string(), "invalid stream name \"orders.eu\": it contains '.'");
/// ```
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("invalid {kind} name {name:?}: {reason}")]
pub struct InvalidName {
    /// What the name names: `"stream"` or `"consumer"`.
    pub kind: &'static str,
    /// The name as given.
    pub name: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Checks a stream name: not empty, at most 255 bytes, and none of `.`, `*`, `>` (they would
/// change the API subject the name is put into), whitespace or control characters, `/` or `\`
/// (the server stores each stream in a directory of its name).
///
/// ```
/// use natskit::jetstream::validate_stream_name;
///
/// assert!(validate_stream_name("ORDERS").is_ok());
/// for bad in ["", "a.b", "a*", "a>", "a b", "a/b", "a\\b", "tab\there"] {
///     assert!(validate_stream_name(bad).is_err(), "{bad:?}");
/// }
/// ```
pub fn validate_stream_name(name: &str) -> Result<(), InvalidName> {
    validate("stream", name)
}

/// Checks a consumer name by the same rules as a stream name (the server stores each durable
/// consumer in a directory of its name, and puts the name into API subjects).
///
/// ```
/// use natskit::jetstream::validate_consumer_name;
///
/// assert!(validate_consumer_name("billing").is_ok());
/// let err = validate_consumer_name("a.b").unwrap_err();
/// assert_eq!(err.to_string(), "invalid consumer name \"a.b\": it contains '.'");
/// ```
pub fn validate_consumer_name(name: &str) -> Result<(), InvalidName> {
    validate("consumer", name)
}

fn validate(kind: &'static str, name: &str) -> Result<(), InvalidName> {
    check(name).map_err(|reason| InvalidName {
        kind,
        name: name.to_owned(),
        reason,
    })
}

fn check(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.len() > MAX_NAME_LEN {
        return Err("it is longer than 255 bytes");
    }
    for c in name.chars() {
        let reason = match c {
            '.' => "it contains '.'",
            '*' => "it contains '*'",
            '>' => "it contains '>'",
            '/' | '\\' => "it contains a path separator",
            c if c.is_whitespace() => "it contains whitespace",
            c if c.is_control() => "it contains a control character",
            _ => continue,
        };
        return Err(reason);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_name_says_why() {
        let cases = [
            ("", "it is empty"),
            ("a.b", "it contains '.'"),
            ("a*", "it contains '*'"),
            ("a>", "it contains '>'"),
            ("a b", "it contains whitespace"),
            ("a\u{a0}b", "it contains whitespace"),
            ("a\nb", "it contains whitespace"),
            ("a\u{7}b", "it contains a control character"),
            ("a/b", "it contains a path separator"),
            ("a\\b", "it contains a path separator"),
        ];
        for (name, reason) in cases {
            let err = validate_stream_name(name).expect_err(name);
            assert_eq!(
                (err.kind, err.reason, err.name.as_str()),
                ("stream", reason, name)
            );
        }
    }

    #[test]
    fn good_names_pass_and_length_is_bounded() {
        for name in ["ORDERS", "kv_bucket-1", "KV_b", "Ünïcode", &"x".repeat(255)] {
            assert_eq!(validate_stream_name(name), Ok(()), "{name:?}");
        }
        assert_eq!(
            validate_stream_name(&"x".repeat(256)).map_err(|e| e.reason),
            Err("it is longer than 255 bytes")
        );
    }
}
