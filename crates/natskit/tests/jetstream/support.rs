//! A JetStream server, a client and a context for each test, on the binary's back end
//! (`backend`: nats-server 2.10 `-js` in `jetstream`, the embedded broker in
//! `jetstream_embedded`).

use std::time::Duration;

use natskit::jetstream::{self, Context, JetStreamError};
use natskit::Client;

pub use crate::backend::builder;
use crate::backend::{Builder, TestServer};

/// Upper bound for anything a test waits on.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// One server with JetStream, and a client and context on it.
pub struct Js {
    pub server: TestServer,
    pub client: Client,
    pub js: Context,
}

/// A fresh JetStream server with a client and context.
pub async fn start() -> Js {
    start_with(builder()).await
}

/// A server from `builder`, with a client and context.
pub async fn start_with(builder: Builder) -> Js {
    let server = builder.start().expect("start the JetStream server");
    let client = natskit::connect(&server.url()).await.expect("connect");
    let js = jetstream::new(client.clone());
    Js { server, client, js }
}

impl Js {
    /// Closes the client and stops the server.
    pub async fn stop(mut self) {
        self.client.close().await.expect("close");
        self.server.stop().expect("stop the server");
    }
}

/// The server's err_code of `result`'s error, failing the test for anything else.
pub fn err_code<T: std::fmt::Debug>(result: Result<T, JetStreamError>) -> (u16, u16) {
    match result {
        Err(JetStreamError::Api(e)) => (e.code, e.err_code),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Waits for `events` to report the client reconnected.
pub async fn reconnected(events: &mut natskit::Events) {
    use futures_util::StreamExt;
    tokio::time::timeout(PATIENCE, async {
        while let Some(event) = events.next().await {
            if let natskit::Event::Reconnected { .. } = event {
                return;
            }
        }
        panic!("the client closed instead of reconnecting");
    })
    .await
    .expect("reconnected in time");
}

/// Bound on one run of the nats-py scenario script (its scenarios bound themselves to 10 s).
const NATS_PY_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs one scenario of scripts/foreign/nats_py_scenarios.py against the test's server, off
/// the runtime's thread (the runner blocks until the Python process is gone).
pub async fn run_nats_py(t: &Js, scenario: &'static str) {
    let url = t.server.url();
    let nats_py = natskit_test::NatsPy::locate()
        .unwrap_or_else(|e| panic!("{e} (scripts/install-deps.sh installs nats-py)"))
        .timeout(NATS_PY_TIMEOUT);
    tokio::task::spawn_blocking(move || nats_py.run(&url, scenario))
        .await
        .expect("the thread running nats-py")
        .unwrap_or_else(|e| panic!("{e}"));
}
