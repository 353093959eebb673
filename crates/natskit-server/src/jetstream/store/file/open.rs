//! Opening a file store: lock its directory, replay its segments oldest first into the index,
//! and make the newest the one appended to.

use std::fs;
use std::path::Path;
use std::time::Instant;

use super::super::StoreError;
use super::lock::StoreDirLock;
use super::record::{FileHeader, Kind, FORMAT_VERSION};
use super::recovery::{scan, Found};
use super::segment::{segment_id, segment_path, Segment};
use super::subjects::Subjects;
use super::write::counted_size;
use super::{FileStore, FileStoreOptions};

impl FileStore {
    /// Opens (or begins) the store of one stream in `dir`; its files go in `<dir>/msgs`. Fails
    /// when another store holds the directory, when another format version wrote it, and when a
    /// segment is damaged other than by a torn write (see `recovery`).
    pub(crate) fn open(dir: &Path, options: FileStoreOptions) -> Result<FileStore, StoreError> {
        let msgs = dir.join("msgs");
        let lock = StoreDirLock::acquire(&msgs)?;
        let ids = segment_ids(&msgs)?;
        let mut store = FileStore {
            dir: msgs,
            options,
            lock: Some(lock),
            segments: Vec::with_capacity(ids.len().max(1)),
            subjects: Subjects::default(),
            msgs: 0,
            bytes: 0,
            first: 1,
            last_seq: 0,
            last_time: 0,
            dirty: false,
            last_sync: Instant::now(),
            fsyncs: 0,
            pending: Vec::new(),
            scratch: Vec::new(),
        };
        for (at, &id) in ids.iter().enumerate() {
            let path = segment_path(&store.dir, id);
            let last = at + 1 == ids.len();
            let scanned = scan(&path, last, &mut |found| store.replay(id, &path, found))?;
            store.segments.last_mut().expect("replayed its header").size = scanned.size;
        }
        match store.segments.last_mut() {
            Some(newest) => newest.open_for_append()?,
            None => store
                .segments
                .push(Segment::create(&store.dir, 1, FileHeader::default())?),
        }
        store.first = store.first_held_from(0);
        store.compact_pending()?;
        Ok(store)
    }

    /// Applies one thing read from segment `id` at `path` to the index.
    fn replay(&mut self, id: u32, path: &Path, found: Found<'_>) -> Result<(), StoreError> {
        let (offset, len, record) = match found {
            Found::Header(header) => {
                if header.last_seq >= self.last_seq {
                    self.last_seq = header.last_seq;
                    self.last_time = header.last_time;
                }
                let size = super::record::FILE_HEADER_LEN as u64;
                self.segments
                    .push(Segment::existing(id, path.to_path_buf(), header, size));
                return Ok(());
            }
            Found::Record {
                offset,
                len,
                record,
            } => (offset, len, record),
        };
        match record.kind {
            Kind::Message => {
                if record.seq <= self.last_seq {
                    return Err(StoreError::Corrupt(format!(
                        "{}: the message at byte {offset} has sequence {}, not after {}",
                        path.display(),
                        record.seq,
                        self.last_seq
                    )));
                }
                let subject = std::str::from_utf8(record.subject).map_err(|_| {
                    StoreError::Corrupt(format!(
                        "{}: the message at byte {offset} has a subject that is not UTF-8",
                        path.display()
                    ))
                })?;
                let subject = self.subjects.add(subject, record.seq);
                let segment = self.segments.last_mut().expect("the header came first");
                segment.push(record.seq, offset, len, subject, record.time);
                self.msgs += 1;
                self.bytes += counted_size(len as u32);
                self.last_seq = record.seq;
                self.last_time = record.time;
            }
            Kind::Removal => {
                self.unindex(record.seq);
            }
            Kind::Floor => {
                let below: Vec<u64> = self
                    .live_from(0)
                    .map(|(seq, _)| seq)
                    .take_while(|&seq| seq < record.seq)
                    .collect();
                for seq in below {
                    self.unindex(seq);
                }
                self.last_seq = self.last_seq.max(record.seq.saturating_sub(1));
            }
        }
        Ok(())
    }
}

/// The ids of the segment files in `dir`, lowest first. Leftovers of an interrupted rewrite
/// are removed; a file the store did not write is refused (another server's store, perhaps).
fn segment_ids(dir: &Path) -> Result<Vec<u32>, StoreError> {
    let mut ids = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if StoreDirLock::owns(&name) {
            continue;
        }
        if name.ends_with(".tmp") {
            // Written aside and never renamed into place: the original is whole.
            fs::remove_file(entry.path())?;
        } else if let Some(id) = segment_id(&name) {
            ids.push(id);
        } else {
            return Err(StoreError::Version(format!(
                "{} holds {name}, which is not a natskit segment (format {FORMAT_VERSION}): \
                 is this another server's store directory?",
                dir.display()
            )));
        }
    }
    ids.sort_unstable();
    Ok(ids)
}
