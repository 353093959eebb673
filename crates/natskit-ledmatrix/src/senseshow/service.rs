//! [`Senseshow`] and [`serve`]: the device answering requests on NATS, one at a time.

use futures_util::stream::{self, Select};
use futures_util::StreamExt;
use natskit::{Client, FlushError, Message, SubscribeError, Subscriber};

use super::{Command, Device, ServeOptions};

/// The subject the device listens on unless told otherwise.
///
/// ```
/// assert_eq!(natskit_ledmatrix::senseshow::DEFAULT_SUBJECT, "senseshow");
/// ```
pub const DEFAULT_SUBJECT: &str = "senseshow";

/// Why the device could not start listening.
///
/// ```
/// use natskit_ledmatrix::senseshow::ServeError;
///
/// let err = ServeError::Flush(natskit::FlushError::Closed);
/// assert!(err.to_string().starts_with("confirming the subscriptions with the server"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Subscribing failed (a subject that is not valid, or a closed client).
    #[error("subscribing to {subject}: {source}")]
    Subscribe {
        /// The subject.
        subject: String,
        /// What the client said.
        source: SubscribeError,
    },
    /// The server did not confirm the subscriptions.
    #[error("confirming the subscriptions with the server: {0}")]
    Flush(#[from] FlushError),
}

/// The device subscribed and ready: [`run`](Self::run) answers the requests.
///
/// It listens on `<subject>` (scroll a text) and `<subject>.*` (the other commands, see
/// [`Command`]), and handles one request at a time, in the order they arrive: a request that
/// comes in during a scroll waits in the subscription's queue until the scroll is over. Each
/// answer goes to the request's reply subject once the request has been carried out: `done: ...`
/// (see [`Device::execute`]) or `error: <why>`. Messages without a reply subject are carried out
/// all the same, and not answered.
///
/// ```no_run
/// use std::time::Duration;
///
/// use natskit_ledmatrix::senseshow::{MemorySink, Senseshow, ServeOptions};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = natskit::connect("nats://127.0.0.1:4222").await?;
/// let options = ServeOptions::new(MemorySink::new()).frame_delay(Duration::ZERO);
/// // Once bind returns, the server has the subscriptions: requests reach the device.
/// let device = Senseshow::bind(&client, "senseshow", options).await?;
/// let running = tokio::spawn(device.run());
/// let answer = client.request("senseshow", "Hi").await?;
/// assert_eq!(answer.payload, "done: Hi");
/// client.close().await?; // the subscriptions end, and so does run
/// assert_eq!(running.await?, 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Senseshow {
    subject: String,
    requests: Select<Subscriber, Subscriber>,
    device: Device,
}

impl Senseshow {
    /// Subscribes to `subject` and `subject.*` for a device working as `options` say, and waits
    /// until the server has the subscriptions.
    ///
    /// # Errors
    /// [`ServeError::Subscribe`] when a subscription is refused (a subject with wildcards, a
    /// closed client), [`ServeError::Flush`] when the server does not confirm them.
    ///
    /// ```no_run
    /// use natskit_ledmatrix::senseshow::{Senseshow, ServeOptions, TerminalSink};
    ///
    /// # async fn demo(client: natskit::Client) -> Result<(), natskit_ledmatrix::senseshow::ServeError> {
    /// let device = Senseshow::bind(&client, "senseshow", ServeOptions::new(TerminalSink::stdout())).await?;
    /// assert_eq!(device.subject(), "senseshow");
    /// # Ok(()) }
    /// ```
    pub async fn bind(
        client: &Client,
        subject: &str,
        options: ServeOptions,
    ) -> Result<Senseshow, ServeError> {
        let subscribe = |subject: String| async move {
            client
                .subscribe(&subject)
                .await
                .map_err(|source| ServeError::Subscribe { subject, source })
        };
        let show = subscribe(subject.to_string()).await?;
        let commands = subscribe(format!("{subject}.*")).await?;
        client.flush().await?;
        Ok(Senseshow {
            subject: subject.to_string(),
            requests: stream::select(show, commands),
            device: Device::new(options),
        })
    }

    /// The subject the device listens on.
    ///
    /// ```no_run
    /// # async fn demo(device: natskit_ledmatrix::senseshow::Senseshow) {
    /// println!("listening on {}", device.subject());
    /// # }
    /// ```
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The device: what its matrix shows now.
    ///
    /// ```no_run
    /// # async fn demo(device: natskit_ledmatrix::senseshow::Senseshow) {
    /// assert_eq!(device.device().matrix().lit_count(), 0);
    /// # }
    /// ```
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The device, to give it a command directly, as [`run`](Self::run) does for each request.
    ///
    /// ```no_run
    /// use natskit_ledmatrix::senseshow::Command;
    ///
    /// # async fn demo(mut device: natskit_ledmatrix::senseshow::Senseshow) -> Result<(), natskit_ledmatrix::senseshow::DeviceError> {
    /// // Show the matrix, all off, before the first request comes in.
    /// device.device_mut().execute(Command::Clear).await?;
    /// # Ok(()) }
    /// ```
    pub fn device_mut(&mut self) -> &mut Device {
        &mut self.device
    }

    /// Answers requests, one at a time, until both subscriptions end (the client was closed or
    /// drained); returns how many messages it handled.
    ///
    /// ```no_run
    /// # async fn demo(device: natskit_ledmatrix::senseshow::Senseshow) {
    /// let handled = device.run().await;
    /// println!("handled {handled} requests");
    /// # }
    /// ```
    pub async fn run(mut self) -> u64 {
        let mut handled = 0;
        while let Some(message) = self.requests.next().await {
            handled += 1;
            let answer = self.handle(&message).await;
            if message.reply.is_none() {
                continue;
            }
            if let Err(e) = message.respond(answer).await {
                tracing::warn!(subject = %message.subject, error = %e, "could not answer a request");
            }
        }
        handled
    }

    /// Carries out one message and returns the answer for it.
    async fn handle(&mut self, message: &Message) -> String {
        let command = match Command::parse(&self.subject, &message.subject, &message.payload) {
            Ok(command) => command,
            Err(e) => return format!("error: {e}"),
        };
        match self.device.execute(command).await {
            Ok(answer) => answer,
            Err(e) => format!("error: {e}"),
        }
    }
}

/// Runs the device on `subject` until the client is closed: [`Senseshow::bind`], then
/// [`Senseshow::run`]; returns how many messages it handled.
///
/// # Errors
/// As [`Senseshow::bind`].
///
/// ```no_run
/// use natskit_ledmatrix::senseshow::{self, ServeOptions, TerminalSink};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = natskit::connect("nats://127.0.0.1:4222").await?;
/// senseshow::serve(&client, senseshow::DEFAULT_SUBJECT, ServeOptions::new(TerminalSink::stdout())).await?;
/// # Ok(()) }
/// ```
pub async fn serve(
    client: &Client,
    subject: &str,
    options: ServeOptions,
) -> Result<u64, ServeError> {
    Ok(Senseshow::bind(client, subject, options).await?.run().await)
}
