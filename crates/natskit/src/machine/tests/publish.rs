//! Publishes: what is checked before anything is queued, and the output's flow control.

use std::time::Instant;

use bytes::Bytes;
use natskit_proto::HeaderMap;

use super::super::Queued;
use super::*;
use crate::PublishError;

#[test]
fn a_publish_is_encoded_with_its_reply_and_headers() {
    let mut m = connected(Instant::now());
    m.publish("a", Some("r"), None, &Bytes::from_static(b"hi"))
        .expect("valid");
    let mut headers = HeaderMap::new();
    headers.insert("K", "v").expect("valid header");
    m.publish("b", None, Some(&headers), &Bytes::from_static(b"x"))
        .expect("valid");
    assert_eq!(
        sent(&mut m),
        "PUB a r 2\r\nhi\r\nHPUB b 18 19\r\nNATS/1.0\r\nK: v\r\n\r\nx\r\n"
    );
    let counters = m.counters();
    assert_eq!((counters.out_messages, counters.out_bytes), (2, 3));
}

#[test]
fn invalid_subjects_are_refused_and_nothing_is_queued() {
    let mut m = connected(Instant::now());
    for subject in ["", "a b", "a.*", "a.>", "a..b"] {
        assert!(
            matches!(
                publish(&mut m, subject, "x"),
                Err(PublishError::InvalidSubject(_))
            ),
            "{subject:?}"
        );
    }
    assert!(matches!(
        m.publish("a", Some("r r"), None, &Bytes::new()),
        Err(PublishError::InvalidSubject(_))
    ));
    assert_eq!(sent(&mut m), "");
    assert_eq!(m.counters().out_messages, 0);
}

#[test]
fn a_payload_over_max_payload_is_refused_with_both_sizes() {
    let mut m = connected(Instant::now());
    let big = Bytes::from(vec![b'x'; MAX_PAYLOAD + 1]);
    assert_eq!(
        m.publish("a", None, None, &big),
        Err(PublishError::TooLarge {
            size: MAX_PAYLOAD + 1,
            max_payload: MAX_PAYLOAD
        })
    );
    assert_eq!(sent(&mut m), "");
}

#[test]
fn a_full_output_asks_the_publisher_to_wait_until_the_driver_takes_it() {
    let mut m = connected(Instant::now()); // write buffer: 200 bytes
    let payload = "x".repeat(100).leak();
    assert_eq!(publish(&mut m, "a", payload), Ok(Queued::Yes));
    assert_eq!(publish(&mut m, "a", payload), Ok(Queued::Yes));
    assert_eq!(publish(&mut m, "a", payload), Ok(Queued::Full));
    let batch = m.poll_transmit().expect("output");
    assert_eq!(publish(&mut m, "a", payload), Ok(Queued::Yes));
    m.transmitted(batch);
}

#[test]
fn publishes_before_the_first_connection_or_after_close_are_refused() {
    let mut m = machine_for("nats://a:4222", config());
    assert_eq!(publish(&mut m, "a", "x"), Err(PublishError::Closed));
    let mut m = connected(Instant::now());
    m.close("bye".into());
    assert_eq!(publish(&mut m, "a", "x"), Err(PublishError::Closed));
}

#[test]
fn close_ends_every_subscription_then_reports_closed() {
    let mut m = connected(Instant::now());
    m.subscribe("a", None).expect("valid");
    m.subscribe("b", None).expect("valid");
    publish(&mut m, "a", "unsent").expect("queued");
    m.close("closed by the client".into());
    let all = effects(&mut m);
    assert_eq!(deliveries(&all), ["end 1", "end 2"]);
    assert!(matches!(
        &all[all.len() - 2..],
        [
            Effect::Event(Event::Closed { .. }),
            Effect::State(crate::ConnectionState::Closed)
        ]
    ));
    assert_eq!(sent(&mut m), "", "output is dropped at close");
    assert!(m.is_closed());
}
