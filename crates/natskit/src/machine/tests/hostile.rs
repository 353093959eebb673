//! What a server (or a publisher through it) gets wrong must not cost the connection or grow
//! the client: unreadable messages, PING floods, readers that fall behind.

use std::time::Instant;

use super::*;

#[test]
fn a_message_with_a_bad_header_block_is_dropped_reported_and_the_next_ones_arrive() {
    let mut m = connected(Instant::now());
    m.subscribe("a", None).expect("valid");
    // No NATS/1.0 line, then a status line that is not a number, then a line without a colon.
    let poisons = [
        "HMSG a 1 8 8\r\ngarbage\n\r\n",
        "HMSG a 1 16 16\r\nNATS/1.0 abc\r\n\r\n\r\n",
        "HMSG a 1 22 22\r\nNATS/1.0\r\nno colon\r\n\r\n\r\n",
    ];
    for poison in poisons {
        input(&mut m, &format!("{poison}MSG a 1 2\r\nok\r\n"));
        let effects = effects(&mut m);
        assert_eq!(deliveries(&effects), ["1:ok"], "{poison:?}");
        let events: Vec<_> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::Event(Event::MalformedMessage {
                    sid,
                    subject,
                    reason,
                }) => Some((*sid, subject.clone(), reason.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(events.len(), 1, "{poison:?}: {effects:?}");
        assert_eq!((events[0].0, events[0].1.as_deref()), (1, Some("a")));
        assert!(events[0].2.contains("header"), "{}", events[0].2);
    }
    assert_eq!(m.counters().malformed_messages, 3);
    assert!(
        !m.is_closed() && m.take_leave().is_none(),
        "an unreadable message is no reason to leave"
    );
}

#[test]
fn a_message_whose_subject_is_not_utf8_is_dropped_and_the_next_ones_arrive() {
    let mut m = connected(Instant::now());
    m.subscribe(">", None).expect("valid");
    input_bytes(
        &mut m,
        b"MSG a.\xff 1 1\r\nx\r\nMSG b 1 _R.\xfe 1\r\ny\r\nMSG c 1 2\r\nok\r\n",
    );
    let effects = effects(&mut m);
    assert_eq!(deliveries(&effects), ["1:ok"]);
    let reasons: Vec<_> = events_of(&effects)
        .into_iter()
        .filter_map(|e| match e {
            Event::MalformedMessage { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        [
            "subject is not valid UTF-8",
            "reply subject is not valid UTF-8"
        ]
    );
    assert_eq!(m.counters().malformed_messages, 2);
}

#[test]
fn a_half_arrived_message_with_a_bad_subject_is_dropped_once_it_is_whole() {
    let mut m = connected(Instant::now());
    m.subscribe(">", None).expect("valid");
    let mut buf = BytesMut::from(&b"MSG \xff 1 5\r\nhel"[..]);
    assert!(!m.handle_input(&mut buf).expect("waits for the rest"));
    assert!(effects(&mut m).is_empty());
    buf.extend_from_slice(b"lo\r\nMSG z 1 2\r\nok\r\n");
    while m.handle_input(&mut buf).expect("valid framing") {}
    assert_eq!(deliveries(&effects(&mut m)), ["1:ok"]);
    assert_eq!(m.counters().malformed_messages, 1);
}

#[test]
fn a_ping_flood_queues_one_pong_per_batch() {
    let mut m = connected(Instant::now());
    sent(&mut m);
    input(&mut m, &"PING\r\n".repeat(10_000));
    assert_eq!(
        sent(&mut m),
        "PONG\r\n",
        "one PONG answers every PING before it"
    );
    input(&mut m, "PING\r\n");
    assert_eq!(
        sent(&mut m),
        "PONG\r\n",
        "the next batch answers the next PING"
    );
}

#[test]
fn messages_from_one_read_share_it_and_a_reader_behind_by_a_read_gets_copies() {
    let mut m = connected_with_room();
    let (_, pending) = m.subscribe("a", None).expect("valid");
    m.new_read();
    input(&mut m, &"MSG a 1 2\r\nhi\r\n".repeat(3));
    let first = delivered(effects(&mut m));
    assert!(first.iter().all(|d| d.shared), "one read: shared");
    m.new_read();
    input(&mut m, &"MSG a 1 2\r\nhi\r\n".repeat(2));
    let second = delivered(effects(&mut m));
    assert!(
        second.iter().all(|d| !d.shared),
        "the reader still holds the first read: copies, which do not keep it alive"
    );
    assert_eq!(second[0].msg.payload(), b"hi");
    assert_eq!(second[0].msg.subject(), "a");
    for delivery in first.iter().chain(&second) {
        pending.taken(delivery);
    }
    m.new_read();
    input(&mut m, "MSG a 1 2\r\nhi\r\n");
    assert!(
        delivered(effects(&mut m)).iter().all(|d| d.shared),
        "caught up: shared again"
    );
}

#[test]
fn copies_are_counted_out_as_they_were_counted_in() {
    let mut m = connected_with_room();
    let (_, pending) = m.subscribe("a", None).expect("valid");
    m.new_read();
    input(&mut m, "MSG a 1 2\r\nhi\r\n");
    let shared = delivered(effects(&mut m)); // Held: the next reads are copied.
    let big = "x".repeat(100 * 1024);
    m.new_read();
    input(
        &mut m,
        &"HMSG a 1 _INBOX.r 12 14\r\nNATS/1.0\r\n\r\nhi\r\n".repeat(3),
    );
    m.new_read();
    input(&mut m, &format!("MSG a 1 {}\r\n{big}\r\n", big.len()));
    let copied = delivered(effects(&mut m));
    assert_eq!(copied.len(), 4);
    assert!(copied.iter().all(|d| !d.shared), "all copies");
    assert!(pending.bytes() > 0);
    for delivery in shared.iter().chain(&copied) {
        pending.taken(delivery);
    }
    assert_eq!(pending.messages(), 0);
    assert_eq!(
        pending.bytes(),
        0,
        "nothing left counted for messages taken"
    );
}

#[test]
fn the_byte_limit_counts_subject_reply_and_the_message_itself() {
    let mut config = config();
    config.pending.messages = 1_000_000;
    config.pending.bytes = 10_000;
    let mut m = connected_with(config, Instant::now());
    m.subscribe(">", None).expect("valid");
    // One-byte payloads: counted as payload bytes only, 10,000 of them would fit.
    let one = "MSG some.longer.subject 1 _INBOX.reply.subject 1\r\nx\r\n";
    input(&mut m, &one.repeat(200));
    let delivered = deliveries(&effects(&mut m)).len();
    assert!(
        (10..100).contains(&delivered),
        "{delivered} messages of ~200 bytes each fit in 10,000 bytes"
    );
}

#[test]
fn a_large_message_is_copied_out_of_the_read_into_a_buffer_used_again() {
    let mut m = connected_with_room();
    m.subscribe("a", None).expect("valid");
    let big = "x".repeat(100 * 1024);
    let wire = format!("MSG a 1 {}\r\n{big}\r\n", big.len());
    let mut read = BytesMut::from(wire.as_bytes());
    let capacity = read.capacity();
    let read_bytes = read.as_ptr() as usize..read.as_ptr() as usize + read.len();
    m.new_read();
    while m.handle_input(&mut read).expect("valid input") {}
    let first = delivered(effects(&mut m));
    assert_eq!(first[0].msg.payload(), big.as_bytes());
    assert!(
        !read_bytes.contains(&(first[0].msg.payload().as_ptr() as usize)),
        "copied, even for a reader that keeps up"
    );
    assert!(
        !first[0].shared,
        "not counted among the messages sharing one read"
    );
    assert!(
        read.try_reclaim(capacity),
        "the read buffer is not held by the message: the next read can use it"
    );
    let first_at = first[0].msg.payload().as_ptr();
    drop(first);
    let again = format!("MSG a 1 {}\r\n{}\r\n", big.len(), "y".repeat(big.len()));
    m.new_read();
    input(&mut m, &again);
    let second = delivered(effects(&mut m));
    assert!(second[0].msg.payload().iter().all(|&byte| byte == b'y'));
    assert_eq!(
        second[0].msg.payload().as_ptr(),
        first_at,
        "the first message's buffer, used again once it was dropped"
    );
}

/// Connected, with room for 100 messages and 1 MiB pending: a reader that falls behind by a
/// read or two is not dropped from.
fn connected_with_room() -> Machine {
    let mut config = config();
    config.pending.messages = 100;
    config.pending.bytes = 1 << 20;
    connected_with(config, Instant::now())
}
