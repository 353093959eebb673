//! The broker's view of the client direction: header blocks stay raw, byte for byte.

use bytes::{Buf, BytesMut};
use natskit_proto::{BrokerOp, BrokerOpDecoder, ProtoError, PubRef, RawPub};

const STREAM: &[u8] = b"CONNECT {\"headers\":true}\r\n\
SUB foo.* q 1\r\n\
PUB foo.bar 5\r\nhello\r\n\
HPUB foo.bar _INBOX.1 19 21\r\nNATS/1.0\r\nA:b  \r\n\r\nhi\r\n\
HPUB odd 22 22\r\nNot-Even-NATS\r\nx y\r\n\r\n\r\n\
UNSUB 1 3\r\n\
ping\r\n";

fn decode_all(decoder: &mut BrokerOpDecoder, buf: &mut BytesMut) -> Vec<BrokerOp> {
    let mut ops = Vec::new();
    while let Some(op) = decoder.decode(buf).expect("valid stream") {
        ops.push(op);
    }
    ops
}

#[test]
fn header_blocks_are_kept_as_sent_even_when_they_would_not_parse() {
    let ops = decode_all(&mut BrokerOpDecoder::new(), &mut BytesMut::from(STREAM));
    assert_eq!(ops.len(), 7);
    let BrokerOp::Pub(RawPub {
        subject,
        reply,
        header_len,
        data,
    }) = &ops[3]
    else {
        panic!("expected HPUB, got {:?}", ops[3]);
    };
    assert_eq!(&subject[..], b"foo.bar");
    assert_eq!(reply.as_deref(), Some(&b"_INBOX.1"[..]));
    assert_eq!(*header_len, Some(19));
    assert_eq!(&data[..], b"NATS/1.0\r\nA:b  \r\n\r\nhi");
    // A block that a client decoder refuses is a broker's business only to measure.
    let BrokerOp::Pub(odd) = &ops[4] else {
        panic!("expected HPUB")
    };
    assert_eq!(&odd.data[..], b"Not-Even-NATS\r\nx y\r\n\r\n");
    assert!(odd.payload().is_empty());
    assert_eq!(ops[6], BrokerOp::Ping);
}

#[test]
fn split_at_every_offset_decodes_the_same() {
    let whole = decode_all(&mut BrokerOpDecoder::new(), &mut BytesMut::from(STREAM));
    for split in 0..=STREAM.len() {
        let mut decoder = BrokerOpDecoder::new();
        let mut buf = BytesMut::from(&STREAM[..split]);
        let mut ops = decode_all(&mut decoder, &mut buf);
        buf.extend_from_slice(&STREAM[split..]);
        ops.extend(decode_all(&mut decoder, &mut buf));
        assert_eq!(ops, whole, "split at {split}");
        assert!(buf.is_empty());
    }
}

#[test]
fn a_header_size_above_the_total_is_an_error() {
    let mut buf = BytesMut::from(&b"HPUB foo 30 20\r\n"[..]);
    let err = BrokerOpDecoder::new().decode(&mut buf).unwrap_err();
    assert!(
        matches!(err, ProtoError::InvalidArguments { .. }),
        "{err:?}"
    );
}

/// What a broker sees of one operation, owned, whichever path read it.
#[derive(Debug, PartialEq)]
enum Seen {
    Pub {
        subject: Vec<u8>,
        reply: Option<Vec<u8>>,
        header_len: Option<usize>,
        data: Vec<u8>,
    },
    Other(BrokerOp),
}

fn seen_pub(publish: PubRef<'_>) -> Seen {
    Seen::Pub {
        subject: publish.subject.to_vec(),
        reply: publish.reply.map(<[u8]>::to_vec),
        header_len: publish.header_len,
        data: publish.data.to_vec(),
    }
}

fn seen(op: BrokerOp) -> Seen {
    match op {
        BrokerOp::Pub(publish) => seen_pub(publish.borrowed()),
        op => Seen::Other(op),
    }
}

/// Reads `buf` as the broker does: whole publishes in place, everything else through `decode`.
fn decode_all_in_place(decoder: &mut BrokerOpDecoder, buf: &mut BytesMut) -> Vec<Seen> {
    let mut ops = Vec::new();
    loop {
        let mut at = 0;
        while let Some((publish, len)) = decoder.decode_pub_in_place(&buf[at..]) {
            ops.push(seen_pub(publish));
            at += len;
        }
        buf.advance(at);
        match decoder.decode(buf).expect("valid stream") {
            Some(op) => ops.push(seen(op)),
            None => return ops,
        }
    }
}

#[test]
fn reading_publishes_in_place_gives_what_decode_gives_at_every_split() {
    let whole: Vec<Seen> = decode_all(&mut BrokerOpDecoder::new(), &mut BytesMut::from(STREAM))
        .into_iter()
        .map(seen)
        .collect();
    for split in 0..=STREAM.len() {
        let mut decoder = BrokerOpDecoder::new();
        let mut buf = BytesMut::from(&STREAM[..split]);
        let mut ops = decode_all_in_place(&mut decoder, &mut buf);
        buf.extend_from_slice(&STREAM[split..]);
        ops.extend(decode_all_in_place(&mut decoder, &mut buf));
        assert_eq!(ops, whole, "split at {split}");
        assert!(buf.is_empty());
    }
}

#[test]
fn frames_decode_would_reject_are_left_to_it() {
    let cases: [&[u8]; 6] = [
        b"PUB a b c 2\r\nhi\r\n", // too many arguments
        b"PUB a 2\r\nhi!!",       // no terminator after the payload
        b"PUB a x\r\nhi\r\n",     // size not a number
        b"HPUB a 9 2\r\nhi\r\n",  // header size above the total
        b"PUB a 2000000\r\n",     // above the 1 MiB default max payload
        b"PUBLISH a 2\r\nhi\r\n", // not an operation at all
    ];
    for case in cases {
        let mut decoder = BrokerOpDecoder::new();
        assert_eq!(
            decoder.decode_pub_in_place(case),
            None,
            "{}",
            String::from_utf8_lossy(case)
        );
        let mut buf = BytesMut::from(case);
        assert!(
            decoder.decode(&mut buf).is_err(),
            "decode reports {}",
            String::from_utf8_lossy(case)
        );
    }
}

#[test]
fn a_control_line_over_the_limit_is_left_to_decode() {
    let mut line = b"PUB ".to_vec();
    line.extend(std::iter::repeat_n(b'a', 5000));
    line.extend_from_slice(b" 0\r\n\r\n");
    let mut decoder = BrokerOpDecoder::new();
    assert_eq!(decoder.decode_pub_in_place(&line), None);
    let err = decoder.decode(&mut BytesMut::from(&line[..])).unwrap_err();
    assert!(
        matches!(err, ProtoError::ControlLineTooLong { limit: 4096 }),
        "{err:?}"
    );
}

#[test]
fn a_decoder_in_the_middle_of_a_frame_leaves_the_rest_to_decode() {
    let mut decoder = BrokerOpDecoder::new();
    let mut buf = BytesMut::from(&b"PUB a 5\r\nhe"[..]);
    assert_eq!(decoder.decode(&mut buf).unwrap(), None);
    buf.extend_from_slice(b"llo\r\n");
    // The bytes now at the front are the payload's rest, not a control line.
    assert_eq!(decoder.decode_pub_in_place(&buf), None);
    let Some(BrokerOp::Pub(publish)) = decoder.decode(&mut buf).unwrap() else {
        panic!("expected the publish")
    };
    assert_eq!(&publish.data[..], b"hello");
}

#[test]
fn sids_are_the_tokens_sent_and_a_max_nats_server_cannot_count_is_zero() {
    use bytes::Bytes;
    use natskit_proto::{ClientOp, ClientOpDecoder};

    let stream = b"SUB a q a\xffb\r\nUNSUB abc\r\nUNSUB 01 x\r\nUNSUB 1 1234567890\r\n\
                   UNSUB 1 -1\r\nUNSUB 1 123456789\r\n";
    let ops = decode_all(
        &mut BrokerOpDecoder::new(),
        &mut BytesMut::from(&stream[..]),
    );
    let BrokerOp::Sub(sub) = &ops[0] else {
        panic!("expected SUB, got {:?}", ops[0]);
    };
    assert_eq!(
        (&sub.subject[..], &sub.sid[..]),
        (&b"a"[..], &b"a\xffb"[..])
    );
    let unsub = |sid: &'static [u8], max| BrokerOp::Unsub {
        sid: Bytes::from_static(sid),
        max,
    };
    assert_eq!(
        ops[1..],
        [
            unsub(b"abc", None),
            unsub(b"01", Some(0)),
            unsub(b"1", Some(0)),
            unsub(b"1", Some(0)),
            unsub(b"1", Some(123_456_789)),
        ]
    );
    // A client's codec reads numbers only, as before.
    let err = ClientOpDecoder::new()
        .decode(&mut BytesMut::from(&b"SUB a abc\r\n"[..]))
        .unwrap_err();
    assert!(
        matches!(err, ProtoError::InvalidArguments { op: "SUB", .. }),
        "{err}"
    );
    assert_eq!(
        ClientOpDecoder::new()
            .decode(&mut BytesMut::from(&b"UNSUB 7 2\r\n"[..]))
            .unwrap(),
        Some(ClientOp::Unsub {
            sid: 7,
            max: Some(2)
        })
    );
}

#[test]
fn names_that_are_not_utf8_are_taken_as_bytes_on_both_paths_as_nats_server_does() {
    use bytes::Bytes;

    let stream = b"SUB a\xff.* q\xfe 1\r\nPUB a\xff.b r\xfd 2\r\nhi\r\n";
    let ops = decode_all(
        &mut BrokerOpDecoder::new(),
        &mut BytesMut::from(&stream[..]),
    );
    let BrokerOp::Sub(sub) = &ops[0] else {
        panic!("expected SUB, got {:?}", ops[0]);
    };
    assert_eq!(sub.subject, Bytes::from_static(b"a\xff.*"));
    assert_eq!(sub.queue, Some(Bytes::from_static(b"q\xfe")));
    let expected = Seen::Pub {
        subject: b"a\xff.b".to_vec(),
        reply: Some(b"r\xfd".to_vec()),
        header_len: None,
        data: b"hi".to_vec(),
    };
    assert_eq!(seen(ops[1].clone()), expected);
    let publish = &stream[b"SUB a\xff.* q\xfe 1\r\n".len()..];
    let (in_place, len) = BrokerOpDecoder::new()
        .decode_pub_in_place(publish)
        .expect("read in place");
    assert_eq!((seen_pub(in_place), len), (expected, publish.len()));
}
