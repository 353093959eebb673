//! What every test needs: a nats-server, clients, and bounded waits.

use std::future::Future;
use std::time::Duration;

use natskit::Client;
use natskit_test::NatsServer;

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
