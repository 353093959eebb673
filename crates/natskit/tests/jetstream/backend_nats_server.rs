//! The `jetstream` binary's back end: nats-server 2.10 (the one `make deps` installs into the
//! nats-py virtualenv) started with `-js`.

use natskit_test::{binary, NatsServer, NatsServerBuilder};

/// The server a test runs against.
pub type TestServer = NatsServer;

/// How a test asks for one.
pub type Builder = NatsServerBuilder;

/// A builder for nats-server 2.10 with JetStream.
pub fn builder() -> Builder {
    NatsServer::builder()
        .binary(binary::newer_nats_server().expect("nats-server 2.10: run make deps"))
        .jetstream()
}
