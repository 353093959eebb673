//! What survives a broken connection: the reconnect buffer, its limit and order, and the
//! publishes of a batch cut in the middle, found by write offsets.

use std::time::Instant;

use super::*;
use crate::PublishError;

fn reconnect(m: &mut Machine, t: Instant) {
    let attempt = m.next_attempt().expect("a server");
    m.connected(attempt.index, info(), t);
}

#[test]
fn publishes_while_reconnecting_go_out_in_order_after_the_subscriptions() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.subscribe("in", None).expect("valid");
    sent(&mut m);
    m.connection_lost("gone".into(), None);
    publish(&mut m, "a", "1").expect("buffered");
    publish(&mut m, "b", "2").expect("buffered");
    assert_eq!(sent(&mut m), "", "kept while disconnected");
    reconnect(&mut m, t0);
    assert_eq!(sent(&mut m), "SUB in 1\r\nPUB a 1\r\n1\r\nPUB b 1\r\n2\r\n");
}

#[test]
fn a_full_reconnect_buffer_refuses_at_once_and_keeps_what_it_has() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.connection_lost("gone".into(), None);
    // Reconnect buffer: 300 bytes; each publish counts payload + subject + 64.
    let payload = "x".repeat(150).leak();
    publish(&mut m, "a", payload).expect("fits");
    assert_eq!(
        publish(&mut m, "b", payload),
        Err(PublishError::ReconnectBufferFull { limit: 300 })
    );
    reconnect(&mut m, t0);
    let out = sent(&mut m);
    assert!(out.starts_with("PUB a 150\r\n"), "{out}");
    assert!(!out.contains("PUB b"), "the refused publish was not queued");
}

#[test]
fn a_half_written_batch_keeps_what_did_not_go_out_whole() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    publish(&mut m, "a", "one").expect("queued"); // "PUB a 3\r\none\r\n": 14 bytes
    publish(&mut m, "b", "two").expect("queued"); // bytes 14..28
    publish(&mut m, "c", "three").expect("queued");
    let batch = m.poll_transmit().expect("output");
    // The socket took the first publish and half of the second.
    m.connection_lost("write error".into(), Some((batch, 20)));
    publish(&mut m, "d", "four").expect("buffered behind");
    reconnect(&mut m, t0);
    assert_eq!(
        sent(&mut m),
        "PUB b 3\r\ntwo\r\nPUB c 5\r\nthree\r\nPUB d 4\r\nfour\r\n",
        "a: went out whole; b: cut, so sent again whole; c, d: in order"
    );
}

#[test]
fn a_batch_cut_exactly_between_publishes_resends_only_the_rest() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    publish(&mut m, "a", "one").expect("queued");
    publish(&mut m, "b", "two").expect("queued");
    let batch = m.poll_transmit().expect("output");
    m.connection_lost("write error".into(), Some((batch, 14)));
    reconnect(&mut m, t0);
    assert_eq!(sent(&mut m), "PUB b 3\r\ntwo\r\n");
}

#[test]
fn control_operations_are_not_kept_only_publishes() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    let (sid, _) = m.subscribe("s", None).expect("valid");
    publish(&mut m, "a", "1").expect("queued");
    m.unsubscribe(sid, None);
    m.flush(1).expect("connected");
    input(&mut m, "PING\r\n"); // our PONG joins the output
    publish(&mut m, "b", "2").expect("queued");
    m.connection_lost("gone".into(), None);
    reconnect(&mut m, t0);
    assert_eq!(sent(&mut m), "PUB a 1\r\n1\r\nPUB b 1\r\n2\r\n");
}

#[test]
fn a_batch_written_whole_is_not_sent_again() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    publish(&mut m, "a", "1").expect("queued");
    let batch = m.poll_transmit().expect("output");
    let len = batch.len();
    m.connection_lost("gone".into(), Some((batch, len)));
    reconnect(&mut m, t0);
    assert_eq!(sent(&mut m), "");
}

#[test]
fn the_state_turns_reconnecting_only_after_the_disconnect_is_handled() {
    let mut m = connected(Instant::now());
    m.connection_lost("gone".into(), None);
    let all = effects(&mut m);
    assert!(matches!(
        all.first(),
        Some(Effect::Event(Event::Disconnected { .. }))
    ));
    assert!(matches!(
        all.last(),
        Some(Effect::State(crate::ConnectionState::Reconnecting))
    ));
}
