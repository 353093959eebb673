//! nats-server's configuration file format (`nats-server -c FILE`), read into a value tree
//! with positions ([`parse`], [`parse_file`]) and applied to a [`ServerBuilder`]
//! ([`load`], [`settings`]).
//!
//! The format, as nats-server's `conf` package reads it: `key: value`, `key = value` or
//! `key value`; maps `{ }` and arrays `[ ]` with items separated by `,` or new lines; `#` and
//! `//` comments; `include "file"` (relative to the including file); `$VAR` variables (a key
//! written earlier in this map or an enclosing one, else the environment); single-quoted,
//! double-quoted (with `\t \n \r \" \\ \xHH`) and bare strings; integers with size suffixes
//! (`1K` = 1000, `1KB` = `1KiB` = 1024, and M, G, T, P, E); floats; booleans (`true`, `yes`,
//! `on`, `false`, `no`, `off`); dates; and `( ... )` blocks of text.
//!
//! ```
//! let (builder, warnings) = natskit_server::config::settings_from_str(
//!     "port: -1\nauthorization { token: s3cret }\nmax_payload: 64KB",
//!     "nats.conf",
//! )?;
//! assert!(warnings.is_empty());
//! # let _ = builder;
//! # Ok::<(), natskit_server::config::ConfigError>(())
//! ```

mod accounts;
mod auth;
mod duration;
mod error;
mod fields;
mod include;
mod jetstream;
mod lexer;
mod operator;
mod parser;
mod scalar;
mod settings;
mod tls;
mod value;
mod variables;

#[cfg(test)]
mod parser_tests;
#[cfg(test)]
mod settings_tests;

use std::path::Path;

pub use error::{ConfigError, ConfigWarning, Problem};
pub use include::{FileSystem, Loader};
pub use value::{Entry, Map, Position, Value, ValueKind};

use crate::server::ServerBuilder;

/// Parses `text`, the contents of the file at `path`, reading includes and environment
/// variables through `loader`.
///
/// ```
/// use natskit_server::config::{parse, FileSystem, ValueKind};
/// let tree = parse("max_payload: 1MB", std::path::Path::new("nats.conf"), &FileSystem).unwrap();
/// assert_eq!(tree.get("max_payload").unwrap().kind, ValueKind::Integer(1024 * 1024));
/// ```
pub fn parse(text: &str, path: &Path, loader: &dyn Loader) -> Result<Map, ConfigError> {
    parser::parse_document(text, path, loader, 0)
}

/// Parses `text` with nothing outside it: includes fail and no environment variable is
/// defined. `name` names the text in positions.
///
/// ```
/// let err = natskit_server::config::parse_str("a: $HOME", "x.conf").unwrap_err();
/// assert!(err.to_string().contains("$HOME is not defined"));
/// ```
pub fn parse_str(text: &str, name: &str) -> Result<Map, ConfigError> {
    parse(text, Path::new(name), &Nothing)
}

/// Reads and parses the file at `path`, with its includes and the process environment.
///
/// ```
/// let err = natskit_server::config::parse_file("/no/such/nats.conf".as_ref()).unwrap_err();
/// assert!(matches!(err, natskit_server::config::ConfigError::Read { .. }));
/// ```
pub fn parse_file(path: &Path) -> Result<Map, ConfigError> {
    let text = FileSystem.read(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path, &FileSystem)
}

/// The broker's options from a parsed file, and warnings for settings it accepts but does
/// not act on. Settings of features natskit server does not have, and unknown keys, are
/// errors.
///
/// ```
/// let tree = natskit_server::config::parse_str("cluster { port: 6222 }", "x.conf").unwrap();
/// let err = natskit_server::config::settings(&tree).unwrap_err();
/// assert!(err.to_string().contains("cluster"));
/// ```
pub fn settings(tree: &Map) -> Result<(ServerBuilder, Vec<ConfigWarning>), ConfigError> {
    settings::apply(tree)
}

/// [`parse_str`] then [`settings`].
///
/// ```
/// let (_, warnings) = natskit_server::config::settings_from_str("port: 4222", "x.conf").unwrap();
/// assert!(warnings.is_empty());
/// ```
pub fn settings_from_str(
    text: &str,
    name: &str,
) -> Result<(ServerBuilder, Vec<ConfigWarning>), ConfigError> {
    with_empty_warning(&parse_str(text, name)?, name)
}

/// [`parse_file`] then [`settings`]: what `natskit server -c FILE` starts from.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let (builder, warnings) = natskit_server::config::load("nats.conf".as_ref())?;
/// for w in &warnings {
///     eprintln!("warning: {w}");
/// }
/// let server = builder.start().await?;
/// # Ok(())
/// # }
/// ```
pub fn load(path: &Path) -> Result<(ServerBuilder, Vec<ConfigWarning>), ConfigError> {
    with_empty_warning(&parse_file(path)?, &path.to_string_lossy())
}

/// [`settings`], with nats-server's warning for a file with no values (a wrong file named?).
fn with_empty_warning(
    tree: &Map,
    name: &str,
) -> Result<(ServerBuilder, Vec<ConfigWarning>), ConfigError> {
    let (builder, mut warnings) = settings(tree)?;
    if tree.is_empty() {
        warnings.push(ConfigWarning {
            at: Position::new(name, 1, 1),
            message: "the configuration has no values or is empty".into(),
        });
    }
    Ok((builder, warnings))
}

/// No files, no environment.
struct Nothing;

impl Loader for Nothing {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{} (parsed from a string: no files)", path.display()),
        ))
    }

    fn env(&self, _name: &str) -> Option<String> {
        None
    }
}
