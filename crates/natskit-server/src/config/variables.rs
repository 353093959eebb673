//! Variables, with nats-server's scoping: `$NAME` is the value of key `NAME` written earlier
//! in the map being read or in one enclosing it (the innermost first; arrays are no scope),
//! else the environment variable `NAME`, read as if it were the value of a key.

use super::error::{ConfigError, Problem};
use super::value::{Map, Position, Value};

/// The maps being read, outermost first.
#[derive(Default)]
pub(crate) struct Scopes {
    maps: Vec<Map>,
}

impl Scopes {
    pub(crate) fn push(&mut self) {
        self.maps.push(Map::default());
    }

    /// The innermost map, when it is done.
    pub(crate) fn pop(&mut self) -> Map {
        self.maps.pop().unwrap_or_default()
    }

    /// The map being read.
    pub(crate) fn current(&mut self) -> &mut Map {
        if self.maps.is_empty() {
            self.maps.push(Map::default());
        }
        let last = self.maps.len() - 1;
        &mut self.maps[last]
    }

    /// The value of `name` in the innermost map that has it, marked used, with `at` as its
    /// position (where it is used).
    pub(crate) fn lookup(&mut self, name: &str, at: &Position) -> Option<Value> {
        self.maps.iter_mut().rev().find_map(|map| {
            let entry = map.entry_mut(name)?;
            entry.used_as_variable = true;
            Some(relocate(&entry.value, at))
        })
    }
}

/// `value` as if written at `at` (its nested values too), so errors about a value taken from a
/// variable point at the place it is used.
pub(crate) fn relocate(value: &Value, at: &Position) -> Value {
    let mut value = value.clone();
    set_position(&mut value, at);
    value
}

fn set_position(value: &mut Value, at: &Position) {
    value.position = at.clone();
    match &mut value.kind {
        super::value::ValueKind::Array(items) => items.iter_mut().for_each(|v| set_position(v, at)),
        super::value::ValueKind::Map(map) => {
            let keys: Vec<String> = map.entries().iter().map(|e| e.key.clone()).collect();
            for key in keys {
                if let Some(entry) = map.entry_mut(&key) {
                    entry.key_position = at.clone();
                    set_position(&mut entry.value, at);
                }
            }
        }
        _ => {}
    }
}

/// nats-server reads a bcrypt hash written bare (`$2a$11$...`) as a string, not a variable.
pub(crate) fn is_bcrypt(name: &str) -> bool {
    name.starts_with("2a$")
}

/// The error for a variable defined nowhere.
pub(crate) fn undefined(name: &str, at: &Position) -> ConfigError {
    ConfigError::at(at, Problem::UndefinedVariable(name.to_owned()))
}
