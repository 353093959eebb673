//! The subject index: a trie of subject tokens holding every subscription, with `*` and `>`
//! children beside the literal ones, answering "who gets a message on this subject?". Tokens
//! are bytes split on `.`, as nats-server's: a subject need not be UTF-8.
//!
//! The broker keeps one [`Sublist`] behind a lock, and each connection caches the answers it
//! looked up (see [`crate::client::protocol`]); [`Sublist::generation`] changes with every insert and
//! remove, which is how those caches know to start again.

use std::collections::HashMap;
use std::fmt;
use std::ops::ControlFlow;
use std::sync::Arc;

use bytes::Bytes;

use crate::client::shared::{Conn, Subscription};

/// Who a message on one subject goes to.
#[derive(Debug, Default)]
pub(crate) struct Matches {
    /// Plain subscriptions: each gets a copy.
    pub(crate) plain: Vec<Arc<Subscription>>,
    /// Queue groups by name: one member of each gets the message.
    pub(crate) queues: Vec<(Bytes, Vec<Arc<Subscription>>)>,
}

impl Matches {
    /// True when nobody listens.
    pub(crate) fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.queues.is_empty()
    }

    /// Subscriptions in all: what a cached lookup costs to keep.
    pub(crate) fn weight(&self) -> usize {
        self.plain.len() + self.queues.iter().map(|(_, m)| m.len()).sum::<usize>()
    }
}

/// Gathers [`Matches`] node by node, merging queue groups of the same name found under
/// several subscriptions (`jobs.new` and `jobs.*`) in time linear in the groups.
#[derive(Default)]
struct Gather {
    found: Matches,
    /// Where each group sits in `found.queues`; built only once a second node brings groups,
    /// so the common case (one node with groups) never hashes a name.
    index: Option<HashMap<Bytes, usize>>,
}

impl Gather {
    fn add(&mut self, node: &Node) {
        self.found.plain.extend(node.plain.values().cloned());
        if node.queues.is_empty() {
            return;
        }
        let queues = &mut self.found.queues;
        if queues.is_empty() {
            queues.extend(
                node.queues
                    .iter()
                    .map(|(name, members)| (name.clone(), members.values().cloned().collect())),
            );
            return;
        }
        let index = self.index.get_or_insert_with(|| {
            queues
                .iter()
                .enumerate()
                .map(|(i, (name, _))| (name.clone(), i))
                .collect()
        });
        for (name, members) in &node.queues {
            match index.get(name) {
                Some(&i) => queues[i].1.extend(members.values().cloned()),
                None => {
                    index.insert(name.clone(), queues.len());
                    queues.push((name.clone(), members.values().cloned().collect()));
                }
            }
        }
    }
}

/// One level of the trie: the children of a token position.
#[derive(Default)]
struct Level {
    literal: HashMap<Box<[u8]>, Node>,
    /// The `*` child.
    star: Option<Box<Node>>,
    /// The `>` child; it is always a leaf.
    tail: Option<Box<Node>>,
}

impl Level {
    fn is_empty(&self) -> bool {
        self.children() == 0
    }

    fn children(&self) -> usize {
        self.literal.len() + usize::from(self.star.is_some()) + usize::from(self.tail.is_some())
    }

    fn child(&mut self, token: &[u8]) -> &mut Node {
        match token {
            b"*" => self.star.get_or_insert_with(Box::default),
            b">" => self.tail.get_or_insert_with(Box::default),
            _ => self.literal.entry(token.into()).or_default(),
        }
    }

    fn child_mut(&mut self, token: &[u8]) -> Option<&mut Node> {
        match token {
            b"*" => self.star.as_deref_mut(),
            b">" => self.tail.as_deref_mut(),
            _ => self.literal.get_mut(token),
        }
    }

    fn remove_child(&mut self, token: &[u8]) {
        match token {
            b"*" => self.star = None,
            b">" => self.tail = None,
            _ => {
                self.literal.remove(token);
            }
        }
    }
}

/// Subscriptions keyed by their address, so one is removed in constant time however many share
/// a subject (a client may open 100,000 subscriptions on one subject and then disconnect).
type Members = HashMap<usize, Arc<Subscription>>;

fn key(sub: &Arc<Subscription>) -> usize {
    Arc::as_ptr(sub) as usize
}

/// What a token position holds: subscriptions ending here, and the next level.
#[derive(Default)]
struct Node {
    next: Option<Box<Level>>,
    plain: Members,
    /// Queue groups by name, so joining one of 60,000 groups costs no search.
    queues: HashMap<Bytes, Members>,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.holds_nothing() && self.next.is_none()
    }

    /// No subscription ends here.
    fn holds_nothing(&self) -> bool {
        self.plain.is_empty() && self.queues.is_empty()
    }

    /// Removes `sub` from this node; true if it was here.
    fn remove(&mut self, sub: &Arc<Subscription>) -> bool {
        match &sub.queue {
            None => self.plain.remove(&key(sub)).is_some(),
            Some(queue) => {
                let Some(members) = self.queues.get_mut(queue) else {
                    return false;
                };
                if members.remove(&key(sub)).is_none() {
                    return false;
                }
                if members.is_empty() {
                    self.queues.remove(queue);
                }
                true
            }
        }
    }
}

/// A subject may have as many tokens as the control line allows (tens of thousands), so the
/// chain below a node is taken apart with a loop: the derived drop would recurse once per
/// token and overflow the stack.
impl Drop for Node {
    fn drop(&mut self) {
        let Some(next) = self.next.take() else {
            return;
        };
        let mut levels = vec![next];
        while let Some(mut level) = levels.pop() {
            let star = level.star.take().map(|node| *node);
            let tail = level.tail.take().map(|node| *node);
            let literal = level.literal.drain().map(|(_, node)| node);
            for mut node in literal.chain(star).chain(tail) {
                // `node` is dropped here with nothing below it.
                levels.extend(node.next.take());
            }
        }
    }
}

/// Every subscription of the broker, indexed by subject tokens. Nothing here recurses on the
/// number of tokens: inserting, matching, removing and dropping all loop.
#[derive(Default)]
pub(crate) struct Sublist {
    root: Level,
    count: usize,
    generation: u64,
}

/// Only the totals: a derived `Debug` would walk the whole trie, token by token.
impl fmt::Debug for Sublist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sublist")
            .field("count", &self.count)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl Sublist {
    /// Number of subscriptions held.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Changes with every insert and remove.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Adds a subscription (its subject was validated before).
    pub(crate) fn insert(&mut self, sub: Arc<Subscription>) {
        let mut level = &mut self.root;
        let mut tokens = tokens(&sub.subject).peekable();
        let mut node;
        loop {
            let token = tokens.next().unwrap_or_default();
            node = level.child(token);
            if tokens.peek().is_none() {
                break;
            }
            level = node.next.get_or_insert_with(Box::default);
        }
        match &sub.queue {
            None => {
                node.plain.insert(key(&sub), sub);
            }
            Some(queue) => {
                let members = node.queues.entry(queue.clone()).or_default();
                members.insert(key(&sub), sub);
            }
        }
        self.count += 1;
        self.generation += 1;
    }

    /// Removes a subscription; true if it was held. Empty branches are pruned.
    pub(crate) fn remove(&mut self, sub: &Arc<Subscription>) -> bool {
        let tokens: Vec<&[u8]> = tokens(&sub.subject).collect();
        // Down the path: remove it from its node, and note the shallowest token from which the
        // path serves this subscription alone (that branch goes, whole).
        let mut prune_from = None;
        let mut level = &mut self.root;
        for (at, token) in tokens.iter().enumerate() {
            let Some(node) = level.child_mut(token) else {
                return false;
            };
            if at + 1 == tokens.len() {
                if !node.remove(sub) {
                    return false;
                }
                if !node.is_empty() {
                    prune_from = None;
                } else if prune_from.is_none() {
                    prune_from = Some(at);
                }
                break;
            }
            let Some(next) = node.next.as_deref_mut() else {
                return false;
            };
            if !node.plain.is_empty() || !node.queues.is_empty() || next.children() != 1 {
                prune_from = None;
            } else if prune_from.is_none() {
                prune_from = Some(at);
            }
            level = next;
        }
        if let Some(at) = prune_from {
            self.prune(&tokens, at);
        }
        self.count -= 1;
        self.generation += 1;
        true
    }

    /// Removes the branch at `tokens[at]`, which holds nothing but an emptied path.
    fn prune(&mut self, tokens: &[&[u8]], at: usize) {
        if at == 0 {
            self.root.remove_child(tokens[0]);
            return;
        }
        let parent_at = at - 1;
        let mut level = &mut self.root;
        for token in &tokens[..parent_at] {
            match level.child_mut(token).and_then(|n| n.next.as_deref_mut()) {
                Some(next) => level = next,
                None => return,
            }
        }
        let Some(parent) = level.child_mut(tokens[parent_at]) else {
            return;
        };
        if let Some(next) = parent.next.as_deref_mut() {
            next.remove_child(tokens[at]);
            if next.is_empty() {
                parent.next = None;
            }
        }
    }

    /// Everyone listening on the literal `subject`. A subject with an empty token matches
    /// nothing, as with nats-server (it cannot be a subscription's subject).
    pub(crate) fn matches(&self, subject: &[u8]) -> Matches {
        let mut gather = Gather::default();
        self.visit(subject, |node| {
            gather.add(node);
            ControlFlow::Continue(())
        });
        gather.found
    }

    /// A plain subscription of `conn` matching the literal `subject`: where a no-responders
    /// answer to a request's reply subject goes. Costs what matching the subject costs,
    /// however many subscriptions `conn` has elsewhere.
    pub(crate) fn plain_of(&self, conn: &Arc<Conn>, subject: &[u8]) -> Option<Arc<Subscription>> {
        let mut found = None;
        self.visit(subject, |node| {
            match node.plain.values().find(|s| Arc::ptr_eq(&s.conn, conn)) {
                Some(sub) => {
                    found = Some(sub.clone());
                    ControlFlow::Break(())
                }
                None => ControlFlow::Continue(()),
            }
        });
        found
    }

    /// Calls `each` with every node whose subscriptions match the literal `subject`, walking
    /// the trie with a stack of its own (no recursion on the number of tokens); `each` may stop
    /// the walk.
    fn visit(&self, subject: &[u8], mut each: impl FnMut(&Node) -> ControlFlow<()>) {
        let tokens: Vec<&[u8]> = tokens(subject).collect();
        if tokens.iter().any(|t| t.is_empty()) {
            return;
        }
        let mut pending: Vec<(&Level, usize)> = vec![(&self.root, 0)];
        while let Some((level, at)) = pending.pop() {
            // `>` matches this token and everything after it.
            if let Some(tail) = &level.tail {
                if each(tail).is_break() {
                    return;
                }
            }
            let last = at + 1 == tokens.len();
            let star = level.star.as_deref();
            let literal = level.literal.get(tokens[at]);
            for node in star.into_iter().chain(literal) {
                if last {
                    if each(node).is_break() {
                        return;
                    }
                } else if let Some(next) = &node.next {
                    pending.push((next, at + 1));
                }
            }
        }
    }
}

/// The tokens of a subject: its bytes split on `.`. A named type, not `impl Iterator`, so the
/// borrow of the subject ends where the iterator is last used.
fn tokens(subject: &[u8]) -> std::slice::Split<'_, u8, fn(&u8) -> bool> {
    subject.split(|&b| b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::shared::Conn;

    fn sub(conn: &Arc<Conn>, sid: u64, subject: &str, queue: Option<&str>) -> Arc<Subscription> {
        Arc::new(Subscription::new(
            conn.clone(),
            Bytes::from(sid.to_string()),
            Bytes::copy_from_slice(subject.as_bytes()),
            queue.map(|q| Bytes::copy_from_slice(q.as_bytes())),
        ))
    }

    /// The sids here are numbers.
    fn number(sid: &Bytes) -> u64 {
        std::str::from_utf8(sid).unwrap().parse().unwrap()
    }

    fn sids(m: &Matches) -> (Vec<u64>, Vec<(String, Vec<u64>)>) {
        let mut plain: Vec<u64> = m.plain.iter().map(|s| number(&s.sid)).collect();
        plain.sort_unstable();
        let mut queues: Vec<(String, Vec<u64>)> = m
            .queues
            .iter()
            .map(|(n, members)| {
                let mut sids: Vec<u64> = members.iter().map(|s| number(&s.sid)).collect();
                sids.sort_unstable();
                (String::from_utf8_lossy(n).into_owned(), sids)
            })
            .collect();
        queues.sort();
        (plain, queues)
    }

    #[test]
    fn literal_star_and_tail_subscriptions_match_as_nats_server_does() {
        let conn = Arc::new(Conn::new(1, None, 1 << 20));
        let mut list = Sublist::default();
        for (sid, subject) in [
            (1, "a.b.c"),
            (2, "a.*.c"),
            (3, "a.>"),
            (4, ">"),
            (5, "a.b"),
            (6, "*.*.*"),
            (7, "a.b.c.>"),
        ] {
            list.insert(sub(&conn, sid, subject, None));
        }
        assert_eq!(sids(&list.matches(b"a.b.c")).0, vec![1, 2, 3, 4, 6]);
        assert_eq!(sids(&list.matches(b"a.b")).0, vec![3, 4, 5]);
        assert_eq!(sids(&list.matches(b"a")).0, vec![4]);
        assert_eq!(sids(&list.matches(b"a.b.c.d")).0, vec![3, 4, 7]);
        assert_eq!(sids(&list.matches(b"x.y.z")).0, vec![4, 6]);
        assert_eq!(list.len(), 7);
    }

    #[test]
    fn queue_groups_are_merged_by_name_across_subjects() {
        let conn = Arc::new(Conn::new(1, None, 1 << 20));
        let mut list = Sublist::default();
        list.insert(sub(&conn, 1, "jobs.new", Some("workers")));
        list.insert(sub(&conn, 2, "jobs.*", Some("workers")));
        list.insert(sub(&conn, 3, "jobs.>", Some("auditors")));
        list.insert(sub(&conn, 4, "jobs.new", None));
        let (plain, queues) = sids(&list.matches(b"jobs.new"));
        assert_eq!(plain, vec![4]);
        assert_eq!(
            queues,
            vec![("auditors".into(), vec![3]), ("workers".into(), vec![1, 2])]
        );
    }

    #[test]
    fn removing_prunes_and_changes_the_generation() {
        let conn = Arc::new(Conn::new(1, None, 1 << 20));
        let mut list = Sublist::default();
        let a = sub(&conn, 1, "a.b.c", None);
        let q = sub(&conn, 2, "a.*.c", Some("q"));
        list.insert(a.clone());
        list.insert(q.clone());
        let generation = list.generation();
        assert!(list.remove(&a));
        assert!(!list.remove(&a), "removed twice");
        assert!(list.generation() > generation);
        assert!(list.remove(&q));
        assert_eq!(list.len(), 0);
        assert!(list.root.is_empty(), "empty branches are pruned");
        assert!(list.matches(b"a.b.c").is_empty());
    }

    #[test]
    fn a_subject_of_100000_tokens_is_indexed_matched_removed_and_dropped_without_recursion() {
        // 100,000 frames of recursion would overflow a test thread's 2 MiB stack.
        let conn = Arc::new(Conn::new(1, None, 1 << 20));
        let deep = vec!["t"; 100_000].join(".");
        let wild = format!("{}.>", vec!["*"; 99_999].join("."));
        let mut list = Sublist::default();
        let a = sub(&conn, 1, &deep, None);
        list.insert(a.clone());
        list.insert(sub(&conn, 2, &wild, Some("q")));
        let (plain, queues) = sids(&list.matches(format!("{deep}.u").as_bytes()));
        assert!(plain.is_empty());
        assert_eq!(queues, vec![("q".into(), vec![2])]);
        assert_eq!(sids(&list.matches(deep.as_bytes())).0, vec![1]);
        assert_eq!(
            format!("{list:?}"),
            "Sublist { count: 2, generation: 2, .. }"
        );
        assert!(list.remove(&a));
        assert_eq!(
            sids(&list.matches(deep.as_bytes())),
            (vec![], vec![("q".into(), vec![2])])
        );
        drop(list);
    }

    #[test]
    fn removing_one_of_two_deep_branches_keeps_the_other() {
        let conn = Arc::new(Conn::new(1, None, 1 << 20));
        let mut list = Sublist::default();
        let a = sub(&conn, 1, "a.b.c.d", None);
        let b = sub(&conn, 2, "a.b.x.y", None);
        let c = sub(&conn, 3, "a.b", None);
        for s in [&a, &b, &c] {
            list.insert(s.clone());
        }
        assert!(list.remove(&a));
        assert_eq!(sids(&list.matches(b"a.b.x.y")).0, vec![2]);
        assert!(list.remove(&b));
        assert_eq!(sids(&list.matches(b"a.b")).0, vec![3]);
        let a_b = &list.root.literal[&b"a"[..]].next.as_ref().unwrap().literal[&b"b"[..]];
        assert!(a_b.next.is_none(), "the emptied branch below a.b is pruned");
        assert!(list.remove(&c));
        assert!(list.root.is_empty());
    }

    #[test]
    fn the_plain_subscription_of_a_connection_is_found_among_many() {
        let me = Arc::new(Conn::new(1, None, 1 << 20));
        let other = Arc::new(Conn::new(2, None, 1 << 20));
        let mut list = Sublist::default();
        list.insert(sub(&other, 1, "_INBOX.a.*", None));
        list.insert(sub(&me, 2, "_INBOX.a.*", Some("q")));
        assert!(list.plain_of(&me, b"_INBOX.a.1").is_none());
        for sid in 3..1000 {
            list.insert(sub(&me, sid, &format!("_INBOX.a.{sid}"), None));
        }
        assert_eq!(list.plain_of(&me, b"_INBOX.a.500").unwrap().sid, "500");
        assert!(list.plain_of(&me, b"_INBOX.b.500").is_none());
    }

    #[test]
    fn tokens_that_are_not_utf8_are_indexed_and_matched_as_bytes() {
        let conn = Arc::new(Conn::new(1, None, 1 << 20));
        let mut list = Sublist::default();
        let raw = |sid: u64, subject: &'static [u8], queue: Option<&'static [u8]>| {
            Arc::new(Subscription::new(
                conn.clone(),
                Bytes::from(sid.to_string()),
                Bytes::from_static(subject),
                queue.map(Bytes::from_static),
            ))
        };
        let literal = raw(1, b"a\xff.b", None);
        list.insert(literal.clone());
        list.insert(raw(2, b"a\xff.*", Some(b"q\xfe")));
        list.insert(raw(3, b"a\xfe.b", None));
        let (plain, queues) = sids(&list.matches(b"a\xff.b"));
        assert_eq!(plain, vec![1]);
        assert_eq!(queues, vec![("q\u{fffd}".into(), vec![2])]);
        assert!(list.remove(&literal));
        assert_eq!(sids(&list.matches(b"a\xff.b")).0, Vec::<u64>::new());
        assert_eq!(sids(&list.matches(b"a\xfe.b")).0, vec![3]);
    }

    #[test]
    fn many_queue_groups_on_one_subject_merge_with_a_wildcards_groups() {
        let conn = Arc::new(Conn::new(1, None, 1 << 20));
        let mut list = Sublist::default();
        for g in 0..1000 {
            list.insert(sub(&conn, g, "work", Some(&format!("g{g}"))));
        }
        list.insert(sub(&conn, 5000, "*", Some("g7")));
        list.insert(sub(&conn, 5001, "*", Some("other")));
        let found = list.matches(b"work");
        assert_eq!(found.queues.len(), 1001);
        assert_eq!(found.weight(), 1002);
        let g7 = found.queues.iter().find(|(n, _)| n == "g7").unwrap();
        assert_eq!(g7.1.len(), 2);
    }
}
