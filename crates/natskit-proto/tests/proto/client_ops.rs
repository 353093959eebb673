//! The broker-side decoder: what clients send.

use natskit_proto::{ClientOp, ConnectInfo, ProtoError};

use crate::support::client_ops;

fn one(input: &[u8]) -> ClientOp {
    let mut ops = client_ops(input).expect("valid");
    assert_eq!(ops.len(), 1, "{ops:?}");
    ops.remove(0)
}

fn error(input: &[u8]) -> ProtoError {
    client_ops(input).expect_err("must be rejected")
}

#[test]
fn connect_parses_with_defaults_for_missing_fields() {
    let ClientOp::Connect(connect) = one(b"CONNECT {}\r\n") else {
        panic!("expected CONNECT")
    };
    assert!(connect.echo, "echo defaults to true, as in nats-server");
    assert!(
        connect.verbose && connect.pedantic,
        "so do verbose and pedantic (nats-server 2.9 answers CONNECT {{}} with +OK)"
    );
    assert!(!connect.headers && !connect.no_responders);

    let line = br#"CONNECT {"verbose":true,"pedantic":false,"user":"u","pass":"p","name":"n","lang":"go","version":"1.0","protocol":1,"echo":false,"headers":true,"no_responders":true,"unknown":5}"#;
    let mut frame = line.to_vec();
    frame.extend_from_slice(b"\r\n");
    let ClientOp::Connect(connect) = one(&frame) else {
        panic!("expected CONNECT")
    };
    let mut expected = ConnectInfo::default();
    expected.verbose = true;
    expected.user = Some("u".into());
    expected.pass = Some("p".into());
    expected.name = Some("n".into());
    expected.lang = "go".into();
    expected.version = "1.0".into();
    expected.protocol = 1;
    expected.echo = false;
    expected.headers = true;
    expected.no_responders = true;
    assert_eq!(*connect, expected);
}

#[test]
fn pub_sub_unsub_forms() {
    let ClientOp::Pub(p) = one(b"PUB a.b 3\r\nabc\r\n") else {
        panic!()
    };
    assert_eq!(
        (p.subject.as_str(), p.reply.as_deref(), &p.payload[..]),
        ("a.b", None, &b"abc"[..])
    );
    let ClientOp::Pub(p) = one(b"pub a.b r.1 0\r\n\r\n") else {
        panic!()
    };
    assert_eq!(p.reply.as_deref(), Some("r.1"));
    let ClientOp::Pub(p) = one(b"HPUB a 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\n")
    else {
        panic!()
    };
    assert_eq!(p.headers.expect("headers").get("Bar"), Some("Baz"));
    assert_eq!(p.payload, "Hello NATS!");
    let ClientOp::Sub(s) = one(b"SUB a.* 7\r\n") else {
        panic!()
    };
    assert_eq!((s.subject.as_str(), s.queue, s.sid), ("a.*", None, 7));
    assert_eq!(one(b"UNSUB 7\r\n"), ClientOp::Unsub { sid: 7, max: None });
    assert_eq!(
        one(b"UNSUB 7 3\r\n"),
        ClientOp::Unsub {
            sid: 7,
            max: Some(3)
        }
    );
    assert_eq!(one(b"PING\r\n"), ClientOp::Ping);
    assert_eq!(one(b"PONG\r\n"), ClientOp::Pong);
}

#[test]
fn malformed_client_ops_are_rejected() {
    for bad in [
        &b"PUB a\r\n"[..],
        b"PUB a b c 1\r\n",
        b"PUB a -1\r\n",
        b"HPUB a 5\r\n",
        b"HPUB a 6 5\r\n",
        b"SUB a\r\n",
        b"SUB a q x\r\n",
        b"SUB a q 1 2\r\n",
        b"UNSUB x\r\n",
        b"UNSUB 1 2 3\r\n",
    ] {
        let err = error(bad);
        assert!(
            matches!(err, ProtoError::InvalidArguments { .. }),
            "{:?} gave {err:?}",
            String::from_utf8_lossy(bad)
        );
    }
    // As nats-server reads them: an operation with arguments needs a blank after its name.
    for bad in [
        &b"MSG a 1 0\r\n\r\n"[..],
        b"+OK\r\n",
        b"SUBX a 1\r\n",
        b"PUB\r\n",
        b"SUB\r\n",
        b"UNSUB\r\n",
    ] {
        assert!(
            matches!(error(bad), ProtoError::UnknownOperation { .. }),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    for bad in [
        &b"CONNECT {\"verbose\":\"yes\"}\r\n"[..],
        b"CONNECT []\r\n",
        b"CONNECT [true,false,false,\"u\",\"p\"]\r\n",
        b"CONNECT 1\r\n",
    ] {
        assert!(
            matches!(error(bad), ProtoError::InvalidJson { op: "CONNECT", .. }),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn connect_json_is_read_as_nats_server_reads_it() {
    // The last of a repeated key counts; null is an empty object; no blank is needed.
    let ClientOp::Connect(c) = one(b"CONNECT {\"verbose\":true,\"verbose\":false}\r\n") else {
        panic!("expected CONNECT")
    };
    assert!(!c.verbose);
    assert_eq!(one(b"CONNECT null\r\n"), one(b"CONNECT {}\r\n"));
    assert!(matches!(one(b"CONNECT{}\r\n"), ClientOp::Connect(_)));
}

#[test]
fn an_info_from_a_client_is_skipped() {
    assert_eq!(one(b"INFO {\"a\":1}\r\nPING\r\n"), ClientOp::Ping);
    assert!(matches!(
        error(b"INFO [1]\r\n"),
        ProtoError::InvalidJson { op: "INFO", .. }
    ));
}

#[test]
fn a_line_that_can_be_no_operation_is_refused_before_its_end() {
    let mut decoder = natskit_proto::ClientOpDecoder::new();
    let mut buf = bytes::BytesMut::from(&b"SUB a 1\r\nxyz"[..]);
    assert!(matches!(
        decoder.decode(&mut buf),
        Ok(Some(ClientOp::Sub(_)))
    ));
    assert!(matches!(
        decoder.decode(&mut buf),
        Err(ProtoError::UnknownOperation { .. })
    ));
    // A known operation waits for its line end.
    let mut buf = bytes::BytesMut::from(&b"PUB a"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
}

#[test]
fn a_publish_to_a_subject_that_is_not_utf8_is_skipped_whole() {
    let mut decoder = natskit_proto::ClientOpDecoder::new();
    let mut buf = bytes::BytesMut::from(&b"PUB a\xff 5\r\nhe"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    buf.extend_from_slice(b"llo\r\nPING\r\n");
    assert!(matches!(
        decoder.decode(&mut buf),
        Err(ProtoError::InvalidUtf8 { what: "subject" })
    ));
    assert_eq!(decoder.decode(&mut buf), Ok(Some(ClientOp::Ping)));
}
