//! The two brokers with JetStream that the foreign-client scenarios run against: nats-server
//! 2.10 with `-js` (the specification) and the embedded broker with its store in a temp dir.

use natskit_server::{JetStream, Server};
use natskit_test::{NatsServer, TempDir};

use crate::support::*;

/// Which broker a scenario runs against.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    NatsServer,
    Embedded,
}

/// nats-server 2.10 with JetStream, stopped (killed and reaped) when dropped.
pub fn nats_server() -> NatsServer {
    let binary = natskit_test::binary::newer_nats_server()
        .unwrap_or_else(|e| panic!("{e} (make deps installs nats-server 2.10)"));
    NatsServer::builder()
        .binary(binary)
        .jetstream()
        .start()
        .expect("start nats-server -js")
}

/// The store directory of an embedded broker, removed when dropped.
pub fn store_dir() -> TempDir {
    TempDir::new("js-clients").expect("a temp dir for the store")
}

/// The embedded broker's builder with JetStream storing in `dir`.
pub fn embedded_builder(dir: &TempDir) -> natskit_server::ServerBuilder {
    Server::builder().jetstream(JetStream::new().store_dir(dir.path()))
}

/// Runs `scenario` with a client URL of a fresh broker of `kind` on the test's runtime, and
/// stops the broker afterwards (also when the scenario panics: the handles drop).
pub async fn run<F, Fut>(kind: Kind, scenario: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    match kind {
        Kind::NatsServer => {
            let mut server = nats_server();
            scenario(server.url()).await;
            server.stop().expect("stop nats-server");
        }
        Kind::Embedded => {
            let dir = store_dir();
            let server = broker_with(embedded_builder(&dir)).await;
            scenario(server.client_url()).await;
            tokio::time::timeout(PATIENCE, server.shutdown())
                .await
                .expect("the embedded broker shuts down in time");
        }
    }
}

/// For each scenario function `name(url: String)`, a module `name` with two tests,
/// `nats_server` and `embedded`, running it against each broker.
macro_rules! on_both_brokers {
    ($($scenario:ident),* $(,)?) => {
        $(
            mod $scenario {
                use crate::js_backends::{run, Kind};

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn nats_server() {
                    run(Kind::NatsServer, super::$scenario).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn embedded() {
                    run(Kind::Embedded, super::$scenario).await;
                }
            }
        )*
    };
}
pub(crate) use on_both_brokers;
