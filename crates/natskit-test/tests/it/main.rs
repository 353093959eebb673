//! Integration tests of the harness itself: every helper against a real `nats-server` (or a plain
//! `TcpStream` client for the scripted server).

mod binary;
mod browser;
mod cluster;
mod fake;
mod nats_js;
mod nats_py;
mod proxy;
mod server;
mod support;
