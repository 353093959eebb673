//! natskit-ledmatrix: the LED matrix drawn exactly, and the senseshow device answering natskit,
//! its own `send_sense` program and nats-py over the embedded broker on loopback.
//!
//! Every wait is bounded by [`support::PATIENCE`]; brokers, clients, devices and children are
//! stopped by the test that started them, or on drop when it fails.

mod support;

mod device;
mod frames;
mod nats_py;
mod send_sense;
