//! What an object is: [`ObjectMeta`] (what its user gives: name, description, headers,
//! metadata, options) and [`ObjectInfo`] (the meta plus what storing it gave: nuid, size,
//! chunks, digest), stored as JSON in the object's meta message (ADR-20); and the
//! `SHA-256=<base64url>` digest text.

use std::collections::BTreeMap;

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize};

use crate::jetstream::wire::{is_default, null_default};

/// The chunk size of a put unless its meta says otherwise: 128 KiB (ADR-20).
///
/// ```
/// assert_eq!(natskit::jetstream::object::DEFAULT_CHUNK_SIZE, 128 * 1024);
/// ```
pub const DEFAULT_CHUNK_SIZE: u32 = 128 * 1024;

/// What digests start with (ADR-20 allows only SHA-256).
const DIGEST_PREFIX: &str = "SHA-256=";

/// base64url, written with padding (as nats.go and nats-py write it) and read with or without.
const DIGEST_BASE64: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Header names to their values, as Go's `nats.Header` writes them in JSON:
/// `{"Content-Type": ["text/plain"]}`. A single string instead of a list is read as one value.
///
/// ```
/// let mut headers = natskit::jetstream::object::ObjectHeaders::new();
/// headers.insert("Content-Type".into(), vec!["text/plain".into()]);
/// ```
pub type ObjectHeaders = BTreeMap<String, Vec<String>>;

/// Another object, or a whole bucket, that an object points at.
///
/// ```
/// use natskit::jetstream::object::ObjectLink;
///
/// let to_object = ObjectLink { bucket: "photos".into(), name: "cat.jpg".into() };
/// let to_bucket = ObjectLink { bucket: "photos".into(), name: String::new() };
/// assert!(!to_object.is_bucket() && to_bucket.is_bucket());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectLink {
    /// The bucket pointed at.
    pub bucket: String,
    /// The object pointed at; empty for a link to the whole bucket.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
}

impl ObjectLink {
    /// True for a link to a whole bucket rather than to one object.
    ///
    /// ```
    /// let link = natskit::jetstream::object::ObjectLink { bucket: "b".into(), name: String::new() };
    /// assert!(link.is_bucket());
    /// ```
    pub fn is_bucket(&self) -> bool {
        self.name.is_empty()
    }
}

/// The options of an object: a link, or the chunk size it was stored with.
///
/// ```
/// let options = natskit::jetstream::object::ObjectMetaOptions { max_chunk_size: 64 * 1024, ..Default::default() };
/// assert!(options.link.is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectMetaOptions {
    /// What this object points at, when it is a link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<ObjectLink>,
    /// The chunk size; 0 for [`DEFAULT_CHUNK_SIZE`].
    #[serde(skip_serializing_if = "is_default")]
    pub max_chunk_size: u32,
}

/// What the user says about an object: the input of a put or of a meta update.
///
/// ```
/// use natskit::jetstream::object::ObjectMeta;
///
/// let meta = ObjectMeta::new("report.pdf")
///     .description("the Q1 report")
///     .header("Content-Type", "application/pdf")
///     .metadata("owner", "finance")
///     .chunk_size(256 * 1024);
/// assert_eq!(meta.options.max_chunk_size, 256 * 1024);
/// let from_name: ObjectMeta = "notes.txt".into();
/// assert_eq!(from_name.name, "notes.txt");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The object's name: any text but the empty one.
    pub name: String,
    /// What it is.
    pub description: String,
    /// Headers, such as a content type.
    pub headers: ObjectHeaders,
    /// Free-form labels.
    pub metadata: BTreeMap<String, String>,
    /// The chunk size of a put (a link here is refused by put).
    pub options: ObjectMetaOptions,
}

impl ObjectMeta {
    /// Meta with only a name.
    ///
    /// ```
    /// let meta = natskit::jetstream::object::ObjectMeta::new("a.txt");
    /// assert!(meta.description.is_empty());
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        ObjectMeta {
            name: name.into(),
            ..ObjectMeta::default()
        }
    }

    /// The same meta with a description.
    ///
    /// ```
    /// let meta = natskit::jetstream::object::ObjectMeta::new("a.txt").description("notes");
    /// assert_eq!(meta.description, "notes");
    /// ```
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// The same meta with one more header value.
    ///
    /// ```
    /// let meta = natskit::jetstream::object::ObjectMeta::new("a").header("X", "1").header("X", "2");
    /// assert_eq!(meta.headers["X"], ["1", "2"]);
    /// ```
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .entry(name.into())
            .or_default()
            .push(value.into());
        self
    }

    /// The same meta with one more metadata entry.
    ///
    /// ```
    /// let meta = natskit::jetstream::object::ObjectMeta::new("a").metadata("owner", "me");
    /// assert_eq!(meta.metadata["owner"], "me");
    /// ```
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The same meta with chunks of `bytes` bytes (0: [`DEFAULT_CHUNK_SIZE`]).
    ///
    /// ```
    /// let meta = natskit::jetstream::object::ObjectMeta::new("a").chunk_size(1024);
    /// assert_eq!(meta.options.max_chunk_size, 1024);
    /// ```
    pub fn chunk_size(mut self, bytes: u32) -> Self {
        self.options.max_chunk_size = bytes;
        self
    }
}

impl From<&str> for ObjectMeta {
    fn from(name: &str) -> Self {
        ObjectMeta::new(name)
    }
}

impl From<String> for ObjectMeta {
    fn from(name: String) -> Self {
        ObjectMeta::new(name)
    }
}

impl From<&String> for ObjectMeta {
    fn from(name: &String) -> Self {
        ObjectMeta::new(name.as_str())
    }
}

/// An object as stored: its meta, and the nuid, size, chunk count and digest of its data. The
/// JSON of its meta message (ADR-20), read tolerating unknown fields and `null`s.
///
/// `mtime` is never stored: it is the time of the meta message when read from the server,
/// and the local time when returned by a put (both RFC 3339).
///
/// ```no_run
/// # async fn demo(store: natskit::jetstream::object::ObjectStore) -> Result<(), natskit::jetstream::object::ObjectStoreError> {
/// let info = store.info("report.pdf").await?;
/// println!("{} bytes in {} chunks, {}, modified {}", info.size, info.chunks, info.digest, info.mtime);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ObjectInfo {
    /// The object's name.
    pub name: String,
    /// What it is.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub description: String,
    /// Its headers.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "headers"
    )]
    pub headers: ObjectHeaders,
    /// Its labels.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "null_default"
    )]
    pub metadata: BTreeMap<String, String>,
    /// A link, or the chunk size.
    #[serde(skip_serializing_if = "is_default", deserialize_with = "null_default")]
    pub options: ObjectMetaOptions,
    /// The bucket it is in.
    #[serde(deserialize_with = "null_default")]
    pub bucket: String,
    /// The id its chunks are stored under (`$O.<bucket>.C.<nuid>`).
    #[serde(deserialize_with = "null_default")]
    pub nuid: String,
    /// Its size in bytes.
    pub size: u64,
    /// When it was last changed (RFC 3339); empty when unknown.
    #[serde(skip_serializing_if = "String::is_empty", deserialize_with = "mtime")]
    pub mtime: String,
    /// How many chunks hold it.
    pub chunks: u32,
    /// `SHA-256=<base64url of the digest>`; empty for a deleted object or a link.
    #[serde(
        skip_serializing_if = "String::is_empty",
        deserialize_with = "null_default"
    )]
    pub digest: String,
    /// It was deleted: its chunks are gone, and it reads as not found.
    #[serde(skip_serializing_if = "is_default")]
    pub deleted: bool,
}

impl ObjectInfo {
    /// True when the object is a link (to an object or a bucket).
    ///
    /// ```
    /// let info = natskit::jetstream::object::ObjectInfo::default();
    /// assert!(!info.is_link());
    /// ```
    pub fn is_link(&self) -> bool {
        self.options.link.is_some()
    }

    /// The user's part of the info, as given to a put or a meta update.
    ///
    /// ```
    /// let info = natskit::jetstream::object::ObjectInfo::default();
    /// assert_eq!(info.meta().name, "");
    /// ```
    pub fn meta(&self) -> ObjectMeta {
        ObjectMeta {
            name: self.name.clone(),
            description: self.description.clone(),
            headers: self.headers.clone(),
            metadata: self.metadata.clone(),
            options: self.options.clone(),
        }
    }

    /// The JSON of the meta message: everything but `mtime`, which is never stored.
    pub(crate) fn to_meta_json(&self) -> Vec<u8> {
        let stored = ObjectInfo {
            mtime: String::new(),
            ..self.clone()
        };
        // Strings, numbers and maps of strings: serialization cannot fail.
        serde_json::to_vec(&stored).unwrap_or_default()
    }
}

/// `{"name": ["v1", "v2"]}`, `{"name": "v"}` or `null`.
fn headers<'de, D: Deserializer<'de>>(d: D) -> Result<ObjectHeaders, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Values {
        Many(Vec<String>),
        One(String),
    }
    let raw: Option<BTreeMap<String, Option<Values>>> = Option::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(name, values)| {
            let values = match values {
                Some(Values::Many(many)) => many,
                Some(Values::One(one)) => vec![one],
                None => Vec::new(),
            };
            (name, values)
        })
        .collect())
}

/// Whatever a writer put there (Go's zero time, nats-py's local ISO time, `""`, `null`): it
/// is replaced by the message's time when read, so any value is accepted.
fn mtime<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(text) => text,
        _ => String::new(),
    })
}

/// The digest text of a SHA-256 sum: `SHA-256=` and the sum in padded base64url.
pub(crate) fn format_digest(sum: &[u8]) -> String {
    format!("{DIGEST_PREFIX}{}", DIGEST_BASE64.encode(sum))
}

/// The SHA-256 sum in a digest text; the algorithm's name is read in any case, the base64url
/// with or without padding.
pub(crate) fn parse_digest(text: &str) -> Result<[u8; 32], String> {
    let Some((algorithm, value)) = text.split_once('=') else {
        return Err(format!("digest {text:?} is not <algorithm>=<value>"));
    };
    if !algorithm.eq_ignore_ascii_case("SHA-256") {
        return Err(format!("digest {text:?} is not SHA-256"));
    }
    let bytes = DIGEST_BASE64
        .decode(value)
        .map_err(|e| format!("digest {text:?} is not base64url: {e}"))?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("digest {text:?} is not 32 bytes long"))
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn written_as_nats_go_writes_it_without_mtime() {
        let info = ObjectInfo {
            name: "a".into(),
            bucket: "b".into(),
            nuid: "N".into(),
            size: 3,
            chunks: 1,
            mtime: "2026-01-01T00:00:00Z".into(),
            digest: "SHA-256=x".into(),
            options: ObjectMetaOptions {
                max_chunk_size: 131072,
                link: None,
            },
            ..ObjectInfo::default()
        };
        assert_eq!(
            String::from_utf8(info.to_meta_json()).expect("utf-8"),
            r#"{"name":"a","options":{"max_chunk_size":131072},"bucket":"b","nuid":"N","size":3,"chunks":1,"digest":"SHA-256=x"}"#
        );
        let link = ObjectInfo {
            name: "l".into(),
            bucket: "b".into(),
            nuid: "M".into(),
            options: ObjectMetaOptions {
                link: Some(ObjectLink {
                    bucket: "other".into(),
                    name: String::new(),
                }),
                max_chunk_size: 0,
            },
            deleted: true,
            ..ObjectInfo::default()
        };
        assert_eq!(
            String::from_utf8(link.to_meta_json()).expect("utf-8"),
            r#"{"name":"l","options":{"link":{"bucket":"other"}},"bucket":"b","nuid":"M","size":0,"chunks":0,"deleted":true}"#
        );
    }

    #[test]
    fn reads_what_nats_go_and_nats_py_write() {
        let go = r#"{"name":"n","description":"d","headers":{"A":["1","2"]},"metadata":{"k":"v"},
            "options":{"link":{"bucket":"b2","name":"t"},"max_chunk_size":8},"bucket":"b","nuid":"N",
            "size":344000,"mtime":"0001-01-01T00:00:00Z","chunks":42,"digest":"SHA-256=abc","deleted":true,"new":1}"#;
        let info: ObjectInfo = serde_json::from_str(go).expect("parses");
        assert_eq!(info.headers["A"], ["1", "2"]);
        assert_eq!(info.metadata["k"], "v");
        assert_eq!(
            info.options.link,
            Some(ObjectLink {
                bucket: "b2".into(),
                name: "t".into()
            })
        );
        assert!(info.is_link() && info.deleted);
        assert_eq!((info.size, info.chunks), (344000, 42));
        // nats-py: nulls, a single header value, a local time, an empty mtime after delete.
        let py = r#"{"name":"n","bucket":"b","nuid":"N","size":0,"mtime":"","chunks":0,"digest":null,
            "deleted":false,"description":null,"headers":{"A":"1","B":null},"options":null}"#;
        let info: ObjectInfo = serde_json::from_str(py).expect("parses");
        assert_eq!(info.headers["A"], ["1"]);
        assert!(info.headers["B"].is_empty());
        assert_eq!((info.digest.as_str(), info.options.max_chunk_size), ("", 0));
        let odd: ObjectInfo = serde_json::from_str(r#"{"name":"n","mtime":12}"#).expect("parses");
        assert_eq!(odd.mtime, "");
    }

    #[test]
    fn digests_are_padded_base64url_and_read_leniently() {
        let sum = Sha256::digest(b"hello");
        let text = format_digest(&sum);
        // As Go's base64.URLEncoding and Python's urlsafe_b64encode write it.
        assert_eq!(text, "SHA-256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
        assert_eq!(parse_digest(&text).expect("parses"), sum.as_slice());
        let unpadded = text.trim_end_matches('=');
        assert_eq!(parse_digest(unpadded).expect("parses"), sum.as_slice());
        let lower = text.replace("SHA-256", "sha-256");
        assert_eq!(parse_digest(&lower).expect("parses"), sum.as_slice());
        for bad in ["", "SHA-256", "MD5=abc", "SHA-256=!!", "SHA-256=YQ=="] {
            assert!(parse_digest(bad).is_err(), "{bad:?}");
        }
    }
}
