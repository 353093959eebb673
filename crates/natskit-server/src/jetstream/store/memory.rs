//! The memory store: messages in a sorted map, with an index by subject. Nothing survives the
//! process.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use bytes::Bytes;
use natskit_proto::subject::matches;

use super::{
    filter_matches, is_literal, Purge, Store, StoreError, StoreState, StoredMessage, SubjectState,
};

/// A stream's messages held in this process.
#[derive(Debug, Default)]
pub(crate) struct MemoryStore {
    messages: BTreeMap<u64, StoredMessage>,
    subjects: HashMap<Arc<str>, SubjectState>,
    bytes: u64,
    last_seq: u64,
    last_time: i64,
    /// The sequence the store starts at when empty (after a purge, the next one).
    first_when_empty: u64,
}

impl MemoryStore {
    /// An empty store whose first message will get sequence 1.
    pub(crate) fn new() -> Self {
        MemoryStore {
            first_when_empty: 1,
            ..Default::default()
        }
    }

    /// Interns `subject`: messages on one subject share its text.
    fn intern(&mut self, subject: &str) -> Arc<str> {
        match self.subjects.get_key_value(subject) {
            Some((key, _)) => key.clone(),
            None => Arc::from(subject),
        }
    }

    /// Takes `seq` out of the maps and the counters.
    fn take(&mut self, seq: u64) -> Option<StoredMessage> {
        let message = self.messages.remove(&seq)?;
        self.bytes -= message.size();
        let subject = &message.subject;
        let state = self.subjects.get_mut(subject).expect("indexed subject");
        state.msgs -= 1;
        if state.msgs == 0 {
            self.subjects.remove(subject);
        } else if state.first == seq {
            // The next message on the subject: at most up to its last one.
            let last = state.last;
            let next = self
                .messages
                .range(seq + 1..=last)
                .find(|(_, m)| m.subject == *subject)
                .map_or(last, |(s, _)| *s);
            self.subjects
                .get_mut(subject)
                .expect("indexed subject")
                .first = next;
        } else if state.last == seq {
            let first = state.first;
            let previous = self
                .messages
                .range(first..seq)
                .rev()
                .find(|(_, m)| m.subject == *subject)
                .map_or(first, |(s, _)| *s);
            self.subjects
                .get_mut(subject)
                .expect("indexed subject")
                .last = previous;
        }
        if self.messages.is_empty() {
            self.first_when_empty = self.last_seq + 1;
        }
        Some(message)
    }
}

impl Store for MemoryStore {
    fn append(
        &mut self,
        subject: &str,
        headers: Option<Bytes>,
        payload: Bytes,
        time: i64,
    ) -> Result<u64, StoreError> {
        let seq = self.last_seq.max(self.first_when_empty - 1) + 1;
        let subject = self.intern(subject);
        let message = StoredMessage {
            seq,
            subject: subject.clone(),
            headers,
            payload,
            time,
        };
        self.bytes += message.size();
        let state = self.subjects.entry(subject).or_insert(SubjectState {
            msgs: 0,
            first: seq,
            last: seq,
        });
        state.msgs += 1;
        state.last = seq;
        self.messages.insert(seq, message);
        self.last_seq = seq;
        self.last_time = time;
        Ok(seq)
    }

    fn get(&self, seq: u64) -> Option<StoredMessage> {
        self.messages.get(&seq).cloned()
    }

    fn next_matching(&self, start: u64, filter: &[String]) -> Option<StoredMessage> {
        // One literal subject: its index says where it starts.
        if let [only] = filter {
            if is_literal(only) {
                let state = self.subjects.get(only.as_str())?;
                if start > state.last {
                    return None;
                }
                return self
                    .messages
                    .range(start.max(state.first)..=state.last)
                    .map(|(_, m)| m)
                    .find(|m| &*m.subject == only)
                    .cloned();
            }
        }
        self.messages
            .range(start..)
            .map(|(_, m)| m)
            .find(|m| filter_matches(filter, &m.subject))
            .cloned()
    }

    fn last_matching(&self, pattern: &str) -> Option<StoredMessage> {
        if let Some(state) = self.subjects.get(pattern) {
            return self.messages.get(&state.last).cloned();
        }
        // The latest last sequence among the matching subjects.
        let last = self
            .subjects
            .iter()
            .filter(|(subject, _)| matches(pattern, subject))
            .map(|(_, state)| state.last)
            .max()?;
        self.messages.get(&last).cloned()
    }

    fn remove(&mut self, seq: u64) -> Result<bool, StoreError> {
        Ok(self.take(seq).is_some())
    }

    fn purge(&mut self, purge: &Purge) -> Result<u64, StoreError> {
        let up_to = purge.up_to.unwrap_or(u64::MAX);
        let filter: Vec<String> = purge.filter.iter().cloned().collect();
        let mut doomed: Vec<u64> = self
            .messages
            .range(..up_to)
            .filter(|(_, m)| filter_matches(&filter, &m.subject))
            .map(|(seq, _)| *seq)
            .collect();
        if let Some(keep) = purge.keep {
            if purge.filter.is_some() {
                // Keep the last `keep` of each matching subject.
                let mut kept: HashMap<Arc<str>, u64> = HashMap::new();
                let mut spared = Vec::new();
                for seq in doomed.iter().rev() {
                    let subject = self.messages[seq].subject.clone();
                    let count = kept.entry(subject).or_default();
                    if *count < keep {
                        *count += 1;
                        spared.push(*seq);
                    }
                }
                doomed.retain(|seq| !spared.contains(seq));
            } else {
                let len = doomed.len() as u64;
                doomed.truncate(len.saturating_sub(keep) as usize);
            }
        }
        let purged = doomed.len() as u64;
        let everything = purge.filter.is_none() && purge.keep.is_none() && purge.up_to.is_none();
        if everything {
            self.messages.clear();
            self.subjects.clear();
            self.bytes = 0;
            self.first_when_empty = self.last_seq + 1;
        } else {
            for seq in doomed {
                self.take(seq);
            }
            if let Some(up_to) = purge.up_to {
                if self.messages.is_empty() && purge.filter.is_none() {
                    // A purge to a sequence past the last moves the stream on to it.
                    self.first_when_empty = self.first_when_empty.max(up_to);
                    self.last_seq = self.last_seq.max(up_to - 1);
                }
            }
        }
        Ok(purged)
    }

    fn state(&self) -> StoreState {
        let first = self.messages.first_key_value();
        let first_seq = first.map_or(self.first_when_empty, |(seq, _)| *seq);
        StoreState {
            msgs: self.messages.len() as u64,
            bytes: self.bytes,
            first_seq,
            first_time: first.map_or(0, |(_, m)| m.time),
            last_seq: self.last_seq,
            last_time: self.last_time,
            num_subjects: self.subjects.len() as u64,
            num_deleted: match first {
                Some(_) => self.last_seq + 1 - first_seq - self.messages.len() as u64,
                None => 0,
            },
        }
    }

    fn subject_state(&self, subject: &str) -> Option<SubjectState> {
        self.subjects.get(subject).copied()
    }

    fn subjects(&self, pattern: &str) -> Vec<(Arc<str>, u64)> {
        self.subjects
            .iter()
            .filter(|(subject, _)| matches(pattern, subject))
            .map(|(subject, state)| (subject.clone(), state.msgs))
            .collect()
    }

    fn deleted(&self) -> Vec<u64> {
        let mut gaps = Vec::new();
        let mut expected = match self.messages.first_key_value() {
            Some((seq, _)) => *seq,
            None => return gaps,
        };
        for seq in self.messages.keys() {
            gaps.extend(expected..*seq);
            expected = seq + 1;
        }
        gaps
    }

    fn count_matching(&self, start: u64, filter: &[String]) -> u64 {
        if start <= self.messages.first_key_value().map_or(0, |(s, _)| *s) {
            if filter.is_empty() {
                return self.messages.len() as u64;
            }
            // From the subject index, when every pattern is literal or the count is whole.
            return self
                .subjects
                .iter()
                .filter(|(subject, _)| filter_matches(filter, subject))
                .map(|(_, state)| state.msgs)
                .sum();
        }
        self.messages
            .range(start..)
            .filter(|(_, m)| filter_matches(filter, &m.subject))
            .count() as u64
    }

    fn first_at_or_after(&self, time: i64) -> u64 {
        self.messages
            .values()
            .find(|m| m.time >= time)
            .map_or(self.last_seq + 1, |m| m.seq)
    }

    fn sync(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn destroy(&mut self) -> Result<(), StoreError> {
        *self = MemoryStore::new();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::MemoryStore;

    #[test]
    fn the_memory_store_keeps_the_store_contract() {
        super::super::contract::check(&mut || Box::new(MemoryStore::new()));
    }
}
