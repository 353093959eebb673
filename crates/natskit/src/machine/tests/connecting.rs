//! Which server is tried when, and when the client gives up.

use std::time::{Duration, Instant};

use super::*;

#[test]
fn the_first_connect_tries_each_server_once_without_waiting() {
    let mut m = machine_for("nats://a:1,nats://b:2", config());
    let first = m.next_attempt().expect("a");
    assert_eq!((first.addr.host(), first.delay), ("a", Duration::ZERO));
    m.attempt_failed(first.index, None, "refused".into());
    let second = m.next_attempt().expect("b");
    assert_eq!((second.addr.host(), second.delay), ("b", Duration::ZERO));
    m.attempt_failed(second.index, None, "timed out".into());
    assert_eq!(
        m.next_attempt().map(|a| a.index),
        Err("no server could be reached; last error: timed out".into())
    );
    assert!(
        events(&mut m).is_empty(),
        "no reconnect events before a first connection"
    );
}

#[test]
fn the_first_connection_reports_connected() {
    let mut m = machine_for("nats://a:1", config());
    let attempt = m.next_attempt().expect("a");
    m.connected(attempt.index, info(), Instant::now());
    assert_eq!(
        events(&mut m),
        [Event::Connected {
            server: "nats://a:1".into()
        }]
    );
    assert_eq!(m.server(), "nats://a:1");
}

#[test]
fn reconnects_go_round_the_pool_at_once_then_with_the_configured_delay() {
    let mut m = connected(Instant::now()); // on a; delay: 100 ms per failure
    m.connection_lost("gone".into(), None);
    let b = m.next_attempt().expect("b");
    assert_eq!(
        (b.addr.host(), b.delay),
        ("b", Duration::ZERO),
        "b has not failed yet"
    );
    m.attempt_failed(b.index, None, "refused".into());
    let a = m.next_attempt().expect("a");
    assert_eq!(
        (a.addr.host(), a.delay),
        ("a", Duration::ZERO),
        "a worked last"
    );
    m.attempt_failed(a.index, None, "refused".into());
    let b = m.next_attempt().expect("b again");
    assert_eq!((b.addr.host(), b.delay), ("b", Duration::from_millis(100)));
    m.attempt_failed(b.index, None, "refused".into());
    let a = m.next_attempt().expect("a again");
    assert_eq!(a.delay, Duration::from_millis(100));
    let numbers: Vec<u64> = events(&mut m)
        .into_iter()
        .filter_map(|e| match e {
            Event::Reconnecting { attempt, .. } => Some(attempt),
            _ => None,
        })
        .collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
}

#[test]
fn max_reconnects_gives_up_with_the_last_error() {
    let mut config = config();
    config.reconnect.max_total = Some(1);
    let mut m = connected_with(config, Instant::now());
    m.connection_lost("gone".into(), None);
    let attempt = m.next_attempt().expect("one attempt");
    m.attempt_failed(attempt.index, None, "refused".into());
    assert_eq!(
        m.next_attempt().map(|a| a.index),
        Err("gave up after 1 reconnect attempts; last error: refused".into())
    );
}

#[test]
fn the_same_authorization_error_twice_gives_a_server_up() {
    let mut m = machine_for("nats://a:1", config());
    let attempt = m.next_attempt().expect("a");
    m.connected(attempt.index, info(), Instant::now());
    m.connection_lost("gone".into(), None);
    for _ in 0..2 {
        let attempt = m.next_attempt().expect("a");
        m.attempt_failed(
            attempt.index,
            Some("Authorization Violation"),
            "refused".into(),
        );
    }
    assert!(m
        .next_attempt()
        .is_err_and(|reason| reason.starts_with("no server left to reconnect to")));
}

#[test]
fn without_reconnect_the_client_closes_for_the_reason_it_lost_the_connection() {
    let mut config = config();
    config.reconnect.enabled = false;
    let mut m = connected_with(config, Instant::now());
    m.connection_lost("the server closed the connection".into(), None);
    assert_eq!(
        m.next_attempt().map(|a| a.index),
        Err("the server closed the connection".into())
    );
}

#[test]
fn a_reconnect_restores_the_state_and_says_so() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.connection_lost("gone".into(), None);
    effects(&mut m);
    let attempt = m.next_attempt().expect("b");
    let t1 = t0 + Duration::from_secs(3);
    m.connected(attempt.index, info(), t1);
    let all = effects(&mut m);
    assert!(matches!(
        &all[1..],
        [
            Effect::State(crate::ConnectionState::Connected),
            Effect::Event(Event::Reconnected { .. })
        ]
    ));
    assert_eq!(m.counters().reconnects, 1);
    assert_eq!(m.server(), "nats://b:4222");
    assert_eq!(
        m.poll_timeout(),
        Some(t1 + PING_INTERVAL),
        "keepalive starts again"
    );
}

#[test]
fn a_server_down_at_the_start_is_not_held_against_it_later() {
    let mut m = machine_for("nats://a:1,nats://b:2", config());
    let a = m.next_attempt().expect("a");
    m.attempt_failed(a.index, Some("Authorization Violation"), "refused".into());
    let b = m.next_attempt().expect("b");
    m.connected(b.index, info(), Instant::now());
    m.connection_lost("gone".into(), None);
    let again = m.next_attempt().expect("a");
    assert_eq!((again.addr.host(), again.delay), ("a", Duration::ZERO));
    m.attempt_failed(
        again.index,
        Some("Authorization Violation"),
        "refused".into(),
    );
    assert!(
        m.next_attempt().is_ok(),
        "one refusal since the start, not two: a is not given up"
    );
}

#[test]
fn servers_announced_on_a_reconnect_come_before_reconnected() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.connection_lost("gone".into(), None);
    let attempt = m.next_attempt().expect("b");
    effects(&mut m);
    let mut announcing = info();
    announcing.connect_urls = vec!["c:4222".into()];
    m.connected(attempt.index, announcing, t0);
    let names: Vec<&'static str> = events(&mut m)
        .iter()
        .map(|e| match e {
            Event::ServersDiscovered { .. } => "discovered",
            Event::Reconnected { .. } => "reconnected",
            _ => "other",
        })
        .collect();
    assert_eq!(names, ["discovered", "reconnected"]);
}

#[test]
fn a_forced_reconnect_leaves_the_connection_in_use() {
    let mut m = connected(Instant::now());
    m.force_reconnect();
    assert_eq!(
        m.take_leave().as_deref(),
        Some("reconnect forced by the client")
    );
}

#[test]
fn a_forced_reconnect_while_reconnecting_keeps_the_connection_that_follows() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.connection_lost("gone".into(), None);
    m.force_reconnect();
    let attempt = m.next_attempt().expect("a server");
    m.connected(attempt.index, info(), t0);
    assert_eq!(m.take_leave(), None);
}
