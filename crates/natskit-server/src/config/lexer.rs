//! Reading the text of one file: characters with their line and column, blanks and comments,
//! keys, quoted strings and bare words. The format is context-sensitive (what ends a word
//! depends on where it is), so the parser asks for the token it expects next.

use std::sync::Arc;

use super::error::{ConfigError, Problem};
use super::value::Position;

/// A cursor over one file's text.
pub(crate) struct Lexer<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    offset: usize,
    line: u32,
    column: u32,
    file: Arc<str>,
}

/// A bare word as written, with whether it had escapes (then it is always a string).
pub(crate) struct Word {
    pub(crate) text: String,
    pub(crate) escaped: bool,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str, file: Arc<str>) -> Self {
        Lexer {
            text,
            offset: 0,
            line: 1,
            column: 1,
            file,
        }
    }

    /// Where the next character is.
    pub(crate) fn position(&self) -> Position {
        Position {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
        }
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.text[self.offset..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.text[self.offset..].chars().nth(1)
    }

    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.offset += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    /// An error at the next character.
    pub(crate) fn error(&self, problem: Problem) -> ConfigError {
        ConfigError::at(&self.position(), problem)
    }

    /// A syntax error at the next character: `expected`, and what is there.
    pub(crate) fn expected(&self, expected: &str) -> ConfigError {
        self.error(Problem::Syntax {
            expected: expected.into(),
            found: describe(self.peek()),
        })
    }

    /// True at `#` or `//`.
    pub(crate) fn at_comment(&self) -> bool {
        match self.peek() {
            Some('#') => true,
            Some('/') => self.peek_second() == Some('/'),
            _ => false,
        }
    }

    /// Skips to the end of the line (the newline stays).
    pub(crate) fn skip_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == '\n' || c == '\r' {
                break;
            }
            self.bump();
        }
    }

    /// Skips spaces and tabs.
    pub(crate) fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    /// Skips any white space (new lines too) and comments.
    pub(crate) fn skip_space_and_comments(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                _ if self.at_comment() => self.skip_comment(),
                _ => return,
            }
        }
    }

    /// Skips any white space, new lines included, but not comments (between a key and its
    /// value, as nats-server).
    pub(crate) fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// A key: quoted (no escapes), or bare up to white space, `=` or `:`.
    pub(crate) fn key(&mut self) -> Result<String, ConfigError> {
        match self.peek() {
            Some(q @ ('"' | '\'')) => {
                self.bump();
                let mut key = String::new();
                loop {
                    match self.bump() {
                        Some(c) if c == q => return Ok(key),
                        Some(c) => key.push(c),
                        None => return Err(self.expected("the closing quote of the key")),
                    }
                }
            }
            Some('=' | ':') => Err(self.expected("a key")),
            _ => {
                let mut key = String::new();
                while let Some(c) = self.peek() {
                    if c.is_whitespace() || c == '=' || c == ':' {
                        break;
                    }
                    key.push(c);
                    self.bump();
                }
                Ok(key)
            }
        }
    }

    /// A single-quoted string (the quote is next): everything up to the next `'`.
    pub(crate) fn single_quoted(&mut self) -> Result<String, ConfigError> {
        let start = self.position();
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                Some('\'') => return Ok(s),
                Some(c) => s.push(c),
                None => return Err(unterminated(&start)),
            }
        }
    }

    /// A double-quoted string (the quote is next), with escapes.
    pub(crate) fn double_quoted(&mut self) -> Result<String, ConfigError> {
        let start = self.position();
        self.bump();
        let mut bytes = Vec::new();
        loop {
            match self.peek() {
                Some('"') => {
                    self.bump();
                    return self.utf8(bytes, &start);
                }
                Some('\\') => self.escape(&mut bytes)?,
                Some(c) => {
                    push_char(&mut bytes, c);
                    self.bump();
                }
                None => return Err(unterminated(&start)),
            }
        }
    }

    /// A bare word: up to a new line, white space, `,`, `;`, `]` or `}`; backslashes escape
    /// as in double-quoted strings.
    pub(crate) fn word(&mut self) -> Result<Word, ConfigError> {
        let start = self.position();
        let mut bytes = Vec::new();
        let mut escaped = false;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, ',' | ';' | ']' | '}') {
                break;
            }
            if c == '\\' {
                self.escape(&mut bytes)?;
                escaped = true;
            } else {
                push_char(&mut bytes, c);
                self.bump();
            }
        }
        Ok(Word {
            text: self.utf8(bytes, &start)?,
            escaped,
        })
    }

    /// A block string, `(` next: every character up to a line holding only `)` at its start.
    pub(crate) fn block(&mut self) -> Result<String, ConfigError> {
        let start = self.position();
        self.bump();
        let rest = &self.text[self.offset..];
        let mut from = 0;
        let end = loop {
            let Some(i) = rest[from..].find("\n)") else {
                return Err(ConfigError::at(
                    &start,
                    Problem::Syntax {
                        expected: "a line starting with ')' to end the block".into(),
                        found: "the end of the file".into(),
                    },
                ));
            };
            let close = from + i + 2;
            if matches!(rest[close..].chars().next(), None | Some('\n')) {
                break from + i;
            }
            from = close;
        };
        let block = rest[..end].to_owned();
        // Up to and including the ')'.
        for _ in rest[..end + 2].chars() {
            self.bump();
        }
        Ok(block)
    }

    /// An escape (the backslash is next): `\t \n \r \" \\ \xHH`.
    fn escape(&mut self, bytes: &mut Vec<u8>) -> Result<(), ConfigError> {
        let at = self.position();
        self.bump();
        let bad = |found: String| {
            ConfigError::at(
                &at,
                Problem::BadValue(format!(
                    "invalid escape {found}: only \\t, \\n, \\r, \\\", \\\\ and \\xHH are allowed"
                )),
            )
        };
        match self.bump() {
            Some('t') => bytes.push(b'\t'),
            Some('n') => bytes.push(b'\n'),
            Some('r') => bytes.push(b'\r'),
            Some('"') => bytes.push(b'"'),
            Some('\\') => bytes.push(b'\\'),
            Some('x') => {
                let hex: String = [self.bump(), self.bump()].into_iter().flatten().collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) if hex.len() == 2 && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
                        bytes.push(b)
                    }
                    _ => return Err(bad(format!("\\x{hex}"))),
                }
            }
            Some(c) => return Err(bad(format!("\\{c}"))),
            None => return Err(bad("at the end of the file".into())),
        }
        Ok(())
    }

    fn utf8(&self, bytes: Vec<u8>, start: &Position) -> Result<String, ConfigError> {
        String::from_utf8(bytes).map_err(|_| {
            ConfigError::at(
                start,
                Problem::BadValue("the \\x escapes of this string are not UTF-8".into()),
            )
        })
    }
}

fn push_char(bytes: &mut Vec<u8>, c: char) {
    let mut buf = [0; 4];
    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

fn unterminated(start: &Position) -> ConfigError {
    ConfigError::at(
        start,
        Problem::Syntax {
            expected: "the closing quote of this string".into(),
            found: "the end of the file".into(),
        },
    )
}

/// A character for a message.
pub(crate) fn describe(c: Option<char>) -> String {
    match c {
        None => "the end of the file".into(),
        Some('\n' | '\r') => "a new line".into(),
        Some(c) => format!("'{c}'"),
    }
}
