//! `NatsServer`: start, protocol round trip, config files, restart, stop, drop.

use std::io::Write;
use std::time::Duration;

use natskit_test::{probe, Error, NatsServer};

use crate::support::{connect, eventually, exists, line, process_alive, sees_close, PATIENCE};

#[test]
fn serves_info_and_answers_ping() {
    let server = NatsServer::start().unwrap();
    assert_eq!(server.url(), format!("nats://127.0.0.1:{}", server.port()));
    assert_eq!(server.addr().port(), server.port());
    assert!(server.addr().ip().is_loopback());

    let mut conn = connect(server.addr());
    let info = line(&mut conn);
    assert!(
        info.starts_with("INFO {") && info.ends_with("\r\n"),
        "{info}"
    );
    let json = probe::info_json(server.addr(), info.trim_end()).unwrap();
    assert_eq!(json["port"], u64::from(server.port()));
    assert_eq!(json["host"], "127.0.0.1");

    // An empty CONNECT means verbose: the server acknowledges it with +OK before the PONG.
    conn.get_mut().write_all(b"CONNECT {}\r\nPING\r\n").unwrap();
    assert_eq!(line(&mut conn), "+OK\r\n");
    assert_eq!(line(&mut conn), "PONG\r\n");
}

#[test]
fn config_file_is_applied_and_removed_on_drop() {
    let server = NatsServer::builder()
        .with_config("max_payload: 4096\n")
        .with_args(["--server_name", "harness-config-test"])
        .start()
        .unwrap();
    let info = server.info().unwrap();
    let json = probe::info_json(server.addr(), &info).unwrap();
    assert_eq!(json["max_payload"], 4096, "{info}");
    assert_eq!(json["server_name"], "harness-config-test", "{info}");

    let dir = server.dir().to_path_buf();
    assert!(exists(&dir.join("nats-server.conf")));
    assert!(server.log().contains("Server is ready"));
    drop(server);
    assert!(!exists(&dir), "temp dir {} left behind", dir.display());
}

#[test]
fn bad_config_fails_fast_with_the_server_log() {
    let started = std::time::Instant::now();
    let err = NatsServer::builder()
        .with_config("this is { not valid")
        .start()
        .unwrap_err();
    assert!(matches!(err, Error::Exited { .. }), "{err}");
    assert!(err.to_string().contains("--- server log ---"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn restart_keeps_the_port_and_closes_old_connections() {
    let mut server = NatsServer::start().unwrap();
    let (port, old_pid) = (server.port(), server.pid().unwrap());

    let mut before = connect(server.addr());
    line(&mut before);
    before
        .get_mut()
        .write_all(b"CONNECT {\"verbose\":false}\r\nPING\r\n")
        .unwrap();
    assert_eq!(line(&mut before), "PONG\r\n");

    server.restart().unwrap();
    assert_eq!(server.port(), port);
    let new_pid = server.pid().unwrap();
    assert_ne!(new_pid, old_pid);
    assert!(!process_alive(old_pid));
    assert!(sees_close(&mut before), "old connection still open");

    probe::ping(server.addr(), PATIENCE).unwrap();
    assert!(server.log().matches("=== natskit-test: start #").count() == 2);
}

#[test]
fn stop_then_start_again_simulates_an_outage() {
    let mut server = NatsServer::builder().monitoring().start().unwrap();
    let monitor = server.monitor_port().unwrap();
    assert!(server.is_running());
    server.stop().unwrap();
    assert!(!server.is_running());
    assert_eq!(server.pid(), None);
    assert!(std::net::TcpStream::connect(server.addr()).is_err());
    server.stop().unwrap(); // idempotent

    server.start_again().unwrap();
    assert_eq!(server.monitor_port(), Some(monitor));
    probe::ping(server.addr(), PATIENCE).unwrap();
    assert!(server
        .monitor_get("/varz")
        .unwrap()
        .contains("\"server_id\""));
    let pid = server.pid();
    server.start_again().unwrap(); // running: no-op
    assert_eq!(server.pid(), pid);
}

#[test]
fn drop_kills_the_process() {
    let server = NatsServer::start().unwrap();
    let pid = server.pid().unwrap();
    let addr = server.addr();
    assert!(process_alive(pid));
    drop(server);
    assert!(!process_alive(pid), "nats-server {pid} survived drop");
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn drop_during_a_panic_kills_the_process() {
    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::thread::spawn(move || {
        let server = NatsServer::start().unwrap();
        tx.send(server.pid().unwrap()).unwrap();
        panic!("test failure while a server runs");
    })
    .join();
    assert!(result.is_err());
    let pid = rx.recv().unwrap();
    assert!(!process_alive(pid), "nats-server {pid} survived a panic");
}

#[test]
fn a_server_that_died_on_its_own_is_noticed() {
    let mut server = NatsServer::start().unwrap();
    let pid = server.pid().unwrap();
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    eventually("is_running() turns false", || !server.is_running());
    server.start_again().unwrap();
    probe::ping(server.addr(), PATIENCE).unwrap();
}

#[test]
fn fixed_port_is_used() {
    let port = natskit_test::port::free_port().unwrap();
    let server = NatsServer::builder().port(port).start().unwrap();
    assert_eq!(server.port(), port);
    probe::ping(server.addr(), PATIENCE).unwrap();
}

#[test]
fn taken_fixed_port_is_a_clear_error() {
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    let err = NatsServer::builder().port(port).start().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("address already in use"), "{text}");
}

#[test]
fn many_servers_in_parallel_get_distinct_ports() {
    let servers: Vec<NatsServer> = (0..4).map(|_| NatsServer::start().unwrap()).collect();
    let mut ports: Vec<u16> = servers.iter().map(NatsServer::port).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 4);
    for s in &servers {
        probe::ping(s.addr(), PATIENCE).unwrap();
    }
}

#[test]
fn jetstream_is_enabled_with_its_store_in_the_servers_dir_and_kept_across_a_restart() {
    let mut server = NatsServer::builder().jetstream().start().unwrap();
    let info = server.info().unwrap();
    let json = probe::info_json(server.addr(), &info).unwrap();
    assert_eq!(json["jetstream"], true, "{info}");
    let store = server.dir().join("jetstream");
    assert!(exists(&store), "no store at {}", store.display());
    assert!(
        server.log().contains("Starting JetStream"),
        "{}",
        server.log()
    );

    server.restart().unwrap();
    assert!(exists(&store));
    let info = server.info().unwrap();
    assert_eq!(
        probe::info_json(server.addr(), &info).unwrap()["jetstream"],
        true
    );

    let dir = server.dir().to_path_buf();
    server.stop().unwrap();
    drop(server);
    assert!(!exists(&dir), "temp dir {} left behind", dir.display());

    let plain = NatsServer::start().unwrap();
    let info = plain.info().unwrap();
    assert!(!info.contains("\"jetstream\":true"), "{info}");
}
