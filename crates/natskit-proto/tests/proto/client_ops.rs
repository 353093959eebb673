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
        &b"PUB\r\n"[..],
        b"PUB a\r\n",
        b"PUB a b c 1\r\n",
        b"PUB a -1\r\n",
        b"HPUB a 5\r\n",
        b"HPUB a 6 5\r\n",
        b"SUB a\r\n",
        b"SUB a q x\r\n",
        b"SUB a q 1 2\r\n",
        b"UNSUB\r\n",
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
    for bad in [
        &b"MSG a 1 0\r\n\r\n"[..],
        b"INFO {}\r\n",
        b"+OK\r\n",
        b"CONNECT{}\r\n",
        b"SUBX a 1\r\n",
    ] {
        assert!(
            matches!(error(bad), ProtoError::UnknownOperation { .. }),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    assert!(matches!(
        error(b"CONNECT {\"verbose\":\"yes\"}\r\n"),
        ProtoError::InvalidJson { op: "CONNECT", .. }
    ));
}
