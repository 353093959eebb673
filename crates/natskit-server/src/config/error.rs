//! [`ConfigError`]: why a configuration file could not be read or used, with where.

use std::path::PathBuf;

use super::value::Position;

/// A configuration file could not be read, parsed or applied.
///
/// ```
/// let err = natskit_server::config::parse_str("port: 4222\nfoo = [1 2]", "nats.conf").unwrap_err();
/// assert!(err.to_string().starts_with("nats.conf:2:10: "), "{err}");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file named on the command line could not be read.
    #[error("cannot read configuration file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Something at a place in a file.
    #[error("{at}: {problem}")]
    At {
        /// Where.
        at: Position,
        /// What.
        problem: Problem,
    },
}

impl ConfigError {
    /// An error at `at`.
    pub(crate) fn at(at: &Position, problem: Problem) -> Self {
        ConfigError::At {
            at: at.clone(),
            problem,
        }
    }

    /// Where the error is, when it is in a file.
    ///
    /// ```
    /// let err = natskit_server::config::parse_str("a: 'open", "x.conf").unwrap_err();
    /// assert_eq!(err.position().unwrap().line, 1);
    /// ```
    pub fn position(&self) -> Option<&Position> {
        match self {
            ConfigError::Read { .. } => None,
            ConfigError::At { at, .. } => Some(at),
        }
    }
}

/// What is wrong at a [`Position`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The text does not follow the format: what was expected and what was found.
    #[error("expected {expected}, found {found}")]
    Syntax {
        /// What the format allows here.
        expected: String,
        /// What the file has.
        found: String,
    },
    /// A value that cannot be what it looks like: an integer too large, an unknown size
    /// suffix, a bad escape or date.
    #[error("{0}")]
    BadValue(String),
    /// `$NAME` is neither an earlier key of this block or an enclosing one, nor an
    /// environment variable.
    #[error("variable ${0} is not defined (neither earlier in this block or an enclosing one, nor in the environment)")]
    UndefinedVariable(String),
    /// An included file could not be read.
    #[error("cannot read included file {}: {reason}", path.display())]
    Include {
        /// The file, relative to the including one.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Includes or variables nest too deep (a file including itself, a variable defined by
    /// itself through the environment).
    #[error("{0} nest deeper than {1} (does one refer to itself?)")]
    TooDeep(&'static str, usize),
    /// A nats-server setting for a feature natskit server will not have.
    #[error("{setting}: natskit server is a single broker and has no {feature}")]
    NeverSupported {
        /// The setting as written.
        setting: String,
        /// The feature it belongs to.
        feature: &'static str,
    },
    /// A nats-server setting natskit server does not support yet.
    #[error("{setting}: natskit server does not support {what} yet")]
    NotYetSupported {
        /// The setting as written.
        setting: String,
        /// What it asks for.
        what: &'static str,
    },
    /// A key nats-server does not know either (nats-server refuses these too).
    #[error("unknown field {0:?}")]
    UnknownField(String),
    /// A setting with a value of the wrong kind.
    #[error("{setting}: expected {expected}, found {found}")]
    WrongType {
        /// The setting.
        setting: String,
        /// What it takes.
        expected: &'static str,
        /// What the file has.
        found: &'static str,
    },
    /// A setting with a value of the right kind that cannot be used.
    #[error("{setting}: {reason}")]
    Invalid {
        /// The setting.
        setting: String,
        /// Why.
        reason: String,
    },
}

/// A setting the broker accepts but does not act on the way nats-server does, reported so
/// nothing in the file is dropped without a word.
///
/// ```
/// let (_, warnings) = natskit_server::config::settings_from_str("prof_port: 6060", "x.conf").unwrap();
/// assert_eq!(warnings[0].to_string(), "x.conf:1:1: prof_port is ignored by natskit server");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    /// Where the setting is.
    pub at: Position,
    /// What is ignored and why.
    pub message: String,
}

impl std::fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}
