//! [`FrameLayout`]: where the parts of a payload frame lie, shared by the framer that finds them
//! and the [`Msg`](crate::Msg) that keeps them.

use std::ops::Range;

/// Where the parts of a payload frame lie in it (what the decoder hands a direction with the frame).
#[derive(Debug, Clone)]
pub struct FrameLayout {
    /// The subscription id of MSG and HMSG; 0 for PUB and HPUB.
    pub sid: u64,
    /// The subject is `frame[..subject_len]`.
    pub subject_len: usize,
    /// Where the reply subject lies, if there is one.
    pub reply: Option<Range<usize>>,
    /// The header block (if `header_len` is set) and then the payload start here, and run to
    /// the end of the frame.
    pub payload_start: usize,
    /// The announced size of an HMSG / HPUB header block.
    pub header_len: Option<usize>,
}
