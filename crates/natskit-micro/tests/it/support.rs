//! What every test needs: a nats-server, clients, and bounded waits.

use std::future::Future;
use std::time::Duration;

use natskit::{Client, Message, RequestError};
use natskit_micro::{Request, Response, Service};
use natskit_test::NatsServer;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// The longest any single wait in these tests may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(10);

/// A nats-server on a free loopback port; stopped when dropped.
pub fn server() -> NatsServer {
    NatsServer::start().unwrap()
}

pub async fn client(server: &NatsServer) -> Client {
    natskit::connect(&server.url()).await.unwrap()
}

/// `future`, or a test failure naming `what` after [`WAIT`].
pub async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, future).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {WAIT:?}: {what}"),
    }
}

/// A started service whose endpoint `hold` holds each request until [`open`](Self::open) is
/// sent `true`, then answers `answered`; a request whose payload is `probe` is answered `probe`
/// at once. It has a client of its own; [`requester`](Self::requester) asks it.
pub struct Held {
    pub service: Service,
    /// A second client, to send requests to the service.
    pub requester: Client,
    /// Receives one `()` each time the handler starts holding a request.
    pub entered: mpsc::UnboundedReceiver<()>,
    /// `send_replace(true)` lets the held requests be answered.
    pub open: watch::Sender<bool>,
}

/// Starts service `name` with the [`Held`] endpoint `hold` on a client of `server`; the server
/// has its subscription when this returns.
pub async fn held(server: &NatsServer, name: &str) -> Held {
    let own = client(server).await;
    let service = Service::builder(name, "1.0.0").start(&own).await.unwrap();
    let (entered_tx, entered) = mpsc::unbounded_channel();
    let (open, gate) = watch::channel(false);
    service
        .handle("hold", move |request: Request| {
            let (entered, mut gate) = (entered_tx.clone(), gate.clone());
            async move {
                // Probes answer at once: they show when the drain has begun.
                if &request.payload()[..] == b"probe" {
                    return Ok(Response::new("probe"));
                }
                let _ = entered.send(());
                let _ = gate.wait_for(|open| *open).await;
                Ok(Response::new("answered"))
            }
        })
        .await
        .unwrap();
    own.flush().await.unwrap(); // the server has the subscription before others ask
    Held {
        service,
        requester: client(server).await,
        entered,
        open,
    }
}

impl Held {
    /// Sends [`requester`](Self::requester)'s request to `hold` and returns once the handler
    /// holds it.
    pub async fn hold_one(&mut self) -> JoinHandle<Result<Message, RequestError>> {
        let in_flight = tokio::spawn({
            let requester = self.requester.clone();
            async move { requester.request("hold", "").await }
        });
        bounded("the handler to start", self.entered.recv())
            .await
            .unwrap();
        in_flight
    }
}
