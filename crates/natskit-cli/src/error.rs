//! [`CliError`]: what every command returns, printed by `main` as one `error:` line.

use std::fmt;
use std::io;

use natskit::ConnectError;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// Something to tell the user, already phrased as one line.
    Message(String),
    /// Standard output was closed by its reader; the command ends quietly.
    BrokenPipe,
    /// The command printed its own verdict and ends with this status (`server check`'s
    /// Nagios statuses: 1 warning, 2 critical).
    Status(u8),
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
            CliError::Status(code) => write!(f, "exit status {code}"),
        }
    }
}

impl From<ConnectError> for CliError {
    fn from(error: ConnectError) -> Self {
        connect_error(&error, &Presented::Unknown)
    }
}

/// What a connection showed the server to authenticate, for the message of a refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// Not known where the error is turned into a message.
    Unknown,
    /// No credentials at all.
    Nothing,
    /// These, in words that quote no secret: `user "alice"`, `the token from context "prod"`.
    Credentials(String),
}

/// A failed connect as one line. The client's messages are kept ("could not connect to
/// 127.0.0.1:1: ..."), except that a refusal for authorization says so first and names what
/// was `presented` (`user "alice"`, never a password), and certificate failures say which flag
/// fixes them.
pub fn connect_error(error: &ConnectError, presented: &Presented) -> CliError {
    // Of a list of servers, the last one's failure is the one worth telling.
    let mut inner = error;
    while let ConnectError::NoServers { last } = inner {
        inner = last;
    }
    let message = match inner {
        ConnectError::Refused { address, message } if is_authorization(message) => {
            match presented {
                Presented::Nothing => format!(
                    "authorization failed: {address} requires credentials \
                     (--user/--password, --token, --creds or --nkey) ({message})"
                ),
                Presented::Credentials(presented) => {
                    format!("authorization failed: {address} refused {presented} ({message})")
                }
                Presented::Unknown => {
                    format!("authorization failed: {address} refused the connection ({message})")
                }
            }
        }
        ConnectError::CertificateRejected { .. } => {
            format!("{error}; --tlsca FILE names the CA to trust")
        }
        ConnectError::ClientCertificateRefused { .. } => {
            format!("{error}; --tlscert and --tlskey present one")
        }
        _ => error.to_string(),
    };
    CliError::Message(message)
}

/// Whether a server's `-ERR` text is about credentials ("Authorization Violation", "User
/// Authentication Expired").
fn is_authorization(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("authorization") || message.contains("authentication")
}

/// The client's errors already read as one sentence ("no responders for \"svc.add\""), so
/// they are shown as they are.
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
    natskit::PublishError,
    natskit::SubscribeError,
    natskit::RequestError,
    natskit::FlushError,
);
