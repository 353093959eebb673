//! natskit-server integration tests: the natskit client, clients nobody here wrote (async-nats,
//! nats-py) and raw sockets against the embedded broker.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod backends;
mod js_backends;
mod support;

mod async_nats;
mod config_syntax;
mod connz;
mod connz_load;
mod divergences;
mod hostile;
mod in_process;
mod jetstream_async_nats;
mod jetstream_behaviour;
mod jetstream_nats_py;
mod metrics;
mod monitoring;
mod nats_js;
mod nats_py;
mod nats_py_security;
mod operator;
mod permissions;
mod reload;
mod security;
mod shutdown;
mod smoke;
mod tls;
mod websocket;
mod websocket_divergences;
mod wire;
