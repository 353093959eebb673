//! Codec benchmarks: decoding MSG / HMSG / PUB frames (PUB also as the broker reads it, in place) and encoding PUB / HPUB frames.
//!
//! Every benchmark handles a batch of frames per iteration and declares it with
//! `Throughput::Elements`, so criterion's `thrpt` is frames per second and the time per frame is
//! the iteration time divided by the batch size. Decode batches start from a copy of a prepared
//! buffer, made outside the timed part (`iter_batched`).
//!
//! Run: `cargo bench -p natskit-proto --bench codec`.

use std::hint::black_box;

use bytes::{Buf, Bytes, BytesMut};
use criterion::{criterion_main, BatchSize, Criterion, Throughput};
use natskit_proto::{BrokerOpDecoder, ClientOpDecoder, HeaderMap, ServerOpDecoder, WriteBuffer};

const SUBJECT: &str = "orders.eu.created";

/// `count` copies of the frame that `put` writes, in one buffer.
fn frames(count: usize, put: impl Fn(&mut WriteBuffer)) -> Bytes {
    let mut out = WriteBuffer::with_copy_threshold(usize::MAX);
    for _ in 0..count {
        put(&mut out);
    }
    out.to_bytes()
}

fn payload(len: usize) -> Bytes {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

fn headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers
        .append("Nats-Msg-Id", "6b1e9d2a-5c1f-4f7e")
        .and_then(|h| h.append("Content-Type", "application/json"))
        .expect("valid headers");
    headers
}

/// Decodes every frame of a copy of `wire` with a fresh `ServerOpDecoder`.
fn bench_server_decode(c: &mut Criterion, group: &str, name: &str, wire: &Bytes, count: usize) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(count as u64));
    g.bench_function(name, |b| {
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |mut buf| {
                let mut decoder = ServerOpDecoder::new();
                let mut decoded = 0;
                while let Some(op) = decoder.decode(&mut buf).expect("valid frames") {
                    black_box(op);
                    decoded += 1;
                }
                assert_eq!(decoded, count);
                buf
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

fn decode_msg(c: &mut Criterion) {
    // 1000 frames per batch, 100 for 64 KiB (6.5 MB per batch).
    for (name, len, count) in [
        ("16B", 16, 1000),
        ("1KiB", 1024, 1000),
        ("64KiB", 65536, 100),
    ] {
        let body = payload(len);
        let wire = frames(count, |out| out.put_msg(SUBJECT, 1, None, None, &body));
        bench_server_decode(c, "decode_msg", name, &wire, count);
    }
}

fn decode_hmsg(c: &mut Criterion) {
    let (body, headers) = (payload(16), headers());
    let wire = frames(1000, |out| {
        out.put_msg(SUBJECT, 1, Some("_INBOX.a1b2c3.1"), Some(&headers), &body)
    });
    bench_server_decode(c, "decode_hmsg", "2hdr_16B", &wire, 1000);
}

fn decode_pub(c: &mut Criterion) {
    const COUNT: usize = 1000;
    let body = payload(16);
    let wire = frames(COUNT, |out| out.put_pub(SUBJECT, None, None, &body));
    let mut g = c.benchmark_group("decode_pub");
    g.throughput(Throughput::Elements(COUNT as u64));
    g.bench_function("16B", |b| {
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |mut buf| {
                let mut decoder = ClientOpDecoder::new();
                let mut decoded = 0;
                while let Some(op) = decoder.decode(&mut buf).expect("valid frames") {
                    black_box(op);
                    decoded += 1;
                }
                assert_eq!(decoded, COUNT);
                buf
            },
            BatchSize::LargeInput,
        );
    });
    // The broker's path: each frame read where it lies, the buffer advanced once.
    g.bench_function("16B_broker_in_place", |b| {
        b.iter_batched(
            || BytesMut::from(&wire[..]),
            |mut buf| {
                let decoder = BrokerOpDecoder::new();
                let mut at = 0;
                let mut decoded = 0;
                while let Some((publish, len)) = decoder.decode_pub_in_place(&buf[at..]) {
                    black_box(publish);
                    at += len;
                    decoded += 1;
                }
                buf.advance(at);
                assert_eq!(decoded, COUNT);
                buf
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

/// Encodes `COUNT` frames per iteration into one `WriteBuffer`, then drains it as a writer
/// would after a successful write (`advance`), so its storage is reused and never grows.
fn encode(c: &mut Criterion) {
    const COUNT: usize = 1000;
    let (body, headers) = (payload(16), headers());
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(COUNT as u64));
    g.bench_function("pub_16B", |b| {
        let mut out = WriteBuffer::new();
        b.iter(|| {
            for _ in 0..COUNT {
                out.put_pub(black_box(SUBJECT), None, None, black_box(&body));
            }
            let n = out.remaining();
            out.advance(n);
            n
        });
    });
    g.bench_function("hpub_2hdr_16B", |b| {
        let mut out = WriteBuffer::new();
        b.iter(|| {
            for _ in 0..COUNT {
                out.put_pub(
                    black_box(SUBJECT),
                    Some("_INBOX.a1b2c3.1"),
                    Some(black_box(&headers)),
                    black_box(&body),
                );
            }
            let n = out.remaining();
            out.advance(n);
            n
        });
    });
    g.finish();
}

/// The benchmark group (in a module, so the function the macro makes needs no doc).
mod group {
    use super::{decode_hmsg, decode_msg, decode_pub, encode};
    use criterion::criterion_group;

    criterion_group!(benches, decode_msg, decode_hmsg, decode_pub, encode);
}

criterion_main!(group::benches);
