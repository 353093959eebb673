//! The structure of nats-server's configuration format: `key value` entries (with `=`, `:`
//! or only white space between), separated by new lines, `,` or `;`; maps `{}`, arrays `[]`,
//! `include`, and variables resolved as they are read.

use std::path::Path;
use std::sync::Arc;

use super::error::{ConfigError, Problem};
use super::include::{resolve, Loader};
use super::lexer::Lexer;
use super::scalar;
use super::value::{Map, Value, ValueKind};
use super::variables::{self, Scopes};

/// How deep includes and variables from the environment may nest.
const MAX_INCLUDE_DEPTH: usize = 16;
/// How deep maps and arrays may nest (so a hostile file cannot exhaust the stack).
const MAX_NESTING: usize = 128;

/// Parses one file; `depth` counts the includes (and environment values) above it.
pub(crate) fn parse_document(
    text: &str,
    path: &Path,
    loader: &dyn Loader,
    depth: usize,
) -> Result<Map, ConfigError> {
    let name: Arc<str> = path.to_string_lossy().into();
    let mut parser = Parser {
        lx: Lexer::new(text, name),
        path,
        loader,
        scopes: Scopes::default(),
        depth,
        nesting: 0,
        braces: 0,
    };
    parser.scopes.push();
    parser.body(None)?;
    Ok(parser.scopes.pop())
}

struct Parser<'a> {
    lx: Lexer<'a>,
    path: &'a Path,
    loader: &'a dyn Loader,
    scopes: Scopes,
    depth: usize,
    nesting: usize,
    /// Open `{` around the whole file (nats-server accepts a file written as one JSON object).
    braces: usize,
}

impl Parser<'_> {
    /// Entries up to `end` (`}`), or to the end of the file at the top.
    fn body(&mut self, end: Option<char>) -> Result<(), ConfigError> {
        loop {
            self.lx.skip_space_and_comments();
            match (self.lx.peek(), end) {
                (None, None) if self.braces == 0 => return Ok(()),
                (None, _) => return Err(self.lx.expected("'}' to close the map")),
                (Some(c), Some(e)) if c == e => {
                    self.lx.bump();
                    return Ok(());
                }
                (Some('{'), None) => {
                    self.lx.bump();
                    self.braces += 1;
                }
                (Some('}'), None) if self.braces > 0 => {
                    self.lx.bump();
                    self.braces -= 1;
                }
                (Some('}' | ']' | ',' | ';' | '=' | ':'), _) => {
                    return Err(self.lx.expected("a key"))
                }
                _ => self.entry(end)?,
            }
        }
    }

    /// One `key value`, or an `include`.
    fn entry(&mut self, end: Option<char>) -> Result<(), ConfigError> {
        let key_position = self.lx.position();
        let quoted = matches!(self.lx.peek(), Some('"' | '\''));
        let key = self.lx.key()?;
        if !quoted
            && key.eq_ignore_ascii_case("include")
            && self.lx.peek().is_some_and(char::is_whitespace)
        {
            self.include()?;
            return self.value_end(end);
        }
        self.lx.skip_space();
        if matches!(self.lx.peek(), Some('=' | ':')) {
            self.lx.bump();
        }
        self.lx.skip_blanks();
        let value = self.value(&key)?;
        self.scopes.current().insert(key, key_position, value);
        self.value_end(end)
    }

    /// After a value: a new line, `,`, `;`, a comment, or the end of the map.
    fn value_end(&mut self, end: Option<char>) -> Result<(), ConfigError> {
        self.lx.skip_blanks();
        match self.lx.peek() {
            None | Some('\n' | '\r' | ',' | ';') => {
                self.lx.bump();
                Ok(())
            }
            Some(c) if Some(c) == end || (c == '}' && self.braces > 0) => Ok(()),
            _ if self.lx.at_comment() => {
                self.lx.skip_comment();
                Ok(())
            }
            _ => Err(self.lx.expected("a new line, ',' or ';' after the value")),
        }
    }

    /// A value; `key` names it in messages.
    fn value(&mut self, key: &str) -> Result<Value, ConfigError> {
        let position = self.lx.position();
        let kind = match self.lx.peek() {
            None | Some('\n' | '\r') => {
                return Err(self.lx.expected(&format!("a value for {key:?}")));
            }
            Some('[') => self.nested(|p| p.array())?,
            Some('{') => self.nested(|p| {
                p.lx.bump();
                p.scopes.push();
                let body = p.body(Some('}'));
                let map = p.scopes.pop();
                body.map(|()| ValueKind::Map(map))
            })?,
            Some('\'') => ValueKind::String(self.lx.single_quoted()?),
            Some('"') => ValueKind::String(self.lx.double_quoted()?),
            Some('(') => ValueKind::String(self.lx.block()?),
            Some('.') => {
                return Err(self.lx.error(Problem::BadValue(
                    "numbers must start with a digit, not '.'".into(),
                )))
            }
            Some(c) => {
                let word = self.lx.word()?;
                if word.escaped {
                    ValueKind::String(word.text)
                } else if c == '-' || c.is_ascii_digit() {
                    scalar::number(&word.text, &position)?
                } else if let Some(b) = boolean(&word.text) {
                    ValueKind::Bool(b)
                } else if let Some(name) = word.text.strip_prefix('$') {
                    return self.variable(name, &position);
                } else {
                    ValueKind::String(word.text)
                }
            }
        };
        Ok(Value { kind, position })
    }

    /// Runs `read` one level deeper, refusing nesting past [`MAX_NESTING`].
    fn nested(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<ValueKind, ConfigError>,
    ) -> Result<ValueKind, ConfigError> {
        if self.nesting >= MAX_NESTING {
            return Err(self.lx.error(Problem::BadValue(format!(
                "maps and arrays nest deeper than {MAX_NESTING}"
            ))));
        }
        self.nesting += 1;
        let result = read(self);
        self.nesting -= 1;
        result
    }

    /// `[a, b]`: items separated by `,` or new lines; comments allowed between them.
    fn array(&mut self) -> Result<ValueKind, ConfigError> {
        self.lx.bump();
        let mut items = Vec::new();
        loop {
            self.lx.skip_space_and_comments();
            match self.lx.peek() {
                Some(']') => {
                    self.lx.bump();
                    return Ok(ValueKind::Array(items));
                }
                None | Some(',') => return Err(self.lx.expected("a value or ']'")),
                _ => items.push(self.value("the array item")?),
            }
            self.lx.skip_blanks();
            match self.lx.peek() {
                Some(',' | '\n' | '\r') => {
                    self.lx.bump();
                }
                Some(']') => {}
                _ if self.lx.at_comment() => self.lx.skip_comment(),
                _ => return Err(self.lx.expected("',' or ']' after the array item")),
            }
        }
    }

    /// `$NAME`: a key of this map or an enclosing one, else the environment.
    fn variable(&mut self, name: &str, at: &super::value::Position) -> Result<Value, ConfigError> {
        if variables::is_bcrypt(name) {
            return Ok(Value {
                kind: ValueKind::String(format!("${name}")),
                position: at.clone(),
            });
        }
        if let Some(value) = self.scopes.lookup(name, at) {
            return Ok(value);
        }
        let Some(text) = self.loader.env(name) else {
            return Err(variables::undefined(name, at));
        };
        if text.is_empty() {
            return Ok(Value {
                kind: ValueKind::String(String::new()),
                position: at.clone(),
            });
        }
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(ConfigError::at(
                at,
                Problem::TooDeep("environment variables", MAX_INCLUDE_DEPTH),
            ));
        }
        // As nats-server, the environment's text is read as the value of a key.
        let parsed = parse_document(
            &format!("pk={text}"),
            Path::new(&format!("${name}")),
            self.loader,
            self.depth + 1,
        )
        .map_err(|e| match e {
            // A variable defined by itself: one error at the place of use, not one per level.
            ConfigError::At {
                problem: problem @ Problem::TooDeep(..),
                ..
            } => ConfigError::at(at, problem),
            e => ConfigError::at(
                at,
                Problem::Invalid {
                    setting: format!("${name}"),
                    reason: format!("the environment variable's value cannot be read ({e})"),
                },
            ),
        })?;
        match parsed.get("pk") {
            Some(value) => Ok(variables::relocate(value, at)),
            None => Err(variables::undefined(name, at)),
        }
    }

    /// `include path`: the file's entries go into the map being read.
    fn include(&mut self) -> Result<(), ConfigError> {
        self.lx.skip_blanks();
        let at = self.lx.position();
        let include = match self.lx.peek() {
            Some('"') | Some('\'') => {
                let quote = self.lx.bump();
                let mut path = String::new();
                loop {
                    match self.lx.bump() {
                        Some(c) if Some(c) == quote => break path,
                        Some(c) => path.push(c),
                        None => return Err(self.lx.expected("the closing quote of the include")),
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || matches!(c, '[' | '{' | '(' | '-' | '\\') => {
                return Err(self.lx.expected("the path of the file to include"))
            }
            None | Some('\n' | '\r') => {
                return Err(self.lx.expected("the path of the file to include"))
            }
            Some(_) => {
                let mut path = String::new();
                while let Some(c) = self.lx.peek() {
                    if c.is_whitespace() || matches!(c, ';' | '}' | '\'') {
                        break;
                    }
                    path.push(c);
                    self.lx.bump();
                }
                path
            }
        };
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(ConfigError::at(
                &at,
                Problem::TooDeep("includes", MAX_INCLUDE_DEPTH),
            ));
        }
        let path = resolve(self.path, &include);
        let text = self.loader.read(&path).map_err(|e| {
            ConfigError::at(
                &at,
                Problem::Include {
                    path: path.clone(),
                    reason: e.to_string(),
                },
            )
        })?;
        // A file of its own: the includer's variables are not visible in it, but its keys are
        // in the includer's map afterwards, as with nats-server.
        let included = parse_document(&text, &path, self.loader, self.depth + 1)?;
        let current = self.scopes.current();
        for entry in included.entries() {
            current.insert_entry(entry.clone());
        }
        Ok(())
    }
}

/// nats-server's booleans, in any case.
fn boolean(word: &str) -> Option<bool> {
    match word.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" => Some(false),
        _ => None,
    }
}
