//! [`CliError`]: what every command returns, printed by `main` as one `error:` line.

use std::fmt;
use std::io;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// Something to tell the user, already phrased as one line.
    Message(String),
    /// Standard output was closed by its reader; the command ends quietly.
    BrokenPipe,
}

impl CliError {
    /// An error with this message.
    pub fn msg(message: impl Into<String>) -> Self {
        CliError::Message(message.into())
    }

    /// An I/O error while doing `what` (`"writing to standard output"`, say).
    pub fn io(what: &str, error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            CliError::BrokenPipe
        } else {
            CliError::Message(format!("{what}: {error}"))
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Message(message) => f.write_str(message),
            CliError::BrokenPipe => f.write_str("standard output was closed"),
        }
    }
}

/// The client's errors already read as one sentence ("could not connect to 127.0.0.1:1: ...",
/// "no responders for \"svc.add\""), so they are shown as they are.
macro_rules! from_client_error {
    ($($t:ty),* $(,)?) => {
        $(impl From<$t> for CliError {
            fn from(error: $t) -> Self {
                CliError::Message(error.to_string())
            }
        })*
    };
}

from_client_error!(
    natskit::ConnectError,
    natskit::PublishError,
    natskit::SubscribeError,
    natskit::RequestError,
    natskit::FlushError,
);
