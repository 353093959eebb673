//! Names and subjects checked before connecting, so a typo fails at once with what is wrong
//! (`invalid stream name "a.b": it contains '.'`) instead of as a server's refusal.

use natskit::jetstream::kv::{validate_bucket, validate_key, validate_key_filter};
use natskit::jetstream::object::{self, ObjectStoreError};
use natskit::jetstream::{validate_consumer_name, validate_stream_name, InvalidName};
use natskit_proto::subject::{validate_publish, validate_subscribe};
use natskit_proto::ProtoError;

use crate::error::CliError;

/// A stream name the server accepts and that fits into an API subject.
pub fn stream(name: &str) -> Result<(), CliError> {
    validate_stream_name(name).map_err(|e| CliError::msg(e.to_string()))
}

/// A consumer name, by the same rules.
pub fn consumer(name: &str) -> Result<(), CliError> {
    validate_consumer_name(name).map_err(|e| CliError::msg(e.to_string()))
}

/// A key-value bucket's name: letters, digits, `_` and `-`.
pub fn bucket(name: &str) -> Result<(), CliError> {
    validate_bucket(name).map_err(|e| CliError::msg(e.to_string()))
}

/// An object store bucket's name: `A-Z`, `a-z`, `0-9`, `_` and `-` (ADR-20), in the words
/// [`bucket`] uses for key-value buckets.
pub fn object_bucket(name: &str) -> Result<(), CliError> {
    object::validate_bucket(name).map_err(|e| match e {
        ObjectStoreError::InvalidBucket { bucket, reason } => {
            CliError::msg(format!("invalid bucket name {bucket:?}: {reason}"))
        }
        other => CliError::msg(other.to_string()),
    })
}

/// An object's name: any text but the empty one.
pub fn object_name(name: &str) -> Result<(), CliError> {
    object::validate_object_name(name)
        .map_err(|_| CliError::msg(format!("invalid object name {name:?}: it is empty")))
}

/// A key of a bucket: `invalid key "a b": ...`.
pub fn key(key: &str) -> Result<(), CliError> {
    validate_key(key).map_err(|e| kv_name("key", &e))
}

/// A key or a pattern of keys with `*` and `>` (`kv keys`, `kv watch`): `invalid key filter
/// "a.>.b": ...`.
pub fn key_filter(filter: &str) -> Result<(), CliError> {
    validate_key_filter(filter).map_err(|e| kv_name("key filter", &e))
}

/// `invalid key "a b": <reason>` (the library says `key name`, which a key is not).
fn kv_name(what: &str, e: &InvalidName) -> CliError {
    CliError::msg(format!("invalid {what} {:?}: {}", e.name, e.reason))
}

/// A subject that may hold wildcards (a stream's subjects, a filter), given with `flag`.
pub fn filter(flag: &str, subject: &str) -> Result<(), CliError> {
    validate_subscribe(subject).map_err(|e| invalid(flag, subject, &e))
}

/// A literal subject (a push consumer's target), given with `flag`.
pub fn literal(flag: &str, subject: &str) -> Result<(), CliError> {
    validate_publish(subject).map_err(|e| invalid(flag, subject, &e))
}

/// A JetStream domain: one subject token, as it goes into `$JS.<domain>.API`.
pub fn domain(domain: &str) -> Result<(), CliError> {
    let reason = if domain.is_empty() {
        "it is empty"
    } else if domain.contains(['.', '*', '>']) {
        "it must be one subject token, without '.', '*' or '>'"
    } else if domain.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "it contains whitespace or a control character"
    } else {
        return Ok(());
    };
    Err(CliError::msg(format!(
        "invalid JetStream domain {domain:?}: {reason}"
    )))
}

/// `invalid subject "a..b" for --subjects: <reason>`.
fn invalid(flag: &str, subject: &str, error: &ProtoError) -> CliError {
    match error {
        ProtoError::InvalidSubject { reason, .. } => {
            CliError::msg(format!("invalid subject {subject:?} for {flag}: {reason}"))
        }
        other => CliError::msg(format!("{flag}: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_subjects_and_domains() {
        assert!(stream("ORDERS").is_ok());
        assert_eq!(
            stream("a.b").unwrap_err().to_string(),
            "invalid stream name \"a.b\": it contains '.'"
        );
        assert!(consumer("c 1")
            .unwrap_err()
            .to_string()
            .contains("whitespace"));
        assert!(filter("--filter", "a.*.>").is_ok());
        let err = filter("--subjects", "a..b").unwrap_err().to_string();
        assert!(
            err.starts_with("invalid subject \"a..b\" for --subjects: "),
            "{err}"
        );
        assert!(literal("--target", "a.*").is_err());
        assert!(domain("hub").is_ok());
        assert!(domain("a.b").is_err() && domain("").is_err());
    }

    #[test]
    fn buckets_keys_and_key_filters() {
        assert!(bucket("led-1_a").is_ok());
        assert_eq!(
            bucket("a.b").unwrap_err().to_string(),
            "invalid bucket name \"a.b\": only letters, digits, '_' and '-' are allowed"
        );
        assert!(key("device.text").is_ok());
        assert_eq!(
            key("a b").unwrap_err().to_string(),
            "invalid key \"a b\": only letters, digits and '-/_=.' are allowed"
        );
        assert!(key("a.*").is_err());
        assert!(key_filter("device.*").is_ok() && key_filter(">").is_ok());
        assert!(object_bucket("photos-2024_raw").is_ok());
        assert_eq!(
            object_bucket("a.b").unwrap_err().to_string(),
            "invalid bucket name \"a.b\": only A-Z, a-z, 0-9, '_' and '-' are allowed"
        );
        assert!(object_name("dir/file ✓.txt").is_ok());
        assert_eq!(
            object_name("").unwrap_err().to_string(),
            "invalid object name \"\": it is empty"
        );
        assert_eq!(
            key_filter("a.>.b").unwrap_err().to_string(),
            "invalid key filter \"a.>.b\": '>' may only be the last token"
        );
    }
}
