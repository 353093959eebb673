//! Subjects: the zero-copy [`Subject`] string, validation for each use, and wildcard matching.
//!
//! Rules, as NATS servers apply them: subjects are case-sensitive, `.`-separated,
//! non-empty tokens with no whitespace. `*` matches exactly one token and `>` (last token only)
//! matches one or more. Wildcards count only as whole tokens: `foo*` is a literal token.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use bytestring::ByteString;

use crate::error::ProtoError;

/// A UTF-8 string that shares the buffer it was decoded from: cloning it or taking it from a
/// frame costs a reference count, never a copy.
///
/// Used for subjects, reply subjects and queue groups.
///
/// ```
/// use natskit_proto::Subject;
///
/// let subject = Subject::from_static("orders.created");
/// assert_eq!(subject, "orders.created");
/// assert_eq!(subject.tokens().count(), 2);
/// let owned: Subject = String::from("orders.*").into();
/// assert!(owned.is_wildcard());
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject(ByteString);

impl Subject {
    /// A subject from a string literal, without copying.
    pub const fn from_static(s: &'static str) -> Self {
        Subject(ByteString::from_static(s))
    }

    /// Takes ownership of `bytes` if they are valid UTF-8.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use natskit_proto::Subject;
    ///
    /// assert!(Subject::from_utf8(Bytes::from_static(b"ok")).is_ok());
    /// assert!(Subject::from_utf8(Bytes::from_static(b"\xff")).is_err());
    /// ```
    pub fn from_utf8(bytes: Bytes) -> Result<Self, std::str::Utf8Error> {
        ByteString::try_from(bytes).map(Subject)
    }

    /// The subject as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The underlying shared bytes.
    pub fn as_bytes(&self) -> &Bytes {
        self.0.as_bytes()
    }

    /// The `.`-separated tokens.
    pub fn tokens(&self) -> std::str::Split<'_, char> {
        self.as_str().split('.')
    }

    /// True when some token is exactly `*` or `>`.
    pub fn is_wildcard(&self) -> bool {
        self.tokens().any(|t| t == "*" || t == ">")
    }
}

impl Deref for Subject {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Subject {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Subject {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl From<&str> for Subject {
    fn from(s: &str) -> Self {
        Subject(ByteString::from(s))
    }
}

impl From<String> for Subject {
    fn from(s: String) -> Self {
        Subject(ByteString::from(s))
    }
}

impl From<&String> for Subject {
    fn from(s: &String) -> Self {
        Subject(ByteString::from(s.as_str()))
    }
}

impl PartialEq<str> for Subject {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Subject {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Subject> for &str {
    fn eq(&self, other: &Subject) -> bool {
        *self == other.as_str()
    }
}

/// Bytes no subject or queue name may contain. Byte rules, as nats-server's: a subject need
/// not be UTF-8.
const fn forbidden_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\0')
}

/// The bytes [`check_tokens`] must look at more closely: separators, wildcards, whitespace and
/// control characters.
const NOTABLE: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b == b'.' || b == b'*' || b == b'>' || forbidden_byte(b);
        i += 1;
    }
    table
};

/// Checks `subject`'s tokens. One pass over the bytes decides the common subject (literal
/// tokens, nothing forbidden), which is checked on every publish; anything else goes to
/// [`check_tokens_fully`], which says what is wrong.
#[inline]
fn check_tokens(
    kind: &'static str,
    subject: &[u8],
    allow_wildcards: bool,
) -> Result<(), ProtoError> {
    let mut token_start = 0;
    for (i, &b) in subject.iter().enumerate() {
        if NOTABLE[usize::from(b)] {
            if b != b'.' || i == token_start {
                return check_tokens_fully(kind, subject, allow_wildcards);
            }
            token_start = i + 1;
        }
    }
    if token_start == subject.len() {
        // Empty, or a trailing '.'.
        return check_tokens_fully(kind, subject, allow_wildcards);
    }
    Ok(())
}

#[cold]
fn check_tokens_fully(
    kind: &'static str,
    subject: &[u8],
    allow_wildcards: bool,
) -> Result<(), ProtoError> {
    let fail = |reason| {
        Err(ProtoError::InvalidSubject {
            kind,
            subject: String::from_utf8_lossy(subject).into_owned(),
            reason,
        })
    };
    if subject.is_empty() {
        return fail("it is empty");
    }
    if subject.iter().copied().any(forbidden_byte) {
        return fail("it contains whitespace or a control character");
    }
    let mut tokens = subject.split(|&b| b == b'.').peekable();
    while let Some(token) = tokens.next() {
        if token.is_empty() {
            return fail("it has an empty token (leading, trailing or doubled '.')");
        }
        let last = tokens.peek().is_none();
        match token {
            b"*" | b">" if !allow_wildcards => return fail("wildcards are not allowed here"),
            b">" if !last => return fail("'>' may only be the last token"),
            _ => {}
        }
    }
    Ok(())
}

/// [`validate_publish`] for a subject as bytes, which need not be UTF-8 (nats-server routes
/// such subjects): what a broker checks.
///
/// ```
/// use natskit_proto::subject::validate_publish_bytes;
///
/// assert!(validate_publish_bytes(b"orders.\xff").is_ok());
/// assert!(validate_publish_bytes(b"orders.*").is_err());
/// ```
pub fn validate_publish_bytes(subject: &[u8]) -> Result<(), ProtoError> {
    check_tokens("publish subject", subject, false)
}

/// [`validate_subscribe`] for a subject as bytes, which need not be UTF-8: what a broker checks.
///
/// ```
/// use natskit_proto::subject::validate_subscribe_bytes;
///
/// assert!(validate_subscribe_bytes(b"orders.\xff.>").is_ok());
/// assert!(validate_subscribe_bytes(b"orders.>.\xff").is_err());
/// ```
pub fn validate_subscribe_bytes(subject: &[u8]) -> Result<(), ProtoError> {
    check_tokens("subscribe subject", subject, true)
}

/// Checks a subject for publishing: literal tokens only.
///
/// ```
/// use natskit_proto::subject::validate_publish;
///
/// assert!(validate_publish("orders.eu.created").is_ok());
/// assert!(validate_publish("orders.*").is_err());
/// assert!(validate_publish("orders..created").is_err());
/// ```
pub fn validate_publish(subject: &str) -> Result<(), ProtoError> {
    validate_publish_bytes(subject.as_bytes())
}

/// Checks a reply subject: the same rules as a publish subject.
///
/// ```
/// assert!(natskit_proto::subject::validate_reply("_INBOX.abc.1").is_ok());
/// ```
pub fn validate_reply(subject: &str) -> Result<(), ProtoError> {
    check_tokens("reply subject", subject.as_bytes(), false)
}

/// Checks a subject for subscribing: `*` anywhere as a whole token, `>` only last.
///
/// ```
/// use natskit_proto::subject::validate_subscribe;
///
/// assert!(validate_subscribe("orders.*.created").is_ok());
/// assert!(validate_subscribe("orders.>").is_ok());
/// assert!(validate_subscribe("orders.>.created").is_err());
/// ```
pub fn validate_subscribe(subject: &str) -> Result<(), ProtoError> {
    validate_subscribe_bytes(subject.as_bytes())
}

/// Checks a queue group name: non-empty, no whitespace.
///
/// nats-server accepts dots in queue names, so natskit does too.
///
/// ```
/// use natskit_proto::subject::validate_queue;
///
/// assert!(validate_queue("workers").is_ok());
/// assert!(validate_queue("two words").is_err());
/// ```
pub fn validate_queue(queue: &str) -> Result<(), ProtoError> {
    let fail = |reason| {
        Err(ProtoError::InvalidSubject {
            kind: "queue group",
            subject: queue.to_owned(),
            reason,
        })
    };
    if queue.is_empty() {
        return fail("it is empty");
    }
    if queue.bytes().any(forbidden_byte) {
        return fail("it contains whitespace or a control character");
    }
    Ok(())
}

/// True when the literal `subject` is matched by the subscription `pattern`.
///
/// ```
/// use natskit_proto::subject::matches;
///
/// assert!(matches("orders.*", "orders.eu"));
/// assert!(matches("orders.>", "orders.eu.created"));
/// assert!(!matches("orders.>", "orders"));
/// assert!(!matches("orders.*", "orders.eu.created"));
/// assert!(!matches("orders*", "orders1")); // `*` is a wildcard only as a whole token
/// ```
pub fn matches(pattern: &str, subject: &str) -> bool {
    matches_bytes(pattern.as_bytes(), subject.as_bytes())
}

/// [`matches()`] on bytes: a subject (or pattern) need not be UTF-8, tokens are compared as
/// bytes, as nats-server does.
///
/// ```
/// use natskit_proto::subject::matches_bytes;
///
/// assert!(matches_bytes(b"a.*", b"a.\xff"));
/// assert!(!matches_bytes(b"a.\xfe", b"a.\xff"));
/// ```
pub fn matches_bytes(pattern: &[u8], subject: &[u8]) -> bool {
    let mut pattern_tokens = pattern.split(|&b| b == b'.');
    let mut subject_tokens = subject.split(|&b| b == b'.');
    loop {
        match (pattern_tokens.next(), subject_tokens.next()) {
            (Some(b">"), Some(_)) => return pattern_tokens.next().is_none(),
            (Some(b"*"), Some(_)) => {}
            (Some(p), Some(s)) if p == s => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}
