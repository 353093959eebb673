//! [`Request`], one request to an endpoint, and [`Response`], what a handler answers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use natskit::{HeaderMap, Message, PublishError};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{ERROR_CODE_HEADER, ERROR_HEADER};
use crate::lifecycle::InFlight;
use crate::stats::Counters;
use crate::{Error, ServiceError};

/// A request to an endpoint: read it, then answer it once with one of the `respond` methods.
///
/// Answering records the request in the endpoint's stats (an error answer also as an error); a
/// request dropped unanswered counts as a request too. A service's
/// [`stop`](crate::Service::stop) waits until every request it received is dropped, answered
/// or not: answer a request, then let it go.
/// Processing time is measured from when the request is handed over (read from the endpoint's
/// stream, or passed to a handler) to when it is answered.
///
/// A handler may answer itself with a `respond` method (to answer before finishing some work,
/// say): then the value it returns is not sent, so the requester gets one answer, the first.
///
/// ```no_run
/// use futures_util::StreamExt;
///
/// # async fn demo(service: natskit_micro::Service) -> Result<(), Box<dyn std::error::Error>> {
/// let mut hello = service.endpoint("hello").await?;
/// while let Some(request) = hello.next().await {
///     let name = String::from_utf8_lossy(request.payload()).into_owned();
///     request.respond(format!("Hello, {name}!")).await?;
/// }
/// # Ok(()) }
/// ```
pub struct Request {
    inner: Arc<Inner>,
}

/// The message and its [`Track`], shared by a handler's request and its [`Fallback`] (so a
/// handler's request is not copied to be answered).
struct Inner {
    message: Message,
    track: Track,
}

/// What ties a request to its endpoint's stats and to the service's in-flight count.
pub(crate) struct Track {
    counters: Arc<Counters>,
    /// When the request was handed over; unset while it waits in the stream or for a permit.
    started: OnceLock<Instant>,
    answered: AtomicBool,
    _in_flight: InFlight,
}

impl Track {
    pub(crate) fn new(counters: Arc<Counters>, in_flight: InFlight) -> Self {
        Track {
            counters,
            started: OnceLock::new(),
            answered: AtomicBool::new(false),
            _in_flight: in_flight,
        }
    }

    /// Claims the first answer: true once, for the first caller.
    fn claim(&self) -> bool {
        !self.answered.swap(true, Ordering::AcqRel)
    }

    fn record(&self, error: Option<String>) {
        let took = self.started.get().map_or(Duration::ZERO, Instant::elapsed);
        self.counters.record(took, error);
    }

    /// Sends `response` as the answer to `message`, recording it (before sending, so that stats
    /// read after the answer arrives include it) when it is the first answer. A later answer is
    /// sent only when `again` is true.
    async fn answer(
        &self,
        message: &Message,
        response: Result<Response, ServiceError>,
        again: bool,
    ) -> Result<(), PublishError> {
        if self.claim() {
            self.record(response.as_ref().err().map(ToString::to_string));
        } else if !again {
            return Ok(());
        }
        let (headers, payload) = match response {
            Ok(r) => (r.headers, r.payload),
            Err(e) => (Some(error_headers(&e)), Bytes::new()),
        };
        message
            .respond_with_headers(headers.as_ref(), payload)
            .await
    }
}

impl Drop for Track {
    fn drop(&mut self) {
        if self.claim() {
            self.record(None);
        }
    }
}

/// The two error headers, with line breaks in the description (not allowed in a header) made
/// spaces.
fn error_headers(error: &ServiceError) -> HeaderMap {
    let description = error.description.replace(['\r', '\n'], " ");
    let mut headers = HeaderMap::new();
    // Both values are free of CR and LF and the names are constants: these cannot fail.
    let _ = headers.insert(ERROR_HEADER, description);
    let _ = headers.insert(ERROR_CODE_HEADER, error.code.to_string());
    headers
}

impl Request {
    pub(crate) fn tracked(message: Message, track: Track) -> Self {
        Request {
            inner: Arc::new(Inner { message, track }),
        }
    }

    /// Starts the processing-time clock (the first call only): the request is handed over.
    pub(crate) fn start(&self) {
        self.inner.track.started.get_or_init(Instant::now);
    }

    /// For a handler: a handle that answers with what the handler returns, unless the handler
    /// answered first.
    pub(crate) fn fallback(&self) -> Fallback {
        Fallback {
            inner: Arc::clone(&self.inner),
        }
    }

    /// The subject the request was sent to.
    ///
    /// ```no_run
    /// # fn demo(request: natskit_micro::Request) {
    /// println!("asked on {}", request.subject());
    /// # }
    /// ```
    pub fn subject(&self) -> &str {
        &self.inner.message.subject
    }

    /// The request's headers, if it has any.
    ///
    /// ```no_run
    /// # fn demo(request: natskit_micro::Request) {
    /// let trace = request.headers().and_then(|h| h.get("Trace-Id"));
    /// # }
    /// ```
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.inner.message.headers.as_ref()
    }

    /// The request's payload.
    ///
    /// ```no_run
    /// # fn demo(request: natskit_micro::Request) {
    /// println!("{} bytes", request.payload().len());
    /// # }
    /// ```
    pub fn payload(&self) -> &Bytes {
        &self.inner.message.payload
    }

    /// The payload decoded from JSON; a payload that does not decode is a 400 error, so a
    /// handler can use `?`.
    ///
    /// ```no_run
    /// # fn demo(request: natskit_micro::Request) -> Result<(), natskit_micro::ServiceError> {
    /// #[derive(serde::Deserialize)]
    /// struct Sum { a: i64, b: i64 }
    /// let sum: Sum = request.json()?;
    /// # Ok(()) }
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ServiceError> {
        serde_json::from_slice(&self.inner.message.payload)
            .map_err(|e| ServiceError::bad_request(format!("invalid JSON request: {e}")))
    }

    /// The message as received.
    ///
    /// ```no_run
    /// # fn demo(request: natskit_micro::Request) {
    /// println!("answer goes to {:?}", request.message().reply);
    /// # }
    /// ```
    pub fn message(&self) -> &Message {
        &self.inner.message
    }

    /// Answers with `payload`.
    ///
    /// ```no_run
    /// # async fn demo(request: natskit_micro::Request) -> Result<(), natskit::PublishError> {
    /// request.respond("done").await?;
    /// # Ok(()) }
    /// ```
    pub async fn respond(&self, payload: impl Into<Bytes>) -> Result<(), PublishError> {
        self.respond_with(Ok(Response::new(payload))).await
    }

    /// Answers with `value` as JSON.
    ///
    /// ```no_run
    /// # async fn demo(request: natskit_micro::Request) -> Result<(), natskit_micro::Error> {
    /// request.respond_json(&serde_json::json!({"sum": 3})).await?;
    /// # Ok(()) }
    /// ```
    pub async fn respond_json<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), Error> {
        let payload = serde_json::to_vec(value)?;
        Ok(self.respond(payload).await?)
    }

    /// Answers with an error: the `Nats-Service-Error-Code` and `Nats-Service-Error` headers and
    /// no payload. Counts as an error in the stats.
    ///
    /// ```no_run
    /// # async fn demo(request: natskit_micro::Request) -> Result<(), natskit::PublishError> {
    /// request.respond_error(400, "a and b must be numbers").await?;
    /// # Ok(()) }
    /// ```
    pub async fn respond_error(
        &self,
        code: u16,
        description: impl Into<String>,
    ) -> Result<(), PublishError> {
        self.respond_with(Err(ServiceError::new(code, description)))
            .await
    }

    /// Answers with a [`Response`] or a [`ServiceError`], as a handler returns them.
    ///
    /// ```no_run
    /// use natskit_micro::{Response, ServiceError};
    /// # async fn demo(request: natskit_micro::Request) -> Result<(), natskit::PublishError> {
    /// let answer = if request.payload().is_empty() {
    ///     Err(ServiceError::bad_request("empty"))
    /// } else {
    ///     Ok(Response::new("ok"))
    /// };
    /// request.respond_with(answer).await?;
    /// # Ok(()) }
    /// ```
    pub async fn respond_with(
        &self,
        response: Result<Response, ServiceError>,
    ) -> Result<(), PublishError> {
        let Inner { message, track } = &*self.inner;
        track.answer(message, response, true).await
    }
}

/// The framework's answer to a handler's request: sent only when the handler has not answered.
pub(crate) struct Fallback {
    inner: Arc<Inner>,
}

impl Fallback {
    /// Answers with `response` unless the request was already answered.
    pub(crate) async fn answer(
        &self,
        response: Result<Response, ServiceError>,
    ) -> Result<(), PublishError> {
        let Inner { message, track } = &*self.inner;
        track.answer(message, response, false).await
    }

    pub(crate) fn subject(&self) -> &str {
        &self.inner.message.subject
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("message", &self.inner.message)
            .finish_non_exhaustive()
    }
}

/// A successful answer: a payload and optional headers.
///
/// ```
/// use natskit_micro::Response;
///
/// let plain = Response::new("hello");
/// let json = Response::json(&serde_json::json!({"sum": 3}))?;
/// assert_eq!(&json.payload[..], br#"{"sum":3}"#);
/// # Ok::<(), natskit_micro::ServiceError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Response {
    /// Headers to send with the answer.
    pub headers: Option<HeaderMap>,
    /// The answer's payload.
    pub payload: Bytes,
}

impl Response {
    /// An answer carrying `payload`.
    ///
    /// ```
    /// let response = natskit_micro::Response::new("hi");
    /// assert_eq!(&response.payload[..], b"hi");
    /// ```
    pub fn new(payload: impl Into<Bytes>) -> Self {
        Response {
            headers: None,
            payload: payload.into(),
        }
    }

    /// An answer carrying `value` as JSON; a value that cannot be encoded is a 500 error.
    ///
    /// ```
    /// let response = natskit_micro::Response::json(&[1, 2, 3])?;
    /// assert_eq!(&response.payload[..], b"[1,2,3]");
    /// # Ok::<(), natskit_micro::ServiceError>(())
    /// ```
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, ServiceError> {
        serde_json::to_vec(value)
            .map(Self::new)
            .map_err(|e| ServiceError::internal(format!("cannot encode JSON answer: {e}")))
    }

    /// Sends `headers` with the answer.
    ///
    /// ```
    /// let mut headers = natskit::HeaderMap::new();
    /// headers.insert("Content-Type", "text/plain")?;
    /// let response = natskit_micro::Response::new("hi").with_headers(headers);
    /// # Ok::<(), natskit_proto::ProtoError>(())
    /// ```
    pub fn with_headers(mut self, headers: HeaderMap) -> Self {
        self.headers = Some(headers);
        self
    }
}
