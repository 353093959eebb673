//! Direct gets (ADR-31): a message read straight from any replica of a stream made with
//! `allow_direct`, answered as a message whose headers say where it came from, rather than
//! as JSON. Two request forms: `DIRECT.GET.<stream>` with a JSON body, and
//! `DIRECT.GET.<stream>.<subject>` (empty body) for the last message on a subject.

use bytes::Bytes;
use serde::Serialize;

use crate::client::Request;
use crate::error::RequestError;
use crate::jetstream::context::Context;
use crate::jetstream::error::DirectGetError;
use crate::jetstream::name::validate_stream_name;
use crate::jetstream::stream::message::StoredMessage;
use crate::jetstream::wire::is_default;
use crate::message::Message;

/// The headers the server adds to a direct get answer.
const STREAM: &str = "Nats-Stream";
const SUBJECT: &str = "Nats-Subject";
const SEQUENCE: &str = "Nats-Sequence";
const TIME_STAMP: &str = "Nats-Time-Stamp";

/// The status of "no such message".
const NOT_FOUND: u16 = 404;

#[derive(Serialize, Default)]
struct DirectRequest<'a> {
    #[serde(skip_serializing_if = "is_default")]
    seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_by_subj: Option<&'a str>,
}

impl Context {
    /// The message with sequence `sequence`, read directly (the stream needs `allow_direct`).
    /// [`DirectGetError::NotFound`] when there is none.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::DirectGetError> {
    /// let msg = js.direct_get("KV_config", 12).await?;
    /// # let _ = msg;
    /// # Ok(()) }
    /// ```
    pub async fn direct_get(
        &self,
        stream: &str,
        sequence: u64,
    ) -> Result<StoredMessage, DirectGetError> {
        let request = DirectRequest {
            seq: sequence,
            ..DirectRequest::default()
        };
        self.direct_with_body(stream, &request).await
    }

    /// The first message on `subject` (wildcards allowed) at or after sequence `from`, read
    /// directly. [`DirectGetError::NotFound`] when there is none.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::DirectGetError> {
    /// let msg = js.direct_get_next("ORDERS", "orders.eu.>", 1).await?;
    /// # let _ = msg;
    /// # Ok(()) }
    /// ```
    pub async fn direct_get_next(
        &self,
        stream: &str,
        subject: &str,
        from: u64,
    ) -> Result<StoredMessage, DirectGetError> {
        let request = DirectRequest {
            seq: from,
            next_by_subj: Some(subject),
        };
        self.direct_with_body(stream, &request).await
    }

    /// The last message on `subject`, read directly with the subject in the request's own
    /// subject (`DIRECT.GET.<stream>.<subject>`). [`DirectGetError::NotFound`] when there is
    /// none.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::DirectGetError> {
    /// let value = js.direct_get_last("KV_config", "$KV.config.color").await?;
    /// println!("{:?}", value.payload);
    /// # Ok(()) }
    /// ```
    pub async fn direct_get_last(
        &self,
        stream: &str,
        subject: &str,
    ) -> Result<StoredMessage, DirectGetError> {
        validate_stream_name(stream)?;
        let api = self.api_subject(&format!("DIRECT.GET.{stream}.{subject}"));
        self.direct(stream, &api, Bytes::new()).await
    }

    async fn direct_with_body(
        &self,
        stream: &str,
        request: &DirectRequest<'_>,
    ) -> Result<StoredMessage, DirectGetError> {
        validate_stream_name(stream)?;
        let api = self.api_subject(&format!("DIRECT.GET.{stream}"));
        let body = serde_json::to_vec(request).map_err(|e| DirectGetError::Decode {
            stream: stream.to_owned(),
            reason: format!("the request could not be encoded: {e}"),
        })?;
        self.direct(stream, &api, body.into()).await
    }

    async fn direct(
        &self,
        stream: &str,
        subject: &str,
        body: Bytes,
    ) -> Result<StoredMessage, DirectGetError> {
        let answer = self
            .client()
            .send_request(subject, Request::new(body).timeout(self.timeout()))
            .await
            .map_err(|e| match e {
                RequestError::NoResponders { .. } => DirectGetError::Unavailable {
                    stream: stream.to_owned(),
                },
                other => DirectGetError::Request(other),
            })?;
        decode(stream, answer)
    }
}

/// Reads a direct get answer: a status, or the message with the server's headers taken off.
fn decode(stream: &str, answer: Message) -> Result<StoredMessage, DirectGetError> {
    let fail = |reason: String| DirectGetError::Decode {
        stream: stream.to_owned(),
        reason,
    };
    if let Some(code) = answer.status {
        return Err(if code == NOT_FOUND {
            DirectGetError::NotFound {
                stream: stream.to_owned(),
            }
        } else {
            DirectGetError::Status {
                stream: stream.to_owned(),
                code,
                description: answer
                    .headers
                    .as_ref()
                    .and_then(|h| h.description())
                    .unwrap_or_default()
                    .to_owned(),
            }
        });
    }
    let mut headers = answer
        .headers
        .ok_or_else(|| fail("no headers in the answer".into()))?;
    let field = |name: &str| {
        headers
            .get(name)
            .map(str::to_owned)
            .ok_or_else(|| fail(format!("no {name} header")))
    };
    let subject = field(SUBJECT)?;
    let sequence = field(SEQUENCE)?
        .parse::<u64>()
        .map_err(|e| fail(format!("{SEQUENCE}: {e}")))?;
    let time = field(TIME_STAMP)?;
    for name in [STREAM, SUBJECT, SEQUENCE, TIME_STAMP] {
        headers.remove(name);
    }
    Ok(StoredMessage {
        subject,
        sequence,
        headers: (!headers.is_empty()).then_some(headers),
        payload: answer.payload,
        time,
    })
}

#[cfg(test)]
mod tests {
    use natskit_proto::{HeaderMap, Subject};

    use super::*;

    fn answer(headers: Option<&[u8]>, payload: &'static str) -> Message {
        let headers = headers.map(|block| HeaderMap::decode(block).expect("valid block"));
        Message {
            subject: Subject::from("_INBOX.x"),
            reply: None,
            status: headers.as_ref().and_then(HeaderMap::status),
            headers,
            payload: Bytes::from_static(payload.as_bytes()),
            responder: None,
        }
    }

    #[test]
    fn a_message_comes_back_without_the_servers_headers() {
        let block = b"NATS/1.0\r\nTrace: 1\r\nNats-Stream: S\r\nNats-Subject: a.b\r\nNats-Sequence: 5\r\nNats-Time-Stamp: 2026-12-02T20:00:00.5Z\r\n\r\n";
        let msg = decode("S", answer(Some(block), "hi")).expect("decodes");
        assert_eq!((msg.subject.as_str(), msg.sequence), ("a.b", 5));
        assert_eq!(msg.time, "2026-12-02T20:00:00.5Z");
        assert_eq!(msg.payload, "hi");
        let headers = msg.headers.expect("the publisher's header");
        assert_eq!((headers.len(), headers.get("Trace")), (1, Some("1")));
    }

    #[test]
    fn only_the_servers_headers_means_none() {
        let block = b"NATS/1.0\r\nNats-Stream: S\r\nNats-Subject: a\r\nNats-Sequence: 1\r\nNats-Time-Stamp: t\r\n\r\n";
        assert_eq!(
            decode("S", answer(Some(block), "")).expect("ok").headers,
            None
        );
    }

    #[test]
    fn statuses_are_typed() {
        let not_found = answer(Some(b"NATS/1.0 404 Message Not Found\r\n\r\n"), "");
        assert_eq!(
            decode("S", not_found),
            Err(DirectGetError::NotFound { stream: "S".into() })
        );
        let bad = answer(Some(b"NATS/1.0 408 Bad Request\r\n\r\n"), "");
        assert_eq!(
            decode("S", bad),
            Err(DirectGetError::Status {
                stream: "S".into(),
                code: 408,
                description: "Bad Request".into()
            })
        );
    }

    #[test]
    fn missing_headers_are_decode_errors() {
        assert!(matches!(
            decode("S", answer(None, "x")),
            Err(DirectGetError::Decode { .. })
        ));
        let no_seq = b"NATS/1.0\r\nNats-Subject: a\r\nNats-Time-Stamp: t\r\n\r\n";
        assert!(matches!(
            decode("S", answer(Some(no_seq), "x")),
            Err(DirectGetError::Decode { reason, .. }) if reason == "no Nats-Sequence header"
        ));
    }

    #[test]
    fn body_requests() {
        let r = DirectRequest {
            seq: 3,
            next_by_subj: Some("a.>"),
        };
        assert_eq!(
            serde_json::to_string(&r).expect("ok"),
            r#"{"seq":3,"next_by_subj":"a.>"}"#
        );
    }
}
