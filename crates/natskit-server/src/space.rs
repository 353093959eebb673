//! One account's subject space at run time: its subject index, and the routes by which its
//! messages cross into other accounts (stream imports of its subjects, its service imports,
//! answers owed to requesters of its services). See [`crate::accounts`] for the settings.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::accounts::{Account, Kind, GLOBAL_ACCOUNT};
use crate::sublist::Sublist;
use natskit_proto::sync::lock;

/// The prefix of the one-time reply subjects a service import's requests carry.
pub(crate) const ANSWER_PREFIX: &[u8] = b"_R_.";

/// Answers owed past which the ones older than [`ANSWER_WAIT`] are swept out.
const ANSWERS_SWEEP: usize = 4096;

/// How long a service's answer is waited for (nats-server's default response threshold).
const ANSWER_WAIT: Duration = Duration::from_secs(120);

/// Messages matching `from` here go to account `target` as `to`.
#[derive(Debug)]
pub(crate) struct Route {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) target: usize,
}

/// Where an answer to a one-time reply subject goes: the requester's account and reply.
#[derive(Debug)]
pub(crate) struct Owed {
    pub(crate) space: usize,
    pub(crate) reply: Bytes,
    since: Instant,
}

/// One account at run time.
#[derive(Debug)]
pub(crate) struct Space {
    pub(crate) name: String,
    /// Its place in the broker's list of spaces.
    pub(crate) index: usize,
    sublist: RwLock<Sublist>,
    /// Mirrors the index's generation, so connections can check their caches without a lock.
    generation: AtomicU64,
    /// Stream imports of this account's subjects by other accounts.
    pub(crate) streams: Vec<Route>,
    /// This account's service imports.
    pub(crate) services: Vec<Route>,
    /// Answers its services owe to other accounts, by one-time reply subject; `None` when it
    /// exports no service.
    answers: Option<Mutex<HashMap<Bytes, Owed>>>,
    /// Any of the three above: a publish here may have to cross.
    pub(crate) crosses: bool,
    /// Client connections in the account now (for an operator account's connection limit).
    clients: AtomicUsize,
}

impl Space {
    fn new(name: &str, index: usize, exports_services: bool) -> Self {
        Space {
            name: name.to_owned(),
            index,
            sublist: RwLock::new(Sublist::default()),
            generation: AtomicU64::new(0),
            streams: Vec::new(),
            services: Vec::new(),
            answers: exports_services.then(|| Mutex::new(HashMap::new())),
            crosses: exports_services,
            clients: AtomicUsize::new(0),
        }
    }

    /// The spaces of a broker: the global account first, then `accounts` in order, with
    /// their routes. `accounts` were checked ([`crate::accounts::check`]).
    pub(crate) fn all(accounts: &[Account]) -> Vec<Space> {
        let mut spaces = vec![Space::new(GLOBAL_ACCOUNT, 0, false)];
        for (i, a) in accounts.iter().enumerate() {
            let services = a.exports.iter().any(|e| e.kind == Kind::Service);
            spaces.push(Space::new(&a.name, i + 1, services));
        }
        let index = |name: &str| accounts.iter().position(|a| a.name == name).map(|i| i + 1);
        for (i, a) in accounts.iter().enumerate() {
            for im in &a.imports {
                let Some(exporter) = index(&im.account) else {
                    continue;
                };
                match im.kind {
                    Kind::Stream => spaces[exporter].streams.push(Route {
                        from: im.subject.clone(),
                        to: im.local(),
                        target: i + 1,
                    }),
                    Kind::Service => spaces[i + 1].services.push(Route {
                        from: im.local(),
                        to: im.subject.clone(),
                        target: exporter,
                    }),
                }
            }
        }
        for s in &mut spaces {
            s.crosses |= !s.streams.is_empty() || !s.services.is_empty();
        }
        spaces
    }

    /// Counts a connection into the account unless it has `limit` already; false then.
    pub(crate) fn join(&self, limit: Option<usize>) -> bool {
        self.clients
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                limit.is_none_or(|max| n < max).then_some(n + 1)
            })
            .is_ok()
    }

    /// Counts a connection out of the account (once per [`Self::join`]).
    pub(crate) fn leave(&self) {
        let _ = self
            .clients
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    /// The index generation, for connection caches.
    #[inline]
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Runs `f` with the index read-locked.
    #[inline]
    pub(crate) fn with_sublist<T>(&self, f: impl FnOnce(&Sublist) -> T) -> T {
        let sublist = self.sublist.read().unwrap_or_else(|p| p.into_inner());
        f(&sublist)
    }

    /// Runs `f` with the index write-locked, then publishes its new generation (still under
    /// the lock, so the generation never runs behind the index).
    pub(crate) fn update_sublist(&self, f: impl FnOnce(&mut Sublist)) {
        let mut sublist = self.sublist.write().unwrap_or_else(|p| p.into_inner());
        f(&mut sublist);
        self.generation
            .store(sublist.generation(), Ordering::Release);
    }

    /// A one-time reply subject in this account for a request from account `space` that
    /// wants its answer on `reply`.
    pub(crate) fn owe_answer(&self, space: usize, reply: &[u8]) -> Option<Bytes> {
        let answers = self.answers.as_ref()?;
        let mut subject = ANSWER_PREFIX.to_vec();
        subject.extend_from_slice(natskit_proto::nuid::next().as_bytes());
        let subject = Bytes::from(subject);
        let mut answers = lock(answers);
        if answers.len() >= ANSWERS_SWEEP {
            answers.retain(|_, owed| owed.since.elapsed() <= ANSWER_WAIT);
        }
        let owed = Owed {
            space,
            reply: Bytes::copy_from_slice(reply),
            since: Instant::now(),
        };
        answers.insert(subject.clone(), owed);
        Some(subject)
    }

    /// Where an answer published here on `subject` goes, once (the first answer only, as
    /// nats-server's singleton responses).
    pub(crate) fn take_answer(&self, subject: &[u8]) -> Option<Owed> {
        if !subject.starts_with(ANSWER_PREFIX) {
            return None;
        }
        let owed = lock(self.answers.as_ref()?).remove(subject)?;
        (owed.since.elapsed() <= ANSWER_WAIT).then_some(owed)
    }
}
