//! permessage-deflate (RFC 7692) as nats-server 2.10 agrees it: no context takeover either
//! way, so each message is a raw deflate stream of its own. [`Deflater`] frames what the
//! broker writes (compressed when above 64 bytes, as nats-server); [`Inflater`] collects a
//! client's compressed message and inflates it at its final frame.

use bytes::BytesMut;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::ws::frame::{self, OpCode};

/// Writes of this many bytes or fewer go out uncompressed (nats-server's threshold).
const COMPRESS_THRESHOLD: usize = 64;

/// The empty stored block a sync flush ends with; RFC 7692 drops it from the wire and the
/// reader puts it back.
const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Compresses the broker's writes, one message each.
pub(crate) struct Deflater {
    compress: Compress,
    scratch: Vec<u8>,
}

impl Default for Deflater {
    fn default() -> Self {
        Deflater {
            // Fastest level, as nats-server's BestSpeed; raw deflate (no zlib header).
            compress: Compress::new(Compression::fast(), false),
            scratch: Vec::new(),
        }
    }
}

impl Deflater {
    /// Appends one binary frame carrying `chunks` (`len` bytes in all), compressed when larger
    /// than the threshold.
    pub(crate) fn frame(
        &mut self,
        out: &mut BytesMut,
        chunks: &[&[u8]],
        len: usize,
    ) -> std::io::Result<()> {
        if len <= COMPRESS_THRESHOLD {
            frame::put_header(out, OpCode::Binary, false, len);
            for chunk in chunks {
                out.extend_from_slice(chunk);
            }
            return Ok(());
        }
        self.compress.reset();
        self.scratch.clear();
        self.scratch.reserve(len / 2 + 64);
        let last = chunks.len() - 1;
        for (i, chunk) in chunks.iter().enumerate() {
            let flush = if i == last {
                FlushCompress::Sync
            } else {
                FlushCompress::None
            };
            let mut input = *chunk;
            loop {
                if self.scratch.capacity() - self.scratch.len() < 64 {
                    self.scratch.reserve(self.scratch.capacity().max(1024));
                }
                let before = self.compress.total_in();
                self.compress
                    .compress_vec(input, &mut self.scratch, flush)
                    .map_err(std::io::Error::other)?;
                input = &input[(self.compress.total_in() - before) as usize..];
                // Done with this chunk once it is all in and (for the last) the flush is out.
                let flushed = self.scratch.capacity() > self.scratch.len();
                if input.is_empty() && (i != last || flushed) {
                    break;
                }
            }
        }
        let body = self
            .scratch
            .strip_suffix(&SYNC_TAIL)
            .unwrap_or(&self.scratch);
        frame::put_header(out, OpCode::Binary, true, body.len());
        out.extend_from_slice(body);
        Ok(())
    }
}

/// Why a compressed message cannot be inflated.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InflateError {
    /// Not valid deflate data.
    #[error("invalid compressed message: {0}")]
    Corrupt(#[from] flate2::DecompressError),
    /// Larger, compressed or inflated, than the broker holds for one message.
    #[error("compressed message larger than {0} bytes")]
    TooLarge(usize),
}

/// Collects and inflates a client's compressed messages.
pub(crate) struct Inflater {
    decompress: Decompress,
    collected: Vec<u8>,
    /// A compressed message is being collected.
    collecting: bool,
    max: usize,
}

impl Inflater {
    /// An inflater refusing messages above `max` bytes (compressed or inflated).
    pub(crate) fn new(max: usize) -> Self {
        Inflater {
            decompress: Decompress::new(false),
            collected: Vec::new(),
            collecting: false,
            max,
        }
    }

    /// A compressed message has begun and not ended.
    pub(crate) fn collecting(&self) -> bool {
        self.collecting
    }

    /// Adds a piece of the message's compressed payload.
    pub(crate) fn push(&mut self, piece: &[u8]) -> Result<(), InflateError> {
        self.collecting = true;
        if self.collected.len() + piece.len() > self.max {
            return Err(InflateError::TooLarge(self.max));
        }
        self.collected.extend_from_slice(piece);
        Ok(())
    }

    /// The message is complete: appends it inflated to `out`.
    pub(crate) fn finish(&mut self, out: &mut BytesMut) -> Result<(), InflateError> {
        self.collecting = false;
        self.collected.extend_from_slice(&SYNC_TAIL);
        self.decompress.reset(false);
        let mut inflated: Vec<u8> = Vec::with_capacity(self.collected.len() * 3);
        let mut input = &self.collected[..];
        loop {
            if inflated.capacity() - inflated.len() < 1024 {
                inflated.reserve(inflated.capacity().max(4096));
            }
            let before = self.decompress.total_in();
            let status =
                self.decompress
                    .decompress_vec(input, &mut inflated, FlushDecompress::Sync)?;
            input = &input[(self.decompress.total_in() - before) as usize..];
            if inflated.len() > self.max {
                return Err(InflateError::TooLarge(self.max));
            }
            let room_left = inflated.capacity() > inflated.len();
            if status == Status::StreamEnd || (input.is_empty() && room_left) {
                break;
            }
        }
        self.collected.clear();
        out.extend_from_slice(&inflated);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Takes the payload out of a single unmasked server frame.
    fn payload(frame: &[u8]) -> (bool, Vec<u8>) {
        let mut masked = frame.to_vec();
        masked[1] |= 0x80;
        let (header, used) = {
            let at = match masked[1] & 0x7f {
                126 => 4,
                127 => 10,
                _ => 2,
            };
            masked.splice(at..at, [0u8; 4]);
            frame::parse_header(&masked).unwrap().unwrap()
        };
        (header.compressed, masked[used..].to_vec())
    }

    #[test]
    fn small_writes_go_out_plain() {
        let mut out = BytesMut::new();
        Deflater::default()
            .frame(&mut out, &[b"PONG\r\n"], 6)
            .unwrap();
        assert_eq!(&out[..], b"\x82\x06PONG\r\n");
    }

    #[test]
    fn a_message_too_large_inflated_is_refused() {
        let mut out = BytesMut::new();
        let big = vec![b'x'; 100_000];
        Deflater::default()
            .frame(&mut out, &[&big], big.len())
            .unwrap();
        let (_, body) = payload(&out);
        let mut inflater = Inflater::new(50_000);
        inflater.push(&body).unwrap();
        let err = inflater.finish(&mut BytesMut::new()).unwrap_err();
        assert!(matches!(err, InflateError::TooLarge(50_000)), "{err}");
        assert!(Inflater::new(10).push(&[0; 11]).is_err());
    }

    proptest! {
        #[test]
        fn deflated_writes_inflate_to_themselves(
            chunks in prop::collection::vec(prop::collection::vec(0u8..4, 0..5000), 1..4),
            cut in 0usize..10_000,
        ) {
            let refs: Vec<&[u8]> = chunks.iter().map(|c| &c[..]).collect();
            let whole: Vec<u8> = chunks.concat();
            let mut deflater = Deflater::default();
            let mut inflater = Inflater::new(1 << 20);
            // Twice: each message stands alone (no context takeover).
            for _ in 0..2 {
                let mut out = BytesMut::new();
                deflater.frame(&mut out, &refs, whole.len()).unwrap();
                let (compressed, body) = payload(&out);
                prop_assert_eq!(compressed, whole.len() > COMPRESS_THRESHOLD);
                if compressed {
                    let cut = cut.min(body.len());
                    inflater.push(&body[..cut]).unwrap();
                    inflater.push(&body[cut..]).unwrap();
                    let mut inflated = BytesMut::new();
                    inflater.finish(&mut inflated).unwrap();
                    prop_assert_eq!(&inflated[..], &whole[..]);
                } else {
                    prop_assert_eq!(&body, &whole);
                }
            }
        }
    }
}
