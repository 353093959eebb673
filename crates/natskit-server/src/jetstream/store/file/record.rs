//! The bytes on disk: a segment's header, and the records after it (a message, a removal, a
//! floor), each closed by a CRC-32 of everything before it in the record.
//!
//! All integers are little-endian. A segment file is:
//!
//! ```text
//! header  magic "NKJSSEG\n" | version u32 | last_seq u64 | last_time i64 | crc32 u32   (32 bytes)
//! record  magic "NK" | kind u8 | flags u8 | len u32 | seq u64 | time i64
//!         | subject_len u16 | headers_len u32 | subject | headers | payload | crc32 u32
//! ```
//!
//! `len` counts the whole record, its checksum included. A removal names its sequence in `seq`;
//! a floor removes every sequence below its `seq`. The header's `last_seq` and `last_time` are
//! where the stream stood when the segment was made, so they outlive the messages themselves.

use super::super::StoreError;

/// The first bytes of every segment file.
const FILE_MAGIC: &[u8; 8] = b"NKJSSEG\n";
/// The version of this format; a segment of another version is refused, not guessed at.
pub(crate) const FORMAT_VERSION: u32 = 1;
/// The length of a segment's header.
pub(crate) const FILE_HEADER_LEN: usize = 32;

/// The first bytes of every record: how recovery tells a record from garbage.
const RECORD_MAGIC: &[u8; 2] = b"NK";
/// The fixed part of a record before its subject.
const FIXED_LEN: usize = 30;
/// What a record adds to its subject, headers and payload: the fixed part and the checksum.
pub(crate) const RECORD_OVERHEAD: usize = FIXED_LEN + 4;
/// The flag saying the message had a header block (possibly empty).
const HAS_HEADERS: u8 = 1;

/// What a record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A message with its sequence.
    Message = 1,
    /// The message with this sequence was removed.
    Removal = 2,
    /// Every message below this sequence was removed.
    Floor = 3,
}

/// One record, borrowing its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Record<'a> {
    pub(crate) kind: Kind,
    pub(crate) seq: u64,
    pub(crate) time: i64,
    pub(crate) subject: &'a [u8],
    pub(crate) headers: Option<&'a [u8]>,
    pub(crate) payload: &'a [u8],
}

impl<'a> Record<'a> {
    /// A record of `kind` that carries only a sequence (a removal or a floor).
    pub(crate) fn marker(kind: Kind, seq: u64) -> Record<'static> {
        Record {
            kind,
            seq,
            time: 0,
            subject: &[],
            headers: None,
            payload: &[],
        }
    }

    /// Appends the record's bytes to `out` and returns their length.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<usize, StoreError> {
        let headers = self.headers.unwrap_or_default();
        let subject_len = u16::try_from(self.subject.len())
            .map_err(|_| too_big("a subject longer than 65,535 bytes"))?;
        let headers_len =
            u32::try_from(headers.len()).map_err(|_| too_big("a header block over 4 GiB"))?;
        let len = RECORD_OVERHEAD + self.subject.len() + headers.len() + self.payload.len();
        let len32 = u32::try_from(len).map_err(|_| too_big("a message over 4 GiB"))?;
        let start = out.len();
        out.reserve(len);
        out.extend_from_slice(RECORD_MAGIC);
        out.push(self.kind as u8);
        out.push(if self.headers.is_some() {
            HAS_HEADERS
        } else {
            0
        });
        out.extend_from_slice(&len32.to_le_bytes());
        out.extend_from_slice(&self.seq.to_le_bytes());
        out.extend_from_slice(&self.time.to_le_bytes());
        out.extend_from_slice(&subject_len.to_le_bytes());
        out.extend_from_slice(&headers_len.to_le_bytes());
        out.extend_from_slice(self.subject);
        out.extend_from_slice(headers);
        out.extend_from_slice(self.payload);
        let crc = crc32fast::hash(&out[start..]);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(len)
    }

    /// The whole record at the start of `bytes` and its length, or None when `bytes` does not
    /// start with one (too short, a bad frame, or a checksum that does not match).
    pub(crate) fn decode(bytes: &'a [u8]) -> Option<(Record<'a>, usize)> {
        if bytes.len() < RECORD_OVERHEAD || &bytes[..2] != RECORD_MAGIC {
            return None;
        }
        let kind = match bytes[2] {
            1 => Kind::Message,
            2 => Kind::Removal,
            3 => Kind::Floor,
            _ => return None,
        };
        let flags = bytes[3];
        if flags & !HAS_HEADERS != 0 {
            return None;
        }
        let len = u32_at(bytes, 4) as usize;
        if len < RECORD_OVERHEAD || len > bytes.len() {
            return None;
        }
        let subject_len = u16::from_le_bytes([bytes[24], bytes[25]]) as usize;
        let headers_len = u32_at(bytes, 26) as usize;
        let body = len - RECORD_OVERHEAD;
        if subject_len > body || headers_len > body - subject_len {
            return None;
        }
        let crc = u32_at(bytes, len - 4);
        if crc32fast::hash(&bytes[..len - 4]) != crc {
            return None;
        }
        let subject_end = FIXED_LEN + subject_len;
        let headers_end = subject_end + headers_len;
        let record = Record {
            kind,
            seq: u64_at(bytes, 8),
            time: u64_at(bytes, 16) as i64,
            subject: &bytes[FIXED_LEN..subject_end],
            headers: (flags & HAS_HEADERS != 0).then(|| &bytes[subject_end..headers_end]),
            payload: &bytes[headers_end..len - 4],
        };
        Some((record, len))
    }
}

/// Where the stream stood when a segment was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FileHeader {
    /// The last sequence given out before the segment's first record.
    pub(crate) last_seq: u64,
    /// Its time.
    pub(crate) last_time: i64,
}

impl FileHeader {
    /// The header's bytes.
    pub(crate) fn encode(&self) -> [u8; FILE_HEADER_LEN] {
        let mut out = [0u8; FILE_HEADER_LEN];
        out[..8].copy_from_slice(FILE_MAGIC);
        out[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        out[12..20].copy_from_slice(&self.last_seq.to_le_bytes());
        out[20..28].copy_from_slice(&self.last_time.to_le_bytes());
        let crc = crc32fast::hash(&out[..28]);
        out[28..].copy_from_slice(&crc.to_le_bytes());
        out
    }

    /// Reads the header at the start of `bytes`; `name` names the file in errors.
    pub(crate) fn decode(bytes: &[u8], name: &str) -> Result<FileHeader, StoreError> {
        if bytes.len() < FILE_HEADER_LEN || &bytes[..8] != FILE_MAGIC {
            return Err(StoreError::Corrupt(format!(
                "{name} is not a natskit message segment (no segment header)"
            )));
        }
        let version = u32_at(bytes, 8);
        if version != FORMAT_VERSION {
            return Err(StoreError::Version(format!(
                "{name} was written in segment format {version}, this natskit reads format \
                 {FORMAT_VERSION}: open it with the natskit that wrote it"
            )));
        }
        if crc32fast::hash(&bytes[..28]) != u32_at(bytes, 28) {
            return Err(StoreError::Corrupt(format!(
                "{name}: the segment header fails its checksum"
            )));
        }
        Ok(FileHeader {
            last_seq: u64_at(bytes, 12),
            last_time: u64_at(bytes, 20) as i64,
        })
    }
}

/// The error for a message this format cannot hold.
fn too_big(what: &str) -> StoreError {
    StoreError::Io(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("the file store cannot hold {what}"),
    ))
}

/// The little-endian u32 at `at`.
fn u32_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// The little-endian u64 at `at`.
fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_a_flipped_bit_fails_the_checksum() {
        let mut out = Vec::new();
        let message = Record {
            kind: Kind::Message,
            seq: 7,
            time: -3,
            subject: b"a.b",
            headers: Some(b"NATS/1.0\r\n\r\n"),
            payload: b"hello",
        };
        let len = message.encode(&mut out).expect("encode");
        Record::marker(Kind::Removal, 7)
            .encode(&mut out)
            .expect("encode");
        assert_eq!(Record::decode(&out), Some((message, len)));
        let (removal, _) = Record::decode(&out[len..]).expect("the removal");
        assert_eq!((removal.kind, removal.seq), (Kind::Removal, 7));
        for at in 0..len {
            let mut damaged = out.clone();
            damaged[at] ^= 0x10;
            assert!(Record::decode(&damaged).is_none(), "byte {at} flipped");
        }
        assert!(Record::decode(&out[..len - 1]).is_none(), "a short record");
    }

    #[test]
    fn an_empty_header_block_differs_from_none() {
        let mut out = Vec::new();
        let mut record = Record::marker(Kind::Message, 1);
        record.headers = Some(b"");
        record.encode(&mut out).expect("encode");
        assert_eq!(
            Record::decode(&out).expect("decode").0.headers,
            Some(&b""[..])
        );
    }

    #[test]
    fn a_header_of_another_version_is_refused() {
        let mut bytes = FileHeader {
            last_seq: 5,
            last_time: 9,
        }
        .encode();
        assert_eq!(
            FileHeader::decode(&bytes, "f").expect("decode"),
            FileHeader {
                last_seq: 5,
                last_time: 9
            }
        );
        bytes[8] = 2;
        let error = FileHeader::decode(&bytes, "f").expect_err("version 2");
        assert!(matches!(error, StoreError::Version(_)), "{error}");
    }
}
