//! Where a connection copies its large messages (64 KiB or more) out of the read buffer: one
//! buffer per message, each used again once its message is dropped.
//!
//! Why: a large message handed on as a slice of the read buffer keeps that buffer, so the next
//! read needs a new one, and fresh memory costs a page fault per 4 KiB page: about 8,000 in
//! the connection task for each 64 MiB object got, on every get. Copied into a buffer of its
//! own, a large message costs one copy of bytes the read just brought into the cache, the read
//! buffer serves the next read, and the buffers serve later messages. `profile_object ... 64
//! 10` against nats-server 2.10, 5 alternating rounds: 30-36 k page faults instead of 91-114 k,
//! client CPU 927-947 ms instead of 1,047-1,095, and 809 MB/s instead of 737 (medians).
//!
//! What is kept: the buffers followed are at most [`MAX_KEPT_BYTES`] (and [`MAX_KEPT`] of
//! them), whether their messages are held or not; a buffer pushed out of that is freed with its
//! message. Of them, free ones beyond [`MAX_SPARE_BYTES`] are let go at the next copy, read or
//! timer of the connection. Requests' answers are copied the same way.

use std::collections::VecDeque;

use bytes::BytesMut;
use natskit_proto::Msg;

/// Buffers followed at most, by their capacity, free or not: more than an object get holds on
/// its way to the reader (up to 96 chunks of 128 KiB: the pull window and the digest thread's
/// queue), and what a burst of large messages can leave behind until the next read.
const MAX_KEPT_BYTES: usize = 16 * 1024 * 1024;

/// Buffers followed at most, however small: what a scan for a free one may look through.
const MAX_KEPT: usize = 256;

/// Free buffers kept at most, by their capacity: enough for the messages a reader drops
/// between two reads when it takes them in bursts (32 object-store chunks; with 1 MiB kept,
/// 6 in 10 copies of an object get needed new memory, with 4 MiB 1 in 10).
const MAX_SPARE_BYTES: usize = 4 * 1024 * 1024;

/// Buffers are sized up to a multiple of this, so one buffer fits messages of nearly equal
/// sizes (object chunks, with subjects of different lengths).
const ROUNDING: usize = 4 * 1024;

/// One buffer and its whole capacity.
#[derive(Debug)]
struct Kept {
    buffer: BytesMut,
    capacity: usize,
}

impl Kept {
    /// True when no message holds the buffer any more; it is then empty and whole again.
    fn is_free(&mut self) -> bool {
        // Room for its whole capacity again, without allocating: only when nothing else holds
        // the buffer (and it holds no bytes, which every copy splits off).
        self.buffer.try_reclaim(self.capacity)
    }

    /// Whether it suits a message of `need` bytes: large enough, and not so large that the
    /// message would hold much more memory than it counts for.
    fn suits(&self, need: usize) -> bool {
        (need..=need.saturating_mul(2)).contains(&self.capacity)
    }
}

/// The buffers of one connection's large messages, oldest first.
#[derive(Debug, Default)]
pub(crate) struct LargeCopies {
    kept: VecDeque<Kept>,
    /// The capacities of `kept`, summed.
    kept_bytes: usize,
}

impl LargeCopies {
    /// `msg` copied into a buffer of its own: a free one that suits it, or a new one.
    pub(crate) fn copy(&mut self, msg: Msg) -> Msg {
        let need = msg.frame_len();
        let mut kept = self.scan(Some(need)).unwrap_or_else(|| {
            let capacity = need.div_ceil(ROUNDING) * ROUNDING;
            Kept {
                buffer: BytesMut::with_capacity(capacity),
                capacity,
            }
        });
        let copy = msg.copied_to(&mut kept.buffer);
        self.keep(kept);
        copy
    }

    /// Lets go of the free buffers beyond [`MAX_SPARE_BYTES`]: called on every read and timer,
    /// so that what a burst of large messages leaves is given back once they are dropped.
    pub(crate) fn let_go_of_spares(&mut self) {
        // No scan while everything followed would fit among the spares (small messages only).
        if self.kept_bytes > MAX_SPARE_BYTES {
            self.scan(None);
        }
    }

    /// Takes the first free buffer that suits `need` bytes, if asked for one; lets go of free
    /// buffers beyond [`MAX_SPARE_BYTES`] on the way.
    fn scan(&mut self, need: Option<usize>) -> Option<Kept> {
        let mut found = None;
        let mut spare = 0;
        let mut index = 0;
        while index < self.kept.len() {
            let kept = &mut self.kept[index];
            if !kept.is_free() {
                index += 1;
                continue;
            }
            let wanted = found.is_none() && need.is_some_and(|need| kept.suits(need));
            if wanted || spare + kept.capacity > MAX_SPARE_BYTES {
                let taken = self.remove(index);
                if wanted {
                    found = taken;
                }
                continue;
            }
            spare += kept.capacity;
            index += 1;
        }
        found
    }

    /// Keeps `kept` as the newest, letting the oldest go beyond [`MAX_KEPT_BYTES`] or
    /// [`MAX_KEPT`].
    fn keep(&mut self, kept: Kept) {
        self.kept_bytes += kept.capacity;
        self.kept.push_back(kept);
        while self.kept.len() > 1
            && (self.kept_bytes > MAX_KEPT_BYTES || self.kept.len() > MAX_KEPT)
        {
            self.remove(0);
        }
    }

    fn remove(&mut self, index: usize) -> Option<Kept> {
        let kept = self.kept.remove(index)?;
        self.kept_bytes -= kept.capacity;
        Some(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn large(payload_len: usize, fill: u8) -> Msg {
        Msg::new("objects.chunk", 1, None, None, &vec![fill; payload_len])
    }

    fn filled_with(msg: &Msg, fill: u8) -> bool {
        msg.payload().iter().all(|&byte| byte == fill)
    }

    #[test]
    fn a_copy_is_the_message() {
        let mut copies = LargeCopies::default();
        let msg = large(100_000, 7);
        assert_eq!(copies.copy(msg.clone()), msg);
    }

    #[test]
    fn a_buffer_is_used_again_once_its_message_is_dropped() {
        let mut copies = LargeCopies::default();
        let first = copies.copy(large(100_000, 1));
        let first_at = first.payload().as_ptr();
        drop(first);
        let second = copies.copy(large(100_000, 2));
        assert_eq!(second.payload().as_ptr(), first_at, "the same buffer");
        assert!(filled_with(&second, 2));
    }

    #[test]
    fn a_buffer_still_held_is_not_written_over() {
        let mut copies = LargeCopies::default();
        let first = copies.copy(large(100_000, 1));
        let second = copies.copy(large(100_000, 2));
        assert_ne!(first.payload().as_ptr(), second.payload().as_ptr());
        assert!(filled_with(&first, 1));
        assert!(filled_with(&second, 2));
    }

    #[test]
    fn a_free_buffer_too_small_is_not_used() {
        let mut copies = LargeCopies::default();
        drop(copies.copy(large(70_000, 1)));
        let larger = copies.copy(large(200_000, 2));
        assert_eq!(larger.payload().len(), 200_000);
        assert!(filled_with(&larger, 2));
    }

    #[test]
    fn a_free_buffer_much_too_large_is_not_used() {
        let mut copies = LargeCopies::default();
        drop(copies.copy(large(300_000, 1)));
        let small = copies.copy(large(70_000, 2));
        let capacities: Vec<usize> = copies.kept.iter().map(|kept| kept.capacity).collect();
        assert_eq!(capacities.len(), 2, "a buffer of its own: {capacities:?}");
        assert!(filled_with(&small, 2));
    }

    /// The free buffers among those followed.
    fn free(copies: &mut LargeCopies) -> usize {
        let mut free = 0;
        for kept in copies.kept.iter_mut() {
            free += usize::from(kept.is_free());
        }
        free
    }

    #[test]
    fn what_is_followed_stays_within_its_bounds() {
        let mut copies = LargeCopies::default();
        // More messages held at once than may be followed: the oldest buffers are let go.
        let held: Vec<Msg> = (0..200).map(|_| copies.copy(large(131_072, 3))).collect();
        assert!(copies.kept_bytes <= MAX_KEPT_BYTES);
        assert_eq!(
            copies.kept_bytes,
            copies.kept.iter().map(|kept| kept.capacity).sum::<usize>()
        );
        assert!(held.iter().all(|msg| msg.payload().len() == 131_072));
        let each = copies.kept[0].capacity;
        drop(held);
        // All free now: a read lets go of all but MAX_SPARE_BYTES of them.
        copies.let_go_of_spares();
        let spare = MAX_SPARE_BYTES / each;
        assert_eq!(copies.kept.len(), spare);
        assert_eq!(free(&mut copies), spare);
    }

    #[test]
    fn buffers_are_followed_up_to_a_count_however_small() {
        let mut copies = LargeCopies::default();
        let held: Vec<Msg> = (0..MAX_KEPT + 10)
            .map(|_| copies.copy(large(10_000, 4)))
            .collect();
        assert_eq!(copies.kept.len(), MAX_KEPT);
        drop(held);
    }

    #[test]
    fn buffers_still_held_are_not_let_go_as_spares() {
        let mut copies = LargeCopies::default();
        let held: Vec<Msg> = (0..40).map(|_| copies.copy(large(131_072, 5))).collect();
        copies.let_go_of_spares();
        assert_eq!(copies.kept.len(), 40, "none is free");
        assert_eq!(free(&mut copies), 0);
        drop(held);
    }
}
