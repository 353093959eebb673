//! Where [`ObjectStore::get_bytes`](super::ObjectStore::get_bytes) gathers an object: for a
//! large one on Linux, an anonymous mapping whose pages are made ready a few MiB ahead of the
//! data (`MADV_POPULATE_WRITE`); otherwise a `Vec`.
//!
//! Why: a buffer of 64 MiB written from start to end takes one page fault per 4 KiB page,
//! 16,384 in all, and those faults were the largest single cost of a get after SHA-256. The
//! kernel readies a range's pages in one call for about four fifths of what faulting them one
//! by one costs (64 MiB filled in 128 KiB copies: 23 ms against 28 ms). Only what has come is
//! readied, so an object whose meta claims more than the server holds commits no more memory
//! than a `Vec` would. (Huge pages were tried instead, 8f92836: 1 get in 3-10 stalled in the
//! kernel, and the bench fell.)

use bytes::Bytes;

/// Objects smaller than this go into a `Vec`: a mapping and its `munmap` cost more than the
/// faults they save.
const MAPPED_FROM_BYTES: u64 = 4 * 1024 * 1024;

/// How far ahead of the data the mapping's pages are readied, in one call.
#[cfg(target_os = "linux")]
const READY_AHEAD_BYTES: usize = 4 * 1024 * 1024;

/// The data of one object as it arrives, chunk by chunk.
pub(super) enum WholeObject {
    /// Gathered in a `Vec` (small objects, other systems, or when mapping failed).
    Heap(Vec<u8>),
    /// Gathered in an anonymous mapping of the object's recorded size: `filled` bytes written,
    /// the pages of the first `ready` bytes readied.
    #[cfg(target_os = "linux")]
    Mapped {
        map: memmap2::MmapMut,
        filled: usize,
        ready: usize,
    },
}

impl WholeObject {
    /// Room for an object whose meta says `size` bytes. Should the meta claim more than can be
    /// had, the buffer starts at `fallback` bytes and grows as data comes (the read then fails
    /// at the real end, with a size mismatch).
    pub(super) fn for_size(size: u64, fallback: usize) -> Self {
        #[cfg(target_os = "linux")]
        if size >= MAPPED_FROM_BYTES {
            if let Some(mapped) = Self::mapped(size) {
                return mapped;
            }
        }
        let mut data = Vec::new();
        if let Ok(size) = usize::try_from(size) {
            if data.try_reserve_exact(size).is_err() {
                data.reserve(fallback.min(size));
            }
        }
        WholeObject::Heap(data)
    }

    /// A mapping of `size` bytes, of which nothing is backed by memory yet.
    #[cfg(target_os = "linux")]
    fn mapped(size: u64) -> Option<Self> {
        let len = usize::try_from(size).ok()?;
        let map = memmap2::MmapMut::map_anon(len).ok()?;
        Some(WholeObject::Mapped {
            map,
            filled: 0,
            ready: 0,
        })
    }

    /// Appends `chunk`. The reader never hands out more than the recorded size, but should it,
    /// the data moves to a `Vec` rather than being cut.
    pub(super) fn extend(&mut self, chunk: &[u8]) {
        match self {
            WholeObject::Heap(data) => data.extend_from_slice(chunk),
            #[cfg(target_os = "linux")]
            WholeObject::Mapped { map, filled, ready } => {
                let end = *filled + chunk.len();
                if end > *ready && end <= map.len() {
                    let upto = (end.max(*ready + READY_AHEAD_BYTES)).min(map.len());
                    // Only advice: a kernel before 5.14 refuses it, and the copy below then
                    // faults the pages in one by one, as a `Vec` would.
                    let _ = map.advise_range(memmap2::Advice::PopulateWrite, *ready, upto - *ready);
                    *ready = upto;
                }
                if let Some(room) = map.get_mut(*filled..end) {
                    room.copy_from_slice(chunk);
                    *filled = end;
                } else {
                    let mut data = Vec::with_capacity(end);
                    data.extend_from_slice(&map[..*filled]);
                    data.extend_from_slice(chunk);
                    *self = WholeObject::Heap(data);
                }
            }
        }
    }

    /// The data gathered, without a copy.
    pub(super) fn into_bytes(self) -> Bytes {
        match self {
            WholeObject::Heap(data) => Bytes::from(data),
            #[cfg(target_os = "linux")]
            WholeObject::Mapped { map, filled, .. } => Bytes::from_owner(map).slice(..filled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gathered(size: u64, chunks: &[&[u8]]) -> Bytes {
        let mut whole = WholeObject::for_size(size, 1024);
        for chunk in chunks {
            whole.extend(chunk);
        }
        whole.into_bytes()
    }

    #[test]
    fn a_small_object_is_gathered_in_a_vec() {
        let whole = WholeObject::for_size(10, 1024);
        assert!(matches!(whole, WholeObject::Heap(_)));
        assert_eq!(gathered(10, &[b"hello", b"world"]), "helloworld");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_large_object_is_gathered_in_a_mapping_and_comes_out_whole() {
        let size = 3 * MAPPED_FROM_BYTES + 3;
        let whole = WholeObject::for_size(size, 1024);
        assert!(matches!(whole, WholeObject::Mapped { .. }));
        // Pieces of odd sizes, so the readied ranges start and end inside pages.
        let pattern: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let pieces: Vec<&[u8]> = pattern.chunks(1_000_003).collect();
        let data = gathered(size, &pieces);
        assert_eq!(data, pattern);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn pages_are_readied_only_a_step_ahead_of_the_data() {
        let mut whole = WholeObject::for_size(64 * MAPPED_FROM_BYTES, 1024);
        whole.extend(b"first");
        let WholeObject::Mapped { ready, filled, .. } = whole else {
            panic!("a large object is mapped");
        };
        assert_eq!(filled, 5);
        assert_eq!(ready, READY_AHEAD_BYTES);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_short_object_in_a_mapping_hands_out_only_what_came() {
        let data = gathered(MAPPED_FROM_BYTES, &[b"only this"]);
        assert_eq!(data, "only this");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn more_data_than_the_mapping_holds_moves_to_a_vec_and_keeps_all_of_it() {
        let size = MAPPED_FROM_BYTES;
        let mut whole = WholeObject::for_size(size, 1024);
        let full = vec![1u8; usize::try_from(size).unwrap()];
        whole.extend(&full);
        whole.extend(b"extra");
        assert!(matches!(whole, WholeObject::Heap(_)));
        let data = whole.into_bytes();
        assert_eq!(data.len() as u64, size + 5);
        assert_eq!(&data[full.len()..], b"extra");
    }

    #[test]
    fn a_size_beyond_memory_starts_from_the_fallback_and_grows() {
        let data = gathered(u64::MAX / 2, &[b"a", b"b"]);
        assert_eq!(data, "ab");
    }
}
