//! Bounds a peer cannot push past, and the zero-copy / no-rescan guarantees.

use bytes::BytesMut;
use natskit_proto::{ClientOpDecoder, Limits, ProtoError, ServerOp, ServerOpDecoder};

#[test]
fn control_line_over_the_limit_is_rejected_even_without_a_line_end() {
    let mut decoder = ServerOpDecoder::new();
    let mut buf = BytesMut::from(format!("MSG {} 1 0", "a".repeat(5000)).as_bytes());
    assert_eq!(
        decoder.decode(&mut buf),
        Err(ProtoError::ControlLineTooLong { limit: 4096 })
    );
}

#[test]
fn control_line_over_the_limit_is_rejected_when_complete() {
    let mut decoder = ServerOpDecoder::new();
    let mut buf = BytesMut::from(format!("MSG {} 1 0\r\n\r\n", "a".repeat(5000)).as_bytes());
    assert_eq!(
        decoder.decode(&mut buf),
        Err(ProtoError::ControlLineTooLong { limit: 4096 })
    );
}

#[test]
fn control_line_at_the_limit_is_accepted() {
    // "MSG " + subject + " 1 0" is exactly 4096 bytes.
    let subject = "a".repeat(4096 - "MSG ".len() - " 1 0".len());
    let mut buf = BytesMut::from(format!("MSG {subject} 1 0\r\n\r\n").as_bytes());
    let op = ServerOpDecoder::new()
        .decode(&mut buf)
        .expect("at the limit is fine");
    assert!(matches!(op, Some(ServerOp::Msg(m)) if m.subject().len() == subject.len()));
}

#[test]
fn info_lines_longer_than_the_control_limit_are_accepted() {
    let urls: Vec<String> = (0..400)
        .map(|i| format!("\"10.0.{}.{}:4222\"", i / 250, i % 250))
        .collect();
    let line = format!("INFO {{\"connect_urls\":[{}]}}\r\n", urls.join(","));
    assert!(line.len() > 4096);
    let mut buf = BytesMut::from(line.as_bytes());
    let Some(ServerOp::Info(info)) = ServerOpDecoder::new().decode(&mut buf).expect("long INFO")
    else {
        panic!("expected INFO")
    };
    assert_eq!(info.connect_urls.len(), 400);
}

#[test]
fn json_lines_have_their_own_limit() {
    let limits = Limits {
        max_json_line: 100,
        ..Limits::default()
    };
    let mut buf =
        BytesMut::from(format!("INFO {{\"server_id\":\"{}\"}}\r\n", "x".repeat(200)).as_bytes());
    let err = ServerOpDecoder::with_limits(limits)
        .decode(&mut buf)
        .unwrap_err();
    assert_eq!(err, ProtoError::ControlLineTooLong { limit: 100 });

    let mut buf =
        BytesMut::from(format!("CONNECT {{\"name\":\"{}\"}}", "x".repeat(200)).as_bytes());
    let err = ClientOpDecoder::with_limits(limits)
        .decode(&mut buf)
        .unwrap_err();
    assert_eq!(err, ProtoError::ControlLineTooLong { limit: 100 });
}

#[test]
fn payload_over_max_payload_is_rejected_before_it_arrives() {
    let mut decoder = ServerOpDecoder::new();
    decoder.set_max_payload(1024);
    let mut buf = BytesMut::from(&b"MSG a 1 1025\r\n"[..]);
    assert_eq!(
        decoder.decode(&mut buf),
        Err(ProtoError::PayloadTooLarge {
            size: 1025,
            limit: 1024
        })
    );
    let mut buf = BytesMut::from(&b"HMSG a 1 12 2000\r\n"[..]);
    let mut decoder = ServerOpDecoder::with_limits(Limits {
        max_payload: 1024,
        ..Limits::default()
    });
    assert!(matches!(
        decoder.decode(&mut buf),
        Err(ProtoError::PayloadTooLarge { size: 2000, .. })
    ));
}

#[test]
fn broker_side_decoder_defaults_to_one_mebibyte_payloads() {
    let mut buf = BytesMut::from(format!("PUB a {}\r\n", 1024 * 1024 + 1).as_bytes());
    let err = ClientOpDecoder::new().decode(&mut buf).unwrap_err();
    assert_eq!(
        err,
        ProtoError::PayloadTooLarge {
            size: 1024 * 1024 + 1,
            limit: 1024 * 1024
        }
    );
}

#[test]
fn a_parsed_control_line_waits_in_the_buffer_with_room_for_its_frame() {
    let mut decoder = ServerOpDecoder::new();
    let mut buf = BytesMut::from(&b"MSG foo 1 10\r\nhel"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    // The line stays (the message is taken out as one frame), with room for the rest.
    assert_eq!(&buf[..], b"MSG foo 1 10\r\nhel");
    assert!(buf.capacity() >= b"MSG foo 1 10\r\nhello worl\r\n".len());
    buf.extend_from_slice(b"lo wo");
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    buf.extend_from_slice(b"rl\r\nPING\r\n");
    let Some(ServerOp::Msg(m)) = decoder.decode(&mut buf).expect("complete") else {
        panic!("expected MSG")
    };
    assert_eq!((m.subject(), m.payload()), ("foo", &b"hello worl"[..]));
    assert_eq!(decoder.decode(&mut buf), Ok(Some(ServerOp::Ping)));
}

#[test]
fn incomplete_frame_consumes_nothing() {
    let mut decoder = ServerOpDecoder::new();
    let mut buf = BytesMut::from(&b"MSG foo 1 1"[..]);
    assert_eq!(decoder.decode(&mut buf), Ok(None));
    assert_eq!(&buf[..], b"MSG foo 1 1");
}

#[test]
fn subject_reply_and_payload_point_into_the_read_buffer() {
    let mut buf = BytesMut::with_capacity(256);
    buf.extend_from_slice(b"MSG orders.new 1 _INBOX.r 7\r\npayload\r\n");
    let region = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.capacity();
    let Some(ServerOp::Msg(m)) = ServerOpDecoder::new().decode(&mut buf).expect("valid") else {
        panic!("expected MSG")
    };
    let m = m.into_parts();
    for (what, ptr) in [
        ("subject", m.subject.as_ptr()),
        ("reply", m.reply.as_ref().expect("reply").as_ptr()),
        ("payload", m.payload.as_ptr()),
    ] {
        assert!(
            region.contains(&(ptr as usize)),
            "{what} was copied out of the read buffer"
        );
    }
}
