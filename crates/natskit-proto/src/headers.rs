//! NATS message headers: a multi-valued, case-preserving map plus the optional status line.
//!
//! Wire form (ADR-4): `NATS/1.0[ <3-digit status>[ <description>]]\r\n`, then one `Name: value\r\n`
//! line per value, then an empty line. Entries keep their insertion order on the wire and look-ups
//! are case-sensitive, as in nats-server and the Go client.

use bytes::{BufMut, BytesMut};

use crate::error::ProtoError;

/// The first bytes of every header block.
pub const HEADER_VERSION: &str = "NATS/1.0";

/// Status code a server puts on the reply to a request nobody could answer.
pub const STATUS_NO_RESPONDERS: u16 = 503;

/// Message headers, and the status line that servers use for no-responders and similar notices.
///
/// ```
/// use natskit_proto::HeaderMap;
///
/// let mut headers = HeaderMap::new();
/// headers.append("Trace-Id", "abc")?;
/// headers.append("Hop", "a")?;
/// headers.append("Hop", "b")?;
/// assert_eq!(headers.get("Hop"), Some("a"));
/// assert_eq!(headers.get_all("Hop").collect::<Vec<_>>(), ["a", "b"]);
/// assert_eq!(headers.get("hop"), None); // case-sensitive
///
/// let mut wire = bytes::BytesMut::new();
/// headers.encode(&mut wire);
/// assert_eq!(&wire[..], b"NATS/1.0\r\nTrace-Id: abc\r\nHop: a\r\nHop: b\r\n\r\n");
/// assert_eq!(HeaderMap::decode(&wire)?, headers);
/// # Ok::<(), natskit_proto::ProtoError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMap {
    status: Option<u16>,
    description: Option<String>,
    entries: Vec<(String, String)>,
}

/// Header names are RFC 7230 tokens: visible ASCII except separators such as `:`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b':' && b != b'"' && b != b'(' && b != b')')
}

/// Values may not break the line structure of the block.
fn valid_value(value: &str) -> bool {
    !value.contains(['\r', '\n'])
}

impl HeaderMap {
    /// An empty map with no status.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value under `name`, after any values it already has.
    ///
    /// Fails when the name is not a header token or the value holds CR or LF.
    ///
    /// ```
    /// let mut headers = natskit_proto::HeaderMap::new();
    /// assert!(headers.append("Bad Name", "x").is_err());
    /// assert!(headers.append("Name", "line\r\nbreak").is_err());
    /// ```
    pub fn append(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<&mut Self, ProtoError> {
        let (name, value) = (name.into(), value.into());
        if !valid_name(&name) {
            return Err(ProtoError::InvalidHeaders(format!(
                "header name {name:?} must be non-empty visible ASCII without ':' or spaces"
            )));
        }
        if !valid_value(&value) {
            return Err(ProtoError::InvalidHeaders(format!(
                "value of header {name:?} contains CR or LF"
            )));
        }
        let trimmed = value.trim();
        let value = if trimmed.len() == value.len() {
            value
        } else {
            trimmed.to_owned()
        };
        self.entries.push((name, value));
        Ok(self)
    }

    /// Sets `name` to exactly one value, dropping the values it had.
    ///
    /// ```
    /// let mut headers = natskit_proto::HeaderMap::new();
    /// headers.append("A", "1")?.append("A", "2")?;
    /// headers.insert("A", "3")?;
    /// assert_eq!(headers.get_all("A").collect::<Vec<_>>(), ["3"]);
    /// # Ok::<(), natskit_proto::ProtoError>(())
    /// ```
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<&mut Self, ProtoError> {
        let name = name.into();
        self.remove(&name);
        self.append(name, value)
    }

    /// Removes every value of `name`; returns how many there were.
    pub fn remove(&mut self, name: &str) -> usize {
        let before = self.entries.len();
        self.entries.retain(|(n, _)| n != name);
        before - self.entries.len()
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.entries
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// All `(name, value)` pairs in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Number of `(name, value)` pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no pairs (a status may still be set).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The status code of the status line, such as 503 for no responders.
    ///
    /// ```
    /// let headers = natskit_proto::HeaderMap::decode(b"NATS/1.0 404 No Messages\r\n\r\n")?;
    /// assert_eq!(headers.status(), Some(404));
    /// assert_eq!(headers.description(), Some("No Messages"));
    /// # Ok::<(), natskit_proto::ProtoError>(())
    /// ```
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The description after the status code, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Sets the status line. The code must have three digits; the description may not hold CR/LF.
    ///
    /// ```
    /// let mut headers = natskit_proto::HeaderMap::new();
    /// headers.set_status(503, None)?;
    /// let mut wire = bytes::BytesMut::new();
    /// headers.encode(&mut wire);
    /// assert_eq!(&wire[..], b"NATS/1.0 503\r\n\r\n");
    /// # Ok::<(), natskit_proto::ProtoError>(())
    /// ```
    pub fn set_status(
        &mut self,
        code: u16,
        description: Option<&str>,
    ) -> Result<&mut Self, ProtoError> {
        if !(100..=999).contains(&code) {
            return Err(ProtoError::InvalidHeaders(format!(
                "status {code} is not a 3-digit code"
            )));
        }
        if let Some(d) = description {
            if !valid_value(d) {
                return Err(ProtoError::InvalidHeaders(
                    "status description contains CR or LF".into(),
                ));
            }
        }
        self.status = Some(code);
        self.description = description
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned);
        Ok(self)
    }

    /// The exact number of bytes [`encode`](Self::encode) writes: the `#hdr` of an HPUB or HMSG.
    pub fn encoded_len(&self) -> usize {
        let status_len = match (self.status, &self.description) {
            (None, _) => 0,
            (Some(_), None) => 4,
            (Some(_), Some(d)) => 5 + d.len(),
        };
        let entries: usize = self
            .entries
            .iter()
            .map(|(n, v)| n.len() + 2 + v.len() + 2)
            .sum();
        HEADER_VERSION.len() + status_len + 2 + entries + 2
    }

    /// Writes the header block, terminating blank line included.
    pub fn encode(&self, dst: &mut BytesMut) {
        dst.reserve(self.encoded_len());
        dst.put_slice(HEADER_VERSION.as_bytes());
        if let Some(code) = self.status {
            dst.put_u8(b' ');
            dst.put_slice(&[
                b'0' + (code / 100) as u8,
                b'0' + (code / 10 % 10) as u8,
                b'0' + (code % 10) as u8,
            ]);
            if let Some(d) = &self.description {
                dst.put_u8(b' ');
                dst.put_slice(d.as_bytes());
            }
        }
        dst.put_slice(b"\r\n");
        for (name, value) in &self.entries {
            dst.put_slice(name.as_bytes());
            dst.put_slice(b": ");
            dst.put_slice(value.as_bytes());
            dst.put_slice(b"\r\n");
        }
        dst.put_slice(b"\r\n");
    }

    /// Parses a whole header block as found at the start of an HMSG or HPUB payload.
    ///
    /// Fails on a missing `NATS/1.0` version, a version line without CRLF, a missing terminating
    /// blank line, a line without a colon, and text that is not UTF-8.
    ///
    /// ```
    /// use natskit_proto::HeaderMap;
    ///
    /// assert!(HeaderMap::decode(b"NATS/1.0").is_err());
    /// assert!(HeaderMap::decode(b"NATS/1.0\r\nA: 1\r\n").is_err());
    /// assert!(HeaderMap::decode(b"NATS/1.0\r\nno colon\r\n\r\n").is_err());
    /// ```
    pub fn decode(block: &[u8]) -> Result<Self, ProtoError> {
        let bad = |why: &str| ProtoError::InvalidHeaders(why.to_owned());
        let text =
            std::str::from_utf8(block).map_err(|_| bad("header block is not valid UTF-8"))?;
        let rest = text
            .strip_prefix(HEADER_VERSION)
            .ok_or_else(|| bad("header block does not start with NATS/1.0"))?;
        let (status_line, mut rest) = rest
            .split_once("\r\n")
            .ok_or_else(|| bad("header version line is not terminated by CRLF"))?;
        let mut map = HeaderMap::new();
        map.parse_status(status_line)?;
        loop {
            let (line, after) = rest
                .split_once("\r\n")
                .ok_or_else(|| bad("header block is not terminated by an empty line"))?;
            rest = after;
            if line.is_empty() {
                break;
            }
            let (name, value) = line.split_once(':').ok_or_else(|| {
                ProtoError::InvalidHeaders(format!("header line {line:?} has no colon"))
            })?;
            map.append(name.trim(), value.trim())?;
        }
        if !rest.is_empty() {
            return Err(bad(
                "bytes follow the header block's terminating empty line",
            ));
        }
        Ok(map)
    }

    /// Parses what follows `NATS/1.0` on the first line: nothing, or ` <code>[ <description>]`.
    fn parse_status(&mut self, status_line: &str) -> Result<(), ProtoError> {
        let status_line = status_line.trim();
        if status_line.is_empty() {
            return Ok(());
        }
        let (code, description) = match status_line.split_once([' ', '\t']) {
            Some((code, d)) => (code, Some(d.trim())),
            None => (status_line, None),
        };
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ProtoError::InvalidHeaders(format!(
                "status {code:?} is not a 3-digit code"
            )));
        }
        let code: u16 = code
            .parse()
            .map_err(|_| ProtoError::InvalidHeaders(format!("status {code:?} is not a number")))?;
        self.set_status(code, description).map(|_| ())
    }
}

impl<'a> IntoIterator for &'a HeaderMap {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a str, &'a str),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}
