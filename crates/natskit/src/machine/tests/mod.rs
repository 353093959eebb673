//! Deterministic tests of the connection machine: made-up bytes and instants, no sockets, no
//! sleeps, no runtime. Waiters are plain numbers, so a test reads which one was woken.

mod connecting;
mod drain;
mod hostile;
mod info;
mod keepalive;
mod publish;
mod requests;
mod salvage;
mod subscriptions;

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use natskit_proto::ServerInfo;

use super::{Config, Connection, Delivery, Effect, Pending, PendingLimits, ServerPool};
use crate::reconnect::{ReconnectDelay, ReconnectOptions};
use crate::{Event, ServerAddr};

/// The machine with numbered waiters for requests and flushes.
type Machine = Connection<u32, u32>;

const PING_INTERVAL: Duration = Duration::from_secs(10);
const MAX_PAYLOAD: usize = 1024;
const REQUEST_PREFIX: &str = "_INBOX.mux.";

fn config() -> Config {
    Config {
        ping_interval: PING_INTERVAL,
        max_pings_outstanding: 2,
        pending: PendingLimits {
            messages: 3,
            bytes: 1000,
        },
        write_buffer: 200,
        reconnect: ReconnectOptions {
            delay: ReconnectDelay::custom(|failures| {
                Duration::from_millis(100 * u64::from(failures))
            }),
            buffer: 300,
            randomize: false,
            ..ReconnectOptions::default()
        },
        request_prefix: REQUEST_PREFIX.to_owned(),
    }
}

fn info() -> ServerInfo {
    let mut info = ServerInfo::default();
    info.max_payload = MAX_PAYLOAD;
    info.headers = true;
    info.proto = 1;
    info
}

fn pool(urls: &str) -> ServerPool {
    ServerPool::new(ServerAddr::parse_list(urls).expect("valid URLs"), false)
}

/// A machine that has not connected yet, with these servers.
fn machine_for(urls: &str, config: Config) -> Machine {
    Connection::new(config, pool(urls))
}

/// A machine connected at `t0` to the first of two servers, its effects taken.
fn connected(t0: Instant) -> Machine {
    connected_with(config(), t0)
}

fn connected_with(config: Config, t0: Instant) -> Machine {
    let mut m = machine_for("nats://a:4222,nats://b:4222", config);
    let attempt = m.next_attempt().expect("a server to try");
    m.connected(attempt.index, info(), t0);
    effects(&mut m);
    m
}

/// Every effect waiting, in order.
fn effects(m: &mut Machine) -> Vec<Effect<u32, u32>> {
    std::iter::from_fn(|| m.poll_effect()).collect()
}

/// The events among the effects waiting.
fn events(m: &mut Machine) -> Vec<Event> {
    effects(m)
        .into_iter()
        .filter_map(|e| match e {
            Effect::Event(event) => Some(event),
            _ => None,
        })
        .collect()
}

/// What the machine would write now, as text; the batch is reported written whole.
fn sent(m: &mut Machine) -> String {
    let Some(mut batch) = m.poll_transmit() else {
        return String::new();
    };
    let text = String::from_utf8(batch.take_bytes().to_vec()).expect("the protocol is text here");
    m.transmitted(batch);
    text
}

/// Feeds `wire` (from the server) to the machine.
fn input(m: &mut Machine, wire: &str) {
    input_bytes(m, wire.as_bytes());
}

/// Feeds `wire` (from the server, not necessarily UTF-8) to the machine.
fn input_bytes(m: &mut Machine, wire: &[u8]) {
    let mut buf = BytesMut::from(wire);
    while m.handle_input(&mut buf).expect("valid input") {}
    assert!(buf.is_empty(), "the machine takes every whole operation");
}

fn publish(
    m: &mut Machine,
    subject: &str,
    payload: &'static str,
) -> Result<super::Queued, crate::PublishError> {
    m.publish(subject, None, None, &Bytes::from_static(payload.as_bytes()))
}

/// The events among `effects`, in order.
fn events_of(effects: &[Effect<u32, u32>]) -> Vec<Event> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Event(event) => Some(event.clone()),
            _ => None,
        })
        .collect()
}

/// What the `Deliver` effects hand over, in order.
fn delivered(effects: Vec<Effect<u32, u32>>) -> Vec<Delivery> {
    effects
        .into_iter()
        .flat_map(|e| match e {
            Effect::Deliver { batch, .. } => batch.into_iter().collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// The reader takes every message the effects deliver.
fn take_all(pending: &Pending, effects: Vec<Effect<u32, u32>>) {
    for delivery in delivered(effects) {
        pending.taken(&delivery);
    }
}

/// The subscription ids of the `Deliver` effects, and the ids that ended, in order.
fn deliveries(effects: &[Effect<u32, u32>]) -> Vec<String> {
    effects
        .iter()
        .flat_map(|e| match e {
            Effect::Deliver { sid, batch } => std::iter::once(&batch.first)
                .chain(&batch.rest)
                .map(|delivery| {
                    format!("{sid}:{}", String::from_utf8_lossy(delivery.msg.payload()))
                })
                .collect(),
            Effect::EndSubscription { sid } => vec![format!("end {sid}")],
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn the_machine_uses_no_runtime_and_no_clock() {
    // The machine is sans-IO: no tokio, no sockets, no reading of the time.
    let sources = [
        include_str!("../mod.rs"),
        include_str!("../commands.rs"),
        include_str!("../connecting.rs"),
        include_str!("../driving.rs"),
        include_str!("../keepalive.rs"),
        include_str!("../output.rs"),
        include_str!("../pool.rs"),
        include_str!("../requests.rs"),
        include_str!("../sid_map.rs"),
        include_str!("../subscriptions.rs"),
    ];
    for source in sources {
        for banned in ["tokio", "std::net", "Instant::now", "SystemTime"] {
            let code: String = source
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            assert!(!code.contains(banned), "the machine must not use {banned}");
        }
    }
}
