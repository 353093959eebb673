//! The request multiplexer: one wildcard subscription, answers routed by token, nothing left
//! behind.

use std::time::Instant;

use bytes::Bytes;

use super::super::{Failure, Queued};
use super::*;

/// Registers request `waiter` and queues its publish on `subject`; returns its token.
fn request(m: &mut Machine, waiter: u32, subject: &str) -> u64 {
    let (token, _reply, queued) = m
        .request(waiter, subject, None, &Bytes::from_static(b"q"))
        .expect("open");
    assert_eq!(queued, Queued::Yes);
    token
}

#[test]
fn the_first_request_subscribes_the_wildcard_once() {
    let mut m = connected(Instant::now());
    request(&mut m, 1, "svc");
    request(&mut m, 2, "svc");
    assert_eq!(
        sent(&mut m),
        "SUB _INBOX.mux.* 1\r\nPUB svc _INBOX.mux.1 1\r\nq\r\nPUB svc _INBOX.mux.2 1\r\nq\r\n"
    );
}

#[test]
fn an_answer_goes_to_its_own_waiter() {
    let mut m = connected(Instant::now());
    request(&mut m, 10, "svc");
    request(&mut m, 20, "svc");
    input(
        &mut m,
        "MSG _INBOX.mux.2 1 3\r\ntwo\r\nMSG _INBOX.mux.1 1 3\r\none\r\n",
    );
    let answers: Vec<(u32, Bytes)> = effects(&mut m)
        .into_iter()
        .map(|e| match e {
            Effect::Answer { waiter, msg } => (waiter, msg.payload_bytes()),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        answers,
        [(20, Bytes::from("two")), (10, Bytes::from("one"))]
    );
    assert_eq!(
        m.requests_waiting(),
        0,
        "answered requests leave nothing behind"
    );
}

#[test]
fn a_large_answer_is_copied_out_of_the_read() {
    let mut m = connected(Instant::now());
    request(&mut m, 1, "svc");
    let big = "z".repeat(80 * 1024);
    let wire = format!("MSG _INBOX.mux.1 1 {}\r\n{big}\r\n", big.len());
    let mut read = bytes::BytesMut::from(wire.as_bytes());
    let capacity = read.capacity();
    m.new_read();
    while m.handle_input(&mut read).expect("valid input") {}
    let answer = match &effects(&mut m)[..] {
        [Effect::Answer { waiter: 1, msg }] => msg.payload_bytes(),
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(answer, big.as_bytes());
    assert!(
        read.try_reclaim(capacity),
        "the answer does not hold the read buffer"
    );
}

#[test]
fn status_503_without_payload_is_no_responders() {
    let mut m = connected(Instant::now());
    request(&mut m, 1, "nobody");
    input(
        &mut m,
        "HMSG _INBOX.mux.1 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n",
    );
    assert!(matches!(
        effects(&mut m)[..],
        [Effect::NoResponders { waiter: 1 }]
    ));
}

#[test]
fn a_cancelled_request_drops_its_late_answer() {
    let mut m = connected(Instant::now());
    let token = request(&mut m, 1, "slow");
    assert_eq!(m.cancel_request(token), Some(1));
    assert_eq!(m.requests_waiting(), 0);
    input(&mut m, "MSG _INBOX.mux.1 1 4\r\nlate\r\n");
    assert!(effects(&mut m).is_empty());
}

#[test]
fn an_answer_to_an_unknown_token_is_dropped() {
    let mut m = connected(Instant::now());
    request(&mut m, 1, "svc");
    input(
        &mut m,
        "MSG _INBOX.mux.99 1 1\r\nx\r\nMSG _INBOX.mux.junk 1 1\r\nx\r\n",
    );
    assert!(effects(&mut m).is_empty());
    assert_eq!(m.requests_waiting(), 1);
}

#[test]
fn requests_already_sent_fail_at_disconnect_and_unsent_ones_wait() {
    let mut m = connected(Instant::now());
    request(&mut m, 1, "svc");
    sent(&mut m); // request 1 goes out whole
    request(&mut m, 2, "svc"); // queued, not yet written
    m.connection_lost("reset".into(), None);
    let failed: Vec<_> = effects(&mut m)
        .into_iter()
        .filter_map(|e| match e {
            Effect::FailRequest { waiter, why } => Some((waiter, why)),
            _ => None,
        })
        .collect();
    assert_eq!(failed, [(1, Failure::Disconnected)]);
    assert_eq!(
        m.requests_waiting(),
        1,
        "request 2 goes out after the reconnect"
    );
}

#[test]
fn a_request_made_while_closed_is_refused() {
    let mut m = connected(Instant::now());
    m.close("bye".into());
    assert!(matches!(
        m.request(1, "svc", None, &Bytes::new()),
        Err(crate::PublishError::Closed)
    ));
}

#[test]
fn close_fails_every_waiting_request() {
    let mut m = connected(Instant::now());
    request(&mut m, 1, "svc");
    m.close("bye".into());
    assert!(effects(&mut m).iter().any(|e| matches!(
        e,
        Effect::FailRequest {
            waiter: 1,
            why: Failure::Closed
        }
    )));
    assert_eq!(m.requests_waiting(), 0);
}

#[test]
fn the_wildcard_subscription_is_made_again_after_a_reconnect() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    request(&mut m, 1, "svc");
    sent(&mut m);
    m.connection_lost("gone".into(), None);
    let attempt = m.next_attempt().expect("a server");
    m.connected(attempt.index, info(), t0);
    assert_eq!(sent(&mut m), "SUB _INBOX.mux.* 1\r\n");
}

#[test]
fn a_request_registers_and_queues_in_one_step_and_waits_its_turn_when_the_output_is_full() {
    let mut m = connected(Instant::now()); // write buffer: 200 bytes
    let big = Bytes::from(vec![b'x'; 250]);
    m.publish("fill", None, None, &big).expect("queued");
    let (token, reply, queued) = m
        .request(1, "svc", None, &Bytes::from_static(b"q"))
        .expect("registered");
    assert_eq!(
        (token, reply.as_str(), queued),
        (1, "_INBOX.mux.1", Queued::Full)
    );
    assert_eq!(m.requests_waiting(), 1, "registered though not yet queued");
    assert!(m.request(2, "bad subject", None, &Bytes::new()).is_err());
    assert_eq!(
        m.requests_waiting(),
        1,
        "a refused request leaves nothing behind"
    );
}

#[test]
fn a_request_waiting_for_room_survives_a_disconnect_and_goes_out_after_it() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.publish("fill", None, None, &Bytes::from(vec![b'x'; 250]))
        .expect("queued");
    let (token, reply, queued) = m
        .request(1, "svc", None, &Bytes::from_static(b"q"))
        .expect("registered");
    assert_eq!(queued, Queued::Full);
    let batch = m.poll_transmit().expect("the fill");
    let whole = batch.len();
    m.connection_lost("gone".into(), Some((batch, whole)));
    assert!(
        !effects(&mut m)
            .iter()
            .any(|e| matches!(e, Effect::FailRequest { .. })),
        "not sent yet, so its answer can still come"
    );
    assert_eq!(
        m.publish_request(token, "svc", &reply, None, &Bytes::from_static(b"q")),
        Ok(Queued::Yes),
        "into the reconnect buffer"
    );
    let attempt = m.next_attempt().expect("a server");
    m.connected(attempt.index, info(), t0);
    assert!(sent(&mut m).ends_with("PUB svc _INBOX.mux.1 1\r\nq\r\n"));
}

#[test]
fn a_request_that_failed_before_its_publish_was_queued_is_not_sent() {
    let mut m = connected(Instant::now());
    m.publish("fill", None, None, &Bytes::from(vec![b'x'; 250]))
        .expect("queued");
    let (token, reply, _) = m
        .request(1, "svc", None, &Bytes::from_static(b"q"))
        .expect("registered");
    assert_eq!(m.cancel_request(token), Some(1));
    sent(&mut m);
    assert_eq!(
        m.publish_request(token, "svc", &reply, None, &Bytes::from_static(b"q")),
        Ok(Queued::Yes)
    );
    assert_eq!(sent(&mut m), "", "its caller has its answer already");
}
