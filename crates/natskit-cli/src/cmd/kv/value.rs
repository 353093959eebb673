//! A value to write: the command line's argument as it is, or, without one, all of standard
//! input (bytes, not text: a file's content, a binary).

use bytes::Bytes;
use std::io::IsTerminal;
use tokio::io::AsyncReadExt;

use crate::error::CliError;

/// `given`'s bytes, or standard input's when it is `None`.
pub(super) async fn value(given: Option<&str>) -> Result<Bytes, CliError> {
    if let Some(text) = given {
        return Ok(Bytes::copy_from_slice(text.as_bytes()));
    }
    if std::io::stdin().is_terminal() {
        note!("Reading the value from standard input; end it with Ctrl-D");
    }
    let mut value = Vec::new();
    tokio::io::stdin()
        .read_to_end(&mut value)
        .await
        .map_err(|e| CliError::io("reading standard input", e))?;
    Ok(Bytes::from(value))
}
