//! Where the parser gets what is outside the text: included files and environment variables.
//! The parser itself does no I/O; [`FileSystem`] is the [`Loader`] that reads the real ones.

use std::io;
use std::path::{Path, PathBuf};

/// Reads included files and environment variables for the parser; implement it to parse
/// from memory (tests) or anything else.
///
/// ```
/// use std::path::Path;
/// use natskit_server::config::{parse, Loader};
///
/// struct Memory;
/// impl Loader for Memory {
///     fn read(&self, path: &Path) -> std::io::Result<String> {
///         match path.to_str() {
///             Some("conf/limits.conf") => Ok("max_payload: 64KB".into()),
///             _ => Err(std::io::ErrorKind::NotFound.into()),
///         }
///     }
///     fn env(&self, _name: &str) -> Option<String> {
///         None
///     }
/// }
///
/// let tree = parse("include limits.conf", Path::new("conf/nats.conf"), &Memory).unwrap();
/// assert!(tree.get("max_payload").is_some());
/// ```
pub trait Loader {
    /// The text of a file (an included one, its path already joined to the including file's
    /// directory).
    fn read(&self, path: &Path) -> io::Result<String>;
    /// An environment variable, for `$NAME` not defined in the file.
    fn env(&self, name: &str) -> Option<String>;
}

/// The real file system and process environment.
///
/// ```
/// use natskit_server::config::{FileSystem, Loader};
/// assert!(FileSystem.read(std::path::Path::new("/no/such/file.conf")).is_err());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct FileSystem;

impl Loader for FileSystem {
    fn read(&self, path: &Path) -> io::Result<String> {
        std::fs::read_to_string(path)
    }

    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// The path of `include` written in `including`: relative to the including file's directory,
/// as nats-server resolves it with Go's `filepath.Join`, which keeps even a path starting
/// with `/` under that directory, and drops `./` parts.
pub(crate) fn resolve(including: &Path, include: &str) -> PathBuf {
    let include = include.trim_start_matches('/');
    including
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(include)
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_are_relative_to_the_including_file() {
        assert_eq!(
            resolve(Path::new("etc/nats/nats.conf"), "auth.conf"),
            Path::new("etc/nats/auth.conf")
        );
        assert_eq!(
            resolve(Path::new("nats.conf"), "a/b.conf"),
            Path::new("a/b.conf")
        );
        // Go's filepath.Join keeps a path starting with '/' under the directory.
        assert_eq!(
            resolve(Path::new("x/n.conf"), "/abs.conf"),
            Path::new("x/abs.conf")
        );
        assert_eq!(
            resolve(Path::new("./x/n.conf"), "./a.conf"),
            Path::new("x/a.conf")
        );
    }
}
