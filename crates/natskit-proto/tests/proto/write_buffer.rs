//! The encoder's write buffer: exact bytes, copying small payloads, chaining large ones.

use std::io::IoSlice;

use bytes::{Buf, Bytes};
use natskit_proto::{ConnectInfo, HeaderMap, ServerInfo, WriteBuffer};

#[test]
fn exact_bytes_of_every_client_op() {
    let mut out = WriteBuffer::new();
    out.put_pub("NOTIFY", None, None, &Bytes::new());
    out.put_pub("FOO", Some("INBOX.1"), None, &Bytes::from_static(b"hi"));
    let mut headers = HeaderMap::new();
    headers.append("Bar", "Baz").unwrap();
    out.put_pub(
        "FOO",
        None,
        Some(&headers),
        &Bytes::from_static(b"Hello NATS!"),
    );
    out.put_sub("foo.*", None, 1);
    out.put_sub("foo.>", Some("q"), 22);
    out.put_unsub(1, None);
    out.put_unsub(22, Some(5));
    assert_eq!(
        out.to_bytes(),
        "PUB NOTIFY 0\r\n\r\n\
         PUB FOO INBOX.1 2\r\nhi\r\n\
         HPUB FOO 22 33\r\nNATS/1.0\r\nBar: Baz\r\n\r\nHello NATS!\r\n\
         SUB foo.* 1\r\nSUB foo.> q 22\r\nUNSUB 1\r\nUNSUB 22 5\r\n"
    );
    assert!(out.is_empty());
}

#[test]
fn exact_bytes_of_server_ops() {
    let mut out = WriteBuffer::new();
    out.put_msg(
        "a.b",
        18446744073709551615,
        Some("r"),
        None,
        &Bytes::from_static(b"x"),
    );
    out.put_err("Unknown Protocol Operation");
    assert_eq!(
        out.to_bytes(),
        "MSG a.b 18446744073709551615 r 1\r\nx\r\n-ERR 'Unknown Protocol Operation'\r\n"
    );
}

#[test]
fn connect_and_info_are_single_json_lines() {
    let mut out = WriteBuffer::new();
    out.put_connect(&ConnectInfo::new("app"));
    let line = out.to_bytes();
    assert!(line.starts_with(b"CONNECT {") && line.ends_with(b"}\r\n"));
    let json: serde_json::Value = serde_json::from_slice(&line[8..line.len() - 2]).unwrap();
    assert_eq!(json["protocol"], 1);
    assert_eq!(json["headers"], true);
    assert_eq!(json["no_responders"], true);
    assert_eq!(json["echo"], true);
    assert_eq!(json["lang"], "rust");
    assert!(
        json.get("pass").is_none(),
        "absent credentials are not sent"
    );

    out.put_info(&ServerInfo::default());
    let line = out.to_bytes();
    let json: serde_json::Value = serde_json::from_slice(&line[5..line.len() - 2]).unwrap();
    assert_eq!(json["max_payload"], 1048576);
    assert!(
        json.get("nonce").is_none() && json.get("ldm").is_none(),
        "empty fields are left out: {json}"
    );
}

#[test]
fn large_payloads_are_chained_not_copied() {
    let big = Bytes::from(vec![7u8; 100_000]);
    let mut out = WriteBuffer::new();
    out.put_pub("a", None, None, &Bytes::from_static(b"small"));
    out.put_pub("b", None, None, &big);
    out.put_pub("c", None, None, &Bytes::from_static(b"small"));

    let mut slices = [IoSlice::new(&[]); 8];
    let n = out.chunks_vectored(&mut slices);
    assert_eq!(n, 3, "copied prefix, the big payload itself, copied suffix");
    assert_eq!(
        slices[1].as_ptr(),
        big.as_ptr(),
        "the big payload is the caller's own buffer"
    );
    assert_eq!(
        slices.iter().take(n).map(|s| s.len()).sum::<usize>(),
        out.remaining()
    );
}

#[test]
fn partial_writes_advance_across_chunks() {
    let big = Bytes::from(vec![b'z'; 10_000]);
    let mut out = WriteBuffer::new();
    out.put_pub("a", None, None, &Bytes::from_static(b"1"));
    out.put_pub("b", None, None, &big);
    out.put_raw(b"PING\r\n");
    let mut expected = b"PUB a 1\r\n1\r\nPUB b 10000\r\n".to_vec();
    expected.extend_from_slice(&big);
    expected.extend_from_slice(b"\r\nPING\r\n");
    assert_eq!(out.remaining(), expected.len());

    // Drain in odd-sized steps, as short writes would.
    let mut written = Vec::new();
    while out.has_remaining() {
        let step = out.chunk().len().min(777);
        written.extend_from_slice(&out.chunk()[..step]);
        out.advance(step);
    }
    assert_eq!(written, expected);
}

/// A writer that keeps the buffer whole reads, from every offset, exactly the bytes after it,
/// whichever chunk the offset falls in.
#[test]
fn chunks_from_every_offset_are_the_rest_of_the_bytes() {
    let mut out = WriteBuffer::with_copy_threshold(8);
    out.put_pub("small", None, None, &Bytes::from_static(b"hi"));
    out.put_pub(
        "large",
        Some("r"),
        None,
        &Bytes::from_static(b"0123456789abcdef"),
    );
    out.put_sub("s", None, 1);
    out.put_pub("large2", None, None, &Bytes::from(vec![b'x'; 40]));
    let all = {
        let mut slices = [IoSlice::new(&[]); 16];
        let n = out.chunks_vectored_from(0, &mut slices);
        slices[..n]
            .iter()
            .flat_map(|s| s.iter().copied())
            .collect::<Vec<u8>>()
    };
    assert_eq!(all.len(), out.len());
    for offset in 0..=all.len() {
        let mut slices = [IoSlice::new(&[]); 16];
        let n = out.chunks_vectored_from(offset, &mut slices);
        let rest: Vec<u8> = slices[..n].iter().flat_map(|s| s.iter().copied()).collect();
        assert_eq!(rest, all[offset..], "offset {offset}");
        assert!(
            slices[..n].iter().all(|s| !s.is_empty()),
            "no empty slice at {offset}"
        );
    }
    assert_eq!(out.to_bytes(), all);
    out.put_raw(b"PING\r\n");
    out.clear();
    assert!(out.is_empty());
}
