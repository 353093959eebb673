//! [`Secret`]: a password or token, kept out of `Debug` output and listings.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What is shown in place of a secret: always the same length, so nothing about it leaks.
pub const MASK: &str = "********";

/// A password or token. Only [`expose`](Secret::expose) gives the text; `Debug` shows a mask,
/// so a stray `{:?}` of the arguments prints nothing secret. Stored as plain text in context
/// files (which are private to their owner, see `context`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The secret's text, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Secret(text)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({MASK})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_text() {
        let secret = Secret::from("hunter2".to_owned());
        assert_eq!(format!("{secret:?}"), "Secret(********)");
        assert_eq!(secret.expose(), "hunter2");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"hunter2\"");
    }
}
