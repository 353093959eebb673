//! Inputs found by the fuzz targets in `fuzz/` (and by reading the code they led to), kept as
//! plain tests.

use bytes::BytesMut;
use natskit_proto::{Limits, ProtoError, ServerOp, ServerOpDecoder};

/// Feeds `pieces` one after the other, decoding after each; returns every op, or the first error.
fn feed(decoder: &mut ServerOpDecoder, pieces: &[&[u8]]) -> Result<Vec<ServerOp>, ProtoError> {
    let mut buf = BytesMut::new();
    let mut ops = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        while let Some(op) = decoder.decode(&mut buf)? {
            ops.push(op);
        }
    }
    Ok(ops)
}

/// A control line of exactly `max_control_line` bytes is accepted when it arrives whole (see
/// `control_line_at_the_limit_is_accepted` in the conformance tests), but rejected as too long
/// when a read ends between its `\r` and its `\n`: the check on an unfinished line counts the
/// `\r` as part of the line.
#[test]
fn control_line_at_the_limit_split_between_cr_and_lf() {
    let subject = "a".repeat(4096 - "MSG ".len() - " 1 0".len());
    let line = format!("MSG {subject} 1 0\r");
    assert_eq!(line.len(), 4097);
    let whole = feed(&mut ServerOpDecoder::new(), &[line.as_bytes(), b"\n\r\n"]);
    assert!(
        matches!(&whole.as_deref(), Ok([ServerOp::Msg(m)]) if m.subject().len() == subject.len()),
        "{whole:?}"
    );
}

/// The smallest form of the above, as the fuzzer found it (decode_server_ops, pieces of 1..=4
/// bytes, max_control_line 16): the 16-byte line `msg a 1 3` padded with blanks is fine whole,
/// and fails when cut after its `\r`.
#[test]
fn sixteen_byte_line_with_a_limit_of_sixteen_split_after_cr() {
    let limits = Limits {
        max_control_line: 16,
        ..Limits::default()
    };
    let line: &[u8] = b"msg a 1 3       \r";
    assert_eq!(line.len(), 17);
    let whole = feed(
        &mut ServerOpDecoder::with_limits(limits),
        &[b"msg a 1 3       \r\nabc\r\n"],
    );
    assert_eq!(whole.as_ref().map(Vec::len), Ok(1));
    let cut = feed(
        &mut ServerOpDecoder::with_limits(limits),
        &[line, b"\nabc\r\n"],
    );
    assert_eq!(cut, whole);
}

/// With `max_payload` at `usize::MAX` (which the client sets from a server's INFO through
/// `set_max_payload(info.max_payload.max(DEFAULT_MAX_PAYLOAD))`), a MSG announcing
/// `u64::MAX` bytes overflows `total_len + 2` in `Framer::take_payload`: a panic with overflow
/// checks, and with them off `needed` wraps to 1 and `split_to(usize::MAX)` panics once one
/// byte arrived. It should be a `PayloadTooLarge` (or other) error.
#[test]
fn huge_max_payload_and_huge_announced_size_do_not_panic() {
    let mut decoder = ServerOpDecoder::new();
    decoder.set_max_payload(usize::MAX);
    assert_eq!(
        decoder.limits().max_payload,
        natskit_proto::limits::MAX_PAYLOAD_CEILING
    );
    let result = feed(&mut decoder, &[b"MSG a 1 18446744073709551615\r\n", b"x"]);
    assert!(
        matches!(result, Err(ProtoError::PayloadTooLarge { .. })),
        "{result:?}"
    );
}

/// `WriteBuffer::with_copy_threshold(0)` chains every payload, the empty one too: the chain then
/// holds an empty `Bytes`, so `chunk()` returns an empty slice while `remaining()` is 2 (the
/// payload's CRLF), which breaks the `bytes::Buf` contract. `to_bytes()` (the default
/// `Buf::copy_to_bytes`) then loops forever on `advance(0)`; `chunks_vectored` is unaffected
/// (it skips empty chunks). Found by decode_server_ops on `b"\x00\x40MSG a 1 0\r\n\r\n"` (piece
/// byte 0, copy threshold 0). This test reads with `chunk` + `advance` so it fails, not hangs.
#[test]
fn write_buffer_with_copy_threshold_zero_keeps_the_buf_contract() {
    use bytes::{Buf, Bytes};
    use natskit_proto::WriteBuffer;

    let mut out = WriteBuffer::with_copy_threshold(0);
    out.put_pub("a", None, None, &Bytes::new());
    let mut read = Vec::new();
    while out.has_remaining() {
        let chunk = out.chunk();
        assert!(
            !chunk.is_empty(),
            "chunk() is empty with {} bytes remaining, after {:?}",
            out.remaining(),
            String::from_utf8_lossy(&read)
        );
        read.extend_from_slice(chunk);
        let n = chunk.len();
        out.advance(n);
    }
    assert_eq!(read, b"PUB a 0\r\n\r\n");
}
