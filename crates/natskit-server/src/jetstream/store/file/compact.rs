//! Compaction: a segment rewritten without its removed messages (written aside, synced, renamed
//! over the old file), or deleted when nothing in it is needed any more.
//!
//! A removal or floor record is needed while an older segment still holds a record it removes:
//! dropped earlier, that message would come back at the next open.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use super::super::StoreError;
use super::record::{Kind, Record, FILE_HEADER_LEN};
use super::segment::{sync_dir, Entry, Segment};

/// What is left of a segment after compaction.
#[derive(Debug)]
pub(crate) enum Compacted {
    /// The rewritten file: its length and the entries of the messages it kept.
    Rewritten { size: u64, entries: Vec<Entry> },
    /// Nothing was needed: the file is gone.
    Deleted,
}

/// Compacts `segment`, given the segments `older` than it, in `dir`.
pub(crate) fn compact(
    segment: &Segment,
    older: &[Segment],
    dir: &Path,
) -> Result<Compacted, StoreError> {
    let bytes = fs::read(&segment.path)?;
    let name = segment.path.display();
    let mut out = Vec::with_capacity(bytes.len() / 2);
    out.extend_from_slice(&bytes[..FILE_HEADER_LEN]);
    let mut entries = Vec::with_capacity(segment.live as usize);
    let mut offset = FILE_HEADER_LEN;
    while offset < bytes.len() {
        let (record, len) = Record::decode(&bytes[offset..]).ok_or_else(|| {
            StoreError::Corrupt(format!("{name}: the record at byte {offset} is damaged"))
        })?;
        let keep = match record.kind {
            Kind::Message => segment
                .find(record.seq)
                .map(|at| segment.entries[at])
                .filter(Entry::is_live)
                .map(|entry| {
                    entries.push(Entry {
                        offset: out.len() as u32,
                        ..entry
                    });
                }),
            Kind::Removal => holds(older, record.seq).then_some(()),
            Kind::Floor => older
                .iter()
                .any(|s| s.entries.first().is_some_and(|e| s.seq(e) < record.seq))
                .then_some(()),
        };
        if keep.is_some() {
            out.extend_from_slice(&bytes[offset..offset + len]);
        }
        offset += len;
    }
    if out.len() == FILE_HEADER_LEN {
        fs::remove_file(&segment.path)?;
        sync_dir(dir)?;
        return Ok(Compacted::Deleted);
    }
    let temporary = segment.path.with_extension("seg.tmp");
    let mut file = File::create(&temporary)?;
    file.write_all(&out)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, &segment.path)?;
    sync_dir(dir)?;
    Ok(Compacted::Rewritten {
        size: out.len() as u64,
        entries,
    })
}

/// Whether one of `segments` still holds the record of message `seq`.
fn holds(segments: &[Segment], seq: u64) -> bool {
    // Sequences grow from segment to segment: only the last one starting at or before `seq`
    // can hold it.
    let after = segments.partition_point(|s| s.base() <= seq);
    after > 0 && segments[after - 1].find(seq).is_some()
}
