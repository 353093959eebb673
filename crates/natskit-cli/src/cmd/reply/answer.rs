//! [`Answerer`]: what `reply` sends back: a body template, the request itself (`--echo`) or a
//! command's output (`--command`), plus the `-H` headers.
//!
//! A failure (a command that fails, a token the subject lacks) is still answered, so the
//! requester is not left waiting: the payload is the error text (the command's standard error),
//! with the NATS service API's error headers `Nats-Service-Error: <what went wrong>` and
//! `Nats-Service-Error-Code: 500`.

use std::time::SystemTime;

use bytes::Bytes;
use natskit::{HeaderMap, Message};
use natskit_micro::{ERROR_CODE_HEADER, ERROR_HEADER};

use crate::error::CliError;
use crate::header_templates::HeaderTemplates;
use crate::template::{Asked, Fill, Place, Template};

use super::command::ShellCommand;

/// Why a request could not be answered as asked.
#[derive(Debug)]
pub struct Failure {
    /// One line saying what went wrong.
    pub message: String,
    /// The answer's payload: details, or the message again when there are none.
    pub payload: Bytes,
}

impl Failure {
    /// A failure with only a message.
    pub fn new(message: impl Into<String>) -> Failure {
        let message = message.into();
        Failure {
            payload: Bytes::from(message.clone()),
            message,
        }
    }

    /// A failure with details for the payload (used when there are any).
    pub fn with_payload(message: String, payload: Bytes) -> Failure {
        if payload.is_empty() {
            Failure::new(message)
        } else {
            Failure { message, payload }
        }
    }
}

/// What an answer is made from.
#[derive(Debug)]
enum Source {
    /// The body template (empty when none was given).
    Body(Template),
    /// `--echo`: the request's own payload and headers.
    Echo,
    /// `--command`: what the command prints.
    Command(ShellCommand),
}

/// The answer to one request.
#[derive(Debug)]
pub struct Answer {
    /// Headers to send, if any.
    pub headers: Option<HeaderMap>,
    /// The payload.
    pub payload: Bytes,
    /// Set when the answer reports a failure.
    pub failure: Option<String>,
}

/// Makes answers; built before connecting, so bad templates fail early.
#[derive(Debug)]
pub struct Answerer {
    /// Where the payload comes from.
    source: Source,
    /// The `-H` headers added to every answer.
    headers: HeaderTemplates,
}

impl Answerer {
    /// From the flags: `--command`, else `--echo`, else the body (empty when absent).
    pub fn new(
        body: Option<&str>,
        echo: bool,
        command: Option<&str>,
        headers: &[String],
        templates: bool,
    ) -> Result<Answerer, CliError> {
        let source = match (command, echo) {
            (Some(command), _) => Source::Command(ShellCommand::parse(command, templates)?),
            (None, true) => Source::Echo,
            (None, false) => {
                let body = body.unwrap_or("");
                Source::Body(Template::read(body, "the body", Place::Reply, templates)?)
            }
        };
        let headers = HeaderTemplates::parse(headers, Place::Reply, templates)?;
        Ok(Answerer { source, headers })
    }

    /// The answer to `request`, the `count`th one.
    pub async fn answer(&self, count: u64, request: &Message) -> Answer {
        let fill = Fill {
            count,
            now: SystemTime::now(),
            request: Some(Asked {
                subject: request.subject.as_str(),
                body: &request.payload,
            }),
        };
        match self.make(&fill, request).await {
            Ok((headers, payload)) => Answer {
                headers: (!headers.is_empty()).then_some(headers),
                payload,
                failure: None,
            },
            Err(failure) => failed(failure),
        }
    }

    /// The headers and payload, or why they could not be made.
    async fn make(
        &self,
        fill: &Fill<'_>,
        request: &Message,
    ) -> Result<(HeaderMap, Bytes), Failure> {
        let (mut headers, payload) = match &self.source {
            Source::Echo => (
                request.headers.clone().unwrap_or_default(),
                request.payload.clone(),
            ),
            Source::Body(template) => (
                HeaderMap::new(),
                Bytes::from(template.render(fill).map_err(Failure::new)?),
            ),
            Source::Command(command) => (HeaderMap::new(), command.run(fill).await?),
        };
        self.headers
            .render_into(fill, &mut headers)
            .map_err(Failure::new)?;
        Ok((headers, payload))
    }
}

/// The answer that reports `failure`.
fn failed(failure: Failure) -> Answer {
    let message = failure.message.replace(['\r', '\n'], " ");
    let mut headers = HeaderMap::new();
    // Both values are one line of text, which header values always accept.
    let _ = headers.append(ERROR_HEADER, message.as_str());
    let _ = headers.append(ERROR_CODE_HEADER, "500");
    Answer {
        headers: Some(headers),
        payload: failure.payload,
        failure: Some(message),
    }
}
