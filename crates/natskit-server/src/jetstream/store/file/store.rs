//! The file store as a [`Store`]: each operation in terms of the index (`read`) and the
//! records it writes (`write`).

use std::collections::HashMap;
use std::fs;
use std::io;
use std::sync::Arc;

use bytes::Bytes;
use natskit_proto::subject::matches;

use super::super::{
    is_literal, message_size, Purge, Store, StoreError, StoreState, StoredMessage, SubjectState,
};
use super::record::{Kind, Record};
use super::subjects::Subjects;
use super::FileStore;

impl Store for FileStore {
    fn append(
        &mut self,
        subject: &str,
        headers: Option<Bytes>,
        payload: Bytes,
        time: i64,
    ) -> Result<u64, StoreError> {
        let seq = self.last_seq + 1;
        let (offset, len) = self.write(&Record {
            kind: Kind::Message,
            seq,
            time,
            subject: subject.as_bytes(),
            headers: headers.as_deref(),
            payload: &payload,
        })?;
        let id = self.subjects.add(subject, seq);
        self.segments
            .last_mut()
            .expect("write checked the active segment")
            .push(seq, offset, len, id, time);
        if self.msgs == 0 {
            self.first = seq;
        }
        self.msgs += 1;
        self.bytes += message_size(subject, headers.as_ref(), &payload);
        self.last_seq = seq;
        self.last_time = time;
        self.settle()?;
        Ok(seq)
    }

    fn get(&self, seq: u64) -> Option<StoredMessage> {
        self.load(seq)
    }

    fn next_matching(&self, start: u64, filter: &[String]) -> Option<StoredMessage> {
        // One literal subject: its state says where it starts and ends.
        if let [only] = filter {
            if is_literal(only) {
                let id = self.subjects.id(only)?;
                let state = self.subjects.state(id);
                if start > state.last {
                    return None;
                }
                let (seq, _) = self
                    .live_from(start.max(state.first))
                    .find(|(_, e)| e.subject == id)?;
                return self.load(seq);
            }
        }
        let mut matcher = self.matcher(filter);
        let (seq, _) = self
            .live_from(start)
            .find(|(_, e)| matcher.matches(e.subject))?;
        self.load(seq)
    }

    fn last_matching(&self, pattern: &str) -> Option<StoredMessage> {
        if let Some(id) = self.subjects.id(pattern) {
            return self.load(self.subjects.state(id).last);
        }
        let last = self
            .subjects
            .iter()
            .filter(|(_, subject, _)| matches(pattern, subject))
            .map(|(_, _, state)| state.last)
            .max()?;
        self.load(last)
    }

    fn remove(&mut self, seq: u64) -> Result<bool, StoreError> {
        match self.locate(seq) {
            Some((at, index)) if self.segments[at].entries[index].is_live() => {}
            _ => return Ok(false),
        }
        // On disk first: a removal the index saw but the file did not would come back.
        self.write(&Record::marker(Kind::Removal, seq))?;
        self.unindex(seq);
        self.settle()?;
        Ok(true)
    }

    fn purge(&mut self, purge: &Purge) -> Result<u64, StoreError> {
        let doomed = doomed(self, purge);
        let purged = doomed.len() as u64;
        if purge.filter.is_some() {
            for seq in doomed {
                self.write(&Record::marker(Kind::Removal, seq))?;
                self.unindex(seq);
            }
        } else if purged == self.msgs {
            // Nothing left: a purge to a sequence past the last moves the stream on to it.
            let last_seq = match purge.up_to {
                Some(up_to) => self.last_seq.max(up_to.saturating_sub(1)),
                None => self.last_seq,
            };
            if purged == 0 && last_seq == self.last_seq {
                return Ok(0);
            }
            self.reset(last_seq)?;
        } else if let Some(&highest) = doomed.last() {
            // Without a filter the doomed are every message below one sequence: one record.
            self.write(&Record::marker(Kind::Floor, highest + 1))?;
            for seq in doomed {
                self.unindex(seq);
            }
        }
        self.settle()?;
        Ok(purged)
    }

    fn state(&self) -> StoreState {
        let first_time = match self.msgs {
            0 => 0,
            _ => self.live_from(self.first).next().map_or(0, |(_, e)| e.time),
        };
        StoreState {
            msgs: self.msgs,
            bytes: self.bytes,
            first_seq: self.first,
            first_time,
            last_seq: self.last_seq,
            last_time: self.last_time,
            num_subjects: self.subjects.len() as u64,
            num_deleted: match self.msgs {
                0 => 0,
                msgs => self.last_seq + 1 - self.first - msgs,
            },
        }
    }

    fn subject_state(&self, subject: &str) -> Option<SubjectState> {
        self.subjects.id(subject).map(|id| self.subjects.state(id))
    }

    fn subjects(&self, pattern: &str) -> Vec<(Arc<str>, u64)> {
        self.subjects
            .iter()
            .filter(|(_, subject, _)| matches(pattern, subject))
            .map(|(_, subject, state)| (subject.clone(), state.msgs))
            .collect()
    }

    fn deleted(&self) -> Vec<u64> {
        let mut gaps = Vec::new();
        let mut expected = self.first;
        for (seq, _) in self.live_from(self.first) {
            gaps.extend(expected..seq);
            expected = seq + 1;
        }
        gaps
    }

    fn count_matching(&self, start: u64, filter: &[String]) -> u64 {
        if start <= self.first {
            // From the subject states: every message counts.
            if filter.is_empty() {
                return self.msgs;
            }
            let mut matcher = self.matcher(filter);
            return self
                .subjects
                .iter()
                .filter(|(id, _, _)| matcher.matches(*id))
                .map(|(_, _, state)| state.msgs)
                .sum();
        }
        let mut matcher = self.matcher(filter);
        self.live_from(start)
            .filter(|(_, e)| matcher.matches(e.subject))
            .count() as u64
    }

    fn first_at_or_after(&self, time: i64) -> u64 {
        self.live_from(self.first)
            .find(|(_, e)| e.time >= time)
            .map_or(self.last_seq + 1, |(seq, _)| seq)
    }

    fn sync(&mut self) -> Result<(), StoreError> {
        self.sync_active()
    }

    fn destroy(&mut self) -> Result<(), StoreError> {
        // Close the files and let go of the directory before removing it.
        self.segments.clear();
        self.lock = None;
        self.subjects = Subjects::default();
        self.pending.clear();
        self.msgs = 0;
        self.bytes = 0;
        self.first = 1;
        self.last_seq = 0;
        self.last_time = 0;
        self.dirty = false;
        match fs::remove_dir_all(&self.dir) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error.into()),
            _ => Ok(()),
        }
    }
}

/// The sequences `purge` removes, lowest first, as the memory store chooses them.
fn doomed(store: &FileStore, purge: &Purge) -> Vec<u64> {
    let up_to = purge.up_to.unwrap_or(u64::MAX);
    let filter: Vec<String> = purge.filter.iter().cloned().collect();
    let mut matcher = store.matcher(&filter);
    let candidates: Vec<(u64, u32)> = store
        .live_from(store.first)
        .take_while(|(seq, _)| *seq < up_to)
        .filter(|(_, e)| matcher.matches(e.subject))
        .map(|(seq, e)| (seq, e.subject))
        .collect();
    let Some(keep) = purge.keep else {
        return candidates.into_iter().map(|(seq, _)| seq).collect();
    };
    if purge.filter.is_none() {
        let len = candidates
            .len()
            .saturating_sub(usize::try_from(keep).unwrap_or(usize::MAX));
        return candidates[..len].iter().map(|(seq, _)| *seq).collect();
    }
    // With a filter, the last `keep` of each matching subject stay.
    let mut kept: HashMap<u32, u64> = HashMap::new();
    let mut spared = vec![false; candidates.len()];
    for (at, (_, subject)) in candidates.iter().enumerate().rev() {
        let count = kept.entry(*subject).or_default();
        if *count < keep {
            *count += 1;
            spared[at] = true;
        }
    }
    candidates
        .iter()
        .zip(spared)
        .filter(|(_, spared)| !spared)
        .map(|((seq, _), _)| *seq)
        .collect()
}
