//! The broker's view of the client direction: header blocks stay raw, byte for byte.

use bytes::BytesMut;
use natskit_proto::{BrokerOp, BrokerOpDecoder, ClientOp, ProtoError, RawPub};

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
    assert_eq!(subject.as_str(), "foo.bar");
    assert_eq!(reply.as_deref(), Some("_INBOX.1"));
    assert_eq!(*header_len, Some(19));
    assert_eq!(&data[..], b"NATS/1.0\r\nA:b  \r\n\r\nhi");
    // A block that a client decoder refuses is a broker's business only to measure.
    let BrokerOp::Pub(odd) = &ops[4] else {
        panic!("expected HPUB")
    };
    assert_eq!(&odd.data[..], b"Not-Even-NATS\r\nx y\r\n\r\n");
    assert!(odd.payload().is_empty());
    assert_eq!(ops[6], BrokerOp::Other(ClientOp::Ping));
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
