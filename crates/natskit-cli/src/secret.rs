//! [`Secret`]: a password or token, kept out of `Debug` output and listings; and
//! [`redact_urls`], for the ones a server URL carries.

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

/// Server URLs (comma-separated) as they may be shown: a password or token in a URL
/// (`nats://alice:pw@host`, `nats://token@host`) becomes `***`, as natskit's
/// [`ServerAddr`](natskit::ServerAddr) shows it; a URL that does not parse loses all before
/// its `@`.
pub fn redact_urls(urls: &str) -> String {
    urls.split(',')
        .map(|url| {
            let url = url.trim();
            match url.parse::<natskit::ServerAddr>() {
                Ok(server) if server.user().is_some() || server.token().is_some() => {
                    server.to_string()
                }
                Ok(_) => url.to_owned(),
                Err(_) => match url.rsplit_once('@') {
                    Some((_, host)) => format!("{MASK}@{host}"),
                    None => url.to_owned(),
                },
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_urls_are_hidden() {
        assert_eq!(
            redact_urls("nats://alice:pw@a:4222, tls://t0k@b:4443,nats://c:4222"),
            "nats://alice:***@a:4222,tls://***@b:4443,nats://c:4222"
        );
        assert_eq!(redact_urls("nats://u:pw@bad host"), "********@bad host");
        assert_eq!(redact_urls("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn debug_hides_the_text() {
        let secret = Secret::from("hunter2".to_owned());
        assert_eq!(format!("{secret:?}"), "Secret(********)");
        assert_eq!(secret.expose(), "hunter2");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"hunter2\"");
    }
}
