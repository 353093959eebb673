//! One connection's cache of subject lookups: who listens on a subject, kept until the subject
//! index changes. A publisher usually sends run after run to one subject, so the last answer is
//! kept apart and lent out by move: a repeat costs a compare of the subject, with no hashing and
//! no reference counting.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use bytes::Bytes;

use crate::fxhash::FxHasher;
use crate::space::Space;
use crate::sublist::Matches;

/// Cached lookups per connection before the cache starts over.
const CACHE_LIMIT: usize = 4096;
/// Subscriptions referenced by one connection's cached lookups before it starts over, so a
/// publisher to many subjects with huge fan-outs cannot make its cache large.
const CACHE_WEIGHT_LIMIT: usize = 64 * 1024;

/// Lookups of one connection in one account.
pub(crate) struct RouteCache {
    map: HashMap<Bytes, Arc<Matches>, BuildHasherDefault<FxHasher>>,
    /// The index's generation the entries are from.
    generation: u64,
    /// Subscriptions the entries refer to, in all.
    weight: usize,
    /// The subject of the last lookup; its answer is in `last` unless lent out.
    last_subject: Vec<u8>,
    last: Option<Arc<Matches>>,
}

impl RouteCache {
    /// An empty cache for an index at `generation`.
    pub(crate) fn new(generation: u64) -> Self {
        RouteCache {
            map: HashMap::default(),
            generation,
            weight: 0,
            last_subject: Vec::new(),
            last: None,
        }
    }

    /// Forgets everything: the index is at `generation` now, or it is another account's.
    pub(crate) fn reset(&mut self, generation: u64) {
        self.map.clear();
        self.weight = 0;
        self.generation = generation;
        self.last_subject.clear();
        self.last = None;
    }

    /// Who listens on `subject` in `space`. Hand the answer back with [`Self::give_back`] once
    /// done, so the next lookup of the same subject finds it without hashing.
    #[inline]
    pub(crate) fn lookup(&mut self, space: &Space, subject: &[u8]) -> Arc<Matches> {
        let generation = space.generation();
        if generation != self.generation {
            self.reset(generation);
        }
        if self.last_subject == subject {
            if let Some(found) = self.last.take() {
                return found;
            }
        }
        let found = self.lookup_map(space, subject);
        self.last_subject.clear();
        self.last_subject.extend_from_slice(subject);
        found
    }

    /// Takes back the answer the last [`Self::lookup`] lent.
    #[inline]
    pub(crate) fn give_back(&mut self, found: Arc<Matches>) {
        self.last = Some(found);
    }

    fn lookup_map(&mut self, space: &Space, subject: &[u8]) -> Arc<Matches> {
        if let Some(found) = self.map.get(subject) {
            return found.clone();
        }
        let found = Arc::new(space.with_sublist(|s| s.matches(subject)));
        let weight = found.weight() + 1;
        if self.map.len() >= CACHE_LIMIT || self.weight + weight > CACHE_WEIGHT_LIMIT {
            self.map.clear();
            self.weight = 0;
        }
        self.weight += weight;
        self.map
            .insert(Bytes::copy_from_slice(subject), found.clone());
        found
    }
}
