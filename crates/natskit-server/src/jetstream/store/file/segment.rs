//! One segment file and its part of the index: where each of its messages lies, which are
//! removed, and how much of the file they take.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::record::{FileHeader, FILE_HEADER_LEN};

/// The subject id of a removed message's entry.
pub(crate) const REMOVED: u32 = u32::MAX;

/// Where one message lies: 24 bytes per message, the whole of what the index keeps for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Its sequence less the segment's base.
    pub(crate) delta: u32,
    /// Its record's offset in the file.
    pub(crate) offset: u32,
    /// Its record's length.
    pub(crate) len: u32,
    /// Its interned subject, or [`REMOVED`].
    pub(crate) subject: u32,
    /// When the stream took it.
    pub(crate) time: i64,
}

impl Entry {
    /// Whether the message is still held.
    pub(crate) fn is_live(&self) -> bool {
        self.subject != REMOVED
    }
}

/// A segment file and the entries of the message records it holds, removed ones too (they are
/// on disk until compaction), in sequence order.
#[derive(Debug)]
pub(crate) struct Segment {
    /// The number in its file name; later segments have higher ones.
    pub(crate) id: u32,
    /// Its file.
    pub(crate) path: PathBuf,
    /// Its header: where the stream stood when it was made.
    pub(crate) header: FileHeader,
    /// Its message records, in sequence order.
    pub(crate) entries: Vec<Entry>,
    /// How many of them are still held.
    pub(crate) live: u32,
    /// The file's length.
    pub(crate) size: u64,
    /// The bytes of its removed messages' records.
    pub(crate) removed_bytes: u64,
    /// The open file, opened at the first read (the active segment's for appending too).
    file: OnceLock<File>,
}

impl Segment {
    /// A segment over an existing file of `size` bytes with no entries yet.
    pub(crate) fn existing(id: u32, path: PathBuf, header: FileHeader, size: u64) -> Segment {
        Segment {
            id,
            path,
            header,
            entries: Vec::new(),
            live: 0,
            size,
            removed_bytes: 0,
            file: OnceLock::new(),
        }
    }

    /// Makes the file of segment `id` in `dir`, holding only `header`, and opens it to append.
    /// It is written aside and renamed into place, so a segment file always has its header.
    pub(crate) fn create(dir: &Path, id: u32, header: FileHeader) -> io::Result<Segment> {
        let path = segment_path(dir, id);
        let temporary = path.with_extension("seg.tmp");
        let mut file = File::create(&temporary)?;
        file.write_all(&header.encode())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temporary, &path)?;
        sync_dir(dir)?;
        let mut segment = Segment::existing(id, path, header, FILE_HEADER_LEN as u64);
        segment.open_for_append()?;
        Ok(segment)
    }

    /// Opens the file to append to it (the active segment).
    pub(crate) fn open_for_append(&mut self) -> io::Result<()> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)?;
        self.file = OnceLock::from(file);
        Ok(())
    }

    /// Closes the open file; the next read opens the file at the path again (a rewrite may
    /// have replaced it).
    pub(crate) fn reopen(&mut self) {
        self.file = OnceLock::new();
    }

    /// The open file, opening it to read if it is not yet.
    pub(crate) fn file(&self) -> io::Result<&File> {
        if let Some(file) = self.file.get() {
            return Ok(file);
        }
        let file = File::open(&self.path)?;
        // Another reader cannot race us (the store is not shared), so this sets it.
        let _ = self.file.set(file);
        Ok(self.file.get().expect("just set"))
    }

    /// The sequences' base: sequences in this segment come after its header's last one.
    pub(crate) fn base(&self) -> u64 {
        self.header.last_seq + 1
    }

    /// The sequence of `entry`.
    pub(crate) fn seq(&self, entry: &Entry) -> u64 {
        self.base() + u64::from(entry.delta)
    }

    /// The index of the first entry at or after `seq`.
    pub(crate) fn position(&self, seq: u64) -> usize {
        self.entries.partition_point(|e| self.seq(e) < seq)
    }

    /// The index of the entry of `seq`, removed or not, if the file holds its record.
    pub(crate) fn find(&self, seq: u64) -> Option<usize> {
        let at = self.position(seq);
        (at < self.entries.len() && self.seq(&self.entries[at]) == seq).then_some(at)
    }

    /// Adds the entry of a message record appended at `offset`.
    pub(crate) fn push(&mut self, seq: u64, offset: u64, len: usize, subject: u32, time: i64) {
        // Segments stay below 4 GiB and a record is at least 34 bytes, so both fit.
        let delta = u32::try_from(seq - self.base()).expect("a segment spans < 2^32 sequences");
        let offset = u32::try_from(offset).expect("a segment is smaller than 4 GiB");
        self.entries.push(Entry {
            delta,
            offset,
            len: len as u32,
            subject,
            time,
        });
        self.live += 1;
    }

    /// Reads the `len` bytes at `offset`.
    pub(crate) fn read(&self, offset: u32, len: u32) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; len as usize];
        read_exact_at(self.file()?, &mut buf, u64::from(offset))?;
        Ok(buf)
    }

    /// Whether half its records' bytes or more are removed messages, or it holds none held.
    pub(crate) fn wants_compaction(&self) -> bool {
        self.live == 0 || self.removed_bytes * 2 >= self.size - FILE_HEADER_LEN as u64
    }
}

/// The path of segment `id` in `dir`.
pub(crate) fn segment_path(dir: &Path, id: u32) -> PathBuf {
    dir.join(format!("{id:010}.seg"))
}

/// The id in a segment file's name, if `name` is one.
pub(crate) fn segment_id(name: &str) -> Option<u32> {
    let digits = name.strip_suffix(".seg")?;
    (digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Makes what was created, renamed or removed in `dir` durable (a no-op where directories
/// cannot be opened).
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Reads exactly `buf.len()` bytes at `offset` without moving a shared cursor.
#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Reads exactly `buf.len()` bytes at `offset` (appends do not use the cursor it moves).
#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}
