//! Object store failures in words: the library's typed [`ObjectStoreError`] as one sentence
//! that names the bucket and the object, and says what the user can do where there is
//! something to do.
//!
//! ```text
//! error: bucket "BACKUPS" not found
//! error: object "db.dump" not found in bucket "BACKUPS"
//! error: bucket "BACKUPS" is sealed: nothing can be stored, changed or deleted in it
//! error: object "db.dump" in bucket "BACKUPS" is corrupted: its data has digest SHA-256=..., its meta says SHA-256=...
//! ```

use std::io;

use natskit::jetstream::object::ObjectStoreError;
use natskit::jetstream::JetStreamError;

use crate::error::CliError;
use crate::js::error::{failed, About};
use crate::js::kv_error::{publish_failed, read_failed};

/// The failure of `doing` (`put object "db.dump" in bucket "BACKUPS"`) on `bucket` as one
/// sentence.
pub fn obj_failed(doing: &str, bucket: &str, error: ObjectStoreError) -> CliError {
    let message = match error {
        ObjectStoreError::InvalidBucket { bucket, reason } => {
            format!("invalid bucket name {bucket:?}: {reason}")
        }
        ObjectStoreError::InvalidObjectName { .. } => {
            "invalid object name \"\": it is empty".into()
        }
        ObjectStoreError::BucketNotFound { bucket } => format!("bucket {bucket:?} not found"),
        ObjectStoreError::BucketExists { bucket } => {
            format!("bucket {bucket:?} already exists with a different configuration")
        }
        ObjectStoreError::NotFound { bucket, name } => {
            format!("object {name:?} not found in bucket {bucket:?}")
        }
        ObjectStoreError::Sealed { bucket } => {
            format!("bucket {bucket:?} is sealed: nothing can be stored, changed or deleted in it")
        }
        ObjectStoreError::DigestMismatch {
            bucket,
            name,
            expected,
            actual,
        } => format!(
            "object {name:?} in bucket {bucket:?} is corrupted: its data has digest {actual}, \
             its meta says {expected}"
        ),
        ObjectStoreError::SizeMismatch {
            bucket,
            name,
            expected,
            actual,
        } => format!(
            "object {name:?} in bucket {bucket:?} is corrupted: its chunks hold {actual} bytes \
             or more, its meta says {expected}"
        ),
        ObjectStoreError::Stalled {
            bucket,
            name,
            waited,
            received,
            size,
        } => format!(
            "cannot {doing}: no chunk of object {name:?} in bucket {bucket:?} arrived for \
             {waited:?} ({received} of {size} bytes read; --timeout sets how long to wait)"
        ),
        ObjectStoreError::LinkIsBucket { name, target, .. } => format!(
            "cannot {doing}: {name:?} is a link to the whole bucket {target:?}, not to an object"
        ),
        ObjectStoreError::Read { error, .. } => {
            format!("cannot {doing}: reading the input failed: {error}")
        }
        ObjectStoreError::JetStream(e) => return js_failed(doing, bucket, e),
        ObjectStoreError::Publish(e) => publish_failed(doing, bucket, &e),
        ObjectStoreError::DirectGet(e) => read_failed(doing, bucket, &e),
        other => format!("cannot {doing}: {other}"),
    };
    CliError::msg(message)
}

/// A JetStream API failure about `bucket`; with no bucket (listing them all), about the
/// account's streams.
fn js_failed(doing: &str, bucket: &str, error: JetStreamError) -> CliError {
    if bucket.is_empty() {
        failed(doing, About::Streams, error)
    } else {
        failed(doing, About::Bucket(bucket), error)
    }
}

/// A failed read of an object's data (`ObjectReader`), as [`obj_failed`] says it when the
/// reader carried its typed error, else in the words of the I/O error.
pub fn obj_read_failed(doing: &str, bucket: &str, error: io::Error) -> CliError {
    if ObjectStoreError::from_io(&error).is_some() {
        if let Some(inner) = error.into_inner() {
            if let Ok(typed) = inner.downcast::<ObjectStoreError>() {
                return obj_failed(doing, bucket, *typed);
            }
        }
        return CliError::msg(format!("cannot {doing}: the read failed"));
    }
    CliError::msg(format!("cannot {doing}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use natskit::jetstream::ApiError;

    fn say(error: ObjectStoreError) -> String {
        obj_failed("do it", "B", error).to_string()
    }

    #[test]
    fn the_typed_errors_read_as_sentences() {
        assert_eq!(
            say(ObjectStoreError::BucketNotFound { bucket: "B".into() }),
            "bucket \"B\" not found"
        );
        assert_eq!(
            say(ObjectStoreError::NotFound {
                bucket: "B".into(),
                name: "o".into()
            }),
            "object \"o\" not found in bucket \"B\""
        );
        assert_eq!(
            say(ObjectStoreError::Sealed { bucket: "B".into() }),
            "bucket \"B\" is sealed: nothing can be stored, changed or deleted in it"
        );
        assert_eq!(
            say(ObjectStoreError::JetStream(JetStreamError::Api(ApiError {
                code: 404,
                err_code: ApiError::STREAM_NOT_FOUND,
                description: "stream not found".into(),
            }))),
            "bucket \"B\" not found"
        );
    }

    #[test]
    fn a_reader_error_keeps_its_type() {
        let digest = ObjectStoreError::DigestMismatch {
            bucket: "B".into(),
            name: "o".into(),
            expected: "SHA-256=x".into(),
            actual: "SHA-256=y".into(),
        };
        let io = io::Error::new(io::ErrorKind::InvalidData, digest);
        assert_eq!(
            obj_read_failed("get it", "B", io).to_string(),
            "object \"o\" in bucket \"B\" is corrupted: its data has digest SHA-256=y, its meta \
             says SHA-256=x"
        );
        assert_eq!(
            obj_read_failed("get it", "B", io::Error::other("gone")).to_string(),
            "cannot get it: gone"
        );
    }
}
