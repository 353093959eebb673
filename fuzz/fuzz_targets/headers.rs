//! Fuzzes `HeaderMap::decode` on arbitrary bytes. Whenever a block decodes, its encoding must be
//! `encoded_len` bytes long and decode to an equal map, and the same map rebuilt through
//! `set_status` and `append` must compare equal.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use natskit_proto::HeaderMap;

fuzz_target!(|data: &[u8]| {
    let Ok(map) = HeaderMap::decode(data) else {
        return;
    };
    let mut wire = BytesMut::new();
    map.encode(&mut wire);
    assert_eq!(
        wire.len(),
        map.encoded_len(),
        "encoded_len is off for {wire:?}"
    );
    match HeaderMap::decode(&wire) {
        Ok(again) => assert_eq!(again, map, "re-encoded as {wire:?}"),
        Err(e) => panic!("{map:?} re-encoded as {wire:?} fails to decode: {e}"),
    }

    let mut rebuilt = HeaderMap::new();
    if let Some(code) = map.status() {
        rebuilt
            .set_status(code, map.description())
            .expect("a decoded status is valid");
    }
    for (name, value) in map.iter() {
        rebuilt
            .append(name, value)
            .expect("a decoded entry is valid");
    }
    assert_eq!(rebuilt, map);
});
