//! [`FrameLayout`]: where the parts of a payload frame lie, shared by the framer that finds them
//! and the [`Msg`](crate::Msg) that keeps them.

use std::ops::Range;

/// Where the parts of a payload frame lie in it (what the decoder hands a direction with the
/// frame). Offsets count from the frame's first byte, the operation's name: the frame is
/// handed on whole, since cutting a `Bytes` costs more than remembering where its parts are.
#[derive(Debug, Clone)]
pub struct FrameLayout {
    /// The subscription id of MSG and HMSG; 0 for PUB and HPUB.
    pub sid: u64,
    /// Where the subject lies.
    pub subject: Range<usize>,
    /// Where the reply subject lies, if there is one.
    pub reply: Option<Range<usize>>,
    /// The header block (if `header_len` is set) and then the payload lie from here to
    /// `payload_end`.
    pub payload_start: usize,
    /// The end of the payload: its terminator follows.
    pub payload_end: usize,
    /// The announced size of an HMSG / HPUB header block.
    pub header_len: Option<usize>,
}
