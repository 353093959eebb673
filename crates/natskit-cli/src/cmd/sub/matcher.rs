//! [`Matcher`]: pairs the requests `sub --match-replies` sees with the answers sent to their
//! reply subjects.
//!
//! Answers come on a second subscription (`_INBOX.>`). Both arrive on one connection in the
//! server's order, but the two subscriptions are read separately, so an answer can be read
//! before its request: such answers wait (a bounded number of them) until the request shows up.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Requests remembered at most; the oldest are forgotten first.
const MAX_REQUESTS: usize = 10_000;
/// Answers waiting for their request at most.
const MAX_EARLY: usize = 256;

/// An answer paired with its request.
#[derive(Debug, PartialEq)]
pub struct Matched<M> {
    /// The request's number.
    pub number: u64,
    /// Time from seeing the request to seeing the answer (zero when the answer was read first).
    pub after: Duration,
    /// The answer.
    pub message: M,
}

/// A request seen with a reply subject.
#[derive(Debug)]
struct Seen {
    /// The request's number.
    number: u64,
    /// When it was read.
    at: Instant,
    /// Whether an answer to it has been seen.
    answered: bool,
}

/// Requests by reply subject, and answers read before their request.
#[derive(Debug)]
pub struct Matcher<M> {
    /// The requests remembered, by reply subject.
    requests: HashMap<String, Seen>,
    /// Their reply subjects, oldest first, to forget the oldest past [`MAX_REQUESTS`].
    order: VecDeque<String>,
    /// Answers read before their request (at most [`MAX_EARLY`]), with their subjects.
    early: VecDeque<(String, M)>,
    /// How many of `requests` are not answered yet.
    unanswered: usize,
}

impl<M> Matcher<M> {
    /// Nothing seen yet.
    pub fn new() -> Self {
        Matcher {
            requests: HashMap::new(),
            order: VecDeque::new(),
            early: VecDeque::new(),
            unanswered: 0,
        }
    }

    /// Request `number`, seen `at`, wants answers on `reply`; returns the answers read before it.
    pub fn request(&mut self, number: u64, reply: &str, at: Instant) -> Vec<Matched<M>> {
        if self.order.len() == MAX_REQUESTS {
            if let Some(old) = self.order.pop_front() {
                if self.requests.remove(&old).is_some_and(|s| !s.answered) {
                    self.unanswered -= 1;
                }
            }
        }
        let mut seen = Seen {
            number,
            at,
            answered: false,
        };
        let mut matched = Vec::new();
        let mut kept = VecDeque::with_capacity(self.early.len());
        for (subject, message) in self.early.drain(..) {
            if subject == reply {
                seen.answered = true;
                matched.push(Matched {
                    number,
                    after: Duration::ZERO,
                    message,
                });
            } else {
                kept.push_back((subject, message));
            }
        }
        self.early = kept;
        if !seen.answered {
            self.unanswered += 1;
        }
        if let Some(previous) = self.requests.insert(reply.to_owned(), seen) {
            // A reply subject used again: the older request is replaced.
            if !previous.answered {
                self.unanswered -= 1;
            }
        } else {
            self.order.push_back(reply.to_owned());
        }
        matched
    }

    /// A message on `subject` arrived `at` on the reply subscription: its pairing, or `None`
    /// while its request is unknown (it waits, in case the request is still being read).
    pub fn answer(&mut self, subject: &str, message: M, at: Instant) -> Option<Matched<M>> {
        let Some(seen) = self.requests.get_mut(subject) else {
            if self.early.len() == MAX_EARLY {
                self.early.pop_front();
            }
            self.early.push_back((subject.to_owned(), message));
            return None;
        };
        if !seen.answered {
            seen.answered = true;
            self.unanswered -= 1;
        }
        Some(Matched {
            number: seen.number,
            after: at.saturating_duration_since(seen.at),
            message,
        })
    }

    /// How many requests have had no answer yet.
    pub fn unanswered(&self) -> usize {
        self.unanswered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_answers_with_their_requests() {
        let t0 = Instant::now();
        let mut m = Matcher::new();
        assert!(m.request(1, "_INBOX.a", t0).is_empty());
        assert!(m.request(2, "_INBOX.b", t0).is_empty());
        assert_eq!(m.unanswered(), 2);
        let later = t0 + Duration::from_millis(3);
        let got = m.answer("_INBOX.b", "B", later).unwrap();
        assert_eq!(
            (got.number, got.after, got.message),
            (2, Duration::from_millis(3), "B")
        );
        assert_eq!(m.unanswered(), 1);
        // A second answer to the same request (a scatter-gather) pairs too.
        assert_eq!(m.answer("_INBOX.b", "B2", later).unwrap().number, 2);
        assert_eq!(m.unanswered(), 1);
        assert_eq!(m.answer("_INBOX.a", "A", later).unwrap().number, 1);
        assert_eq!(m.unanswered(), 0);
    }

    #[test]
    fn an_answer_read_before_its_request_waits_for_it() {
        let t0 = Instant::now();
        let mut m = Matcher::new();
        assert!(m.answer("_INBOX.x", "X", t0).is_none());
        assert!(m.answer("_INBOX.other", "O", t0).is_none());
        let got = m.request(5, "_INBOX.x", t0);
        assert_eq!(
            got,
            [Matched {
                number: 5,
                after: Duration::ZERO,
                message: "X"
            }]
        );
        assert_eq!(m.unanswered(), 0);
        assert_eq!(m.early.len(), 1, "the unrelated answer still waits");
    }

    #[test]
    fn memory_is_bounded() {
        let t0 = Instant::now();
        let mut m = Matcher::new();
        for n in 0..(MAX_REQUESTS as u64 + 5) {
            m.request(n, &format!("_INBOX.{n}"), t0);
        }
        assert_eq!(m.requests.len(), MAX_REQUESTS);
        assert_eq!(m.unanswered(), MAX_REQUESTS);
        assert!(m.answer("_INBOX.0", "gone", t0).is_none());
        for n in 0..(MAX_EARLY + 5) {
            m.answer(&format!("_INBOX.none.{n}"), "x", t0);
        }
        assert_eq!(m.early.len(), MAX_EARLY);
    }
}
