//! The subject index: a trie of subject tokens holding every subscription, with `*` and `>`
//! children beside the literal ones, answering "who gets a message on this subject?".
//!
//! The broker keeps one [`Sublist`] behind a lock, and each connection caches the answers it
//! looked up (see [`crate::client::protocol`]); [`Sublist::generation`] changes with every insert and
//! remove, which is how those caches know to start again.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;

use crate::client::shared::Subscription;

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

    fn add(&mut self, node: &Node) {
        self.plain.extend(node.plain.values().cloned());
        for (name, members) in &node.queues {
            match self.queues.iter_mut().find(|(n, _)| n == name) {
                Some((_, all)) => all.extend(members.values().cloned()),
                None => self
                    .queues
                    .push((name.clone(), members.values().cloned().collect())),
            }
        }
    }
}

/// One level of the trie: the children of a token position.
#[derive(Debug, Default)]
struct Level {
    literal: HashMap<Box<str>, Node>,
    /// The `*` child.
    star: Option<Box<Node>>,
    /// The `>` child; it is always a leaf.
    tail: Option<Box<Node>>,
}

impl Level {
    fn is_empty(&self) -> bool {
        self.literal.is_empty() && self.star.is_none() && self.tail.is_none()
    }

    fn child(&mut self, token: &str) -> &mut Node {
        match token {
            "*" => self.star.get_or_insert_with(Box::default),
            ">" => self.tail.get_or_insert_with(Box::default),
            _ => self.literal.entry(token.into()).or_default(),
        }
    }

    fn child_mut(&mut self, token: &str) -> Option<&mut Node> {
        match token {
            "*" => self.star.as_deref_mut(),
            ">" => self.tail.as_deref_mut(),
            _ => self.literal.get_mut(token),
        }
    }

    fn remove_child(&mut self, token: &str) {
        match token {
            "*" => self.star = None,
            ">" => self.tail = None,
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
#[derive(Debug, Default)]
struct Node {
    next: Option<Box<Level>>,
    plain: Members,
    queues: Vec<(Bytes, Members)>,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.queues.is_empty() && self.next.is_none()
    }

    /// Removes `sub` from this node; true if it was here.
    fn remove(&mut self, sub: &Arc<Subscription>) -> bool {
        match &sub.queue {
            None => self.plain.remove(&key(sub)).is_some(),
            Some(queue) => {
                let Some(g) = self.queues.iter().position(|(n, _)| n == queue.as_bytes()) else {
                    return false;
                };
                let members = &mut self.queues[g].1;
                if members.remove(&key(sub)).is_none() {
                    return false;
                }
                if members.is_empty() {
                    self.queues.swap_remove(g);
                }
                true
            }
        }
    }
}

/// Every subscription of the broker, indexed by subject tokens.
#[derive(Debug, Default)]
pub(crate) struct Sublist {
    root: Level,
    count: usize,
    generation: u64,
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
        let mut tokens = sub.subject.tokens().peekable();
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
                let name = queue.as_bytes().clone();
                match node.queues.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, members)) => {
                        members.insert(key(&sub), sub);
                    }
                    None => node.queues.push((name, HashMap::from([(key(&sub), sub)]))),
                }
            }
        }
        self.count += 1;
        self.generation += 1;
    }

    /// Removes a subscription; true if it was held. Empty branches are pruned.
    pub(crate) fn remove(&mut self, sub: &Arc<Subscription>) -> bool {
        let tokens: Vec<&str> = sub.subject.tokens().collect();
        let removed = remove_from(&mut self.root, &tokens, sub);
        if removed {
            self.count -= 1;
            self.generation += 1;
        }
        removed
    }

    /// Everyone listening on the literal `subject`. A subject with an empty token matches
    /// nothing, as with nats-server (it cannot be a subscription's subject).
    pub(crate) fn matches(&self, subject: &str) -> Matches {
        let tokens: Vec<&str> = subject.split('.').collect();
        let mut out = Matches::default();
        if tokens.iter().any(|t| t.is_empty()) {
            return out;
        }
        match_level(&self.root, &tokens, &mut out);
        out
    }
}

fn match_level(level: &Level, tokens: &[&str], out: &mut Matches) {
    let Some((token, rest)) = tokens.split_first() else {
        return;
    };
    // `>` matches this token and everything after it.
    if let Some(tail) = &level.tail {
        out.add(tail);
    }
    let mut visit = |node: &Node| {
        if rest.is_empty() {
            out.add(node);
        } else if let Some(next) = &node.next {
            match_level(next, rest, out);
        }
    };
    if let Some(star) = &level.star {
        visit(star);
    }
    if let Some(node) = level.literal.get(*token) {
        visit(node);
    }
}

fn remove_from(level: &mut Level, tokens: &[&str], sub: &Arc<Subscription>) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return false;
    };
    let Some(node) = level.child_mut(token) else {
        return false;
    };
    let removed = if rest.is_empty() {
        node.remove(sub)
    } else {
        let removed = match node.next.as_deref_mut() {
            Some(next) => remove_from(next, rest, sub),
            None => false,
        };
        if node.next.as_ref().is_some_and(|next| next.is_empty()) {
            node.next = None;
        }
        removed
    };
    if node.is_empty() {
        level.remove_child(token);
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::shared::Conn;

    fn sub(conn: &Arc<Conn>, sid: u64, subject: &str, queue: Option<&str>) -> Arc<Subscription> {
        Arc::new(Subscription::new(
            conn.clone(),
            sid,
            subject.to_owned().into(),
            queue.map(|q| q.to_owned().into()),
        ))
    }

    fn sids(m: &Matches) -> (Vec<u64>, Vec<(String, Vec<u64>)>) {
        let mut plain: Vec<u64> = m.plain.iter().map(|s| s.sid).collect();
        plain.sort_unstable();
        let mut queues: Vec<(String, Vec<u64>)> = m
            .queues
            .iter()
            .map(|(n, members)| {
                let mut sids: Vec<u64> = members.iter().map(|s| s.sid).collect();
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
        assert_eq!(sids(&list.matches("a.b.c")).0, vec![1, 2, 3, 4, 6]);
        assert_eq!(sids(&list.matches("a.b")).0, vec![3, 4, 5]);
        assert_eq!(sids(&list.matches("a")).0, vec![4]);
        assert_eq!(sids(&list.matches("a.b.c.d")).0, vec![3, 4, 7]);
        assert_eq!(sids(&list.matches("x.y.z")).0, vec![4, 6]);
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
        let (plain, queues) = sids(&list.matches("jobs.new"));
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
        assert!(list.matches("a.b.c").is_empty());
    }
}
