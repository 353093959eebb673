//! PINGs every interval, stale detection, and flushes completed by their own PONG.

use std::time::Instant;

use super::*;

#[test]
fn the_first_keepalive_is_due_one_interval_after_connecting() {
    let t0 = Instant::now();
    let m = connected(t0);
    assert_eq!(m.poll_timeout(), Some(t0 + PING_INTERVAL));
}

#[test]
fn nothing_is_sent_before_the_interval() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.handle_timeout(t0 + PING_INTERVAL / 2);
    assert_eq!(sent(&mut m), "");
    assert_eq!(m.poll_timeout(), Some(t0 + PING_INTERVAL));
}

#[test]
fn a_ping_goes_out_each_interval() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.handle_timeout(t0 + PING_INTERVAL);
    assert_eq!(sent(&mut m), "PING\r\n");
    assert_eq!(m.poll_timeout(), Some(t0 + PING_INTERVAL * 2));
}

#[test]
fn the_connection_is_stale_after_the_allowed_unanswered_pings() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.handle_timeout(t0 + PING_INTERVAL);
    m.handle_timeout(t0 + PING_INTERVAL * 2);
    assert_eq!(sent(&mut m), "PING\r\nPING\r\n");
    assert_eq!(m.take_leave(), None, "two unanswered are allowed");
    m.handle_timeout(t0 + PING_INTERVAL * 3);
    assert_eq!(
        m.take_leave().as_deref(),
        Some("stale connection: the server did not answer PING")
    );
    assert_eq!(m.take_leave(), None, "said once");
}

#[test]
fn a_pong_keeps_the_connection_alive() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    for n in 1..=5 {
        m.handle_timeout(t0 + PING_INTERVAL * n);
        input(&mut m, "PONG\r\n");
    }
    assert_eq!(m.take_leave(), None);
}

#[test]
fn the_servers_ping_is_answered() {
    let mut m = connected(Instant::now());
    input(&mut m, "PING\r\n");
    assert_eq!(sent(&mut m), "PONG\r\n");
}

#[test]
fn a_flush_completes_on_its_own_pong_not_an_earlier_one() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.handle_timeout(t0 + PING_INTERVAL); // a keepalive PING first
    m.flush(7).expect("connected");
    assert_eq!(sent(&mut m), "PING\r\nPING\r\n");
    input(&mut m, "PONG\r\n");
    assert!(
        effects(&mut m).is_empty(),
        "that PONG answered the keepalive"
    );
    input(&mut m, "PONG\r\n");
    assert!(matches!(
        effects(&mut m)[..],
        [Effect::Flushed { waiter: 7 }]
    ));
}

#[test]
fn flushes_complete_in_the_order_they_were_made() {
    let mut m = connected(Instant::now());
    m.flush(1).expect("connected");
    m.flush(2).expect("connected");
    input(&mut m, "PONG\r\nPONG\r\n");
    let done: Vec<u32> = effects(&mut m)
        .into_iter()
        .map(|e| match e {
            Effect::Flushed { waiter } => waiter,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(done, [1, 2]);
}

#[test]
fn a_flush_fails_when_the_connection_is_lost() {
    let mut m = connected(Instant::now());
    m.flush(3).expect("connected");
    let batch = m.poll_transmit();
    m.connection_lost("read error".into(), batch.map(|b| (b, 6)));
    assert!(effects(&mut m).iter().any(|e| matches!(
        e,
        Effect::FailFlush {
            waiter: 3,
            why: super::super::Failure::Disconnected
        }
    )));
}

#[test]
fn a_flush_while_reconnecting_completes_after_the_reconnect() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.connection_lost("gone".into(), None);
    assert_eq!(m.poll_timeout(), None, "no keepalive without a connection");
    m.flush(4).expect("reconnecting: waits in the buffer");
    assert_eq!(sent(&mut m), "", "nothing is written while disconnected");
    let attempt = m.next_attempt().expect("a server");
    m.connected(attempt.index, info(), t0);
    effects(&mut m);
    assert_eq!(sent(&mut m), "PING\r\n");
    input(&mut m, "PONG\r\n");
    assert!(matches!(
        effects(&mut m)[..],
        [Effect::Flushed { waiter: 4 }]
    ));
}

#[test]
fn a_flush_after_close_is_refused() {
    let mut m = connected(Instant::now());
    m.close("bye".into());
    assert_eq!(m.flush(5), Err(5));
}
