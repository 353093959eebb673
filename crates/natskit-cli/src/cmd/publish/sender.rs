//! [`Sender`]: publishes `pub`'s messages one by one, filling in templates, pausing between
//! messages and counting what went out.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use natskit::Client;

use crate::error::CliError;
use crate::header_templates::HeaderTemplates;
use crate::template::{Fill, Template};

use super::progress;

/// A message body: the same bytes each time, or a template filled in for each message.
pub enum Body {
    /// Sent as it is.
    Fixed(Bytes),
    /// Filled in for each message.
    Template(Template),
}

impl Body {
    /// A body from a template; one without words is taken as it is, here.
    pub fn new(template: Template) -> Body {
        match template.fixed() {
            Some(text) => Body::Fixed(Bytes::from(text)),
            None => Body::Template(template),
        }
    }

    /// The bytes for the message `fill` describes.
    pub fn render(&self, fill: &Fill) -> Result<Bytes, String> {
        match self {
            Body::Fixed(bytes) => Ok(bytes.clone()),
            Body::Template(template) => template.render(fill).map(Bytes::from),
        }
    }
}

/// Publishes on one connection and remembers how many messages and bytes went out.
pub struct Sender {
    /// The connection published on.
    client: Client,
    /// The subject, filled in per message.
    subject: Template,
    /// The `-H` headers, filled in per message.
    headers: HeaderTemplates,
    /// `--reply`.
    reply: Option<String>,
    /// `--sleep`: the pause before every message but the first.
    sleep: Duration,
    /// Messages published so far; the next one's `{{Count}}` is one more.
    sent: u64,
    /// Smallest and largest payload sent, for the summary.
    sizes: Option<(usize, usize)>,
    /// Whether a progress bar may be shown (not with `--quiet`).
    pub progress: bool,
}

impl Sender {
    /// A sender on `client`; `sleep` is the pause before every message but the first.
    pub fn new(
        client: Client,
        subject: Template,
        headers: HeaderTemplates,
        reply: Option<String>,
        sleep: Duration,
    ) -> Sender {
        Sender {
            client,
            subject,
            headers,
            reply,
            sleep,
            sent: 0,
            sizes: None,
            progress: true,
        }
    }

    /// Publishes `body` `times` times, with a progress bar when there are many.
    pub async fn send_times(&mut self, body: &Body, times: u64) -> Result<(), CliError> {
        let bar = if self.progress {
            progress::bar(times)
        } else {
            None
        };
        for _ in 0..times {
            self.send(body).await?;
            if let Some(bar) = &bar {
                bar.inc(1);
            }
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        Ok(())
    }

    /// Publishes one message, after the pause when it is not the first.
    async fn send(&mut self, body: &Body) -> Result<(), CliError> {
        if self.sent > 0 && !self.sleep.is_zero() {
            tokio::time::sleep(self.sleep).await;
        }
        self.sent += 1;
        let fill = Fill {
            count: self.sent,
            now: SystemTime::now(),
            request: None,
        };
        // With no request to draw from, filling in cannot fail; the errors are kept anyway.
        let subject = self.subject.render_text(&fill).map_err(CliError::msg)?;
        let headers = self.headers.render(&fill).map_err(CliError::msg)?;
        let payload = body.render(&fill).map_err(CliError::msg)?;
        let size = payload.len();
        match (&headers, &self.reply) {
            (Some(headers), reply) => {
                self.client
                    .publish_with_headers(&subject, reply.as_deref(), headers, payload)
                    .await?
            }
            (None, Some(reply)) => {
                self.client
                    .publish_with_reply(&subject, reply, payload)
                    .await?
            }
            (None, None) => self.client.publish(&subject, payload).await?,
        }
        self.sizes = Some(match self.sizes {
            Some((low, high)) => (low.min(size), high.max(size)),
            None => (size, size),
        });
        Ok(())
    }

    /// Closes the connection (which flushes: the server has every message) and says what was
    /// sent: `5 bytes`, `3 messages of 4 bytes`, `3 messages of 10 to 12 bytes`.
    pub async fn finish(self) -> Result<String, CliError> {
        self.client.close().await?;
        Ok(summary(self.sent, self.sizes))
    }
}

/// What was sent, in words.
fn summary(sent: u64, sizes: Option<(usize, usize)>) -> String {
    match (sent, sizes) {
        (1, Some((size, _))) => bytes(size),
        (n, Some((low, high))) if low == high => format!("{n} messages of {}", bytes(low)),
        (n, Some((low, high))) => format!("{n} messages of {low} to {high} bytes"),
        (n, None) => format!("{n} messages"),
    }
}

/// `1 byte`, `5 bytes`.
fn bytes(n: usize) -> String {
    match n {
        1 => "1 byte".to_owned(),
        n => format!("{n} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        assert_eq!(summary(1, Some((5, 5))), "5 bytes");
        assert_eq!(summary(3, Some((4, 4))), "3 messages of 4 bytes");
        assert_eq!(summary(3, Some((10, 12))), "3 messages of 10 to 12 bytes");
        assert_eq!(summary(2, Some((1, 1))), "2 messages of 1 byte");
        assert_eq!(summary(0, None), "0 messages");
    }
}
