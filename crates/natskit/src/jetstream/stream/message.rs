//! One message of a stream: [`StoredMessage`], read with `$JS.API.STREAM.MSG.GET` (by
//! sequence or last by subject) and removed with `$JS.API.STREAM.MSG.DELETE`.

use bytes::Bytes;
use natskit_proto::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::jetstream::context::Context;
use crate::jetstream::error::JetStreamError;
use crate::jetstream::name::validate_stream_name;
use crate::jetstream::wire::{base64_decode, is_default};

/// A message as a stream stored it.
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
/// let msg = js.get_last_message("ORDERS", "orders.eu.7").await?;
/// println!("#{} on {} at {}: {:?}", msg.sequence, msg.subject, msg.time, msg.payload);
/// if let Some(headers) = &msg.headers {
///     println!("trace {:?}", headers.get("Trace-Id"));
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredMessage {
    /// The subject it was published to.
    pub subject: String,
    /// Its sequence in the stream.
    pub sequence: u64,
    /// The headers it was published with, if any.
    pub headers: Option<HeaderMap>,
    /// Its payload.
    pub payload: Bytes,
    /// When it was stored (RFC 3339).
    pub time: String,
}

/// The `message` of a `MSG.GET` answer: headers and payload in base64.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Raw {
    subject: String,
    seq: u64,
    hdrs: Option<String>,
    data: Option<String>,
    time: String,
}

#[derive(Deserialize)]
struct GetAnswer {
    message: Raw,
}

/// What to get: one of the two.
#[derive(Serialize, Default)]
struct GetRequest<'a> {
    #[serde(skip_serializing_if = "is_default")]
    seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_by_subj: Option<&'a str>,
}

#[derive(Serialize)]
struct DeleteRequest {
    seq: u64,
    no_erase: bool,
}

#[derive(Deserialize)]
struct Success {
    #[serde(default)]
    success: bool,
}

impl Raw {
    fn decode(self) -> Result<StoredMessage, String> {
        let headers = match self.hdrs.as_deref() {
            None | Some("") => None,
            Some(text) => {
                let block = base64_decode(text).map_err(|e| format!("hdrs: {e}"))?;
                Some(HeaderMap::decode(&block).map_err(|e| format!("hdrs: {e}"))?)
            }
        };
        let payload = match self.data.as_deref() {
            None | Some("") => Bytes::new(),
            Some(text) => Bytes::from(base64_decode(text).map_err(|e| format!("data: {e}"))?),
        };
        Ok(StoredMessage {
            subject: self.subject,
            sequence: self.seq,
            headers,
            payload,
            time: self.time,
        })
    }
}

impl Context {
    /// The message with sequence `sequence`; an
    /// [`ApiError::NO_MESSAGE_FOUND`](crate::jetstream::ApiError::NO_MESSAGE_FOUND) when there
    /// is none.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let first = js.get_message("ORDERS", 1).await?;
    /// # let _ = first;
    /// # Ok(()) }
    /// ```
    pub async fn get_message(
        &self,
        stream: &str,
        sequence: u64,
    ) -> Result<StoredMessage, JetStreamError> {
        self.get(
            stream,
            GetRequest {
                seq: sequence,
                ..GetRequest::default()
            },
        )
        .await
    }

    /// The last message on `subject` (wildcards allowed); an
    /// [`ApiError::NO_MESSAGE_FOUND`](crate::jetstream::ApiError::NO_MESSAGE_FOUND) when there
    /// is none.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// let latest = js.get_last_message("ORDERS", "orders.eu.7").await?;
    /// # let _ = latest;
    /// # Ok(()) }
    /// ```
    pub async fn get_last_message(
        &self,
        stream: &str,
        subject: &str,
    ) -> Result<StoredMessage, JetStreamError> {
        self.get(
            stream,
            GetRequest {
                last_by_subj: Some(subject),
                ..GetRequest::default()
            },
        )
        .await
    }

    async fn get(
        &self,
        stream: &str,
        request: GetRequest<'_>,
    ) -> Result<StoredMessage, JetStreamError> {
        validate_stream_name(stream)?;
        let api = format!("STREAM.MSG.GET.{stream}");
        let answer: GetAnswer = self.api_call(&api, &request).await?;
        answer
            .message
            .decode()
            .map_err(|reason| JetStreamError::Decode {
                subject: self.api_subject(&api),
                reason,
            })
    }

    /// Deletes the message with sequence `sequence`. Its bytes are marked deleted, not
    /// overwritten (the server's `no_erase`), which is much faster; the stream's other
    /// messages keep their sequences.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::JetStreamError> {
    /// js.delete_message("ORDERS", 3).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_message(&self, stream: &str, sequence: u64) -> Result<(), JetStreamError> {
        validate_stream_name(stream)?;
        let api = format!("STREAM.MSG.DELETE.{stream}");
        let request = DeleteRequest {
            seq: sequence,
            no_erase: true,
        };
        let answer: Success = self.api_call(&api, &request).await?;
        self.succeeded(answer.success, &api)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_message_is_decoded_from_base64() {
        let json = r#"{"message":{"subject":"a.b","seq":4,"hdrs":"TkFUUy8xLjANClRyYWNlOiAxDQoNCg==",
            "data":"aGVsbG8=","time":"2026-12-02T20:00:00Z","future":true}}"#;
        let answer: GetAnswer = serde_json::from_str(json).expect("parses");
        let msg = answer.message.decode().expect("decodes");
        assert_eq!((msg.subject.as_str(), msg.sequence), ("a.b", 4));
        assert_eq!(msg.payload, "hello");
        assert_eq!(msg.headers.expect("headers").get("Trace"), Some("1"));
        assert_eq!(msg.time, "2026-12-02T20:00:00Z");
    }

    #[test]
    fn no_headers_and_no_data_are_none_and_empty() {
        let raw: Raw = serde_json::from_str(r#"{"subject":"a","seq":1}"#).expect("parses");
        let msg = raw.decode().expect("decodes");
        assert_eq!((msg.headers, msg.payload), (None, Bytes::new()));
    }

    #[test]
    fn bad_base64_is_a_decode_error() {
        let raw: Raw =
            serde_json::from_str(r#"{"subject":"a","seq":1,"data":"%%"}"#).expect("parses");
        assert!(raw.decode().expect_err("bad").starts_with("data:"));
    }

    #[test]
    fn get_requests_name_one_thing() {
        let by_seq = GetRequest {
            seq: 7,
            ..GetRequest::default()
        };
        assert_eq!(serde_json::to_string(&by_seq).expect("ok"), r#"{"seq":7}"#);
        let last = GetRequest {
            last_by_subj: Some("a.>"),
            ..GetRequest::default()
        };
        assert_eq!(
            serde_json::to_string(&last).expect("ok"),
            r#"{"last_by_subj":"a.>"}"#
        );
    }
}
