//! Benchmark payloads, some carrying their send time so that subscribers can measure latency.
//!
//! A stamped payload starts with the wall-clock send time as little-endian nanoseconds since
//! the Unix epoch; the other bytes (and every byte of an unstamped payload) are zero. Wall-clock
//! time, not [`std::time::Instant`], so that a `natskit bench sub` in another process on the
//! same machine can read it. Payloads under 8 bytes carry no stamp.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{BufMut, Bytes, BytesMut};

/// Bytes a stamp takes at the start of a payload.
pub const STAMP_LEN: usize = 8;

/// Every this many messages a publisher stamps one (the first of each run of this many), so
/// that making the stamped copy does not slow the publisher down.
pub const STAMP_EVERY: u64 = 64;

/// Stamps further than this from the reader's clock are not ours (or the clocks disagree):
/// they are not taken as latency samples.
const PLAUSIBLE: Duration = Duration::from_secs(3600);

/// The payloads of one publisher.
#[derive(Debug, Clone)]
pub struct Payloads {
    /// The unstamped payload, shared by every unstamped message.
    plain: Bytes,
}

impl Payloads {
    /// Payloads of `size` bytes.
    pub fn new(size: usize) -> Self {
        // Static bytes, made once per run: cloning and dropping them touches no reference
        // count, which a per-message atomic would cost a publisher of small messages.
        let zeros: &'static [u8] = Box::leak(vec![0u8; size].into_boxed_slice());
        Payloads {
            plain: Bytes::from_static(zeros),
        }
    }

    /// Bytes in each payload.
    pub fn size(&self) -> usize {
        self.plain.len()
    }

    /// The payload of message `seq` (from 0): stamped with the time now for every
    /// [`STAMP_EVERY`]th message when there is room, else the shared plain one.
    pub fn next(&self, seq: u64) -> Bytes {
        if !seq.is_multiple_of(STAMP_EVERY) || self.plain.len() < STAMP_LEN {
            return self.plain.clone();
        }
        let mut stamped = BytesMut::with_capacity(self.plain.len());
        stamped.put_u64_le(now_nanos());
        stamped.put_slice(&self.plain[STAMP_LEN..]);
        stamped.freeze()
    }
}

/// How long ago `payload` was sent, if it carries a plausible stamp.
pub fn age(payload: &[u8]) -> Option<Duration> {
    let stamp = u64::from_le_bytes(payload.get(..STAMP_LEN)?.try_into().ok()?);
    if stamp == 0 {
        return None;
    }
    let now = now_nanos();
    let age = Duration::from_nanos(now.checked_sub(stamp)?);
    (age <= PLAUSIBLE).then_some(age)
}

/// Wall-clock nanoseconds since the Unix epoch (0 for a clock set before 1970).
fn now_nanos() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_64th_message_is_stamped() {
        let payloads = Payloads::new(16);
        let first = payloads.next(0);
        assert_eq!(first.len(), 16);
        let age = age(&first).expect("the first message is stamped");
        assert!(age < Duration::from_secs(1), "{age:?}");
        for seq in 1..STAMP_EVERY {
            assert_eq!(super::age(&payloads.next(seq)), None, "{seq}");
        }
        assert!(super::age(&payloads.next(STAMP_EVERY)).is_some());
    }

    #[test]
    fn small_payloads_carry_no_stamp() {
        let payloads = Payloads::new(7);
        assert_eq!(payloads.next(0).len(), 7);
        assert_eq!(age(&payloads.next(0)), None);
        assert_eq!(Payloads::new(0).next(0).len(), 0);
    }

    #[test]
    fn foreign_payloads_are_not_samples() {
        assert_eq!(age(b"0123456789abcdef"), None);
        assert_eq!(age(&u64::MAX.to_le_bytes()), None);
        assert_eq!(age(&[1, 0, 0, 0, 0, 0, 0, 0]), None);
    }
}
