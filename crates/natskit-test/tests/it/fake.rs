//! `ScriptedServer`: scripts play, client bytes are recorded, expectations fail clearly, drop stops
//! everything.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use natskit_test::{probe, Error, ScriptedServer, Step};

use crate::support::{connect, line, sees_close, PATIENCE};

#[test]
fn sends_script_bytes_and_records_the_client() {
    let server = ScriptedServer::start(Step::handshake().into_iter().chain([
        Step::expect_line("SUB foo 1"),
        Step::send("MSG foo 1 2\r\nhi\r\n"),
        Step::Close,
    ]))
    .unwrap();
    assert_eq!(server.url(), format!("nats://127.0.0.1:{}", server.port()));

    let mut conn = connect(server.addr());
    assert_eq!(line(&mut conn), server.info_line());
    conn.get_mut()
        .write_all(b"CONNECT {\"verbose\":false}\r\nPING\r\nSUB foo 1\r\n")
        .unwrap();
    assert_eq!(line(&mut conn), "PONG\r\n");
    assert_eq!(line(&mut conn), "MSG foo 1 2\r\n");
    assert_eq!(line(&mut conn), "hi\r\n");
    assert!(sees_close(&mut conn));

    server.join().unwrap();
    assert_eq!(server.accepted(), 1);
    assert_eq!(
        server.received(),
        vec![b"CONNECT {\"verbose\":false}\r\nPING\r\nSUB foo 1\r\n".to_vec()]
    );
}

#[test]
fn default_info_is_valid_json_with_the_port() {
    let server = ScriptedServer::start([Step::SendInfo, Step::Hang]).unwrap();
    let info = probe::read_info(server.addr(), PATIENCE).unwrap();
    let json = probe::info_json(server.addr(), &info).unwrap();
    assert_eq!(json["port"], u64::from(server.port()));
    assert_eq!(json["max_payload"], 1_048_576);
    server.join().unwrap(); // reaching Hang counts as finished
}

#[test]
fn expectation_timeout_is_an_error() {
    let server = ScriptedServer::builder()
        .connection([Step::SendInfo, Step::expect_line("CONNECT ")])
        .step_timeout(Duration::from_millis(150))
        .start()
        .unwrap();
    let mut conn = connect(server.addr());
    line(&mut conn);
    conn.get_mut().write_all(b"CONN").unwrap(); // never completes the line
    let started = Instant::now();
    let err = server.join().unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    match &err {
        Error::Script {
            connection: 0,
            step: 1,
            reason,
            received,
            ..
        } => {
            assert!(reason.contains("timed out"), "{err}");
            assert_eq!(received, "CONN");
        }
        other => panic!("expected a script error, got {other:?}"),
    }
}

#[test]
fn wrong_line_is_an_error() {
    let server = ScriptedServer::start([Step::expect_line("CONNECT ")]).unwrap();
    let mut client = TcpStream::connect(server.addr()).unwrap();
    client.write_all(b"PING\r\n").unwrap();
    let err = server.join().unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("expected a line starting with \"CONNECT \""),
        "{text}"
    );
    assert!(text.contains("PING"), "{text}");
}

#[test]
fn client_closing_early_is_an_error() {
    let server = ScriptedServer::start([Step::read_until("PING\r\n")]).unwrap();
    let mut client = TcpStream::connect(server.addr()).unwrap();
    client.write_all(b"PI").unwrap();
    drop(client);
    let err = server.join().unwrap_err();
    assert!(err.to_string().contains("closed the connection"), "{err}");
}

#[test]
fn missing_connection_is_reported() {
    let server = ScriptedServer::start([Step::SendInfo]).unwrap();
    let err = server.join_timeout(Duration::from_millis(50)).unwrap_err();
    assert!(
        matches!(err, Error::NotConnected { connection: 0, .. }),
        "{err}"
    );
}

#[test]
fn one_script_per_connection_then_closed() {
    let server = ScriptedServer::builder()
        .connection([Step::send("first\r\n"), Step::Close])
        .connection([Step::send("second\r\n"), Step::Hang])
        .start()
        .unwrap();
    let mut a = connect(server.addr());
    assert_eq!(line(&mut a), "first\r\n");
    assert!(sees_close(&mut a));
    let mut b = connect(server.addr());
    assert_eq!(line(&mut b), "second\r\n");
    // Past the last script: accepted and closed at once.
    let mut c = connect(server.addr());
    assert!(sees_close(&mut c));
    assert!(server.wait_for_connections(3, PATIENCE));
    assert_eq!(server.accepted(), 3);
    server.join().unwrap();

    // The hanging connection keeps recording.
    b.get_mut().write_all(b"PING\r\n").unwrap();
    crate::support::eventually("the hang step records client bytes", || {
        server.received()[1] == b"PING\r\n"
    });
}

#[test]
fn sleep_delays_the_next_step() {
    let server = ScriptedServer::start([
        Step::Sleep(Duration::from_millis(200)),
        Step::send("late\r\n"),
    ])
    .unwrap();
    let started = Instant::now();
    let mut conn = connect(server.addr());
    assert_eq!(line(&mut conn), "late\r\n");
    assert!(started.elapsed() >= Duration::from_millis(200));
    server.join().unwrap();
}

#[test]
fn drop_stops_listener_and_hanging_connections() {
    let server = ScriptedServer::start([Step::SendInfo, Step::Hang]).unwrap();
    let addr = server.addr();
    let mut conn = connect(addr);
    line(&mut conn);
    let started = Instant::now();
    drop(server);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "drop took {:?}",
        started.elapsed()
    );
    assert!(sees_close(&mut conn));
    assert!(TcpStream::connect(addr).is_err(), "listener still open");
}

#[test]
fn drop_interrupts_a_long_sleep_and_a_pending_read() {
    let server = ScriptedServer::builder()
        .connection([Step::Sleep(Duration::from_secs(60))])
        .connection([Step::read_until("never")])
        .step_timeout(Duration::from_secs(60))
        .start()
        .unwrap();
    let _a = TcpStream::connect(server.addr()).unwrap();
    let _b = TcpStream::connect(server.addr()).unwrap();
    assert!(server.wait_for_connections(2, PATIENCE));
    let started = Instant::now();
    drop(server);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "drop took {:?}",
        started.elapsed()
    );
}

#[test]
fn silent_peer_never_answers() {
    let server = ScriptedServer::start([Step::Hang]).unwrap();
    let mut client = TcpStream::connect(server.addr()).unwrap();
    client
        .set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 16];
    let err = client.read(&mut buf).unwrap_err();
    assert!(matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
}
