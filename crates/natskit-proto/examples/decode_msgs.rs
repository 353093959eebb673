//! Decodes 16-byte `MSG` frames in a loop, as the codec benchmark's `decode_msg/16B` does, with
//! nothing else in the process: for instruction counts and profiles of the decoder alone.
//!
//! ```sh
//! cargo build --release -p natskit-proto --example decode_msgs
//! valgrind --tool=callgrind target/release/examples/decode_msgs 200
//! ```
//!
//! The argument is how many batches of 1,000 frames to decode (default 1,000).

use std::hint::black_box;

use bytes::{Bytes, BytesMut};
use natskit_proto::{ServerOpDecoder, WriteBuffer};

fn main() {
    let batches: usize = std::env::args()
        .nth(1)
        .map(|arg| arg.parse().expect("a number of batches"))
        .unwrap_or(1000);
    let payload = Bytes::from_static(b"abcdefghijklmnop");
    let mut wire = WriteBuffer::with_copy_threshold(usize::MAX);
    for _ in 0..1000 {
        wire.put_msg("orders.eu.created", 1, None, None, &payload);
    }
    let wire = wire.to_bytes();
    let mut decoded = 0usize;
    for _ in 0..batches {
        let mut buf = BytesMut::from(&wire[..]);
        let mut decoder = ServerOpDecoder::new();
        while let Some(op) = decoder.decode(&mut buf).expect("valid frames") {
            black_box(op);
            decoded += 1;
        }
    }
    println!("{decoded} frames decoded");
}
