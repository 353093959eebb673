//! Subscriptions: SUB and UNSUB, deliveries, auto-unsubscribe counts, pending limits and the
//! slow-consumer events, and the table replayed on a new connection.

use std::time::Instant;

use super::*;
use crate::SubscribeError;

#[test]
fn subscribe_writes_sub_with_the_queue_group() {
    let mut m = connected(Instant::now());
    let (a, _) = m.subscribe("orders.>", None).expect("valid");
    let (b, _) = m.subscribe("orders.new", Some("workers")).expect("valid");
    assert_eq!((a, b), (1, 2));
    assert_eq!(
        sent(&mut m),
        "SUB orders.> 1\r\nSUB orders.new workers 2\r\n"
    );
}

#[test]
fn invalid_subjects_and_queues_are_refused_and_nothing_is_sent() {
    let mut m = connected(Instant::now());
    assert!(matches!(
        m.subscribe("a..b", None),
        Err(SubscribeError::Invalid(_))
    ));
    assert!(matches!(
        m.subscribe("", None),
        Err(SubscribeError::Invalid(_))
    ));
    assert!(matches!(
        m.subscribe("a", Some("q q")),
        Err(SubscribeError::Invalid(_))
    ));
    assert_eq!(sent(&mut m), "");
}

#[test]
fn a_message_goes_to_its_subscription() {
    let mut m = connected(Instant::now());
    m.subscribe("a", None).expect("valid");
    m.subscribe("b", None).expect("valid");
    input(&mut m, "MSG b 2 2\r\nhi\r\nMSG a 1 3\r\nyou\r\n");
    assert_eq!(deliveries(&effects(&mut m)), ["2:hi", "1:you"]);
    assert_eq!(m.counters().in_messages, 2);
    assert_eq!(m.counters().in_bytes, 5);
}

#[test]
fn a_reads_messages_for_one_subscription_go_to_its_reader_together_in_order() {
    let mut m = connected(Instant::now());
    m.subscribe("a", None).expect("valid");
    m.subscribe("b", None).expect("valid");
    input(
        &mut m,
        "MSG a 1 1\r\n1\r\nMSG a 1 1\r\n2\r\nMSG b 2 1\r\n3\r\nMSG a 1 1\r\n4\r\n",
    );
    let batches: Vec<(u64, Vec<String>)> = effects(&mut m)
        .into_iter()
        .filter_map(|effect| match effect {
            Effect::Deliver { sid, batch } => Some((
                sid,
                batch
                    .into_iter()
                    .map(|d| String::from_utf8_lossy(d.msg.payload()).into_owned())
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    // One channel send for the run of two (three is the pending limit here); a message for
    // another reader between two runs keeps the order of the wire.
    let owned = |texts: &[&str]| texts.iter().map(|t| t.to_string()).collect::<Vec<_>>();
    let expected = vec![
        (1, owned(&["1", "2"])),
        (2, owned(&["3"])),
        (1, owned(&["4"])),
    ];
    assert_eq!(batches, expected);
}

#[test]
fn unsubscribe_writes_unsub_ends_the_stream_and_drops_late_messages() {
    let mut m = connected(Instant::now());
    let (sid, _) = m.subscribe("a", None).expect("valid");
    sent(&mut m);
    m.unsubscribe(sid, None);
    assert_eq!(sent(&mut m), "UNSUB 1\r\n");
    assert_eq!(deliveries(&effects(&mut m)), ["end 1"]);
    input(&mut m, "MSG a 1 4\r\nlate\r\n");
    assert!(effects(&mut m).is_empty());
    m.unsubscribe(sid, None);
    assert_eq!(sent(&mut m), "", "a second unsubscribe sends nothing");
}

#[test]
fn auto_unsubscribe_ends_the_subscription_after_its_last_message() {
    let mut m = connected(Instant::now());
    let (sid, _) = m.subscribe("a", None).expect("valid");
    m.unsubscribe(sid, Some(2));
    assert_eq!(sent(&mut m), "SUB a 1\r\nUNSUB 1 2\r\n");
    input(
        &mut m,
        "MSG a 1 1\r\nx\r\nMSG a 1 1\r\ny\r\nMSG a 1 1\r\nz\r\n",
    );
    assert_eq!(deliveries(&effects(&mut m)), ["1:x", "1:y", "end 1"]);
    assert!(!m.has_subscription(sid));
}

#[test]
fn auto_unsubscribe_below_what_was_delivered_ends_at_once() {
    let mut m = connected(Instant::now());
    let (sid, pending) = m.subscribe("a", None).expect("valid");
    input(&mut m, "MSG a 1 1\r\nx\r\nMSG a 1 1\r\ny\r\n");
    take_all(&pending, effects(&mut m));
    sent(&mut m);
    m.unsubscribe(sid, Some(2));
    assert_eq!(sent(&mut m), "UNSUB 1\r\n", "no count: it is over");
    assert_eq!(deliveries(&effects(&mut m)), ["end 1"]);
}

#[test]
fn the_replayed_table_carries_the_remaining_auto_unsubscribe_counts() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    let (a, pending) = m.subscribe("a", None).expect("valid");
    m.subscribe("b", Some("q")).expect("valid");
    m.unsubscribe(a, Some(5));
    input(&mut m, "MSG a 1 1\r\nx\r\nMSG a 1 1\r\ny\r\n");
    take_all(&pending, effects(&mut m));
    sent(&mut m);
    m.connection_lost("gone".into(), None);
    let attempt = m.next_attempt().expect("a server");
    m.connected(attempt.index, info(), t0);
    assert_eq!(sent(&mut m), "SUB a 1\r\nUNSUB 1 3\r\nSUB b q 2\r\n");
}

#[test]
fn a_subscription_made_while_reconnecting_is_sent_on_the_next_connection() {
    let t0 = Instant::now();
    let mut m = connected(t0);
    m.connection_lost("gone".into(), None);
    let (sid, _) = m.subscribe("late", None).expect("valid");
    m.unsubscribe(sid, Some(9));
    assert_eq!(sent(&mut m), "");
    let attempt = m.next_attempt().expect("a server");
    m.connected(attempt.index, info(), t0);
    assert_eq!(sent(&mut m), "SUB late 1\r\nUNSUB 1 9\r\n");
}

#[test]
fn a_full_subscription_drops_and_says_so_once_per_episode() {
    let mut m = connected(Instant::now());
    let (_, pending) = m.subscribe("a", None).expect("valid"); // limit: 3 messages
    let five = "MSG a 1 1\r\n1\r\n".repeat(5);
    input(&mut m, &five);
    let effects1 = effects(&mut m);
    assert_eq!(deliveries(&effects1), ["1:1", "1:1", "1:1"]);
    let slow: Vec<_> = effects1
        .iter()
        .filter(|e| matches!(e, Effect::Event(Event::SlowConsumer { sid: 1, .. })))
        .collect();
    assert_eq!(slow.len(), 1, "one event for the episode, not one per drop");
    assert_eq!((pending.messages(), pending.dropped()), (3, 2));

    // The reader catches up by one: the episode ends with the next delivery.
    let first = delivered(effects1).into_iter().next().expect("a delivery");
    pending.taken(&first);
    input(&mut m, &"MSG a 1 1\r\n1\r\n".repeat(2));
    let effects2 = effects(&mut m);
    assert_eq!(deliveries(&effects2), ["1:1"]);
    assert_eq!(
        events_of(&effects2),
        [Event::SlowConsumer {
            sid: 1,
            subject: "a".into()
        }],
        "a new episode is reported again"
    );
}

#[test]
fn the_pending_byte_limit_drops_too() {
    let mut m = connected(Instant::now());
    let (_, pending) = m.subscribe("a", None).expect("valid"); // limit: 1000 bytes
    let big = "x".repeat(600);
    input(
        &mut m,
        &format!("MSG a 1 600\r\n{big}\r\nMSG a 1 600\r\n{big}\r\n"),
    );
    assert_eq!(deliveries(&effects(&mut m)).len(), 1);
    assert_eq!(pending.dropped(), 1);
}

#[test]
fn deliveries_are_counted_in_by_the_time_handle_input_returns() {
    let mut m = connected(Instant::now());
    let (_, a) = m.subscribe("a", None).expect("valid");
    let (_, b) = m.subscribe("b", None).expect("valid");
    input(
        &mut m,
        "MSG a 1 1\r\n1\r\nMSG b 2 1\r\n2\r\nMSG a 1 1\r\n3\r\n",
    );
    assert_eq!((a.messages(), b.messages()), (2, 1));
    let effects = effects(&mut m);
    assert_eq!(deliveries(&effects), ["1:1", "2:2", "1:3"]);
    for delivery in delivered(effects) {
        let of = if delivery.msg.sid() == 1 { &a } else { &b };
        of.taken(&delivery);
    }
    assert_eq!((a.messages(), b.messages()), (0, 0), "counted out as in");
}
