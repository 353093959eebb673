//! The fault proxy: forwarding, cuts that lose nothing sent, resets, partitions, latency and
//! throttling, all against a real nats-server through plain `TcpStream` clients.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use natskit_test::{FaultProxy, NatsServer};

const PATIENCE: Duration = Duration::from_secs(5);

/// A raw NATS connection through `proxy`: reads INFO, sends CONNECT.
fn raw_client(proxy: &FaultProxy) -> (TcpStream, BufReader<TcpStream>) {
    let conn = TcpStream::connect(proxy.addr()).expect("connect to the proxy");
    conn.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut info = String::new();
    reader.read_line(&mut info).expect("INFO line");
    assert!(info.starts_with("INFO "), "{info}");
    let mut writer = conn;
    writer
        .write_all(b"CONNECT {\"verbose\":false}\r\n")
        .expect("CONNECT");
    (writer, reader)
}

fn round_trip(writer: &mut TcpStream, reader: &mut BufReader<TcpStream>) -> Duration {
    let started = Instant::now();
    writer.write_all(b"PING\r\n").expect("PING");
    let mut line = String::new();
    reader.read_line(&mut line).expect("PONG");
    assert_eq!(line, "PONG\r\n");
    started.elapsed()
}

#[test]
fn forwards_both_ways() {
    let server = NatsServer::start().unwrap();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let (mut writer, mut reader) = raw_client(&proxy);
    round_trip(&mut writer, &mut reader);
    assert_eq!(proxy.accepted(), 1);
    assert_eq!(proxy.upstream(), server.addr());
}

#[test]
fn a_cut_ends_the_client_side_but_delivers_what_it_sent() {
    let server = NatsServer::start().unwrap();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    // A subscriber straight on the server watches what the proxied client publishes.
    let mut sub = TcpStream::connect(server.addr()).unwrap();
    sub.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut sub_reader = BufReader::new(sub.try_clone().unwrap());
    let mut line = String::new();
    sub_reader.read_line(&mut line).unwrap();
    sub.write_all(b"CONNECT {\"verbose\":false}\r\nSUB cut 1\r\nPING\r\n")
        .unwrap();
    line.clear();
    sub_reader.read_line(&mut line).unwrap();
    assert_eq!(line, "PONG\r\n");

    let (mut writer, mut reader) = raw_client(&proxy);
    round_trip(&mut writer, &mut reader);
    proxy.cut();
    // The client side reads end-of-stream...
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    // ...while what it sends until it closes still reaches the server.
    writer.write_all(b"PUB cut 5\r\nafter\r\n").unwrap();
    drop(writer);
    drop(reader);
    line.clear();
    sub_reader.read_line(&mut line).unwrap();
    assert_eq!(line, "MSG cut 1 5\r\n");
    assert_eq!(proxy.open_connections(), 0);
}

#[test]
fn a_black_hole_passes_nothing_and_closes_nothing_until_healed() {
    let server = NatsServer::start().unwrap();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let (mut writer, mut reader) = raw_client(&proxy);
    round_trip(&mut writer, &mut reader);
    proxy.black_hole();
    writer.write_all(b"PING\r\n").unwrap();
    reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut byte = [0u8; 1];
    let err = reader
        .read(&mut byte)
        .expect_err("nothing arrives, nothing closes");
    assert!(matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    proxy.heal();
    reader.get_ref().set_read_timeout(Some(PATIENCE)).unwrap();
    round_trip(&mut writer, &mut reader);
}

#[test]
fn latency_and_throttle_slow_traffic_down() {
    let server = NatsServer::start().unwrap();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let (mut writer, mut reader) = raw_client(&proxy);
    round_trip(&mut writer, &mut reader);
    proxy.set_latency(Duration::from_millis(50));
    let slow = round_trip(&mut writer, &mut reader);
    assert!(
        slow >= Duration::from_millis(100),
        "two hops of 50 ms, took {slow:?}"
    );
    proxy.set_latency(Duration::ZERO);
    proxy.throttle(10_000);
    let started = Instant::now();
    let payload = vec![b'x'; 3_000];
    writer
        .write_all(format!("PUB t {}\r\n", payload.len()).as_bytes())
        .unwrap();
    writer.write_all(&payload).unwrap();
    writer.write_all(b"\r\n").unwrap();
    round_trip(&mut writer, &mut reader);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "3 KB at 10 KB/s, took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_reset_closes_both_sides_at_once() {
    let server = NatsServer::start().unwrap();
    let proxy = FaultProxy::start(server.addr()).unwrap();
    let (mut writer, mut reader) = raw_client(&proxy);
    round_trip(&mut writer, &mut reader);
    proxy.reset();
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    assert!(rest.is_empty());
    assert_eq!(proxy.open_connections(), 0);
}
