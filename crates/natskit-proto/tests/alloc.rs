//! Heap allocation check of the hot paths, counted by dhat's global allocator: decoding small
//! MSG and PUB frames and encoding small PUB frames allocate nothing per frame.
//!
//! Each scenario runs for 1,000 and for 10,000 frames; the number of heap blocks it allocates
//! must be the same small constant for both (the decoders' first `split_to` turns the read
//! buffer into a shared one, which is one allocation per buffer, not per frame).
//!
//! dhat's profiler is process-wide, so this file holds a single test. Run with `--nocapture` to
//! see the figures.

use bytes::{Buf, Bytes, BytesMut};
use natskit_proto::{ClientOp, ClientOpDecoder, HeaderMap, ServerOp, ServerOpDecoder, WriteBuffer};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const SUBJECT: &str = "orders.eu.created";
const PAYLOAD: &[u8] = b"0123456789abcdef";

/// Heap blocks and bytes allocated while `f` runs.
fn allocated_by<T>(f: impl FnOnce() -> T) -> (u64, u64, T) {
    let before = dhat::HeapStats::get();
    let out = f();
    let after = dhat::HeapStats::get();
    (
        after.total_blocks - before.total_blocks,
        after.total_bytes - before.total_bytes,
        out,
    )
}

/// `count` frames written by `put`, in a read buffer of exactly their size.
fn read_buffer(count: usize, put: impl Fn(&mut WriteBuffer)) -> BytesMut {
    let mut out = WriteBuffer::with_copy_threshold(usize::MAX);
    for _ in 0..count {
        put(&mut out);
    }
    let mut buf = BytesMut::with_capacity(out.remaining());
    buf.extend_from_slice(&out.to_bytes());
    buf
}

/// How an allocation figure is shown and checked.
struct Figure {
    scenario: &'static str,
    frames: usize,
    blocks: u64,
    bytes: u64,
}

impl std::fmt::Display for Figure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<34} {:>6} frames: {:>3} blocks, {:>7} bytes",
            self.scenario, self.frames, self.blocks, self.bytes
        )
    }
}

/// Decodes every MSG of a prepared buffer; with `keep` the messages stay alive until the end.
fn decode_msgs(frames: usize, keep: bool) -> Figure {
    let body = Bytes::from_static(PAYLOAD);
    let mut buf = read_buffer(frames, |out| out.put_msg(SUBJECT, 7, None, None, &body));
    let mut kept: Vec<ServerOp> = Vec::with_capacity(if keep { frames } else { 0 });
    let mut decoder = ServerOpDecoder::new();
    let (blocks, bytes, decoded) = allocated_by(|| {
        let mut decoded = 0;
        while let Some(op) = decoder.decode(&mut buf).expect("valid frames") {
            assert!(matches!(&op, ServerOp::Msg(m) if m.payload().len() == PAYLOAD.len()));
            decoded += 1;
            if keep {
                kept.push(op);
            }
        }
        decoded
    });
    assert_eq!(decoded, frames);
    assert_eq!(kept.len(), if keep { frames } else { 0 });
    Figure {
        scenario: if keep {
            "decode MSG 16 B, messages kept"
        } else {
            "decode MSG 16 B, messages dropped"
        },
        frames,
        blocks,
        bytes,
    }
}

/// Decodes every PUB of a prepared buffer, dropping each.
fn decode_pubs(frames: usize) -> Figure {
    let body = Bytes::from_static(PAYLOAD);
    let mut buf = read_buffer(frames, |out| {
        out.put_pub(SUBJECT, Some("_INBOX.a1b2.1"), None, &body)
    });
    let mut decoder = ClientOpDecoder::new();
    let (blocks, bytes, decoded) = allocated_by(|| {
        let mut decoded = 0;
        while let Some(op) = decoder.decode(&mut buf).expect("valid frames") {
            assert!(matches!(&op, ClientOp::Pub(p) if p.payload.len() == PAYLOAD.len()));
            decoded += 1;
        }
        decoded
    });
    assert_eq!(decoded, frames);
    Figure {
        scenario: "decode PUB 16 B (with reply)",
        frames,
        blocks,
        bytes,
    }
}

/// Encodes PUB frames into a `WriteBuffer` made beforehand, drained every 1,000 frames as a
/// writer drains it after each write.
fn encode_pubs(frames: usize) -> Figure {
    let body = Bytes::from_static(PAYLOAD);
    let mut out = WriteBuffer::new();
    let (blocks, bytes, written) = allocated_by(|| {
        let mut written = 0;
        for i in 0..frames {
            out.put_pub(SUBJECT, None, None, &body);
            if i % 1000 == 999 {
                written += out.remaining();
                out.advance(out.remaining());
            }
        }
        written + out.remaining()
    });
    assert_eq!(
        written,
        frames * "PUB orders.eu.created 16\r\n0123456789abcdef\r\n".len()
    );
    Figure {
        scenario: "encode PUB 16 B",
        frames,
        blocks,
        bytes,
    }
}

/// Decodes HMSG frames with two headers: not a zero-allocation path (a `HeaderMap` owns its
/// strings), measured here for the record only.
fn decode_hmsgs(frames: usize) -> Figure {
    let body = Bytes::from_static(PAYLOAD);
    let mut headers = HeaderMap::new();
    headers
        .append("Nats-Msg-Id", "6b1e9d2a")
        .and_then(|h| h.append("Content-Type", "text/plain"))
        .expect("valid headers");
    let mut buf = read_buffer(frames, |out| {
        out.put_msg(SUBJECT, 7, None, Some(&headers), &body)
    });
    let mut decoder = ServerOpDecoder::new();
    let (blocks, bytes, decoded) = allocated_by(|| {
        let mut decoded = 0;
        while decoder.decode(&mut buf).expect("valid frames").is_some() {
            decoded += 1;
        }
        decoded
    });
    assert_eq!(decoded, frames);
    Figure {
        scenario: "decode HMSG 2 headers (record)",
        frames,
        blocks,
        bytes,
    }
}

#[test]
fn small_frames_allocate_nothing_per_frame() {
    let _profiler = dhat::Profiler::builder().testing().build();

    type Scenario = fn(usize) -> Figure;
    let scenarios: [Scenario; 4] = [
        |n| decode_msgs(n, false),
        |n| decode_msgs(n, true),
        decode_pubs,
        encode_pubs,
    ];
    for scenario in scenarios {
        let small = scenario(1_000);
        let large = scenario(10_000);
        println!("{small}\n{large}");
        assert!(
            small.blocks <= 2 && large.blocks <= 2 && large.blocks.abs_diff(small.blocks) < 5,
            "allocations grow with the number of frames:\n{small}\n{large}"
        );
    }

    let small = decode_hmsgs(1_000);
    let large = decode_hmsgs(10_000);
    println!("{small}\n{large}");
    assert!(large.blocks > small.blocks);
}
