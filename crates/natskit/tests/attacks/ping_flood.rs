//! A server that floods PINGs and never reads: each PING wants a PONG, and a client that
//! queued one per PING grew by gigabytes. One waiting PONG answers them all.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::child::{ClientProcess, Role};

/// How long the flood lasts.
const FLOOD: Duration = Duration::from_secs(20);
/// What the client may reach while flooded.
const MEMORY_BOUND: u64 = 100 * 1024 * 1024;

#[test]
fn a_twenty_second_ping_flood_leaves_the_client_under_100_mb() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("nats://{}", listener.local_addr().unwrap());
    let flooder = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
            .write_all(b"INFO {\"server_id\":\"flood\",\"version\":\"2.10.0\",\"proto\":1,\"headers\":true,\"max_payload\":1048576}\r\n")
            .unwrap();
        // CONNECT, PING; answered, then SUB and the flush's PING.
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        for expected in ["CONNECT", "PING"] {
            line.clear();
            reader.read_line(&mut line).unwrap();
            assert!(line.starts_with(expected), "{line:?}");
        }
        stream.write_all(b"PONG\r\n").unwrap();
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("SUB "), "{line:?}");
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("PING"), "{line:?}");
        stream.write_all(b"PONG\r\n").unwrap();
        // From here on nothing is read: the client's PONGs pile up in its socket.
        let pings = b"PING\r\n".repeat(10_000);
        let start = Instant::now();
        let mut sent = 0u64;
        while start.elapsed() < FLOOD {
            if stream.write_all(&pings).is_err() {
                break;
            }
            sent += 10_000;
        }
        sent
    });
    let mut client = ClientProcess::start(Role::Idle, &url, "anything", 64 << 20);
    let sent = flooder.join().unwrap();
    let peak = client.peak_rss();
    eprintln!(
        "PING flood: {sent} PINGs in {FLOOD:?}; client peak RSS {:.1} MB",
        peak as f64 / 1e6
    );
    assert!(client.is_running(), "the client process survived");
    assert!(sent > 1_000_000, "the flood was a flood: {sent} PINGs");
    assert!(
        peak < MEMORY_BOUND,
        "peak RSS {peak} bytes under a PING flood"
    );
}
