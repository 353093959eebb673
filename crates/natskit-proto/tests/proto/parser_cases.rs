//! Section 6 of the protocol checklist: what every parser must accept and reject.

use bytes::Bytes;
use natskit_proto::{ProtoError, ServerOp};

use crate::support::{client_ops, one_server_op, server_error, server_ops};

/// The message of `op`, in parts.
fn msg(op: ServerOp) -> natskit_proto::MsgParts {
    match op {
        ServerOp::Msg(m) => m.into_parts(),
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn ping_pong_ok_tolerate_extra_bytes_before_newline() {
    assert_eq!(one_server_op(b"PING \r\n"), ServerOp::Ping);
    assert_eq!(one_server_op(b"PINGxyz\r\n"), ServerOp::Ping);
    assert_eq!(one_server_op(b"PONG\t \r\n"), ServerOp::Pong);
    assert_eq!(one_server_op(b"+OK whatever\r\n"), ServerOp::Ok);
    assert_eq!(
        one_server_op(b"PING\n"),
        ServerOp::Ping,
        "a bare LF ends a line too"
    );
}

#[test]
fn lowercase_and_mixed_case_operations_parse() {
    assert_eq!(one_server_op(b"ping\r\n"), ServerOp::Ping);
    assert_eq!(one_server_op(b"pOnG\r\n"), ServerOp::Pong);
    assert_eq!(one_server_op(b"+ok\r\n"), ServerOp::Ok);
    assert!(matches!(one_server_op(b"info {}\r\n"), ServerOp::Info(_)));
    assert_eq!(msg(one_server_op(b"msg a 1 2\r\nhi\r\n")).payload, "hi");
    assert_eq!(
        msg(one_server_op(b"hmsg a 1 12 12\r\nNATS/1.0\r\n\r\n\r\n")).sid,
        1
    );
    assert_eq!(one_server_op(b"-err 'x'\r\n"), ServerOp::Err("x".into()));
}

#[test]
fn malformed_operation_names_are_rejected() {
    for bad in [
        &b" PING\r\n"[..],
        b"POO\r\n",
        b"Px\r\n",
        b"MSGx a 1 0\r\n\r\n",
        b"+x\r\n",
        b"-ERRx\r\n",
        b"INFO{}\r\n",
        b"\r\n",
        b"XYZ\r\n",
    ] {
        let err = server_error(bad);
        assert!(
            matches!(err, ProtoError::UnknownOperation { .. }),
            "{:?} gave {err:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn msg_with_wrong_arguments_is_rejected() {
    for bad in [
        &b"MSG a\r\n"[..],
        b"MSG a 1\r\n",
        b"MSG a x 0\r\n\r\n",
        b"MSG a 1 x\r\n",
        b"MSG a 1 -1\r\n",
        b"MSG a 1 b c 1\r\n",
        b"MSG a 1 b c d e\r\n",
        b"HMSG a 1 2\r\n",
        b"HMSG a 1 13 12\r\n",
        b"MSG a 99999999999999999999999 1\r\n",
    ] {
        let err = server_error(bad);
        assert!(
            matches!(err, ProtoError::InvalidArguments { .. }),
            "{:?} gave {err:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn hmsg_header_size_above_total_names_both_sizes() {
    let err = server_error(b"HMSG a 1 13 12\r\n");
    assert_eq!(
        err.to_string(),
        "malformed HMSG arguments: header size 13 exceeds total size 12"
    );
}

#[test]
fn msg_with_and_without_reply() {
    let plain = msg(one_server_op(b"MSG foo.bar 9 5\r\nhello\r\n"));
    assert_eq!(
        (plain.subject.as_str(), plain.sid, plain.reply),
        ("foo.bar", 9, None)
    );
    assert_eq!(plain.payload, "hello");
    assert_eq!(plain.headers, None);

    let with_reply = msg(one_server_op(b"MSG foo.bar 9 _INBOX.abc 5\r\nhello\r\n"));
    assert_eq!(with_reply.reply.as_deref(), Some("_INBOX.abc"));
    assert_eq!(with_reply.payload, "hello");
}

#[test]
fn zero_length_payloads() {
    let m = msg(one_server_op(b"MSG a 1 0\r\n\r\n"));
    assert!(m.payload.is_empty());

    let h = msg(one_server_op(b"HMSG a 1 12 12\r\nNATS/1.0\r\n\r\n\r\n"));
    assert!(h.payload.is_empty());
    let headers = h.headers.expect("HMSG has headers");
    assert!(headers.is_empty());
    assert_eq!(headers.status(), None);
}

#[test]
fn payload_containing_crlf_is_read_by_length() {
    let m = msg(one_server_op(b"MSG a 1 8\r\n\r\nPING\r\n\r\n"));
    assert_eq!(m.payload, Bytes::from_static(b"\r\nPING\r\n"));
}

#[test]
fn payload_far_larger_than_any_internal_buffer() {
    let size = 10 * 1024 * 1024;
    let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let mut frame = format!("MSG big 1 {size}\r\n").into_bytes();
    frame.extend_from_slice(&payload);
    frame.extend_from_slice(b"\r\n");

    // Fed 64 KiB at a time, as reads from a socket would arrive.
    let mut decoder = natskit_proto::ServerOpDecoder::new();
    let mut buf = bytes::BytesMut::new();
    let mut decoded = Vec::new();
    for chunk in frame.chunks(64 * 1024) {
        buf.extend_from_slice(chunk);
        while let Some(op) = decoder.decode(&mut buf).expect("valid frame") {
            decoded.push(op);
        }
    }
    assert_eq!(decoded.len(), 1);
    assert_eq!(msg(decoded.remove(0)).payload, payload);
}

#[test]
fn tabs_and_repeated_spaces_separate_arguments() {
    let m = msg(one_server_op(b"MSG \t foo  \t 3   bar\t\t2  \r\nhi\r\n"));
    assert_eq!(
        (m.subject.as_str(), m.sid, m.reply.as_deref()),
        ("foo", 3, Some("bar"))
    );
    assert_eq!(m.payload, "hi");
}

#[test]
fn hmsg_status_line_with_description() {
    let frame = b"HMSG _INBOX.x 2 28 28\r\nNATS/1.0 404 No Messages\r\n\r\n\r\n";
    let m = msg(one_server_op(frame));
    let headers = m.headers.expect("headers");
    assert_eq!(headers.status(), Some(404));
    assert_eq!(headers.description(), Some("No Messages"));
}

#[test]
fn hmsg_no_responders_status() {
    let m = msg(one_server_op(
        b"HMSG _INBOX.x.1 1 16 16\r\nNATS/1.0 503\r\n\r\n\r\n",
    ));
    let headers = m.headers.expect("headers");
    assert_eq!(
        headers.status(),
        Some(natskit_proto::headers::STATUS_NO_RESPONDERS)
    );
    assert_eq!(headers.description(), None);
    assert!(m.payload.is_empty());
}

#[test]
fn hmsg_with_headers_and_payload() {
    let frame = b"HMSG FOO 1 REPLY 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\n";
    let m = msg(one_server_op(frame));
    assert_eq!(m.reply.as_deref(), Some("REPLY"));
    assert_eq!(m.headers.expect("headers").get("Bar"), Some("Baz"));
    assert_eq!(m.payload, "Hello NATS!");
}

#[test]
fn unknown_operation_is_a_protocol_error_not_a_panic() {
    let ops = server_ops(b"PING\r\nWAT is this\r\nPONG\r\n");
    let err = ops.expect_err("the unknown op must fail");
    assert_eq!(
        err,
        ProtoError::UnknownOperation {
            op: "WAT is this".into()
        }
    );
}

/// The error of the one malformed message in `input`, which must be followed by a PING that
/// still decodes: the frame was taken out whole.
fn malformed_then_ping(input: &[u8]) -> ProtoError {
    let mut wire = input.to_vec();
    wire.extend_from_slice(b"PING\r\n");
    let ops = server_ops(&wire).expect("framing is sound");
    match ops.as_slice() {
        [ServerOp::Malformed(bad), ServerOp::Ping] => {
            assert_eq!(bad.sid, 1);
            bad.error.clone()
        }
        other => panic!("expected a malformed message, then PING: {other:?}"),
    }
}

#[test]
fn a_message_whose_subject_is_not_utf8_is_malformed_and_decoding_goes_on() {
    let err = malformed_then_ping(b"MSG \xff\xfe 1 0\r\n\r\n");
    assert_eq!(err, ProtoError::InvalidUtf8 { what: "subject" });
    let err = malformed_then_ping(b"MSG a 1 \xc3\x28 0\r\n\r\n");
    assert_eq!(
        err,
        ProtoError::InvalidUtf8 {
            what: "reply subject"
        }
    );
}

#[test]
fn a_message_whose_header_block_does_not_parse_is_malformed_and_decoding_goes_on() {
    // "NATS/1.0\r\nBad\r\n\r\n" is 17 bytes: a header line without a colon.
    let err = malformed_then_ping(b"HMSG a 1 17 17\r\nNATS/1.0\r\nBad\r\n\r\n\r\n");
    assert!(matches!(err, ProtoError::InvalidHeaders(_)), "{err:?}");
    // Wrong version, with a payload after the block.
    let err = malformed_then_ping(b"HMSG a 1 12 14\r\nNATS/2.0\r\n\r\nhi\r\n");
    assert!(matches!(err, ProtoError::InvalidHeaders(_)), "{err:?}");
}

#[test]
fn a_publish_with_a_bad_subject_or_header_block_is_still_an_error() {
    // A client's bytes, as a broker's test decoder reads them: no malformed messages there.
    let err = client_ops(b"PUB \xff 0\r\n\r\n").unwrap_err();
    assert_eq!(err, ProtoError::InvalidUtf8 { what: "subject" });
    let err = client_ops(b"HPUB a 12 12\r\nNATS/2.0\r\n\r\n\r\n").unwrap_err();
    assert!(matches!(err, ProtoError::InvalidHeaders(_)), "{err:?}");
}

#[test]
fn payload_not_followed_by_crlf_is_an_error() {
    let err = server_error(b"MSG a 1 2\r\nhiXX");
    assert_eq!(err, ProtoError::MissingPayloadTerminator { op: "MSG" });
}

#[test]
fn err_text_loses_dash_spaces_and_quotes() {
    assert_eq!(
        one_server_op(b"-ERR 'Authorization Violation'\r\n"),
        ServerOp::Err("Authorization Violation".into())
    );
    assert_eq!(
        one_server_op(b"-ERR   'Stale Connection'  \r\n"),
        ServerOp::Err("Stale Connection".into())
    );
    assert_eq!(
        one_server_op(b"-ERR unquoted text\r\n"),
        ServerOp::Err("unquoted text".into())
    );
}

#[test]
fn info_ignores_unknown_fields_and_accepts_empty_object() {
    let ServerOp::Info(info) = one_server_op(b"INFO {}\r\n") else {
        panic!("expected INFO")
    };
    assert_eq!(info.max_payload, natskit_proto::DEFAULT_MAX_PAYLOAD);

    let line = br#"INFO {"server_id":"S","version":"2.9.10","proto":1,"headers":true,"max_payload":8388608,"connect_urls":["10.0.0.2:4222"],"ldm":true,"nonce":"abc","new_field_from_the_future":{"x":[1,2]}}"#;
    let mut frame = line.to_vec();
    frame.extend_from_slice(b"\r\n");
    let ServerOp::Info(info) = one_server_op(&frame) else {
        panic!("expected INFO")
    };
    assert_eq!(info.server_id, "S");
    assert_eq!(info.max_payload, 8 * 1024 * 1024);
    assert_eq!(info.connect_urls, ["10.0.0.2:4222"]);
    assert!(info.lame_duck_mode && info.headers);
    assert_eq!(info.nonce, "abc");
}

#[test]
fn info_with_invalid_json_is_an_error() {
    let err = server_error(b"INFO {not json}\r\n");
    assert!(
        matches!(err, ProtoError::InvalidJson { op: "INFO", .. }),
        "{err:?}"
    );
    let err = server_error(b"INFO \r\n");
    assert!(
        matches!(err, ProtoError::InvalidJson { op: "INFO", .. }),
        "{err:?}"
    );
}

#[test]
fn several_ops_in_one_buffer() {
    let ops = server_ops(b"INFO {}\r\nPING\r\nMSG a 1 1\r\nx\r\n+OK\r\nPONG\r\n").expect("valid");
    assert_eq!(ops.len(), 5);
    assert_eq!(ops[1], ServerOp::Ping);
    assert_eq!(ops[3], ServerOp::Ok);
    assert_eq!(ops[4], ServerOp::Pong);
}

/// The plain form (single spaces) is read by a quicker path than the other forms: both must
/// give the same message, and whatever the quick path leaves must still be read or refused.
#[test]
fn plain_and_spaced_msg_lines_read_alike() {
    for (plain, spaced) in [
        (
            &b"MSG a.b 7 5\r\nhello\r\n"[..],
            &b"MSG  a.b\t7   5 \r\nhello\r\n"[..],
        ),
        (
            b"MSG a 1 _INBOX.x 2\r\nhi\r\n",
            b"MSG a\t1\t_INBOX.x\t2\r\nhi\r\n",
        ),
        // A reply subject made of digits only.
        (b"MSG a 1 123 2\r\nhi\r\n", b"MSG a 1  123  2\r\nhi\r\n"),
        (
            b"MSG a 18446744073709551615 0\r\n\r\n",
            b"MSG a 18446744073709551615  0\r\n\r\n",
        ),
    ] {
        let (a, b) = (msg(one_server_op(plain)), msg(one_server_op(spaced)));
        assert_eq!(a, b, "{:?}", String::from_utf8_lossy(plain));
    }
    let m = msg(one_server_op(b"MSG a 1 123 2\r\nhi\r\n"));
    assert_eq!(m.reply.as_deref(), Some("123"));
    // Twenty digits: past the quick path, and too large for a sid.
    assert!(matches!(
        server_error(b"MSG a 99999999999999999999 0\r\n\r\n"),
        ProtoError::InvalidArguments { .. }
    ));
    assert!(matches!(
        server_error(b"MSG a 1 x2\r\nhi\r\n"),
        ProtoError::InvalidArguments { .. }
    ));
    assert!(matches!(
        server_error(b"MSG a 1 2 3 4\r\nhi\r\n"),
        ProtoError::InvalidArguments { .. }
    ));
}
