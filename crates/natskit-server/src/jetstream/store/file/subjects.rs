//! The subjects a file store holds, interned: each has a small id the index entries carry, its
//! text shared by every message read back, and its [`SubjectState`].

use std::collections::HashMap;
use std::sync::Arc;

use super::super::SubjectState;

/// One interned subject.
#[derive(Debug)]
struct Slot {
    /// Its text (None while the id is free).
    name: Option<Arc<str>>,
    state: SubjectState,
}

/// The interned subjects, by id and by text. Ids of subjects that no longer hold a message are
/// given out again.
#[derive(Debug, Default)]
pub(crate) struct Subjects {
    ids: HashMap<Arc<str>, u32>,
    slots: Vec<Slot>,
    free: Vec<u32>,
}

impl Subjects {
    /// Counts a new message `seq` on `subject` and returns the subject's id.
    pub(crate) fn add(&mut self, subject: &str, seq: u64) -> u32 {
        if let Some(&id) = self.ids.get(subject) {
            let state = &mut self.slots[id as usize].state;
            state.msgs += 1;
            state.last = seq;
            return id;
        }
        let name: Arc<str> = Arc::from(subject);
        let slot = Slot {
            name: Some(name.clone()),
            state: SubjectState {
                msgs: 1,
                first: seq,
                last: seq,
            },
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = slot;
                id
            }
            None => {
                self.slots.push(slot);
                (self.slots.len() - 1) as u32
            }
        };
        self.ids.insert(name, id);
        id
    }

    /// The id of `subject`, if it holds messages.
    pub(crate) fn id(&self, subject: &str) -> Option<u32> {
        self.ids.get(subject).copied()
    }

    /// The text of subject `id`.
    pub(crate) fn name(&self, id: u32) -> &Arc<str> {
        self.slots[id as usize].name.as_ref().expect("a live id")
    }

    /// The state of subject `id`.
    pub(crate) fn state(&self, id: u32) -> SubjectState {
        self.slots[id as usize].state
    }

    /// Sets the state of subject `id`; a state with no messages frees the id.
    pub(crate) fn set_state(&mut self, id: u32, state: SubjectState) {
        if state.msgs == 0 {
            let name = self.slots[id as usize].name.take().expect("a live id");
            self.ids.remove(&name);
            self.free.push(id);
        }
        self.slots[id as usize].state = state;
    }

    /// Every subject with its id and state.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Arc<str>, SubjectState)> + '_ {
        self.ids
            .iter()
            .map(|(name, &id)| (id, name, self.slots[id as usize].state))
    }

    /// How many subjects hold messages.
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// The number of ids given out so far (the bound of a table indexed by id).
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Forgets every subject.
    pub(crate) fn clear(&mut self) {
        *self = Subjects::default();
    }
}
