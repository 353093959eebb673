//! Maps keyed by subscription ids and request tokens, with a hasher made for them.
//!
//! The keys are small counters the client hands out itself, so no peer chooses them and
//! SipHash's resistance to chosen keys buys nothing; one multiplication spreads them over
//! the table instead. Every delivered message is looked up here.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` keyed by ids the client hands out.
pub(crate) type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// Hashes one `u64` by a multiplication with an odd constant (Fibonacci hashing).
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used for ids; anything else still hashes, byte by byte.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_ids_spread_over_the_high_bits() {
        let hash = |id| {
            let mut h = IdHasher::default();
            h.write_u64(id);
            h.finish() >> 57 // hashbrown reads its control bits from the top 7
        };
        let tops: std::collections::HashSet<u64> = (1..=64).map(hash).collect();
        assert!(
            tops.len() > 32,
            "consecutive ids land on {} of 128 values",
            tops.len()
        );
    }
}
