//! The read side of a file store: finding a sequence in the index, walking the held messages
//! in either direction, and reading one back from its segment.

use bytes::Bytes;

use super::super::{filter_matches, StoredMessage};
use super::record::Record;
use super::segment::{Entry, Segment};
use super::subjects::Subjects;
use super::FileStore;

impl FileStore {
    /// The segment and entry of `seq`'s record, removed or not, if a file holds it.
    pub(crate) fn locate(&self, seq: u64) -> Option<(usize, usize)> {
        // Sequences grow from segment to segment: only the last one starting at or before
        // `seq` can hold it.
        let after = self.segments.partition_point(|s| s.base() <= seq);
        let at = after.checked_sub(1)?;
        self.segments[at].find(seq).map(|index| (at, index))
    }

    /// The held messages at or after `start`, lowest first, with their sequences.
    pub(crate) fn live_from(&self, start: u64) -> impl Iterator<Item = (u64, Entry)> + '_ {
        let at = self
            .segments
            .partition_point(|s| s.base() <= start)
            .saturating_sub(1);
        self.segments[at..].iter().flat_map(move |segment| {
            segment.entries[segment.position(start)..]
                .iter()
                .filter(|e| e.is_live())
                .map(move |e| (segment.seq(e), *e))
        })
    }

    /// The first held sequence at or after `start`, or the next to be given out.
    pub(crate) fn first_held_from(&self, start: u64) -> u64 {
        let first = self.live_from(start).next().map(|(seq, _)| seq);
        first.unwrap_or(self.last_seq + 1)
    }

    /// The held messages at or before `end`, highest first, with their sequences.
    pub(crate) fn live_back_from(&self, end: u64) -> impl Iterator<Item = (u64, Entry)> + '_ {
        let to = self.segments.partition_point(|s| s.base() <= end);
        self.segments[..to].iter().rev().flat_map(move |segment| {
            segment.entries[..segment.position(end.saturating_add(1))]
                .iter()
                .rev()
                .filter(|e| e.is_live())
                .map(move |e| (segment.seq(e), *e))
        })
    }

    /// The held message `seq`, read from its segment.
    pub(crate) fn load(&self, seq: u64) -> Option<StoredMessage> {
        let (at, index) = self.locate(seq)?;
        let segment = &self.segments[at];
        let entry = segment.entries[index];
        if !entry.is_live() {
            return None;
        }
        self.read_entry(segment, seq, entry)
    }

    /// Reads the message of `entry` and checks its record again: the disk may have changed it.
    fn read_entry(&self, segment: &Segment, seq: u64, entry: Entry) -> Option<StoredMessage> {
        let bytes = match segment.read(entry.offset, entry.len) {
            Ok(bytes) => bytes,
            Err(error) => {
                tracing::error!(
                    "{}: reading message {seq} at byte {} failed: {error}",
                    segment.path.display(),
                    entry.offset
                );
                return None;
            }
        };
        let (has_headers, headers_len, payload_len, time) = match Record::decode(&bytes) {
            Some((record, _)) if record.seq == seq => (
                record.headers.is_some(),
                record.headers.map_or(0, <[u8]>::len),
                record.payload.len(),
                record.time,
            ),
            _ => {
                tracing::error!(
                    "{}: message {seq} at byte {} fails its checksum",
                    segment.path.display(),
                    entry.offset
                );
                return None;
            }
        };
        // The parts lie at the end of the record, before its checksum, payload last.
        let payload_end = bytes.len() - 4;
        let payload_start = payload_end - payload_len;
        let headers_start = payload_start - headers_len;
        let bytes = Bytes::from(bytes);
        Some(StoredMessage {
            seq,
            subject: self.subjects.name(entry.subject).clone(),
            headers: has_headers.then(|| bytes.slice(headers_start..payload_start)),
            payload: bytes.slice(payload_start..payload_end),
            time,
        })
    }

    /// A test of subject ids against `filter` that remembers each subject's answer.
    pub(crate) fn matcher<'a>(&'a self, filter: &'a [String]) -> Matcher<'a> {
        Matcher {
            filter,
            subjects: &self.subjects,
            // An empty filter matches everything without asking.
            known: match filter.is_empty() {
                true => Vec::new(),
                false => vec![Known::Unknown; self.subjects.capacity()],
            },
        }
    }
}

/// What a [`Matcher`] knows of one subject id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Unknown,
    Matches,
    Misses,
}

/// Matches subject ids against a filter, each subject's text once.
#[derive(Debug)]
pub(crate) struct Matcher<'a> {
    filter: &'a [String],
    subjects: &'a Subjects,
    known: Vec<Known>,
}

impl Matcher<'_> {
    /// Whether subject `id` matches the filter.
    pub(crate) fn matches(&mut self, id: u32) -> bool {
        if self.filter.is_empty() {
            return true;
        }
        let known = &mut self.known[id as usize];
        if *known == Known::Unknown {
            *known = if filter_matches(self.filter, self.subjects.name(id)) {
                Known::Matches
            } else {
                Known::Misses
            };
        }
        *known == Known::Matches
    }
}
