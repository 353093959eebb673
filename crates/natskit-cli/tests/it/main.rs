//! The `natskit` binary run as a user runs it, against real nats-server processes started by
//! natskit-test on free loopback ports.
//!
//! Processes that must be ready before the next step (`sub`, `reply`) are spawned and awaited on
//! their ready line on standard error; one-shot commands (`pub`, `req`) run through `assert_cmd`.
//! Every wait is bounded by [`support::PATIENCE`] and every child is killed on drop.

mod support;

mod bad_input;
mod bench;
mod completions;
mod connection;
mod connection_nats_flags;
mod consumer;
mod context;
mod demo;
mod device;
mod errors;
mod js_errors;
mod kv;
mod kv_errors;
mod long_running;
mod micro;
mod obj;
mod obj_errors;
mod ops;
mod pubsub;
mod reply_command;
mod req_input;
mod req_replies;
mod reqreply;
mod server;
mod server_accounts;
mod server_config;
mod server_jetstream_crash;
mod server_ops;
mod stream;
mod sub_output;
mod sub_translate;
mod templates;
mod terminal;
mod web_demo;
mod websocket;
