//! [`Limits`]: the sizes a decoder accepts, with nats-server's defaults. A leaf module: the
//! framer, the directions and the decoder all read it, and it reads none of them.

/// nats-server's limit for a control line (its docs say 1024; the server enforces 4096).
pub const DEFAULT_MAX_CONTROL_LINE: usize = 4096;
/// Limit for `INFO` and `CONNECT` lines, which carry JSON and may be long (cluster URLs, JWTs).
pub const DEFAULT_MAX_JSON_LINE: usize = 1024 * 1024;
/// The largest `max_payload` nats-server can be configured with (64 MiB).
pub const MAX_PAYLOAD_CEILING: usize = 64 * 1024 * 1024;

/// Size limits a decoder enforces.
///
/// ```
/// use natskit_proto::{Limits, ServerOpDecoder};
///
/// let mut decoder = ServerOpDecoder::with_limits(Limits { max_payload: 1024, ..Limits::default() });
/// let mut buf = bytes::BytesMut::from(&b"MSG a 1 2048\r\n"[..]);
/// assert!(decoder.decode(&mut buf).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest control line other than INFO and CONNECT, terminator excluded.
    pub max_control_line: usize,
    /// Longest INFO or CONNECT line.
    pub max_json_line: usize,
    /// Largest payload (headers included) a message may announce; at most
    /// [`MAX_PAYLOAD_CEILING`], larger values are capped.
    pub max_payload: usize,
}

impl Default for Limits {
    /// 4096-byte control lines, 1 MiB JSON lines, 64 MiB payloads.
    fn default() -> Self {
        Limits {
            max_control_line: DEFAULT_MAX_CONTROL_LINE,
            max_json_line: DEFAULT_MAX_JSON_LINE,
            max_payload: MAX_PAYLOAD_CEILING,
        }
    }
}
