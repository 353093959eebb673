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
//! What is kept beyond the messages still held: at most [`MAX_SPARE_BYTES`] of free buffers,
//! checked at every copy and every read; a buffer whose message is still held after
//! [`MAX_KEPT`] newer ones is let go, and freed with its message.

use std::collections::VecDeque;

use bytes::BytesMut;
use natskit_proto::Msg;

/// Buffers followed at most, free or not: more large messages than a reader holds unread
/// when it keeps up (an object get has up to 96 chunks on their way to it).
const MAX_KEPT: usize = 256;

/// Free buffers kept at most, by their capacity: enough for the messages a reader drops
/// between two reads when it takes them in bursts (32 object-store chunks; with 1 MiB kept,
/// 6 in 10 copies of an object get needed new memory, with 4 MiB 1 in 10).
const MAX_SPARE_BYTES: usize = 4 * 1024 * 1024;

/// Buffers are sized up to a multiple of this, so one buffer fits messages of nearly equal
/// sizes (object chunks, with subjects of different lengths).
const ROUNDING: usize = 4 * 1024;

/// One buffer: its message (or none, once dropped), and its whole capacity.
#[derive(Debug)]
struct Kept {
    buffer: BytesMut,
    capacity: usize,
}

impl Kept {
    /// True when no message holds the buffer any more; it is then empty and whole again.
    fn is_free(&mut self) -> bool {
        // An emptied buffer may take its whole capacity again only when nothing else holds it.
        self.buffer.is_empty() && self.buffer.try_reclaim(self.capacity)
    }
}

/// The buffers of one connection's large messages, oldest first.
#[derive(Debug, Default)]
pub(crate) struct LargeCopies {
    kept: VecDeque<Kept>,
}

impl LargeCopies {
    /// `msg` copied into a buffer of its own: a free one large enough, or a new one.
    pub(crate) fn copy(&mut self, msg: Msg) -> Msg {
        let need = msg.frame_len();
        let mut kept = match self.take_free(need) {
            Some(kept) => kept,
            None => {
                let capacity = need.div_ceil(ROUNDING) * ROUNDING;
                Kept {
                    buffer: BytesMut::with_capacity(capacity),
                    capacity,
                }
            }
        };
        let copy = msg.copied_to(&mut kept.buffer);
        self.keep(kept);
        copy
    }

    /// Lets go of the free buffers beyond [`MAX_SPARE_BYTES`]: called on every read, so that what
    /// a burst of large messages leaves is given back once they are dropped.
    pub(crate) fn let_go_of_spares(&mut self) {
        if !self.kept.is_empty() {
            self.take_free(usize::MAX);
        }
    }

    /// Takes the first free buffer that holds `need` bytes; lets go of free buffers beyond
    /// [`MAX_SPARE_BYTES`] on the way.
    fn take_free(&mut self, need: usize) -> Option<Kept> {
        let mut found = None;
        let mut spare = 0;
        let mut index = 0;
        while index < self.kept.len() {
            let kept = &mut self.kept[index];
            if !kept.is_free() {
                index += 1;
                continue;
            }
            if found.is_none() && kept.capacity >= need {
                found = self.kept.remove(index);
                continue;
            }
            spare += kept.capacity;
            if spare > MAX_SPARE_BYTES {
                self.kept.remove(index);
            } else {
                index += 1;
            }
        }
        found
    }

    /// Keeps `kept` as the newest, letting the oldest go beyond [`MAX_KEPT`].
    fn keep(&mut self, kept: Kept) {
        self.kept.push_back(kept);
        if self.kept.len() > MAX_KEPT {
            self.kept.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn large(payload_len: usize, fill: u8) -> Msg {
        Msg::new("objects.chunk", 1, None, None, &vec![fill; payload_len])
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
        assert!(second.payload().iter().all(|&byte| byte == 2));
    }

    #[test]
    fn a_buffer_still_held_is_not_written_over() {
        let mut copies = LargeCopies::default();
        let first = copies.copy(large(100_000, 1));
        let second = copies.copy(large(100_000, 2));
        assert_ne!(first.payload().as_ptr(), second.payload().as_ptr());
        assert!(first.payload().iter().all(|&byte| byte == 1));
        assert!(second.payload().iter().all(|&byte| byte == 2));
    }

    #[test]
    fn a_free_buffer_too_small_is_not_used() {
        let mut copies = LargeCopies::default();
        drop(copies.copy(large(70_000, 1)));
        let larger = copies.copy(large(200_000, 2));
        assert_eq!(larger.payload().len(), 200_000);
        assert!(larger.payload().iter().all(|&byte| byte == 2));
    }

    #[test]
    fn what_is_kept_stays_within_its_bounds() {
        let mut copies = LargeCopies::default();
        // More messages held at once than may be followed: the oldest buffers are let go.
        let held: Vec<Msg> = (0..MAX_KEPT + 10)
            .map(|_| copies.copy(large(65_536, 3)))
            .collect();
        assert_eq!(copies.kept.len(), MAX_KEPT);
        let each = copies.kept[0].capacity;
        assert!(held.iter().all(|msg| msg.payload().len() == 65_536));
        drop(held);
        // All free now: a read lets go of all but MAX_SPARE_BYTES of them.
        copies.let_go_of_spares();
        let spare = MAX_SPARE_BYTES / each;
        assert_eq!(copies.kept.len(), spare);
        let mut free = 0;
        for kept in copies.kept.iter_mut() {
            free += usize::from(kept.is_free());
        }
        assert_eq!(free, spare);
    }

    #[test]
    fn buffers_still_held_are_not_let_go_as_spares() {
        let mut copies = LargeCopies::default();
        let held: Vec<Msg> = (0..20).map(|_| copies.copy(large(65_536, 5))).collect();
        copies.let_go_of_spares();
        assert_eq!(copies.kept.len(), 20, "none is free");
        drop(held);
    }
}
