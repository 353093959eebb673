//! Every valid stream, split at every byte offset (and fed byte by byte), decodes to the same
//! operations as the whole stream.

use bytes::BytesMut;
use natskit_proto::{ClientOpDecoder, ServerOpDecoder};

use crate::support::{client_ops, drain_client, drain_server, server_ops};

const SERVER_STREAM: &[u8] =
    b"INFO {\"server_id\":\"S1\",\"headers\":true,\"max_payload\":1048576}\r\n\
PING\r\n\
PONG\r\n\
+OK\r\n\
-ERR 'Invalid Subject'\r\n\
MSG foo.bar 1 5\r\nhello\r\n\
MSG foo.bar 12 _INBOX.reply.1 12\r\nhello\r\nagain\r\n\
MSG empty 2 0\r\n\r\n\
HMSG FOO 3 REPLY 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\n\
HMSG a 4 12 12\r\nNATS/1.0\r\n\r\n\r\n\
HMSG _INBOX.x 5 28 28\r\nNATS/1.0 404 No Messages\r\n\r\n\r\n\
msg\tlower\t6  3\r\nabc\r\n\
PING\n";

const CLIENT_STREAM: &[u8] = b"CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"t\",\"protocol\":1,\"headers\":true}\r\n\
PING\r\n\
SUB foo.* 1\r\n\
SUB foo.> workers 2\r\n\
PUB foo.bar 5\r\nhello\r\n\
PUB foo.bar _INBOX.1 0\r\n\r\n\
HPUB FOO 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\n\
HPUB FOO REPLY 12 14\r\nNATS/1.0\r\n\r\nhi\r\n\
UNSUB 1\r\n\
UNSUB 2 10\r\n\
pong\r\n";

#[test]
fn server_stream_split_at_every_offset_decodes_the_same() {
    let whole = server_ops(SERVER_STREAM).expect("the stream is valid");
    assert_eq!(whole.len(), 13);
    for split in 0..=SERVER_STREAM.len() {
        let mut decoder = ServerOpDecoder::new();
        let mut buf = BytesMut::from(&SERVER_STREAM[..split]);
        let mut ops = drain_server(&mut decoder, &mut buf).expect("valid prefix");
        buf.extend_from_slice(&SERVER_STREAM[split..]);
        ops.extend(drain_server(&mut decoder, &mut buf).expect("valid rest"));
        assert_eq!(ops, whole, "split at offset {split}");
        assert!(buf.is_empty(), "bytes left over at offset {split}");
    }
}

#[test]
fn server_stream_fed_byte_by_byte_decodes_the_same() {
    let whole = server_ops(SERVER_STREAM).expect("valid");
    let mut decoder = ServerOpDecoder::new();
    let mut buf = BytesMut::new();
    let mut ops = Vec::new();
    for &byte in SERVER_STREAM {
        buf.extend_from_slice(&[byte]);
        ops.extend(drain_server(&mut decoder, &mut buf).expect("valid"));
    }
    assert_eq!(ops, whole);
}

#[test]
fn client_stream_split_at_every_offset_decodes_the_same() {
    let whole = client_ops(CLIENT_STREAM).expect("the stream is valid");
    assert_eq!(whole.len(), 11);
    for split in 0..=CLIENT_STREAM.len() {
        let mut decoder = ClientOpDecoder::new();
        let mut buf = BytesMut::from(&CLIENT_STREAM[..split]);
        let mut ops = drain_client(&mut decoder, &mut buf).expect("valid prefix");
        buf.extend_from_slice(&CLIENT_STREAM[split..]);
        ops.extend(drain_client(&mut decoder, &mut buf).expect("valid rest"));
        assert_eq!(ops, whole, "split at offset {split}");
    }
}

#[test]
fn client_stream_fed_byte_by_byte_decodes_the_same() {
    let whole = client_ops(CLIENT_STREAM).expect("valid");
    let mut decoder = ClientOpDecoder::new();
    let mut buf = BytesMut::new();
    let mut ops = Vec::new();
    for &byte in CLIENT_STREAM {
        buf.extend_from_slice(&[byte]);
        ops.extend(drain_client(&mut decoder, &mut buf).expect("valid"));
    }
    assert_eq!(ops, whole);
}
