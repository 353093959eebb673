//! WebSocket frames (RFC 6455 section 5), sans I/O: parse a frame header, unmask a payload,
//! write a frame header, and the close-frame payloads nats-server sends.

use bytes::{BufMut, BytesMut};

/// Largest payload of a control frame (ping, pong, close).
pub(crate) const MAX_CONTROL_PAYLOAD: usize = 125;

/// Frame opcodes (the low four bits of the first byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpCode {
    /// The next fragment of a message.
    Continuation,
    /// A text message (nats-server reads it as it reads a binary one).
    Text,
    /// A binary message.
    Binary,
    /// The closing handshake.
    Close,
    /// A ping, answered with a pong carrying the same payload.
    Ping,
    /// A pong.
    Pong,
}

impl OpCode {
    fn from_bits(bits: u8) -> Option<OpCode> {
        Some(match bits {
            0 => OpCode::Continuation,
            1 => OpCode::Text,
            2 => OpCode::Binary,
            8 => OpCode::Close,
            9 => OpCode::Ping,
            10 => OpCode::Pong,
            _ => return None,
        })
    }

    fn bits(self) -> u8 {
        match self {
            OpCode::Continuation => 0,
            OpCode::Text => 1,
            OpCode::Binary => 2,
            OpCode::Close => 8,
            OpCode::Ping => 9,
            OpCode::Pong => 10,
        }
    }

    /// Ping, pong and close: handled where they arrive, never part of a message.
    pub(crate) fn is_control(self) -> bool {
        matches!(self, OpCode::Close | OpCode::Ping | OpCode::Pong)
    }
}

/// A decoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    /// The last frame of its message.
    pub(crate) fin: bool,
    /// RSV1: the message is compressed (permessage-deflate, RFC 7692); only on a first frame.
    pub(crate) compressed: bool,
    pub(crate) opcode: OpCode,
    /// The masking key; clients must mask every frame.
    pub(crate) mask: Option<[u8; 4]>,
    /// Payload length.
    pub(crate) len: u64,
}

/// Why a frame header is refused. The texts are nats-server's (`wsRead`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FrameError {
    /// A client frame without the mask bit.
    #[error("mask bit missing")]
    Unmasked,
    /// A control frame with more than [`MAX_CONTROL_PAYLOAD`] bytes.
    #[error("control frame length bigger than maximum allowed of 125 bytes")]
    ControlTooLong,
    /// A control frame without FIN.
    #[error("control frame does not have final bit set")]
    ControlFragmented,
    /// An opcode RFC 6455 does not define.
    #[error("unknown opcode {0}")]
    UnknownOpCode(u8),
}

/// Parses the header at the start of `buf`: `Ok(None)` when more bytes are needed, else the
/// header and its length in bytes. Masking is required; RSV2 and RSV3 are ignored, as
/// nats-server ignores them.
pub(crate) fn parse_header(buf: &[u8]) -> Result<Option<(Header, usize)>, FrameError> {
    let [b0, b1, ..] = *buf else {
        return Ok(None);
    };
    let fin = b0 & 0x80 != 0;
    let compressed = b0 & 0x40 != 0;
    let opcode = OpCode::from_bits(b0 & 0x0f).ok_or(FrameError::UnknownOpCode(b0 & 0x0f))?;
    if b1 & 0x80 == 0 {
        return Err(FrameError::Unmasked);
    }
    let short = b1 & 0x7f;
    if opcode.is_control() {
        if usize::from(short) > MAX_CONTROL_PAYLOAD {
            return Err(FrameError::ControlTooLong);
        }
        if !fin {
            return Err(FrameError::ControlFragmented);
        }
    }
    let (len, at) = match short {
        126 => match buf.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10) {
            Some(b) => (u64::from_be_bytes(b.try_into().unwrap_or_default()), 10),
            None => return Ok(None),
        },
        n => (u64::from(n), 2),
    };
    let Some(key) = buf.get(at..at + 4) else {
        return Ok(None);
    };
    let mask = [key[0], key[1], key[2], key[3]];
    Ok(Some((
        Header {
            fin,
            compressed,
            opcode,
            mask: Some(mask),
            len,
        },
        at + 4,
    )))
}

/// XORs `buf` with `key`, starting `offset` bytes into the key's cycle; returns the offset for
/// the bytes that follow (a payload may arrive in pieces).
pub(crate) fn unmask(buf: &mut [u8], key: [u8; 4], offset: usize) -> usize {
    let start = offset % 4;
    let rotated = u32::from_ne_bytes([
        key[start],
        key[(start + 1) % 4],
        key[(start + 2) % 4],
        key[(start + 3) % 4],
    ]);
    let mut words = buf.chunks_exact_mut(4);
    for word in &mut words {
        let value = u32::from_ne_bytes([word[0], word[1], word[2], word[3]]) ^ rotated;
        word.copy_from_slice(&value.to_ne_bytes());
    }
    let rest = words.into_remainder();
    let rotated = rotated.to_ne_bytes();
    for (byte, k) in rest.iter_mut().zip(rotated) {
        *byte ^= k;
    }
    (offset + buf.len()) % 4
}

/// Appends the header of an unmasked (server) frame with a payload of `len` bytes.
pub(crate) fn put_header(out: &mut BytesMut, opcode: OpCode, compressed: bool, len: usize) {
    let b0 = 0x80 | if compressed { 0x40 } else { 0 } | opcode.bits();
    out.put_u8(b0);
    match len {
        0..=125 => out.put_u8(len as u8),
        126..=0xffff => {
            out.put_u8(126);
            out.put_u16(len as u16);
        }
        _ => {
            out.put_u8(127);
            out.put_u64(len as u64);
        }
    }
}

/// Appends a whole unmasked frame.
pub(crate) fn put_frame(out: &mut BytesMut, opcode: OpCode, payload: &[u8]) {
    put_header(out, opcode, false, payload.len());
    out.extend_from_slice(payload);
}

/// A close payload: the status, then `text` cut to fit a control frame (with `...` as
/// nats-server marks a cut).
pub(crate) fn close_payload(status: u16, text: &str) -> Vec<u8> {
    let mut payload = status.to_be_bytes().to_vec();
    if text.len() > MAX_CONTROL_PAYLOAD - 2 {
        let mut end = MAX_CONTROL_PAYLOAD - 5;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        payload.extend_from_slice(&text.as_bytes()[..end]);
        payload.extend_from_slice(b"...");
    } else {
        payload.extend_from_slice(text.as_bytes());
    }
    payload
}

/// The payload of the close frame that answers a client's close with `payload`, as
/// nats-server answers: its status and text echoed (any status); none when it had no status;
/// 1007 when the text is not UTF-8.
pub(crate) fn close_reply(payload: &[u8]) -> Vec<u8> {
    match payload {
        [a, b, text @ ..] => {
            let status = u16::from_be_bytes([*a, *b]);
            match std::str::from_utf8(text) {
                // 1005 means "no status" and must not be sent.
                Ok(_) if status == 1005 => Vec::new(),
                Ok(_) => payload.to_vec(),
                Err(_) => close_payload(1007, "invalid utf8 body in close frame"),
            }
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A client frame as a client writes it: masked with `key`.
    fn client_frame(opcode: u8, fin: bool, payload: &[u8], key: [u8; 4]) -> Vec<u8> {
        let mut out = BytesMut::new();
        put_header(&mut out, OpCode::Binary, false, payload.len());
        out[0] = if fin { 0x80 } else { 0 } | opcode;
        out[1] |= 0x80;
        let mut body = payload.to_vec();
        unmask(&mut body, key, 0);
        let mut frame = out.to_vec();
        frame.extend_from_slice(&key);
        frame.extend_from_slice(&body);
        frame
    }

    #[test]
    fn headers_of_each_length_form_parse() {
        for len in [0usize, 125, 126, 65535, 65536, 1 << 20] {
            let frame = client_frame(2, true, &vec![7; len], [1, 2, 3, 4]);
            let (header, used) = parse_header(&frame).unwrap().unwrap();
            assert_eq!(header.len, len as u64);
            assert_eq!(header.opcode, OpCode::Binary);
            assert_eq!(header.mask, Some([1, 2, 3, 4]));
            assert_eq!(used, frame.len() - len);
            // Any prefix of the header asks for more.
            for cut in 0..used {
                assert_eq!(parse_header(&frame[..cut]), Ok(None), "{len} cut at {cut}");
            }
        }
    }

    #[test]
    fn bad_headers_are_refused_with_nats_server_texts() {
        assert_eq!(parse_header(&[0x82, 0x05]), Err(FrameError::Unmasked));
        assert_eq!(
            parse_header(&[0x89, 0x80 | 126, 0, 126]),
            Err(FrameError::ControlTooLong)
        );
        assert_eq!(
            parse_header(&[0x09, 0x80]),
            Err(FrameError::ControlFragmented)
        );
        let err = parse_header(&[0x83, 0x80]).unwrap_err();
        assert_eq!(err.to_string(), "unknown opcode 3");
        // RSV2 and RSV3 are ignored; RSV1 means compressed.
        let (header, _) = parse_header(&[0xf2, 0x80, 0, 0, 0, 0]).unwrap().unwrap();
        assert!(header.compressed && header.fin);
    }

    #[test]
    fn close_payloads_are_cut_to_a_control_frame() {
        let long = "x".repeat(300);
        let payload = close_payload(1002, &long);
        assert_eq!(payload.len(), MAX_CONTROL_PAYLOAD);
        assert!(payload.ends_with(b"..."));
        assert_eq!(close_payload(1000, "bye"), b"\x03\xe8bye");
    }

    #[test]
    fn close_replies_echo_as_nats_server_does() {
        assert_eq!(close_reply(b"\x03\xe8bye"), b"\x03\xe8bye");
        assert_eq!(close_reply(b"\x03\xe7"), b"\x03\xe7");
        assert_eq!(close_reply(b""), b"");
        assert_eq!(close_reply(b"\x03"), b"");
        assert_eq!(close_reply(b"\x03\xed"), b"");
        assert_eq!(
            close_reply(b"\x03\xe8\xff"),
            b"\x03\xefinvalid utf8 body in close frame"
        );
    }

    proptest! {
        #[test]
        fn frames_round_trip(
            opcode in prop::sample::select(vec![0u8, 1, 2]),
            fin: bool,
            payload in prop::collection::vec(any::<u8>(), 0..70_000),
            key: [u8; 4],
            split in 0usize..70_000,
        ) {
            let frame = client_frame(opcode, fin, &payload, key);
            let (header, used) = parse_header(&frame).unwrap().unwrap();
            prop_assert_eq!(header.fin, fin);
            prop_assert_eq!(header.len, payload.len() as u64);
            // Unmasked in two pieces, as it may arrive.
            let mut body = frame[used..].to_vec();
            let split = split.min(body.len());
            let (first, second) = body.split_at_mut(split);
            let offset = unmask(first, key, 0);
            unmask(second, key, offset);
            prop_assert_eq!(body, payload);
        }

        #[test]
        fn server_headers_round_trip(len in 0usize..200_000, compressed: bool) {
            let mut out = BytesMut::new();
            put_header(&mut out, OpCode::Binary, compressed, len);
            // A server frame is unmasked: set the bit and add a zero key to reuse the parser.
            out[1] |= 0x80;
            out.extend_from_slice(&[0; 4]);
            let (header, used) = parse_header(&out).unwrap().unwrap();
            prop_assert_eq!(used, out.len());
            prop_assert_eq!(header.len, len as u64);
            prop_assert_eq!(header.compressed, compressed);
        }
    }
}
