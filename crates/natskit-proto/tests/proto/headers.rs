//! Header block encoding and decoding cases (ADR-4).

use bytes::BytesMut;
use natskit_proto::{HeaderMap, ProtoError};

fn encode(map: &HeaderMap) -> BytesMut {
    let mut wire = BytesMut::new();
    map.encode(&mut wire);
    wire
}

#[test]
fn multi_valued_case_preserving_in_insertion_order() {
    let mut map = HeaderMap::new();
    map.append("B-Key", "1").unwrap();
    map.append("a-key", "2").unwrap();
    map.append("B-Key", "3").unwrap();
    map.append("A-KEY", "4").unwrap();
    assert_eq!(
        &encode(&map)[..],
        b"NATS/1.0\r\nB-Key: 1\r\na-key: 2\r\nB-Key: 3\r\nA-KEY: 4\r\n\r\n"
    );
    assert_eq!(map.get_all("B-Key").collect::<Vec<_>>(), ["1", "3"]);
    assert_eq!(map.get("a-key"), Some("2"));
    assert_eq!(map.get("A-KEY"), Some("4"));
    assert_eq!(map.len(), 4);
}

#[test]
fn decoding_trims_values_and_keeps_repeats() {
    let map =
        HeaderMap::decode(b"NATS/1.0\r\nX:  padded  \r\nX:\tsecond\r\nEmpty:\r\n\r\n").unwrap();
    assert_eq!(map.get_all("X").collect::<Vec<_>>(), ["padded", "second"]);
    assert_eq!(map.get("Empty"), Some(""));
}

#[test]
fn value_may_contain_colons() {
    let map = HeaderMap::decode(b"NATS/1.0\r\nUrl: nats://host:4222\r\n\r\n").unwrap();
    assert_eq!(map.get("Url"), Some("nats://host:4222"));
}

#[test]
fn insert_replaces_and_remove_counts() {
    let mut map = HeaderMap::new();
    map.append("K", "1")
        .unwrap()
        .append("K", "2")
        .unwrap()
        .append("J", "x")
        .unwrap();
    map.insert("K", "3").unwrap();
    assert_eq!(map.iter().collect::<Vec<_>>(), [("J", "x"), ("K", "3")]);
    assert_eq!(map.remove("J"), 1);
    assert_eq!(map.remove("J"), 0);
}

#[test]
fn status_line_forms() {
    let plain = HeaderMap::decode(b"NATS/1.0 503\r\n\r\n").unwrap();
    assert_eq!((plain.status(), plain.description()), (Some(503), None));
    let described =
        HeaderMap::decode(b"NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 1\r\n\r\n")
            .unwrap();
    assert_eq!(
        (described.status(), described.description()),
        (Some(408), Some("Request Timeout"))
    );
    assert_eq!(described.get("Nats-Pending-Messages"), Some("1"));
    let mut map = HeaderMap::new();
    map.set_status(100, Some("Idle Heartbeat")).unwrap();
    assert_eq!(&encode(&map)[..], b"NATS/1.0 100 Idle Heartbeat\r\n\r\n");
}

#[test]
fn malformed_blocks_are_errors() {
    for bad in [
        &b"NATS/1.0"[..],
        b"",
        b"NATS/1.0\r\n",
        b"NATS/1.0\r\nA: 1\r\n",
        b"NATS/1.0\r\nno colon here\r\n\r\n",
        b"NATS/1.0 5031\r\n\r\n",
        b"NATS/1.0 50\r\n\r\n",
        b"NATS/1.0 abc\r\n\r\n",
        b"HTTP/1.1\r\n\r\n",
        b"NATS/1.0\r\n: no name\r\n\r\n",
        b"NATS/1.0\r\nBad Name: x\r\n\r\n",
        b"NATS/1.0\r\nA: \xff\r\n\r\n",
        b"NATS/1.0\r\n\r\ntrailing",
    ] {
        let result = HeaderMap::decode(bad);
        assert!(
            matches!(result, Err(ProtoError::InvalidHeaders(_))),
            "{:?} gave {result:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn invalid_names_and_values_are_refused_before_the_wire() {
    let mut map = HeaderMap::new();
    for name in ["", "has space", "colon:", "tab\there", "new\nline"] {
        assert!(map.append(name, "v").is_err(), "name {name:?} accepted");
    }
    for value in ["cr\r", "lf\nx", "\r\n"] {
        assert!(
            map.append("Name", value).is_err(),
            "value {value:?} accepted"
        );
    }
    assert!(map.set_status(42, None).is_err());
    assert!(map.set_status(1000, None).is_err());
    assert!(map.set_status(503, Some("two\r\nlines")).is_err());
    assert!(
        map.is_empty() && map.status().is_none(),
        "a refused value changed the map"
    );
}

#[test]
fn error_messages_say_what_is_wrong() {
    let err = HeaderMap::decode(b"NATS/1.0\r\nno colon here\r\n\r\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid headers: header line \"no colon here\" has no colon"
    );
    let err = HeaderMap::new().append("Name", "a\nb").unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid headers: value of header \"Name\" contains CR or LF"
    );
}
