//! [`ServiceError`], what a handler answers when a request fails, and [`Error`], what the
//! framework's own operations fail with.

use natskit::{PublishError, SubscribeError};

/// Header carrying an error's description in an error answer.
///
/// ```
/// assert_eq!(natskit_micro::ERROR_HEADER, "Nats-Service-Error");
/// ```
pub const ERROR_HEADER: &str = "Nats-Service-Error";
/// Header carrying an error's code in an error answer.
///
/// ```
/// assert_eq!(natskit_micro::ERROR_CODE_HEADER, "Nats-Service-Error-Code");
/// ```
pub const ERROR_CODE_HEADER: &str = "Nats-Service-Error-Code";

/// A request that failed: a code (HTTP-like by convention) and a description, sent back in the
/// `Nats-Service-Error-Code` and `Nats-Service-Error` headers and counted in the endpoint's stats.
///
/// ```
/// use natskit_micro::ServiceError;
///
/// let error = ServiceError::new(400, "divide by zero");
/// assert_eq!(error.to_string(), "400:divide by zero");
/// assert_eq!(ServiceError::internal("disk full").code, 500);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    /// The error code.
    pub code: u16,
    /// What went wrong.
    pub description: String,
}

impl ServiceError {
    /// An error with `code` and `description`.
    ///
    /// ```
    /// let error = natskit_micro::ServiceError::new(404, "no such user");
    /// assert_eq!(error.code, 404);
    /// ```
    pub fn new(code: u16, description: impl Into<String>) -> Self {
        ServiceError {
            code,
            description: description.into(),
        }
    }

    /// Code 400: the request itself is wrong.
    ///
    /// ```
    /// assert_eq!(natskit_micro::ServiceError::bad_request("no name").code, 400);
    /// ```
    pub fn bad_request(description: impl Into<String>) -> Self {
        Self::new(400, description)
    }

    /// Code 500: the service failed.
    ///
    /// ```
    /// assert_eq!(natskit_micro::ServiceError::internal("oops").code, 500);
    /// ```
    pub fn internal(description: impl Into<String>) -> Self {
        Self::new(500, description)
    }
}

impl std::fmt::Display for ServiceError {
    // The form stats show as `last_error`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.code, self.description)
    }
}

impl std::error::Error for ServiceError {}

/// Why starting a service, adding an endpoint or asking for discovery failed.
///
/// ```
/// # async fn demo(client: natskit::Client) {
/// let bad = natskit_micro::Service::builder("has space", "1.0.0").start(&client).await;
/// assert!(matches!(bad, Err(natskit_micro::Error::InvalidName(_))));
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A service or endpoint name outside `[A-Za-z0-9_-]+`.
    #[error("invalid name {0:?}: use only letters, digits, '_' and '-'")]
    InvalidName(String),
    /// A version that is not a semantic version.
    #[error("invalid version {0:?}: expected a semantic version such as 1.0.0")]
    InvalidVersion(String),
    /// Subscribing to a subject failed (an invalid subject or queue group, or a closed client).
    #[error("cannot subscribe to {subject:?}: {source}")]
    Subscribe {
        /// The subject.
        subject: String,
        /// Why.
        source: SubscribeError,
    },
    /// Publishing failed.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// A value could not be written as JSON.
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The service was stopped; nothing can be added to it.
    #[error("the service is stopped")]
    Stopped,
}
