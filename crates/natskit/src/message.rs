//! [`Message`]: what a subscriber receives.

use std::sync::Arc;

use bytes::Bytes;
use natskit_proto::{HeaderMap, Subject};

use crate::error::PublishError;
use crate::publish::Publish;
use crate::shared::Shared;

/// A message delivered to a subscription or as the answer to a request.
///
/// ```no_run
/// use futures_util::StreamExt;
///
/// # async fn demo(client: natskit::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let mut requests = client.subscribe("greet.*").await?;
/// while let Some(msg) = requests.next().await {
///     let name = msg.subject.as_str().trim_start_matches("greet.");
///     msg.respond(format!("hello, {name}")).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Message {
    /// The subject it was published to.
    pub subject: Subject,
    /// Where the publisher wants the answer.
    pub reply: Option<Subject>,
    /// Headers, if the publisher sent any.
    pub headers: Option<HeaderMap>,
    /// Status code of the header block, such as 503 for "no responders".
    pub status: Option<u16>,
    /// The payload.
    pub payload: Bytes,
    /// Set only for messages with a reply subject: the connection to answer on.
    pub(crate) responder: Option<Arc<Shared>>,
}

impl Message {
    /// A message from the wire; one with a reply subject can be answered on `connection`.
    pub(crate) fn new(msg: natskit_proto::Msg, connection: &Arc<Shared>) -> Self {
        let parts = msg.into_parts();
        let status = parts.headers.as_ref().and_then(HeaderMap::status);
        let responder = parts.reply.as_ref().map(|_| Arc::clone(connection));
        Message {
            subject: parts.subject,
            reply: parts.reply,
            headers: parts.headers,
            status,
            payload: parts.payload,
            responder,
        }
    }

    /// Publishes `payload` to this message's reply subject.
    ///
    /// Fails with [`PublishError::NoReplySubject`] when the message has no reply subject.
    pub async fn respond(&self, payload: impl Into<Bytes>) -> Result<(), PublishError> {
        self.respond_with_headers(None, payload).await
    }

    /// Publishes `payload` with `headers` to this message's reply subject.
    pub async fn respond_with_headers(
        &self,
        headers: Option<&HeaderMap>,
        payload: impl Into<Bytes>,
    ) -> Result<(), PublishError> {
        let (Some(reply), Some(shared)) = (&self.reply, &self.responder) else {
            return Err(PublishError::NoReplySubject);
        };
        Publish::new(shared, reply, None, headers, payload.into()).await
    }

    /// True when this is the server's "no responders" notice (status 503, no payload).
    pub fn is_no_responders(&self) -> bool {
        self.status == Some(natskit_proto::headers::STATUS_NO_RESPONDERS) && self.payload.is_empty()
    }
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("subject", &self.subject)
            .field("reply", &self.reply)
            .field("headers", &self.headers)
            .field("status", &self.status)
            .field("payload", &self.payload)
            .finish()
    }
}
