//! NUID: unique ids for inboxes and services, 22 base62 characters, cheap to make.
//!
//! An id is 12 random prefix characters followed by 10 characters of a sequence that grows by a
//! random step. Each thread keeps its own generator with its own random prefix, so [`next`] takes
//! no lock, and ids from different threads cannot collide (a prefix is 71 bits of randomness).

use std::cell::RefCell;

use rand::{Rng, RngCore};

const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PREFIX_LEN: usize = 12;
const SEQ_LEN: usize = 10;
/// Length of every NUID.
pub const NUID_LEN: usize = PREFIX_LEN + SEQ_LEN;
const MAX_SEQ: u64 = 839_299_365_868_340_224; // 62^10
const MIN_INC: u64 = 33;
const MAX_INC: u64 = 333;

/// A NUID generator. Most code wants the thread-local [`next`] instead.
///
/// ```
/// let mut gen = natskit_proto::nuid::Nuid::new();
/// let a = gen.next_id();
/// let b = gen.next_id();
/// assert_eq!(a.len(), 22);
/// assert_ne!(a, b);
/// assert_eq!(a[..12], b[..12]); // same prefix, new sequence
/// ```
#[derive(Debug, Clone)]
pub struct Nuid {
    prefix: [u8; PREFIX_LEN],
    seq: u64,
    inc: u64,
}

impl Default for Nuid {
    fn default() -> Self {
        Self::new()
    }
}

impl Nuid {
    /// A generator with a fresh random prefix and sequence.
    pub fn new() -> Self {
        let mut nuid = Nuid {
            prefix: [b'0'; PREFIX_LEN],
            seq: 0,
            inc: 0,
        };
        nuid.randomize_prefix();
        nuid.reset_sequence();
        nuid
    }

    fn randomize_prefix(&mut self) {
        let mut rng = rand::rng();
        let mut random = [0u8; PREFIX_LEN];
        rng.fill_bytes(&mut random);
        for (out, byte) in self.prefix.iter_mut().zip(random) {
            *out = DIGITS[usize::from(byte) % DIGITS.len()];
        }
    }

    fn reset_sequence(&mut self) {
        let mut rng = rand::rng();
        self.seq = rng.random_range(0..MAX_SEQ);
        self.inc = rng.random_range(MIN_INC..MAX_INC);
    }

    /// The next id as 22 ASCII bytes.
    pub fn next_bytes(&mut self) -> [u8; NUID_LEN] {
        self.seq += self.inc;
        if self.seq >= MAX_SEQ {
            self.randomize_prefix();
            self.reset_sequence();
        }
        let mut out = [0u8; NUID_LEN];
        out[..PREFIX_LEN].copy_from_slice(&self.prefix);
        let mut seq = self.seq;
        for slot in out[PREFIX_LEN..].iter_mut().rev() {
            *slot = DIGITS[(seq % 62) as usize];
            seq /= 62;
        }
        out
    }

    /// The next id as a `String`.
    pub fn next_id(&mut self) -> String {
        self.next_bytes().iter().map(|&b| char::from(b)).collect()
    }
}

thread_local! {
    static THREAD_NUID: RefCell<Nuid> = RefCell::new(Nuid::new());
}

/// The next id from this thread's generator.
///
/// ```
/// let id = natskit_proto::nuid::next();
/// assert_eq!(id.len(), 22);
/// assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()));
/// ```
pub fn next() -> String {
    THREAD_NUID.with(|n| n.borrow_mut().next_id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_overflow_takes_a_new_prefix() {
        let mut nuid = Nuid::new();
        let old_prefix = nuid.prefix;
        nuid.seq = MAX_SEQ - 1;
        let id = nuid.next_bytes();
        assert_ne!(
            nuid.prefix, old_prefix,
            "prefix must change when the sequence runs out"
        );
        assert_eq!(id[..PREFIX_LEN], nuid.prefix);
        assert!(nuid.seq < MAX_SEQ);
    }

    #[test]
    fn sequence_is_encoded_in_base62() {
        let mut nuid = Nuid::new();
        nuid.inc = 1;
        nuid.seq = 61;
        assert_eq!(&nuid.next_bytes()[PREFIX_LEN..], b"0000000010");
    }
}
