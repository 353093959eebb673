//! Publishing to a stream and waiting for its acknowledgement: [`Publish`] (payload, headers,
//! message id, expectations), [`PubAck`], and the retry on "no responders" of ADR-22.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use bytes::Bytes;
use natskit_proto::HeaderMap;
use serde::Deserialize;

use crate::client::Request;
use crate::error::RequestError;
use crate::jetstream::context::{decode_answer, Answer, Context};
use crate::jetstream::error::PublishError;
use crate::jetstream::publish_retry::RetryPlan;
use crate::message::Message;

const MSG_ID: &str = "Nats-Msg-Id";
const EXPECTED_STREAM: &str = "Nats-Expected-Stream";
const EXPECTED_LAST_MSG_ID: &str = "Nats-Expected-Last-Msg-Id";
const EXPECTED_LAST_SEQUENCE: &str = "Nats-Expected-Last-Sequence";
const EXPECTED_LAST_SUBJECT_SEQUENCE: &str = "Nats-Expected-Last-Subject-Sequence";
const TTL: &str = "Nats-TTL";
/// The API level that brought per-message TTLs (nats-server 2.11, ADR-43).
const TTL_API_LEVEL: u32 = 1;

/// A stream's acknowledgement of a published message.
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::PublishError> {
/// let ack = js.publish("orders.new", "order 7").await?;
/// println!("stored in {} as #{}{}", ack.stream, ack.seq, if ack.duplicate { " (duplicate)" } else { "" });
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct PubAck {
    /// The stream that stored it.
    pub stream: String,
    /// Its sequence there (for a duplicate, the sequence of the message it duplicates).
    pub seq: u64,
    /// It was a duplicate of a message with the same `Nats-Msg-Id` within the stream's
    /// duplicate window, so it was not stored again.
    pub duplicate: bool,
    /// The stream's JetStream domain, when it has one.
    pub domain: Option<String>,
}

/// A message to publish to a stream, with what the stream should check before storing it.
///
/// ```no_run
/// use natskit::jetstream::Publish;
///
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::PublishError> {
/// let publish = Publish::new("order 7")
///     .message_id("order-7")          // stored once, however often it is sent in the window
///     .expected_stream("ORDERS")
///     .expected_last_subject_sequence(0); // only if orders.7 has no message yet
/// let ack = js.send_publish("orders.7", publish).await?;
/// # let _ = ack;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Publish {
    payload: Bytes,
    headers: Option<HeaderMap>,
    message_id: Option<String>,
    expected_stream: Option<String>,
    expected_last_message_id: Option<String>,
    expected_last_sequence: Option<u64>,
    expected_last_subject_sequence: Option<u64>,
    ttl: Option<Duration>,
    timeout: Option<Duration>,
}

impl Publish {
    /// A message carrying `payload`.
    ///
    /// ```
    /// let publish = natskit::jetstream::Publish::new("hello");
    /// # let _ = publish;
    /// ```
    pub fn new(payload: impl Into<Bytes>) -> Self {
        Publish {
            payload: payload.into(),
            ..Publish::default()
        }
    }

    /// Sends these headers too (the options below are added to them).
    ///
    /// ```
    /// let mut headers = natskit::HeaderMap::new();
    /// headers.insert("Trace-Id", "42").unwrap();
    /// let publish = natskit::jetstream::Publish::new("hello").headers(headers);
    /// # let _ = publish;
    /// ```
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = Some(headers);
        self
    }

    /// `Nats-Msg-Id`: within the stream's duplicate window, a second message with this id is
    /// acknowledged as a [`duplicate`](PubAck::duplicate) and not stored.
    ///
    /// ```
    /// let publish = natskit::jetstream::Publish::new("hello").message_id("greeting-1");
    /// # let _ = publish;
    /// ```
    pub fn message_id(mut self, id: impl Into<String>) -> Self {
        self.message_id = Some(id.into());
        self
    }

    /// `Nats-Expected-Stream`: stored only if this stream captures the subject, else
    /// [`ApiError::STREAM_NOT_MATCH`](crate::jetstream::ApiError::STREAM_NOT_MATCH).
    ///
    /// ```
    /// let publish = natskit::jetstream::Publish::new("hello").expected_stream("GREETINGS");
    /// # let _ = publish;
    /// ```
    pub fn expected_stream(mut self, stream: impl Into<String>) -> Self {
        self.expected_stream = Some(stream.into());
        self
    }

    /// `Nats-Expected-Last-Msg-Id`: stored only if the stream's last message has this id, else
    /// [`ApiError::STREAM_WRONG_LAST_MSG_ID`](crate::jetstream::ApiError::STREAM_WRONG_LAST_MSG_ID).
    ///
    /// ```
    /// let publish = natskit::jetstream::Publish::new("hello").expected_last_message_id("greeting-1");
    /// # let _ = publish;
    /// ```
    pub fn expected_last_message_id(mut self, id: impl Into<String>) -> Self {
        self.expected_last_message_id = Some(id.into());
        self
    }

    /// `Nats-Expected-Last-Sequence`: stored only if the stream's last sequence is this, else
    /// [`ApiError::STREAM_WRONG_LAST_SEQUENCE`](crate::jetstream::ApiError::STREAM_WRONG_LAST_SEQUENCE).
    ///
    /// ```
    /// let publish = natskit::jetstream::Publish::new("hello").expected_last_sequence(41);
    /// # let _ = publish;
    /// ```
    pub fn expected_last_sequence(mut self, sequence: u64) -> Self {
        self.expected_last_sequence = Some(sequence);
        self
    }

    /// `Nats-Expected-Last-Subject-Sequence`: stored only if the last message on this subject
    /// has this sequence (0: there is none), else
    /// [`ApiError::STREAM_WRONG_LAST_SEQUENCE`](crate::jetstream::ApiError::STREAM_WRONG_LAST_SEQUENCE).
    ///
    /// ```
    /// let publish = natskit::jetstream::Publish::new("hello").expected_last_subject_sequence(0);
    /// # let _ = publish;
    /// ```
    pub fn expected_last_subject_sequence(mut self, sequence: u64) -> Self {
        self.expected_last_subject_sequence = Some(sequence);
        self
    }

    /// Waits at most `timeout` for each acknowledgement, instead of the context's timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// let publish = natskit::jetstream::Publish::new("hello").timeout(Duration::from_secs(1));
    /// # let _ = publish;
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// `Nats-TTL`: the stream removes this message after `ttl` (whole seconds, at least one).
    /// Needs nats-server 2.11 (API level 1) and a stream with `allow_msg_ttl`; on an older
    /// server the publish fails with [`PublishError::Unsupported`] before anything is sent.
    ///
    /// ```
    /// let publish = natskit::jetstream::Publish::new("short-lived").ttl(std::time::Duration::from_secs(60));
    /// # let _ = publish;
    /// ```
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl);
        self
    }

    /// The payload's size in bytes.
    pub(crate) fn payload_len(&self) -> usize {
        self.payload.len()
    }

    /// The header block to send: the given headers plus one per option; `None` when empty.
    fn header_block(&self) -> Result<Option<HeaderMap>, natskit_proto::ProtoError> {
        let mut headers = self.headers.clone().unwrap_or_default();
        let texts = [
            (MSG_ID, self.message_id.clone()),
            (EXPECTED_STREAM, self.expected_stream.clone()),
            (EXPECTED_LAST_MSG_ID, self.expected_last_message_id.clone()),
            (
                EXPECTED_LAST_SEQUENCE,
                self.expected_last_sequence.map(|n| n.to_string()),
            ),
            (
                EXPECTED_LAST_SUBJECT_SEQUENCE,
                self.expected_last_subject_sequence.map(|n| n.to_string()),
            ),
            (TTL, self.ttl.map(|ttl| format!("{}s", ttl.as_secs()))),
        ];
        for (name, value) in texts {
            if let Some(value) = value {
                headers.insert(name, value)?;
            }
        }
        Ok((!headers.is_empty()).then_some(headers))
    }
}

impl Context {
    /// Publishes `payload` to `subject` and waits for the stream's acknowledgement.
    ///
    /// A subject no stream captures fails with [`PublishError::NoStream`] after the retries
    /// of [`with_publish_retries`](Context::with_publish_retries) (about 300 ms by default),
    /// not after a timeout.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::PublishError> {
    /// let ack = js.publish("orders.new", "order 7").await?;
    /// assert!(!ack.duplicate);
    /// # Ok(()) }
    /// ```
    pub async fn publish(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<PubAck, PublishError> {
        self.send_publish(subject, Publish::new(payload)).await
    }

    /// Publishes with headers, a message id or expectations, and waits for the stream's
    /// acknowledgement. An expectation that does not hold comes back as
    /// [`PublishError::Api`] with the server's `err_code`.
    ///
    /// ```no_run
    /// use natskit::jetstream::Publish;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::PublishError> {
    /// let ack = js.send_publish("orders.new", Publish::new("order 7").message_id("o-7")).await?;
    /// # let _ = ack;
    /// # Ok(()) }
    /// ```
    pub async fn send_publish(
        &self,
        subject: impl AsRef<str>,
        publish: Publish,
    ) -> Result<PubAck, PublishError> {
        let subject = subject.as_ref();
        self.check_features(&publish).await?;
        let headers = publish
            .header_block()
            .map_err(PublishError::InvalidHeader)?;
        let request = self.ack_request(&publish, &headers);
        let first = self.client().send_request(subject, request).await;
        self.settle(subject, &publish, &headers, first).await
    }

    /// Publishes without waiting for the acknowledgement: returns once the message is queued,
    /// with a [`PubAckFuture`] to await the acknowledgement later. At most
    /// [`with_max_publishes_in_flight`](Context::with_max_publishes_in_flight) acknowledgements
    /// are awaited at once; beyond that this waits for one to come. A slot is freed when its
    /// acknowledgement arrives, whether or not its future is awaited, so holding many futures
    /// never stalls the window.
    ///
    /// Across a reconnect: a message still waiting to be sent goes out after the reconnect and
    /// its acknowledgement comes as usual; one already sent fails with
    /// [`RequestError::Disconnected`](crate::RequestError::Disconnected) inside
    /// [`PublishError::Request`], since its acknowledgement can no longer come. The stream may
    /// or may not have stored it: publish it again with the same
    /// [`message_id`](Publish::message_id) and the stream keeps one copy.
    ///
    /// ```no_run
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::PublishError> {
    /// let mut acks = Vec::new();
    /// for n in 0..1000 {
    ///     acks.push(js.publish_async("orders.new", format!("order {n}")).await?);
    /// }
    /// for ack in acks {
    ///     ack.await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn publish_async(
        &self,
        subject: impl AsRef<str>,
        payload: impl Into<Bytes>,
    ) -> Result<PubAckFuture, PublishError> {
        self.send_publish_async(subject, Publish::new(payload))
            .await
    }

    /// [`publish_async`](Context::publish_async) with headers, a message id or expectations.
    ///
    /// ```no_run
    /// use natskit::jetstream::Publish;
    ///
    /// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::PublishError> {
    /// let ack = js.send_publish_async("orders.new", Publish::new("order 7").message_id("o-7")).await?;
    /// println!("#{}", ack.await?.seq);
    /// # Ok(()) }
    /// ```
    pub async fn send_publish_async(
        &self,
        subject: impl AsRef<str>,
        publish: Publish,
    ) -> Result<PubAckFuture, PublishError> {
        let subject = subject.as_ref().to_owned();
        self.check_features(&publish).await?;
        let headers = publish
            .header_block()
            .map_err(PublishError::InvalidHeader)?;
        let slot = Arc::clone(self.publish_window())
            .acquire_owned()
            .await
            .map_err(|_| {
                PublishError::Request(RequestError::Closed {
                    subject: subject.clone(),
                })
            })?;
        let request = self.ack_request(&publish, &headers);
        let in_flight = self
            .client()
            .start_request(&subject, request, Some(slot))
            .await
            .map_err(PublishError::Request)?;
        let js = self.clone();
        Ok(PubAckFuture {
            ack: Box::pin(async move {
                let first = in_flight.answer().await;
                js.settle(&subject, &publish, &headers, first).await
            }),
        })
    }

    /// Refuses, before sending, what the server cannot do: a TTL below a second, or on a
    /// server older than 2.11.
    async fn check_features(&self, publish: &Publish) -> Result<(), PublishError> {
        let Some(ttl) = publish.ttl else {
            return Ok(());
        };
        if ttl < Duration::from_secs(1) {
            return Err(PublishError::InvalidTtl(ttl));
        }
        let level = self.api_level().await.map_err(PublishError::ApiLevel)?;
        if level < TTL_API_LEVEL {
            return Err(PublishError::Unsupported {
                feature: "a per-message TTL (Nats-TTL)",
                needs: TTL_API_LEVEL,
                server: level,
            });
        }
        Ok(())
    }

    /// The request of one attempt at a publish.
    fn ack_request(&self, publish: &Publish, headers: &Option<HeaderMap>) -> Request {
        let timeout = publish.timeout.unwrap_or(self.timeout());
        let mut request = Request::new(publish.payload.clone()).timeout(timeout);
        if let Some(headers) = headers {
            request = request.headers(headers.clone());
        }
        request
    }

    /// What the first attempt at a publish came to: the acknowledgement, a refusal, or on
    /// "no responders" the retries of ADR-22 (the stream may be between leaders).
    async fn settle(
        &self,
        subject: &str,
        publish: &Publish,
        headers: &Option<HeaderMap>,
        first: Result<Message, RequestError>,
    ) -> Result<PubAck, PublishError> {
        let (retries, first_wait) = self.publish_retry();
        let mut plan = RetryPlan::new(retries, first_wait);
        let mut outcome = first;
        let answer = loop {
            match outcome {
                Ok(answer) => break answer,
                Err(RequestError::NoResponders { subject }) => {
                    let Some(wait) = plan.after_no_responders() else {
                        let attempts = plan.attempts();
                        return Err(PublishError::NoStream { subject, attempts });
                    };
                    tokio::time::sleep(wait).await;
                    let request = self.ack_request(publish, headers);
                    outcome = self.client().send_request(&subject, request).await;
                }
                Err(other) => return Err(PublishError::Request(other)),
            }
        };
        decode_answer(&answer.payload).map_err(|e| match e {
            Answer::Api(e) => PublishError::Api(e),
            Answer::Undecodable(reason) => PublishError::Decode {
                subject: subject.to_owned(),
                reason,
            },
        })
    }
}

/// The acknowledgement of an asynchronous publish, still to come: await it for the
/// [`PubAck`] (or why there is none). Dropping it gives up on the acknowledgement, not on the
/// message, which was already queued.
///
/// ```no_run
/// # async fn demo(js: natskit::jetstream::Context) -> Result<(), natskit::jetstream::PublishError> {
/// let ack = js.publish_async("orders.new", "order 7").await?;
/// // ... publish more meanwhile ...
/// println!("stored as #{}", ack.await?.seq);
/// # Ok(()) }
/// ```
#[must_use = "the acknowledgement says whether the stream stored the message"]
pub struct PubAckFuture {
    ack: Pin<Box<dyn Future<Output = Result<PubAck, PublishError>> + Send>>,
}

impl Future for PubAckFuture {
    type Output = Result<PubAck, PublishError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        self.ack.as_mut().poll(cx)
    }
}

impl std::fmt::Debug for PubAckFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PubAckFuture")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::error::ApiError;

    #[test]
    fn options_become_headers_after_the_given_ones() {
        let mut given = HeaderMap::new();
        given.insert("Trace", "1").expect("valid");
        let block = Publish::new("x")
            .headers(given)
            .message_id("m1")
            .expected_stream("S")
            .expected_last_message_id("m0")
            .expected_last_sequence(4)
            .expected_last_subject_sequence(0)
            .header_block()
            .expect("valid")
            .expect("not empty");
        let pairs: Vec<_> = block.iter().collect();
        assert_eq!(
            pairs,
            [
                ("Trace", "1"),
                ("Nats-Msg-Id", "m1"),
                ("Nats-Expected-Stream", "S"),
                ("Nats-Expected-Last-Msg-Id", "m0"),
                ("Nats-Expected-Last-Sequence", "4"),
                ("Nats-Expected-Last-Subject-Sequence", "0"),
            ]
        );
    }

    #[test]
    fn no_options_no_headers_and_bad_values_fail() {
        assert_eq!(Publish::new("x").header_block(), Ok(None));
        assert!(Publish::new("x")
            .message_id("a\r\nb")
            .header_block()
            .is_err());
    }

    #[test]
    fn acks_and_refusals_decode() {
        let ack: PubAck =
            decode_answer(br#"{"stream":"S","seq":3,"duplicate":true,"domain":"hub","x":1}"#)
                .expect("an ack");
        assert_eq!(
            (
                ack.stream.as_str(),
                ack.seq,
                ack.duplicate,
                ack.domain.as_deref()
            ),
            ("S", 3, true, Some("hub"))
        );
        let refused = decode_answer::<PubAck>(
            br#"{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 3"},"stream":"S","seq":0}"#,
        );
        assert!(
            matches!(refused, Err(Answer::Api(e)) if e.is(ApiError::STREAM_WRONG_LAST_SEQUENCE))
        );
    }
}
