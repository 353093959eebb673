//! Shared harness of the natskit-proto fuzz targets.
//!
//! The two decode targets read their input as:
//!
//! - byte 0: how the stream is cut into reads. `0` hands it over in one piece; `n > 0` cuts it
//!   into pieces of 1..=n bytes, lengths drawn from a small generator seeded with `n` (so `1`
//!   feeds it byte by byte).
//! - byte 1: the decoder limits and the write buffer's copy threshold, two bits each (see
//!   [`Config::parse`]); `0` means the defaults. Small limits put the limit checks in
//!   reach of short inputs.
//! - the rest: the byte stream.
//!
//! For every input they check that:
//!
//! 1. decoding never panics;
//! 2. the stream cut into pieces decodes to exactly what the whole stream decodes to: the same
//!    operations, then the same error or the same bytes left over;
//! 3. every decoded operation, encoded again with [`WriteBuffer`], decodes to an equal
//!    operation and nothing else;
//! 4. all decoded operations encoded into one [`WriteBuffer`] decode to the same operations;
//! 5. a [`WriteBuffer`] (one operation or all) reads the same through `chunks_vectored`,
//!    through `chunk` + `advance` in small steps and through `to_bytes`, and keeps the `Buf`
//!    contract.
//!
//! Checks 3 and 4 decode with [`ROUND_TRIP_LIMITS`], not with the input's limits: the encoder
//! does not enforce limits, and writes canonical frames that may be longer than what was read
//! (an INFO `{}` gains its default fields, a header `A:b` becomes `A: b`).

use std::fmt::Debug;
use std::io::IoSlice;

use bytes::{Buf, Bytes, BytesMut};
use natskit_proto::encode::DEFAULT_COPY_THRESHOLD;
use natskit_proto::{
    BrokerOp, BrokerOpDecoder, ClientOp, ClientOpDecoder, Limits, ProtoError, ServerOp,
    ServerOpDecoder, WriteBuffer,
};

/// Limits of the decoder that reads re-encoded operations: large enough for anything a fuzz
/// input can produce, small enough that no size computation can overflow.
pub const ROUND_TRIP_LIMITS: Limits = Limits {
    max_control_line: 1 << 30,
    max_json_line: 1 << 30,
    max_payload: 1 << 30,
};

/// One direction of the protocol: its decoder and its encoder.
pub trait Direction {
    /// The operations of this direction.
    type Op: Debug + PartialEq;
    /// Its decoder.
    type Decoder;
    /// The decoder's default limits.
    fn default_limits() -> Limits;
    /// A decoder with `limits`.
    fn decoder(limits: Limits) -> Self::Decoder;
    /// One decode step.
    fn decode(
        decoder: &mut Self::Decoder,
        buf: &mut BytesMut,
    ) -> Result<Option<Self::Op>, ProtoError>;
    /// Appends `op` to `out`.
    fn encode(out: &mut WriteBuffer, op: &Self::Op);
    /// False for operations that are decoded only and have nothing to encode (a server's
    /// malformed message): they are left out of the round trips.
    fn encodable(op: &Self::Op) -> bool {
        let _ = op;
        true
    }
}

/// What a server sends.
pub struct Server;

impl Direction for Server {
    type Op = ServerOp;
    type Decoder = ServerOpDecoder;
    fn default_limits() -> Limits {
        ServerOpDecoder::new().limits()
    }
    fn decoder(limits: Limits) -> ServerOpDecoder {
        ServerOpDecoder::with_limits(limits)
    }
    fn decode(d: &mut ServerOpDecoder, buf: &mut BytesMut) -> Result<Option<ServerOp>, ProtoError> {
        d.decode(buf)
    }
    fn encode(out: &mut WriteBuffer, op: &ServerOp) {
        out.put_server_op(op);
    }
    fn encodable(op: &ServerOp) -> bool {
        !matches!(op, ServerOp::Malformed(_))
    }
}

/// What a client sends.
pub struct Client;

impl Direction for Client {
    type Op = ClientOp;
    type Decoder = ClientOpDecoder;
    fn default_limits() -> Limits {
        ClientOpDecoder::new().limits()
    }
    fn decoder(limits: Limits) -> ClientOpDecoder {
        ClientOpDecoder::with_limits(limits)
    }
    fn decode(d: &mut ClientOpDecoder, buf: &mut BytesMut) -> Result<Option<ClientOp>, ProtoError> {
        d.decode(buf)
    }
    fn encode(out: &mut WriteBuffer, op: &ClientOp) {
        out.put_client_op(op);
    }
}

/// What a client sends, as a broker reads it (header blocks left raw).
pub struct Broker;

impl Direction for Broker {
    type Op = BrokerOp;
    type Decoder = BrokerOpDecoder;
    fn default_limits() -> Limits {
        BrokerOpDecoder::new().limits()
    }
    fn decoder(limits: Limits) -> BrokerOpDecoder {
        BrokerOpDecoder::with_limits(limits)
    }
    /// As the broker reads: whole publishes in place first, each checked against what `decode`
    /// makes of the same bytes.
    fn decode(d: &mut BrokerOpDecoder, buf: &mut BytesMut) -> Result<Option<BrokerOp>, ProtoError> {
        if let Some((publish, len)) = d.decode_pub_in_place(buf) {
            let mut copy = buf.clone();
            let decoded = BrokerOpDecoder::with_limits(d.limits()).decode(&mut copy);
            match &decoded {
                Ok(Some(BrokerOp::Pub(expected))) => assert_eq!(expected.borrowed(), publish),
                other => panic!("in place: {publish:?}; decode: {other:?}"),
            }
            assert_eq!(copy.len(), buf.len() - len, "both paths take the same bytes");
            buf.advance(len);
            return decoded;
        }
        d.decode(buf)
    }
    fn encode(out: &mut WriteBuffer, op: &BrokerOp) {
        match op {
            // The encoder has no raw HPUB (only brokers read them): write the frame by hand.
            BrokerOp::Pub(publish) => {
                let op: &[u8] = match publish.header_len {
                    Some(_) => b"HPUB ",
                    None => b"PUB ",
                };
                out.put_raw(op);
                // Names are bytes, which need not be UTF-8: written as read.
                out.put_raw(&publish.subject);
                if let Some(reply) = &publish.reply {
                    out.put_raw(b" ");
                    out.put_raw(reply);
                }
                let mut sizes = String::new();
                if let Some(header_len) = publish.header_len {
                    sizes.push_str(&format!(" {header_len}"));
                }
                sizes.push_str(&format!(" {}\r\n", publish.data.len()));
                out.put_raw(sizes.as_bytes());
                out.put_raw(&publish.data);
                out.put_raw(b"\r\n");
            }
            BrokerOp::Connect(connect) => out.put_connect(connect),
            // A broker's sids are any token: written as read, by hand too.
            BrokerOp::Sub(sub) => {
                out.put_raw(b"SUB ");
                out.put_raw(&sub.subject);
                if let Some(queue) = &sub.queue {
                    out.put_raw(b" ");
                    out.put_raw(queue);
                }
                out.put_raw(b" ");
                out.put_raw(&sub.sid);
                out.put_raw(b"\r\n");
            }
            BrokerOp::Unsub { sid, max } => {
                out.put_raw(b"UNSUB ");
                out.put_raw(sid);
                if let Some(max) = max {
                    out.put_raw(format!(" {max}").as_bytes());
                }
                out.put_raw(b"\r\n");
            }
            BrokerOp::Ping => out.put_raw(b"PING\r\n"),
            BrokerOp::Pong => out.put_raw(b"PONG\r\n"),
        }
    }
}

/// The settings taken from the first two bytes of an input.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Byte 0: `0` for one piece, otherwise the largest piece and the generator's seed.
    pub cuts: u8,
    /// Limits of the decoder under test.
    pub limits: Limits,
    /// Copy threshold of the write buffers.
    pub copy_threshold: usize,
}

impl Config {
    /// Splits an input into its settings and its stream; `None` when it is too short.
    ///
    /// Byte 1, two bits each, `0` keeping the default:
    /// - bits 0-1: `max_control_line` default, 16, 32 or 64;
    /// - bits 2-3: `max_json_line` default, 16, 64 or 256;
    /// - bits 4-5: `max_payload` default, 0, 8 or 64;
    /// - bits 6-7: copy threshold default, 0, 1 or 16.
    pub fn parse<D: Direction>(data: &[u8]) -> Option<(Config, &[u8])> {
        let (&[cuts, knobs], stream) = data.split_first_chunk::<2>()?;
        let pick = |shift: u32, default: usize, choices: [usize; 3]| match (knobs >> shift) & 3 {
            0 => default,
            i => choices[usize::from(i) - 1],
        };
        let base = D::default_limits();
        let limits = Limits {
            max_control_line: pick(0, base.max_control_line, [16, 32, 64]),
            max_json_line: pick(2, base.max_json_line, [16, 64, 256]),
            max_payload: pick(4, base.max_payload, [0, 8, 64]),
        };
        let copy_threshold = pick(6, DEFAULT_COPY_THRESHOLD, [0, 1, 16]);
        Some((
            Config {
                cuts,
                limits,
                copy_threshold,
            },
            stream,
        ))
    }
}

/// Lengths of the pieces a stream is cut into: 1..=max, from a xorshift generator.
struct Pieces {
    max: usize,
    state: u32,
}

impl Pieces {
    fn new(max: u8) -> Self {
        Pieces {
            max: usize::from(max),
            state: 0x9e37_79b9 ^ u32::from(max),
        }
    }

    fn next_len(&mut self) -> usize {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 17;
        self.state ^= self.state << 5;
        1 + self.state as usize % self.max
    }
}

/// How decoding a stream ended after its last operation.
#[derive(Debug, PartialEq)]
pub enum End {
    /// `Ok(None)`: these bytes are left, waiting for more.
    Incomplete(Vec<u8>),
    /// This error.
    Failed(ProtoError),
}

/// Decodes everything decodable from `stream`, fed whole (`cuts == 0`) or in pieces.
pub fn decode_stream<D: Direction>(limits: Limits, stream: &[u8], cuts: u8) -> (Vec<D::Op>, End) {
    let mut decoder = D::decoder(limits);
    let mut ops = Vec::new();
    let mut buf = BytesMut::new();
    let mut rest = stream;
    let mut pieces = (cuts > 0).then(|| Pieces::new(cuts));
    loop {
        let n = match &mut pieces {
            Some(p) => p.next_len().min(rest.len()),
            None => rest.len(),
        };
        let (piece, after) = rest.split_at(n);
        buf.extend_from_slice(piece);
        rest = after;
        loop {
            match D::decode(&mut decoder, &mut buf) {
                Ok(Some(op)) => ops.push(op),
                Ok(None) => break,
                Err(e) => return (ops, End::Failed(e)),
            }
        }
        if rest.is_empty() {
            return (ops, End::Incomplete(buf.to_vec()));
        }
    }
}

/// Encodes `op` alone and decodes it again: it must come back equal, with nothing left over.
pub fn check_round_trip<D: Direction>(op: &D::Op, copy_threshold: usize) {
    let wire = encode_checked::<D>(std::slice::from_ref(op), copy_threshold, 1);
    let mut buf = BytesMut::from(&wire[..]);
    let mut decoder = D::decoder(ROUND_TRIP_LIMITS);
    match D::decode(&mut decoder, &mut buf) {
        Ok(Some(again)) => assert_eq!(&again, op, "re-encoded as {wire:?}"),
        other => panic!("{op:?} re-encoded as {wire:?} decodes to {other:?}"),
    }
    assert!(
        buf.is_empty(),
        "{op:?} re-encoded as {wire:?} leaves {buf:?}"
    );
}

/// Encodes all `ops` into one buffer and decodes that stream: the same operations, nothing left.
pub fn check_stream_round_trip<D: Direction>(ops: &[D::Op], copy_threshold: usize, step: u8) {
    let wire = encode_checked::<D>(ops, copy_threshold, step);
    let mut buf = BytesMut::from(&wire[..]);
    let mut decoder = D::decoder(ROUND_TRIP_LIMITS);
    for op in ops {
        match D::decode(&mut decoder, &mut buf) {
            Ok(Some(again)) => assert_eq!(&again, op),
            other => panic!("{op:?} in a re-encoded stream decodes to {other:?}"),
        }
    }
    assert!(buf.is_empty(), "re-encoded stream leaves {buf:?}");
}

/// Encodes `ops` into a [`WriteBuffer`] and reads it three ways, which must agree:
/// `chunks_vectored`, `chunk` + `advance` by at most `step` bytes, and (on a second buffer
/// holding the same) `to_bytes`.
///
/// The `Buf` contract (`chunk` is empty only when nothing remains) is checked first, because
/// `to_bytes` loops forever on a buffer that breaks it.
fn encode_checked<D: Direction>(ops: &[D::Op], copy_threshold: usize, step: u8) -> Bytes {
    let encode = || {
        let mut out = WriteBuffer::with_copy_threshold(copy_threshold);
        for op in ops {
            D::encode(&mut out, op);
        }
        out
    };
    let mut out = encode();
    let total = out.remaining();

    // At most three chunks per operation (copied head, chained payload, copied CRLF), plus one.
    let mut slices = vec![IoSlice::new(&[]); 3 * ops.len() + 1];
    let n = out.chunks_vectored(&mut slices);
    let vectored: Vec<u8> = slices[..n].iter().flat_map(|s| s.iter().copied()).collect();
    assert_eq!(vectored.len(), total, "chunks_vectored misses bytes");

    let step = usize::from(step.max(1));
    let mut stepped = Vec::with_capacity(total);
    while out.has_remaining() {
        let chunk = out.chunk();
        assert!(
            !chunk.is_empty(),
            "Buf contract broken: empty chunk with {} bytes remaining (copy threshold \
             {copy_threshold}, {} bytes read so far)",
            out.remaining(),
            stepped.len(),
        );
        let n = chunk.len().min(step);
        stepped.extend_from_slice(&chunk[..n]);
        out.advance(n);
        assert_eq!(out.remaining() + stepped.len(), total);
    }
    assert!(out.is_empty());
    assert_eq!(
        stepped, vectored,
        "chunk/advance and chunks_vectored disagree"
    );

    let whole = encode().to_bytes();
    assert_eq!(
        &whole[..],
        &stepped[..],
        "to_bytes and chunk/advance disagree"
    );
    whole
}

/// The whole check of a decode target.
pub fn fuzz_decoder<D: Direction>(data: &[u8]) {
    let Some((config, stream)) = Config::parse::<D>(data) else {
        return;
    };
    let (ops, end) = decode_stream::<D>(config.limits, stream, 0);
    if config.cuts > 0 {
        let (cut_ops, cut_end) = decode_stream::<D>(config.limits, stream, config.cuts);
        assert_eq!(
            cut_ops, ops,
            "pieces and whole decode to different operations"
        );
        assert_eq!(cut_end, end, "pieces and whole end differently");
    }
    let ops: Vec<_> = ops.into_iter().filter(D::encodable).collect();
    for op in &ops {
        check_round_trip::<D>(op, config.copy_threshold);
    }
    check_stream_round_trip::<D>(&ops, config.copy_threshold, config.cuts);
}
