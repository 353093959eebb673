//! API answers held back until the broker has taken the engine's subscription changes.
//!
//! The engine answers straight into the client's buffer, but its SUB and UNSUB travel through
//! its in-process connection and are taken later. nats-server has a new stream's subscription
//! in place before it answers STREAM.CREATE, so a client may publish the moment it is told:
//! here that publish would find no responders. So an answer given after a subscription change
//! waits for a PING sent behind the change to come back, and later answers wait behind it to
//! keep their order.

use std::collections::VecDeque;

#[derive(Default)]
pub(crate) struct Held {
    /// (reply subject, body), oldest first.
    answers: VecDeque<(String, Vec<u8>)>,
    /// Subscriptions changed and not yet written to the broker.
    subs_changed: bool,
    /// For each PING sent and not answered: how many held answers its PONG releases.
    pings: VecDeque<usize>,
}

impl Held {
    /// The engine queued a SUB or UNSUB.
    pub(crate) fn subs_changed(&mut self) {
        self.subs_changed = true;
    }

    /// Keeps `body` for `reply` when it must wait; gives it back when it may go now.
    pub(crate) fn hold(&mut self, reply: &str, body: Vec<u8>) -> Option<Vec<u8>> {
        if !self.subs_changed && self.answers.is_empty() {
            return Some(body);
        }
        self.answers.push_back((reply.to_owned(), body));
        None
    }

    /// Called as the engine writes to the broker: whether to add a PING behind what it writes,
    /// for the answers held since the last PING.
    pub(crate) fn needs_ping(&mut self) -> bool {
        self.subs_changed = false;
        let covered: usize = self.pings.iter().sum();
        let fresh = self.answers.len() - covered;
        if fresh == 0 {
            return false;
        }
        self.pings.push_back(fresh);
        true
    }

    /// A PONG came back: the answers its PING covered, to send now.
    pub(crate) fn released(&mut self) -> Vec<(String, Vec<u8>)> {
        let n = self.pings.pop_front().unwrap_or(0);
        self.answers.drain(..n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Held;

    #[test]
    fn answers_wait_for_the_ping_behind_a_subscription_change() {
        let mut held = Held::default();
        assert_eq!(held.hold("a", b"1".to_vec()), Some(b"1".to_vec()));
        held.subs_changed();
        assert_eq!(held.hold("b", b"2".to_vec()), None);
        assert!(held.needs_ping());
        // Held answers keep later ones behind them, under a PING of their own.
        assert_eq!(held.hold("c", b"3".to_vec()), None);
        assert!(held.needs_ping());
        assert!(!held.needs_ping());
        assert_eq!(held.released(), [("b".to_owned(), b"2".to_vec())]);
        assert_eq!(held.released(), [("c".to_owned(), b"3".to_vec())]);
        assert_eq!(held.hold("d", b"4".to_vec()), Some(b"4".to_vec()));
    }
}
