//! [`Sequence`]: what an ordered consumer (ADR-17) checks of each delivery, as state alone: the
//! consumer sequence must go up by one, and a heartbeat must name the last one delivered; when
//! not, the consumer is made anew from the stream sequence after the last one delivered.

use crate::jetstream::consumer::config::DeliverPolicy;

/// The last delivery of an ordered consumer, and where it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sequence {
    /// The deliver policy the user asked for, kept until something is delivered.
    original: DeliverPolicy,
    /// The stream sequence of the last message delivered; 0 before the first.
    last_stream: u64,
    /// The consumer sequence of the last message delivered, counted by the current consumer.
    last_consumer: u64,
}

impl Sequence {
    /// Nothing delivered yet; a restart keeps `original`.
    pub(crate) fn new(original: DeliverPolicy) -> Self {
        Sequence {
            original,
            last_stream: 0,
            last_consumer: 0,
        }
    }

    /// A delivery with these sequences: true (and counted) when it is the next one; false
    /// when one was missed or it came twice (the consumer must be made anew).
    pub(crate) fn accept(&mut self, consumer_seq: u64, stream_seq: u64) -> bool {
        if consumer_seq != self.last_consumer + 1 {
            return false;
        }
        self.last_consumer = consumer_seq;
        self.last_stream = stream_seq;
        true
    }

    /// A heartbeat naming the consumer's last delivery: true unless it names one this side
    /// never saw.
    pub(crate) fn heartbeat_in_order(&self, last_consumer: Option<u64>) -> bool {
        last_consumer.is_none_or(|n| n == self.last_consumer)
    }

    /// Where the next consumer starts: after the last message delivered, or, when nothing was
    /// delivered yet, where the user asked (a "new messages only" consumer stays one, rather
    /// than replaying the stream).
    pub(crate) fn restart_policy(&self) -> DeliverPolicy {
        if self.last_stream == 0 {
            self.original.clone()
        } else {
            DeliverPolicy::ByStartSequence(self.last_stream + 1)
        }
    }

    /// A new consumer counts from the start.
    pub(crate) fn restarted(&mut self) {
        self.last_consumer = 0;
    }

    /// The stream sequence of the last message delivered; 0 before the first.
    #[cfg(test)]
    pub(crate) fn last_stream(&self) -> u64 {
        self.last_stream
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_in_order_are_accepted_and_a_gap_is_not() {
        let mut seq = Sequence::new(DeliverPolicy::All);
        assert!(seq.accept(1, 10));
        assert!(seq.accept(2, 12));
        assert!(!seq.accept(4, 15), "consumer sequence 3 was missed");
        assert!(!seq.accept(2, 12), "a repeat");
        assert_eq!(seq.last_stream(), 12);
        assert_eq!(seq.restart_policy(), DeliverPolicy::ByStartSequence(13));
    }

    #[test]
    fn a_restart_before_any_delivery_keeps_the_users_policy() {
        for original in [
            DeliverPolicy::New,
            DeliverPolicy::LastPerSubject,
            DeliverPolicy::ByStartSequence(7),
        ] {
            let seq = Sequence::new(original.clone());
            assert_eq!(seq.restart_policy(), original);
        }
    }

    #[test]
    fn a_restarted_consumer_counts_from_one_and_keeps_the_stream_position() {
        let mut seq = Sequence::new(DeliverPolicy::New);
        assert!(seq.accept(1, 40));
        seq.restarted();
        assert!(seq.accept(1, 41));
        assert_eq!(seq.restart_policy(), DeliverPolicy::ByStartSequence(42));
    }

    #[test]
    fn a_heartbeat_naming_an_unseen_delivery_is_out_of_order() {
        let mut seq = Sequence::new(DeliverPolicy::All);
        assert!(seq.heartbeat_in_order(Some(0)));
        assert!(seq.heartbeat_in_order(None));
        assert!(seq.accept(1, 1));
        assert!(seq.heartbeat_in_order(Some(1)));
        assert!(!seq.heartbeat_in_order(Some(2)));
    }
}
