//! Where [`ObjectStore::get_bytes`](super::ObjectStore::get_bytes) gathers an object: for a
//! large one on Linux, an anonymous mapping the kernel is asked to back with transparent huge
//! pages (2 MiB); otherwise a `Vec`.
//!
//! Why: a buffer of 64 MiB written from start to end takes one page fault per 4 KiB page, 16,384
//! in all, and those faults were the largest single cost of a get (about 40 % of the client's
//! CPU by `perf`). With huge pages it takes about 32.

use bytes::Bytes;

/// Objects smaller than this go into a `Vec`: a mapping and its `munmap` cost more than the
/// faults they save.
const MAPPED_FROM_BYTES: u64 = 4 * 1024 * 1024;

/// The data of one object as it arrives, chunk by chunk.
pub(super) enum WholeObject {
    /// Gathered in a `Vec` (small objects, other systems, or when mapping failed).
    Heap(Vec<u8>),
    /// Gathered in an anonymous mapping of the object's recorded size; `filled` bytes written.
    #[cfg(target_os = "linux")]
    Mapped {
        map: memmap2::MmapMut,
        filled: usize,
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

    #[cfg(target_os = "linux")]
    fn mapped(size: u64) -> Option<Self> {
        let len = usize::try_from(size).ok()?;
        let map = memmap2::MmapMut::map_anon(len).ok()?;
        // Only advice: without transparent huge pages (or with them off) the mapping works with
        // 4 KiB pages, as a `Vec` would.
        let _ = map.advise(memmap2::Advice::HugePage);
        Some(WholeObject::Mapped { map, filled: 0 })
    }

    /// Appends `chunk`. The reader never hands out more than the recorded size, but should it,
    /// the data moves to a `Vec` rather than being cut.
    pub(super) fn extend(&mut self, chunk: &[u8]) {
        match self {
            WholeObject::Heap(data) => data.extend_from_slice(chunk),
            #[cfg(target_os = "linux")]
            WholeObject::Mapped { map, filled } => {
                let end = *filled + chunk.len();
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
            WholeObject::Mapped { map, filled } => Bytes::from_owner(map).slice(..filled),
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
        let size = MAPPED_FROM_BYTES + 3;
        let whole = WholeObject::for_size(size, 1024);
        assert!(matches!(whole, WholeObject::Mapped { .. }));
        let first = vec![7u8; usize::try_from(MAPPED_FROM_BYTES).unwrap()];
        let data = gathered(size, &[&first, b"end"]);
        assert_eq!(data.len() as u64, size);
        assert!(data[..first.len()].iter().all(|&b| b == 7));
        assert_eq!(&data[first.len()..], b"end");
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
