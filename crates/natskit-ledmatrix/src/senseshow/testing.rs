//! [`HostedDevice`]: an embedded broker and a device on a runtime of their own, for tests of
//! programs that talk to the device (`send_sense`, `natskit req`, nats-py).

use std::error::Error as StdError;
use std::future::Future;
use std::time::Duration;

use natskit::Client;
use natskit_server::Server;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use super::{MemorySink, Senseshow, ServeOptions, DEFAULT_SUBJECT};

/// The bound on each wait of a [`HostedDevice`]: connecting, and stopping the device and the
/// broker. All is done far sooner when things work.
///
/// ```
/// assert_eq!(natskit_ledmatrix::senseshow::testing::PATIENCE.as_secs(), 15);
/// ```
pub const PATIENCE: Duration = Duration::from_secs(15);

/// Why a [`HostedDevice`] could not start or stop: what it was doing, and what went wrong.
///
/// ```
/// use natskit_ledmatrix::senseshow::testing::HostError;
///
/// let err = HostError::new("starting the broker", std::io::Error::other("no ports"));
/// assert_eq!(err.to_string(), "starting the broker: no ports");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{doing}: {source}")]
pub struct HostError {
    doing: &'static str,
    source: Box<dyn StdError + Send + Sync>,
}

impl HostError {
    /// `source` went wrong while `doing`.
    ///
    /// ```
    /// use natskit_ledmatrix::senseshow::testing::HostError;
    ///
    /// let err = HostError::new("binding the device", std::io::Error::other("refused"));
    /// assert!(err.to_string().starts_with("binding the device"));
    /// ```
    pub fn new(doing: &'static str, source: impl Into<Box<dyn StdError + Send + Sync>>) -> Self {
        HostError {
            doing,
            source: source.into(),
        }
    }
}

/// An embedded broker on a free loopback port and a device listening on
/// [`DEFAULT_SUBJECT`] (`senseshow`) through its own client, on a runtime of their own: the
/// thread that owns it stays free to run a program against [`url`](Self::url) and wait for it.
/// The device keeps its frames in a [`MemorySink`] and shows them without delay unless the
/// options say otherwise.
///
/// [`stop`](Self::stop) stops the device, then the broker, each wait bounded by [`PATIENCE`];
/// dropping it instead (a test that failed) stops both with the runtime. It blocks the calling
/// thread, so it is made and dropped outside any async runtime, as a plain `#[test]` is.
///
/// ```
/// use natskit_ledmatrix::senseshow::testing::HostedDevice;
///
/// let hosted = HostedDevice::start(|options| options)?;
/// let answer = hosted.block_on(async {
///     let client = natskit::connect(&hosted.url()).await?;
///     let answer = client.request("senseshow", "Hi").await?;
///     client.close().await?;
///     Ok::<_, Box<dyn std::error::Error>>(answer)
/// })?;
/// assert_eq!(&answer.payload[..], b"done: Hi");
/// assert_eq!(hosted.frames().len(), 15); // a frame per column of "Hi", plus 8
/// assert_eq!(hosted.stop()?, 1); // messages handled
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct HostedDevice {
    frames: MemorySink,
    server: Option<Server>,
    client: Option<Client>,
    task: Option<JoinHandle<u64>>,
    // Last: dropped after the handles above, ending whatever still runs on it.
    runtime: Runtime,
}

impl HostedDevice {
    /// Starts the broker and the device; `options` adjusts the device's (frames to
    /// [`frames`](Self::frames), zero frame delay, PNG files in the current directory), for
    /// instance `|o| o.png_dir(dir)`. When it returns, the broker has the device's
    /// subscriptions.
    ///
    /// # Errors
    /// [`HostError`] when the runtime, the broker, the device's connection or its subscriptions
    /// could not be made.
    ///
    /// ```
    /// use natskit_ledmatrix::senseshow::testing::HostedDevice;
    ///
    /// let dir = std::env::temp_dir();
    /// let hosted = HostedDevice::start(|o| o.png_dir(dir))?;
    /// assert!(hosted.url().starts_with("nats://127.0.0.1:"));
    /// # Ok::<(), natskit_ledmatrix::senseshow::testing::HostError>(())
    /// ```
    pub fn start(
        options: impl FnOnce(ServeOptions) -> ServeOptions,
    ) -> Result<HostedDevice, HostError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| HostError::new("building a runtime", e))?;
        let frames = MemorySink::new();
        let options = options(ServeOptions::new(frames.clone()).frame_delay(Duration::ZERO));
        let (server, client, task) = runtime.block_on(async {
            let server = Server::builder()
                .port(0)
                .start()
                .await
                .map_err(|e| HostError::new("starting the broker", e))?;
            let client = tokio::time::timeout(PATIENCE, natskit::connect(&server.client_url()))
                .await
                .map_err(|e| HostError::new("connecting the device", e))?
                .map_err(|e| HostError::new("connecting the device", e))?;
            let device = Senseshow::bind(&client, DEFAULT_SUBJECT, options)
                .await
                .map_err(|e| HostError::new("binding the device", e))?;
            Ok::<_, HostError>((server, client, tokio::spawn(device.run())))
        })?;
        Ok(HostedDevice {
            frames,
            server: Some(server),
            client: Some(client),
            task: Some(task),
            runtime,
        })
    }

    /// The broker's URL, for the clients under test.
    ///
    /// ```
    /// let hosted = natskit_ledmatrix::senseshow::testing::HostedDevice::start(|o| o)?;
    /// assert!(hosted.url().starts_with("nats://"));
    /// # Ok::<(), natskit_ledmatrix::senseshow::testing::HostError>(())
    /// ```
    pub fn url(&self) -> String {
        self.server
            .as_ref()
            .map(Server::client_url)
            .unwrap_or_default()
    }

    /// Every frame the device showed so far.
    ///
    /// ```
    /// let hosted = natskit_ledmatrix::senseshow::testing::HostedDevice::start(|o| o)?;
    /// assert!(hosted.frames().is_empty());
    /// # Ok::<(), natskit_ledmatrix::senseshow::testing::HostError>(())
    /// ```
    pub fn frames(&self) -> &MemorySink {
        &self.frames
    }

    /// Runs `future` to completion on the device's runtime, for a test that talks to it from
    /// the same process; bound its waits yourself.
    ///
    /// ```
    /// let hosted = natskit_ledmatrix::senseshow::testing::HostedDevice::start(|o| o)?;
    /// assert_eq!(hosted.block_on(async { 1 + 1 }), 2);
    /// # Ok::<(), natskit_ledmatrix::senseshow::testing::HostError>(())
    /// ```
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Stops the device (closing its client, then waiting for it to end), then the broker;
    /// returns how many messages the device handled.
    ///
    /// # Errors
    /// [`HostError`] when the client does not close, or the device or the broker does not stop
    /// within [`PATIENCE`].
    ///
    /// ```
    /// let hosted = natskit_ledmatrix::senseshow::testing::HostedDevice::start(|o| o)?;
    /// assert_eq!(hosted.stop()?, 0);
    /// # Ok::<(), natskit_ledmatrix::senseshow::testing::HostError>(())
    /// ```
    pub fn stop(mut self) -> Result<u64, HostError> {
        let (client, task, server) =
            match (self.client.take(), self.task.take(), self.server.take()) {
                (Some(client), Some(task), Some(server)) => (client, task, server),
                _ => return Err(HostError::new("stopping", "already stopped")),
            };
        self.runtime.block_on(async move {
            client
                .close()
                .await
                .map_err(|e| HostError::new("closing the device's client", e))?;
            let handled = tokio::time::timeout(PATIENCE, task)
                .await
                .map_err(|e| HostError::new("waiting for the device to stop", e))?
                .map_err(|e| HostError::new("the device's task", e))?;
            tokio::time::timeout(PATIENCE, server.shutdown())
                .await
                .map_err(|e| HostError::new("shutting the broker down", e))?;
            Ok(handled)
        })
    }
}

impl std::fmt::Debug for HostedDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostedDevice")
            .field("url", &self.url())
            .field("frames", &self.frames.len())
            .finish_non_exhaustive()
    }
}
