//! Bucket and key names checked before anything is sent (ADR-8's rules).

use crate::jetstream::name::InvalidName;

/// Checks a bucket name: letters, digits, `_` and `-`, not empty.
///
/// ```
/// use natskit::jetstream::kv::validate_bucket;
///
/// assert!(validate_bucket("led-device_1").is_ok());
/// assert_eq!(
///     validate_bucket("a.b").unwrap_err().to_string(),
///     "invalid bucket name \"a.b\": only letters, digits, '_' and '-' are allowed"
/// );
/// ```
pub fn validate_bucket(name: &str) -> Result<(), InvalidName> {
    let reason = if name.is_empty() {
        Some("it is empty")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Some("only letters, digits, '_' and '-' are allowed")
    } else {
        None
    };
    fail("bucket", name, reason)
}

/// Checks a key: letters, digits and `-/_=.`, not starting or ending with `.`, no empty
/// token (`a..b`). Keys are subjects' tails, so `.` separates tokens a watch can match.
///
/// ```
/// use natskit::jetstream::kv::validate_key;
///
/// assert!(validate_key("device.text").is_ok());
/// for bad in ["", ".a", "a.", "a..b", "a b", "a*", "a>"] {
///     assert!(validate_key(bad).is_err(), "{bad:?}");
/// }
/// ```
pub fn validate_key(key: &str) -> Result<(), InvalidName> {
    fail("key", key, key_problem(key, false))
}

/// Checks what a watch or `keys` filter names: a key, or a pattern with `*` for one token and
/// a final `>` for the rest.
///
/// ```
/// use natskit::jetstream::kv::validate_key_filter;
///
/// assert!(validate_key_filter("device.*").is_ok());
/// assert!(validate_key_filter(">").is_ok());
/// assert!(validate_key_filter("a.>.b").is_err());
/// ```
pub fn validate_key_filter(filter: &str) -> Result<(), InvalidName> {
    fail("key filter", filter, key_problem(filter, true))
}

fn key_problem(key: &str, wildcards: bool) -> Option<&'static str> {
    if key.is_empty() {
        return Some("it is empty");
    }
    if key.starts_with('.') || key.ends_with('.') {
        return Some("it starts or ends with '.'");
    }
    let tokens: Vec<&str> = key.split('.').collect();
    for (i, token) in tokens.iter().enumerate() {
        if token.is_empty() {
            return Some("it has an empty token ('..')");
        }
        if wildcards && (*token == "*" || *token == ">") {
            if *token == ">" && i + 1 != tokens.len() {
                return Some("'>' may only be the last token");
            }
            continue;
        }
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-/_=".contains(&b);
        if !token.bytes().all(allowed) {
            return Some(if wildcards {
                "only letters, digits, '-/_=.' and the wildcards '*' and '>' are allowed"
            } else {
                "only letters, digits and '-/_=.' are allowed"
            });
        }
    }
    None
}

fn fail(kind: &'static str, name: &str, reason: Option<&'static str>) -> Result<(), InvalidName> {
    match reason {
        None => Ok(()),
        Some(reason) => Err(InvalidName {
            kind,
            name: name.to_owned(),
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_adr_8() {
        for good in ["a", "a.b.c", "A-Z_0=9/x", "_kv_like"] {
            assert_eq!(validate_key(good), Ok(()), "{good:?}");
        }
        let reasons = [
            ("", "it is empty"),
            (".a", "it starts or ends with '.'"),
            ("a..b", "it has an empty token ('..')"),
            ("a*", "only letters, digits and '-/_=.' are allowed"),
            ("a.*", "only letters, digits and '-/_=.' are allowed"),
            ("ü", "only letters, digits and '-/_=.' are allowed"),
        ];
        for (key, reason) in reasons {
            assert_eq!(
                validate_key(key).map_err(|e| e.reason),
                Err(reason),
                "{key:?}"
            );
        }
    }

    #[test]
    fn filters_allow_wildcards_in_their_places() {
        for good in ["*", ">", "a.*.c", "a.>"] {
            assert_eq!(validate_key_filter(good), Ok(()), "{good:?}");
        }
        assert!(validate_key_filter("a.>.c").is_err());
        assert!(validate_key_filter("a*").is_err());
    }
}
