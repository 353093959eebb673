//! Key-value failures in words: the library's typed [`KvError`] as one sentence that names the
//! bucket and key, and says what the user can do where there is something to do.
//!
//! ```text
//! error: bucket "CONFIG" not found
//! error: key "mode" already exists in bucket "CONFIG" (revision 7)
//! error: key "mode" in bucket "CONFIG" is at revision 9, not 7
//! error: cannot put key "blob" in bucket "CONFIG": the value of 2048 bytes is larger than the bucket's max_value_size of 1024 bytes
//! ```

use natskit::jetstream::kv::KvError;
use natskit::jetstream::{DirectGetError, PublishError};
use natskit::RequestError;

use crate::error::CliError;
use crate::js::error::{failed, About};

/// What the server says when an expected last sequence does not match.
const WRONG_LAST_SEQUENCE: &str = "wrong last sequence: ";

/// The failure of `doing` (`put key "mode" in bucket "CONFIG"`) on `bucket` as one sentence.
pub fn kv_failed(doing: &str, bucket: &str, error: KvError) -> CliError {
    let message = match error {
        KvError::InvalidName(e) => e.to_string(),
        KvError::InvalidConfig { reason } => format!("cannot {doing}: {reason}"),
        KvError::BucketNotFound { bucket } => format!("bucket {bucket:?} not found"),
        KvError::KeyExists { key, revision } => {
            format!("key {key:?} already exists in bucket {bucket:?} (revision {revision})")
        }
        KvError::WrongRevision {
            key,
            expected,
            description,
        } => wrong_revision(bucket, &key, expected, &description),
        KvError::ValueTooLarge {
            size,
            limit,
            limit_name,
        } => format!(
            "cannot {doing}: the value of {size} bytes is larger than the {limit_name} of \
             {limit} bytes"
        ),
        KvError::JetStream(e) => return failed(doing, About::Bucket(bucket), e),
        KvError::Publish(e) => publish_failed(doing, bucket, &e),
        KvError::DirectGet(e) => read_failed(doing, bucket, &e),
        KvError::Watch(e) => format!("cannot {doing}: {e}"),
        other => format!("cannot {doing}: {other}"),
    };
    CliError::msg(message)
}

/// `key "k" in bucket "B" is at revision 9, not 7`, read from the server's `wrong last
/// sequence: 9`; its words as they are when they do not say.
fn wrong_revision(bucket: &str, key: &str, expected: u64, description: &str) -> String {
    let latest = description
        .strip_prefix(WRONG_LAST_SEQUENCE)
        .and_then(|n| n.trim().parse::<u64>().ok());
    match latest {
        Some(0) => format!(
            "key {key:?} in bucket {bucket:?} has never been written, so it is not at revision \
             {expected} ('kv create' writes a first value)"
        ),
        Some(latest) => {
            format!("key {key:?} in bucket {bucket:?} is at revision {latest}, not {expected}")
        }
        None => format!(
            "key {key:?} in bucket {bucket:?} is not at revision {expected} ({description})"
        ),
    }
}

/// A write the server did not confirm (a key-value write, an object's chunk or meta).
pub fn publish_failed(doing: &str, bucket: &str, error: &PublishError) -> String {
    match error {
        PublishError::NoStream { .. } => format!("bucket {bucket:?} not found"),
        PublishError::Api(e) if e.description.is_empty() => format!(
            "cannot {doing}: the server refused with status {} (err_code {})",
            e.code, e.err_code
        ),
        PublishError::Api(e) => format!(
            "cannot {doing}: {} (err_code {})",
            e.description, e.err_code
        ),
        PublishError::Request(RequestError::TimedOut { timeout, .. }) => format!(
            "cannot {doing}: JetStream did not confirm within {timeout:?}, so it is not known \
             whether it was stored (--timeout sets how long to wait)"
        ),
        other => format!("cannot {doing}: {other}"),
    }
}

/// A read (get) that failed; a missing value is not a failure and never comes here (a
/// key-value read, an object's meta).
pub fn read_failed(doing: &str, bucket: &str, error: &DirectGetError) -> String {
    match error {
        DirectGetError::Unavailable { .. } => format!(
            "cannot {doing}: nothing answers reads of bucket {bucket:?}: it was deleted, or its \
             server is not ready"
        ),
        DirectGetError::Request(RequestError::TimedOut { timeout, .. }) => format!(
            "cannot {doing}: JetStream did not answer within {timeout:?} (--timeout sets how long \
             to wait)"
        ),
        other => format!("cannot {doing}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use natskit::jetstream::{ApiError, JetStreamError};

    fn say(error: KvError) -> String {
        kv_failed("do it", "B", error).to_string()
    }

    #[test]
    fn the_typed_errors_read_as_sentences() {
        assert_eq!(
            say(KvError::BucketNotFound { bucket: "B".into() }),
            "bucket \"B\" not found"
        );
        assert_eq!(
            say(KvError::KeyExists {
                key: "k".into(),
                revision: 7
            }),
            "key \"k\" already exists in bucket \"B\" (revision 7)"
        );
        assert_eq!(
            say(KvError::ValueTooLarge {
                size: 2048,
                limit: 1024,
                limit_name: "bucket's max_value_size"
            }),
            "cannot do it: the value of 2048 bytes is larger than the bucket's max_value_size \
             of 1024 bytes"
        );
        assert_eq!(
            say(KvError::JetStream(JetStreamError::Api(ApiError {
                code: 404,
                err_code: ApiError::STREAM_NOT_FOUND,
                description: "stream not found".into(),
            }))),
            "bucket \"B\" not found"
        );
    }

    #[test]
    fn a_wrong_revision_names_the_latest_when_the_server_does() {
        let wrong = |description: &str| {
            say(KvError::WrongRevision {
                key: "k".into(),
                expected: 3,
                description: description.into(),
            })
        };
        assert_eq!(
            wrong("wrong last sequence: 9"),
            "key \"k\" in bucket \"B\" is at revision 9, not 3"
        );
        assert!(wrong("wrong last sequence: 0").contains("has never been written"));
        assert_eq!(
            wrong("something else"),
            "key \"k\" in bucket \"B\" is not at revision 3 (something else)"
        );
    }
}
