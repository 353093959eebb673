//! Helpers shared by the integration tests.

use std::time::Duration;

use futures_util::StreamExt;
use natskit::{Client, Event, Events, Message, Subscriber};
use natskit_test::NatsServer;

/// Upper bound for anything a test waits on; tests finish far sooner when all is well.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// A fresh nats-server on a free loopback port.
pub fn server() -> NatsServer {
    NatsServer::start().expect("start nats-server")
}

/// A fresh nats-server with the given configuration file text.
pub fn server_with_config(config: &str) -> NatsServer {
    NatsServer::builder()
        .with_config(config)
        .start()
        .expect("start nats-server with config")
}

/// A client connected to `server`.
pub async fn client(server: &NatsServer) -> Client {
    natskit::connect(&server.url()).await.expect("connect")
}

/// The next message, failing the test if none comes in time.
pub async fn next(sub: &mut Subscriber) -> Message {
    tokio::time::timeout(PATIENCE, sub.next())
        .await
        .expect("a message within the patience window")
        .expect("the subscription is still open")
}

/// Waits for the first event matching `wanted`.
pub async fn wait_for_event(events: &mut Events, wanted: impl Fn(&Event) -> bool) -> Event {
    tokio::time::timeout(PATIENCE, async {
        loop {
            let event = events.next().await.expect("events stream open");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
    .expect("the event within the patience window")
}

/// The stream ends (after any messages still pending).
pub async fn drain_to_end(sub: &mut Subscriber) -> Vec<Message> {
    tokio::time::timeout(PATIENCE, sub.collect_pending())
        .await
        .expect("the stream ends within the patience window")
}

/// Collects what remains of a stream until it ends.
pub trait CollectPending {
    /// All remaining messages.
    fn collect_pending(&mut self) -> impl std::future::Future<Output = Vec<Message>>;
}

impl CollectPending for Subscriber {
    async fn collect_pending(&mut self) -> Vec<Message> {
        let mut all = Vec::new();
        while let Some(msg) = self.next().await {
            all.push(msg);
        }
        all
    }
}
