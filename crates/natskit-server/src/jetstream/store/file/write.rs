//! The write side of a file store: records appended to the newest segment, segments closed at
//! the size limit, syncs as the policy says, removals taken out of the index, whole purges, and
//! compaction of the segments that removals left half empty.

use std::fs;
use std::io::{self, Write};
use std::time::Instant;

use super::super::StoreError;
use super::compact::{compact, Compacted};
use super::record::{FileHeader, Kind, Record, FILE_HEADER_LEN, RECORD_OVERHEAD};
use super::segment::{sync_dir, Segment, REMOVED};
use super::{FileStore, SyncPolicy};

/// The size a message whose record is `len` bytes counts for (see
/// [`crate::jetstream::store::StoredMessage::size`]): its parts and 16.
pub(crate) fn counted_size(len: u32) -> u64 {
    u64::from(len) - RECORD_OVERHEAD as u64 + 16
}

/// The most a store keeps of the buffer it writes records in.
const SCRATCH_KEPT: usize = 64 * 1024;

impl FileStore {
    /// Appends `record` to the newest segment, closing it first when the record would take it
    /// past the size limit, and returns the record's offset and length.
    pub(crate) fn write(&mut self, record: &Record<'_>) -> Result<(u64, usize), StoreError> {
        self.scratch.clear();
        let len = record.encode(&mut self.scratch)?;
        let limit = self.options.segment_size.min(u64::from(u32::MAX));
        let size = self.active()?.size;
        if size > FILE_HEADER_LEN as u64 && size + len as u64 > limit {
            self.roll()?;
        }
        let segment = self.segments.last_mut().expect("an active segment");
        let offset = segment.size;
        if offset + len as u64 > u64::from(u32::MAX) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a message too large for one segment (4 GiB)",
            )
            .into());
        }
        let mut file = segment.file()?;
        if let Err(error) = file.write_all(&self.scratch) {
            // A partial record would sit before the next one: take it back.
            let _ = file.set_len(offset);
            return Err(error.into());
        }
        segment.size += len as u64;
        self.dirty = true;
        if self.scratch.capacity() > SCRATCH_KEPT {
            // One large message should not keep its size of memory for the store's life.
            self.scratch = Vec::new();
        }
        Ok((offset, len))
    }

    /// Ends a change: syncs under [`SyncPolicy::Always`] and compacts what removals emptied.
    pub(crate) fn settle(&mut self) -> Result<(), StoreError> {
        if self.options.sync == SyncPolicy::Always {
            self.sync_active()?;
        }
        self.compact_pending()
    }

    /// Syncs the newest segment if records were written to it since the last sync.
    pub(crate) fn sync_active(&mut self) -> Result<(), StoreError> {
        if self.dirty {
            self.active()?.file()?.sync_data()?;
            self.fsyncs += 1;
            self.dirty = false;
        }
        self.last_sync = Instant::now();
        Ok(())
    }

    /// The segment appended to (none once the store is destroyed).
    fn active(&self) -> Result<&Segment, StoreError> {
        self.segments.last().ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "the file store was destroyed").into()
        })
    }

    /// The id the next new segment gets.
    fn next_id(&self) -> Result<u32, StoreError> {
        self.active()?
            .id
            .checked_add(1)
            .ok_or_else(|| StoreError::Corrupt("segment ids ran out".into()))
    }

    /// Closes the newest segment, synced whole (recovery takes damage in a closed segment for
    /// a disk fault), and begins the next.
    fn roll(&mut self) -> Result<(), StoreError> {
        self.sync_active()?;
        let id = self.next_id()?;
        let header = FileHeader {
            last_seq: self.last_seq,
            last_time: self.last_time,
        };
        let next = Segment::create(&self.dir, id, header)?;
        let closed = self.segments.last_mut().expect("an active segment");
        closed.entries.shrink_to_fit();
        // Removals in it waited while it was being appended to.
        self.pending.push(closed.id);
        self.segments.push(next);
        Ok(())
    }

    /// Takes message `seq` out of the index and the counters (its record stays on disk until
    /// compaction); false when it was not held.
    pub(crate) fn unindex(&mut self, seq: u64) -> bool {
        let Some((at, index)) = self.locate(seq) else {
            return false;
        };
        let newest = at + 1 == self.segments.len();
        let segment = &mut self.segments[at];
        let entry = segment.entries[index];
        if !entry.is_live() {
            return false;
        }
        segment.entries[index].subject = REMOVED;
        segment.live -= 1;
        segment.removed_bytes += u64::from(entry.len);
        if !newest && !self.pending.contains(&segment.id) {
            self.pending.push(segment.id);
        }
        self.msgs -= 1;
        self.bytes -= counted_size(entry.len);
        let mut state = self.subjects.state(entry.subject);
        state.msgs -= 1;
        if state.msgs > 0 && state.first == seq {
            state.first = self
                .live_from(seq + 1)
                .find(|(_, e)| e.subject == entry.subject)
                .map_or(state.last, |(s, _)| s);
        } else if state.msgs > 0 && state.last == seq {
            state.last = self
                .live_back_from(seq - 1)
                .find(|(_, e)| e.subject == entry.subject)
                .map_or(state.first, |(s, _)| s);
        }
        self.subjects.set_state(entry.subject, state);
        if seq == self.first {
            self.first = self.first_held_from(seq + 1);
        }
        true
    }

    /// Removes every message and moves the last sequence to `last_seq`: a new segment whose
    /// header says so, a floor record in it (should a crash keep an old file), then the old
    /// files go.
    pub(crate) fn reset(&mut self, last_seq: u64) -> Result<(), StoreError> {
        let header = FileHeader {
            last_seq,
            last_time: self.last_time,
        };
        let next = Segment::create(&self.dir, self.next_id()?, header)?;
        let old = std::mem::replace(&mut self.segments, vec![next]);
        self.subjects.clear();
        self.pending.clear();
        self.msgs = 0;
        self.bytes = 0;
        self.last_seq = last_seq;
        self.first = last_seq + 1;
        self.dirty = false;
        self.write(&Record::marker(Kind::Floor, last_seq + 1))?;
        if self.options.sync == SyncPolicy::Always {
            self.sync_active()?;
        }
        for segment in old {
            let path = segment.path.clone();
            drop(segment);
            fs::remove_file(path)?;
        }
        sync_dir(&self.dir)?;
        Ok(())
    }

    /// Compacts the closed segments that had messages removed and now want it, oldest first
    /// (so newer segments see which removal records are still needed).
    pub(crate) fn compact_pending(&mut self) -> Result<(), StoreError> {
        self.pending.sort_unstable_by(|a, b| b.cmp(a));
        while let Some(id) = self.pending.pop() {
            let Some(at) = self.segments.iter().position(|s| s.id == id) else {
                continue;
            };
            if at + 1 == self.segments.len() || !self.segments[at].wants_compaction() {
                continue;
            }
            // Closed first: some systems will not replace or remove an open file.
            self.segments[at].reopen();
            let (older, rest) = self.segments.split_at(at);
            match compact(&rest[0], older, &self.dir)? {
                Compacted::Deleted => {
                    self.segments.remove(at);
                }
                Compacted::Rewritten { size, entries } => {
                    let segment = &mut self.segments[at];
                    segment.entries = entries;
                    segment.size = size;
                    segment.removed_bytes = 0;
                    segment.reopen();
                }
            }
        }
        Ok(())
    }
}
