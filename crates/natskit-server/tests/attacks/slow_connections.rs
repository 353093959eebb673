//! Slow and silent connections (issue 23, contained attacks): a CONNECT sent one byte at a
//! time, a client that never says CONNECT. Where credentials are required both brokers give a
//! new connection its authentication timeout to say a valid CONNECT, and close it after with
//! the same text; without credentials neither times it out (its PINGs find it stale instead).

use std::time::{Duration, Instant};

use natskit_server::{Server, ServerBuilder};

use crate::support::{
    alone, client_runtime, still_delivers, Backend, Bystander, Raw, BYSTANDER_P99,
};

/// Short, so that the test is: nats-server's default is 2 s, as the broker's.
const AUTH_TIMEOUT: Duration = Duration::from_millis(500);
/// Both brokers' default.
const DEFAULT_AUTH_TIMEOUT: Duration = Duration::from_secs(2);
/// Between two bytes of a dribbled CONNECT.
const DRIBBLE: Duration = Duration::from_millis(5);
const CONNECT: &str = r#"CONNECT {"verbose":false,"pedantic":false,"user":"a","pass":"a"}"#;
const TIMED_OUT: &[u8] = b"-ERR 'Authentication Timeout'\r\n";

/// Both brokers requiring credentials, with the short timeout or their default one.
fn backends(short_timeout: bool) -> [Backend; 2] {
    if short_timeout {
        Backend::both(
            Server::builder().user("a", "a").auth_timeout(AUTH_TIMEOUT),
            "authorization { user: a, password: a, timeout: 0.5 }",
        )
    } else {
        Backend::both(
            Server::builder().user("a", "a"),
            "authorization { user: a, password: a }",
        )
    }
}

/// Sends `line` and a PING one byte at a time, `pause` apart.
async fn dribble(raw: &mut Raw, line: &str, pause: Duration) {
    for byte in format!("{line}\r\nPING\r\n").bytes() {
        raw.send(&[byte]).await;
        tokio::time::sleep(pause).await; // the attack's pace, not a synchronisation
    }
}

#[test]
fn a_connect_dribbled_one_byte_at_a_time_is_taken_within_the_auth_timeout() {
    let _alone = alone();
    let clients = client_runtime();
    for backend in &backends(false) {
        let name = backend.name();
        clients.block_on(async {
            let bystander = Bystander::start_url(format!("nats://a:a@{}", backend.addr()));
            let mut slow = Raw::open(backend.addr()).await;
            let start = Instant::now();
            dribble(&mut slow, CONNECT, DRIBBLE).await;
            let (said, closed) = slow.answer().await;
            let took = start.elapsed();
            let latency = bystander.finish();
            eprintln!("{name}: a CONNECT dribbled over {took:?}; {latency}");
            assert!(
                took < DEFAULT_AUTH_TIMEOUT,
                "{name}: the dribble itself took {took:?}"
            );
            assert_eq!(
                (said.as_slice(), closed),
                (&b"PONG\r\n"[..], false),
                "{name}"
            );
            assert!(latency.p99 < BYSTANDER_P99, "{name}: {latency}");
        });
    }
}

#[test]
fn a_connect_dribbled_past_the_auth_timeout_and_a_silent_client_are_closed_with_its_text() {
    let _alone = alone();
    let clients = client_runtime();
    for backend in &backends(true) {
        let name = backend.name();
        clients.block_on(async {
            let mut silent = Raw::open(backend.addr()).await;
            let start = Instant::now();
            let mut slowloris = Raw::open(backend.addr()).await;
            // Bytes keep coming for half the timeout (20 ms apart), then stop short of the
            // line's end: activity does not buy time. (Writing after the close would draw a
            // reset that can discard the -ERR before it is read.)
            let dribbling = async {
                for byte in CONNECT.bytes().take(10) {
                    slowloris.send(&[byte]).await;
                    tokio::time::sleep(4 * DRIBBLE).await; // the attack's pace
                }
                slowloris.answer().await
            };
            let ((slow_said, slow_closed), (silent_said, silent_closed)) =
                tokio::join!(dribbling, silent.answer());
            let took = start.elapsed();
            eprintln!("{name}: a silent and a dribbling client closed after {took:?}");
            assert_eq!(
                (silent_said.as_slice(), silent_closed),
                (TIMED_OUT, true),
                "{name}: silent"
            );
            assert_eq!(
                (slow_said.as_slice(), slow_closed),
                (TIMED_OUT, true),
                "{name}: dribbling"
            );
            assert!(took >= AUTH_TIMEOUT, "{name}: closed after {took:?}");
            assert!(took < 4 * AUTH_TIMEOUT, "{name}: closed after {took:?}");
        });
    }
}

#[test]
fn without_credentials_a_silent_client_is_left_to_the_ping_timer() {
    let _alone = alone();
    let ping = Duration::from_millis(200);
    let builder: ServerBuilder = Server::builder().auth_timeout(AUTH_TIMEOUT).ping(ping, 2);
    let backends = Backend::both(builder, "ping_interval: \"200ms\"\nping_max: 2\n");
    let clients = client_runtime();
    for backend in &backends {
        let name = backend.name();
        clients.block_on(async {
            let mut silent = Raw::open(backend.addr()).await;
            let start = Instant::now();
            let (said, closed) = silent.answer().await;
            let took = start.elapsed();
            eprintln!("{name}: a silent client without credentials closed after {took:?}");
            // Past the auth timeout: the PINGs, not the timeout, closed it.
            assert!(took > AUTH_TIMEOUT, "{name}: closed after {took:?}");
            assert!(closed, "{name}");
            assert!(
                said.ends_with(b"PING\r\nPING\r\n-ERR 'Stale Connection'\r\n"),
                "{name}: {:?}",
                String::from_utf8_lossy(&said)
            );
            still_delivers(backend.addr(), name).await;
        });
    }
}
