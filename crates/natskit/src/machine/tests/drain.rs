//! Draining: a subscription's and the client's, in the order the protocol needs.

use std::time::Instant;

use super::super::Failure;
use super::*;
use crate::PublishError;

#[test]
fn a_drained_subscription_gets_what_came_before_its_pong_then_ends() {
    let mut m = connected(Instant::now());
    let (sid, _) = m.subscribe("a", None).expect("valid");
    sent(&mut m);
    m.drain_subscription(sid, 9).expect("connected");
    assert_eq!(sent(&mut m), "UNSUB 1\r\nPING\r\n");
    input(&mut m, "MSG a 1 6\r\nbefore\r\nPONG\r\n");
    let all = effects(&mut m);
    assert_eq!(deliveries(&all), ["1:before", "end 1"]);
    assert!(matches!(all.last(), Some(Effect::Flushed { waiter: 9 })));
}

#[test]
fn a_client_drain_unsubscribes_then_refuses_publishes_then_flushes() {
    let mut m = connected(Instant::now());
    m.subscribe("a", None).expect("valid");
    m.subscribe("b", None).expect("valid");
    sent(&mut m);
    m.drain(1).expect("connected");
    assert_eq!(sent(&mut m), "UNSUB 1\r\nUNSUB 2\r\nPING\r\n");
    // Until the server confirms the UNSUBs, handlers may still answer what they got.
    publish(&mut m, "reply", "ok").expect("still allowed");
    input(&mut m, "MSG a 1 4\r\nlast\r\nPONG\r\n");
    let all = effects(&mut m);
    assert_eq!(deliveries(&all), ["1:last", "end 1", "end 2"]);
    assert!(
        !all.iter().any(|e| matches!(e, Effect::Flushed { .. })),
        "not yet"
    );
    assert_eq!(publish(&mut m, "x", "late"), Err(PublishError::Draining));
    assert_eq!(sent(&mut m), "PUB reply 2\r\nok\r\nPING\r\n");
    input(&mut m, "PONG\r\n");
    assert!(matches!(
        effects(&mut m)[..],
        [Effect::Flushed { waiter: 1 }]
    ));
}

#[test]
fn a_drain_cut_by_a_disconnect_fails_its_waiter() {
    let mut m = connected(Instant::now());
    m.subscribe("a", None).expect("valid");
    m.drain(1).expect("connected");
    m.connection_lost("gone".into(), None);
    assert!(effects(&mut m).iter().any(|e| matches!(
        e,
        Effect::FailFlush {
            waiter: 1,
            why: Failure::Disconnected
        }
    )));
}

#[test]
fn a_subscription_whose_drain_did_not_finish_is_forgotten_with_another_unsub() {
    let mut m = connected(Instant::now());
    let (sid, _) = m.subscribe("a", None).expect("valid");
    m.drain_subscription(sid, 1).expect("connected");
    sent(&mut m);
    m.forget_subscription(sid);
    assert_eq!(deliveries(&effects(&mut m)), ["end 1"]);
    assert_eq!(
        sent(&mut m),
        "UNSUB 1\r\n",
        "in case a reconnect made it anew at the server"
    );
    input(&mut m, "PONG\r\n");
    assert!(
        matches!(effects(&mut m)[..], [Effect::Flushed { waiter: 1 }]),
        "the late PONG only wakes the waiter"
    );
}

#[test]
fn draining_a_subscription_while_reconnecting_ends_it_at_once_and_it_is_not_made_again() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    let (sid, _) = m.subscribe("a", None).expect("valid");
    m.subscribe("b", None).expect("valid");
    sent(&mut m);
    m.connection_lost("gone".into(), None);
    effects(&mut m);
    m.drain_subscription(sid, 3).expect("reconnecting");
    let all = effects(&mut m);
    assert_eq!(deliveries(&all), ["end 1"]);
    assert!(matches!(all.last(), Some(Effect::Flushed { waiter: 3 })));
    let attempt = m.next_attempt().expect("a server");
    m.connected(attempt.index, info(), t0);
    assert_eq!(sent(&mut m), "SUB b 2\r\n");
}
