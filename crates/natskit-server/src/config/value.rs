//! The value tree a configuration file parses into: every value and key carries the
//! [`Position`] it was written at, so settings can be checked with errors that point at the
//! file, line and column.

use std::fmt;
use std::sync::Arc;

/// Where a key or value was written: file, line and column (both counted from 1, the column
/// in characters).
///
/// ```
/// let pos = natskit_server::config::Position::new("nats.conf", 3, 7);
/// assert_eq!(pos.to_string(), "nats.conf:3:7");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The file, as it was named (the included path for an included file).
    pub file: Arc<str>,
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
}

impl Position {
    /// A position in `file`.
    ///
    /// ```
    /// let pos = natskit_server::config::Position::new("a.conf", 1, 1);
    /// assert_eq!(&*pos.file, "a.conf");
    /// ```
    pub fn new(file: impl Into<Arc<str>>, line: u32, column: u32) -> Self {
        Position {
            file: file.into(),
            line,
            column,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One value with where it was written.
///
/// ```
/// let tree = natskit_server::config::parse_str("port: 4222", "nats.conf").unwrap();
/// let port = tree.get("port").unwrap();
/// assert_eq!(port.kind, natskit_server::config::ValueKind::Integer(4222));
/// assert_eq!(port.position.to_string(), "nats.conf:1:7");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    /// What was written.
    pub kind: ValueKind,
    /// Where: for a value taken from a variable, where the variable was used.
    pub position: Position,
}

/// The kinds of values nats-server's format has.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// A quoted or bare string.
    String(String),
    /// An integer; a size suffix (`1K`, `1KB`, `1MB`...) is already applied.
    Integer(i64),
    /// A number with a decimal point.
    Float(f64),
    /// `true`, `false`, `yes`, `no`, `on` or `off` (any case), unquoted.
    Bool(bool),
    /// An ISO 8601 date and time in Zulu form, `2024-01-02T03:04:05Z`, kept as written.
    Datetime(String),
    /// `[a, b]`.
    Array(Vec<Value>),
    /// `{ key: value }`.
    Map(Map),
}

impl ValueKind {
    /// What kind of value this is, for messages: "a string", "an integer"...
    ///
    /// ```
    /// use natskit_server::config::ValueKind;
    /// assert_eq!(ValueKind::Bool(true).describe(), "a boolean");
    /// ```
    pub fn describe(&self) -> &'static str {
        match self {
            ValueKind::String(_) => "a string",
            ValueKind::Integer(_) => "an integer",
            ValueKind::Float(_) => "a number with a decimal point",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::Datetime(_) => "a date",
            ValueKind::Array(_) => "an array",
            ValueKind::Map(_) => "a map",
        }
    }
}

/// One `key: value` of a map.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as written (nats-server matches setting names case-insensitively).
    pub key: String,
    /// Where the key was written.
    pub key_position: Position,
    /// Its value.
    pub value: Value,
    /// The entry was used as a variable (`$key`) later on: nats-server does not report such
    /// keys as unknown settings.
    pub used_as_variable: bool,
}

/// A map's entries in the order they were written; a key written again replaces the earlier
/// entry, as in nats-server.
///
/// ```
/// let tree = natskit_server::config::parse_str("a: 1\nb: 2\na: 3", "x.conf").unwrap();
/// let keys: Vec<_> = tree.entries().iter().map(|e| e.key.as_str()).collect();
/// assert_eq!(keys, ["a", "b"]);
/// assert_eq!(tree.get("a").unwrap().kind, natskit_server::config::ValueKind::Integer(3));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<Entry>,
}

impl Map {
    /// The entries, in the order they were first written.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The value of `key` (exact spelling).
    ///
    /// ```
    /// let tree = natskit_server::config::parse_str("a { b: 1 }", "x.conf").unwrap();
    /// assert!(tree.get("a").is_some() && tree.get("b").is_none());
    /// ```
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// Sets `key`, replacing an entry of the same key.
    pub(crate) fn insert(&mut self, key: String, key_position: Position, value: Value) {
        let entry = Entry {
            key,
            key_position,
            value,
            used_as_variable: false,
        };
        match self.entries.iter_mut().find(|e| e.key == entry.key) {
            Some(old) => *old = entry,
            None => self.entries.push(entry),
        }
    }

    /// Sets an entry (from an included file), replacing one of the same key.
    pub(crate) fn insert_entry(&mut self, entry: Entry) {
        match self.entries.iter_mut().find(|e| e.key == entry.key) {
            Some(old) => *old = entry,
            None => self.entries.push(entry),
        }
    }

    /// The entry of `key`, to mark it used as a variable.
    pub(crate) fn entry_mut(&mut self, key: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.key == key)
    }

    /// True when the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Writes the value back in the configuration format (strings double-quoted), so that
/// parsing the text gives the same value again.
///
/// ```
/// let tree = natskit_server::config::parse_str("a: [1, 'x', {b: true}]", "x.conf").unwrap();
/// assert_eq!(tree.get("a").unwrap().to_string(), r#"[1, "x", {"b": true}]"#);
/// ```
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ValueKind::String(s) => write_quoted(f, s),
            ValueKind::Integer(n) => write!(f, "{n}"),
            ValueKind::Float(x) => {
                let text = x.to_string();
                if text.contains('.') {
                    f.write_str(&text)
                } else {
                    write!(f, "{text}.0")
                }
            }
            ValueKind::Bool(b) => write!(f, "{b}"),
            ValueKind::Datetime(d) => f.write_str(d),
            ValueKind::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            ValueKind::Map(map) => {
                f.write_str("{")?;
                for (i, entry) in map.entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    // Quoted keys have no escapes in this format: keys with quotes cannot be
                    // written back, nor can nats-server read them.
                    write!(f, "\"{}\": {}", entry.key, entry.value)?;
                }
                f.write_str("}")
            }
        }
    }
}

/// A double-quoted string with the escapes the format knows.
fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            '\r' => f.write_str("\\r")?,
            c if (c as u32) < 0x20 || c == '\u{7f}' => write!(f, "\\x{:02x}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}
