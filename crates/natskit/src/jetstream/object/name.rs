//! Bucket and object names (ADR-20), checked before anything is sent, and the stream and
//! subjects they become: `OBJ_<bucket>`, `$O.<bucket>.C.<nuid>` for chunks,
//! `$O.<bucket>.M.<base64url(name)>` for the meta message.

use base64::engine::general_purpose::URL_SAFE;
use base64::Engine;

use crate::jetstream::object::error::ObjectStoreError;

/// The stream of bucket `bucket` is `OBJ_<bucket>`; stream names are at most 255 bytes.
const MAX_BUCKET_LEN: usize = 255 - STREAM_PREFIX.len();

/// What a bucket's stream name starts with.
pub(crate) const STREAM_PREFIX: &str = "OBJ_";

/// Checks a bucket name as ADR-20 says (`^[a-zA-Z0-9_-]+$`), and that its stream name
/// `OBJ_<bucket>` fits the server's 255 bytes.
///
/// ```
/// use natskit::jetstream::object::{validate_bucket, ObjectStoreError};
///
/// assert!(validate_bucket("photos-2024_raw").is_ok());
/// for bad in ["", "a.b", "a b", "a*", "a>", "ünï", "a/b"] {
///     assert!(matches!(validate_bucket(bad), Err(ObjectStoreError::InvalidBucket { .. })), "{bad:?}");
/// }
/// ```
pub fn validate_bucket(bucket: &str) -> Result<(), ObjectStoreError> {
    let reason = if bucket.is_empty() {
        "it is empty"
    } else if bucket.len() > MAX_BUCKET_LEN {
        "it is longer than 251 bytes (its stream name OBJ_<bucket> would pass 255)"
    } else if !bucket
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        "only A-Z, a-z, 0-9, '_' and '-' are allowed"
    } else {
        return Ok(());
    };
    Err(ObjectStoreError::InvalidBucket {
        bucket: bucket.to_owned(),
        reason,
    })
}

/// Checks an object name: any text but the empty one (ADR-20 leaves names unrestricted; they
/// are base64url-encoded into the meta subject).
///
/// ```
/// use natskit::jetstream::object::validate_object_name;
///
/// assert!(validate_object_name("reports/2024 Q1 ✓.pdf").is_ok());
/// assert!(validate_object_name("").is_err());
/// ```
pub fn validate_object_name(name: &str) -> Result<(), ObjectStoreError> {
    if name.is_empty() {
        return Err(ObjectStoreError::InvalidObjectName {
            reason: "an object name cannot be empty",
        });
    }
    Ok(())
}

/// `OBJ_<bucket>`.
pub(crate) fn stream_name(bucket: &str) -> String {
    format!("{STREAM_PREFIX}{bucket}")
}

/// `$O.<bucket>.C.>`: every chunk of the bucket.
pub(crate) fn all_chunks(bucket: &str) -> String {
    format!("$O.{bucket}.C.>")
}

/// `$O.<bucket>.M.>`: every meta message of the bucket.
pub(crate) fn all_meta(bucket: &str) -> String {
    format!("$O.{bucket}.M.>")
}

/// `$O.<bucket>.C.<nuid>`: the chunks of one stored object.
pub(crate) fn chunk_subject(bucket: &str, nuid: &str) -> String {
    format!("$O.{bucket}.C.{nuid}")
}

/// `$O.<bucket>.M.<base64url(name)>`: the meta message of object `name`.
pub(crate) fn meta_subject(bucket: &str, name: &str) -> String {
    format!("$O.{bucket}.M.{}", encode_name(name))
}

/// The object name as it appears in its meta subject: base64url with padding, as nats.go and
/// nats-py write it (`=` is a valid subject character; `.`, `*`, `>` and spaces never appear).
pub(crate) fn encode_name(name: &str) -> String {
    URL_SAFE.encode(name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_follow_adr_20() {
        for good in ["a", "A-Z_0-9", "x".repeat(251).as_str()] {
            assert_eq!(validate_bucket(good).map_err(|e| e.to_string()), Ok(()));
        }
        let reason = |b: &str| match validate_bucket(b) {
            Err(ObjectStoreError::InvalidBucket { reason, bucket }) => {
                assert_eq!(bucket, b);
                reason
            }
            other => panic!("{b:?}: {other:?}"),
        };
        assert_eq!(reason(""), "it is empty");
        assert!(reason(&"x".repeat(252)).starts_with("it is longer"));
        for bad in ["a.b", "a b", "a*", "a>", "é", "a\n", "a=b", "$O"] {
            assert_eq!(reason(bad), "only A-Z, a-z, 0-9, '_' and '-' are allowed");
        }
    }

    #[test]
    fn names_are_base64url_with_padding() {
        // The same text nats.go's base64.URLEncoding and nats-py's urlsafe_b64encode give.
        assert_eq!(encode_name("a"), "YQ==");
        assert_eq!(encode_name("ab?>"), "YWI_Pg==");
        assert_eq!(encode_name("dir/file ✓.txt"), "ZGlyL2ZpbGUg4pyTLnR4dA==");
        assert_eq!(meta_subject("b", "a"), "$O.b.M.YQ==");
        assert_eq!(chunk_subject("b", "NUID"), "$O.b.C.NUID");
        assert_eq!(
            (stream_name("b"), all_chunks("b"), all_meta("b")),
            ("OBJ_b".into(), "$O.b.C.>".into(), "$O.b.M.>".into())
        );
    }

    #[test]
    fn only_the_empty_object_name_is_refused() {
        assert!(validate_object_name("x").is_ok());
        assert!(validate_object_name(" ").is_ok());
        assert!(matches!(
            validate_object_name(""),
            Err(ObjectStoreError::InvalidObjectName { .. })
        ));
    }
}
