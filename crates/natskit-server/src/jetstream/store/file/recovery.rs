//! Reading a segment back at open: every record checked against its checksum, a torn tail of
//! the last segment cut back to the last whole record.
//!
//! A damaged record is a torn tail only when it is in the last segment and no whole record
//! follows it: that is what a crash in the middle of a write leaves. Anything else (damage in
//! an earlier segment, which was synced whole before the next one began, or whole records after
//! the damage) is a disk fault, and the store refuses to open rather than skip the record:
//! skipping could lose an acknowledged message, or bring back removed ones if the record was a
//! removal.

use std::fs::{self, OpenOptions};
use std::path::Path;

use super::super::StoreError;
use super::record::{FileHeader, Record, FILE_HEADER_LEN};

/// Where the records of a segment end, once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scanned {
    /// The segment's header.
    pub(crate) header: FileHeader,
    /// The file's length after any cut.
    pub(crate) size: u64,
}

/// What a scan hands over, in file order.
#[derive(Debug)]
pub(crate) enum Found<'a> {
    /// The segment's header, first.
    Header(FileHeader),
    /// A whole record, at `offset`, `len` bytes long.
    Record {
        offset: u64,
        len: usize,
        record: Record<'a>,
    },
}

/// Reads the segment file at `path`, handing `visit` its header, then each whole record.
/// `last` says whether it is the newest segment, the only one a crash can leave torn.
pub(crate) fn scan(
    path: &Path,
    last: bool,
    visit: &mut dyn FnMut(Found<'_>) -> Result<(), StoreError>,
) -> Result<Scanned, StoreError> {
    let bytes = fs::read(path)?;
    let name = path.display().to_string();
    let header = FileHeader::decode(&bytes, &name)?;
    visit(Found::Header(header))?;
    let mut offset = FILE_HEADER_LEN;
    while offset < bytes.len() {
        match Record::decode(&bytes[offset..]) {
            Some((record, len)) => {
                visit(Found::Record {
                    offset: offset as u64,
                    len,
                    record,
                })?;
                offset += len;
            }
            None => return damaged(path, &bytes, offset, last, header),
        }
    }
    Ok(Scanned {
        header,
        size: bytes.len() as u64,
    })
}

/// Cuts a torn tail back to `offset`, or refuses damage that is not one.
fn damaged(
    path: &Path,
    bytes: &[u8],
    offset: usize,
    last: bool,
    header: FileHeader,
) -> Result<Scanned, StoreError> {
    let name = path.display();
    if !last {
        return Err(StoreError::Corrupt(format!(
            "{name}: the record at byte {offset} is damaged (bad checksum or framing), in a \
             segment that was complete; restore the file from a backup or delete the stream"
        )));
    }
    if let Some(next) = whole_record_after(bytes, offset + 1) {
        return Err(StoreError::Corrupt(format!(
            "{name}: the record at byte {offset} is damaged (bad checksum or framing) and a whole \
             record follows at byte {next}, so this is not a torn write; restore the file from \
             a backup or delete the stream"
        )));
    }
    tracing::warn!(
        "{name}: cutting a torn tail of {} bytes at byte {offset} (the last whole record ends \
         there; a write was interrupted)",
        bytes.len() - offset
    );
    let file = OpenOptions::new().write(true).open(path)?;
    file.set_len(offset as u64)?;
    file.sync_all()?;
    Ok(Scanned {
        header,
        size: offset as u64,
    })
}

/// The offset of the first whole record starting at or after `from`, if any.
fn whole_record_after(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    // A record starts with its magic: only those places are worth a checksum.
    memchr::memmem::find_iter(rest, b"NK")
        .find(|&at| Record::decode(&rest[at..]).is_some())
        .map(|at| from + at)
}
