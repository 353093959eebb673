//! The back end of the `it` binary: real nats-server processes started by natskit-test.

use natskit_test::NatsServer;

use crate::support::Setup;

/// The server the tests run against.
pub type TestServer = NatsServer;

/// A fresh nats-server on a free loopback port.
pub fn server() -> TestServer {
    NatsServer::start().expect("start nats-server")
}

/// A fresh nats-server set up for `setup`.
pub fn server_with(setup: Setup) -> TestServer {
    builder(setup).start().expect("start nats-server")
}

/// A fresh nats-server on `port` (one a stopped server just left), set up for `setup`.
pub fn server_on_port(port: u16, setup: Setup) -> TestServer {
    builder(setup)
        .port(port)
        .start()
        .expect("start nats-server")
}

fn builder(setup: Setup) -> natskit_test::NatsServerBuilder {
    let builder = NatsServer::builder();
    match setup {
        Setup::MaxPayload(n) => builder.with_config(format!("max_payload: {n}\n")),
        Setup::User(user, pass) => builder.with_config(format!(
            "authorization {{ user: {user}, password: {pass} }}\n"
        )),
        Setup::Token(token) => builder.with_config(format!("authorization {{ token: {token} }}\n")),
        Setup::Monitoring => builder.monitoring(),
    }
}
