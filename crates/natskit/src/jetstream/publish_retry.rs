//! [`RetryPlan`]: when a publish answered by "no responders" is sent again (ADR-22), as state
//! alone: the caller sleeps and sends; the plan says how long and whether at all.

use std::time::Duration;

/// The retries left to one publish, and the wait before the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RetryPlan {
    retries_left: u32,
    next_wait: Duration,
    attempts: u32,
}

impl RetryPlan {
    /// A publish sent once, allowed `retries` more attempts, the first after `first_wait`
    /// and each further one after twice the wait before it.
    pub(crate) fn new(retries: u32, first_wait: Duration) -> Self {
        RetryPlan {
            retries_left: retries,
            next_wait: first_wait,
            attempts: 1,
        }
    }

    /// The last attempt was answered "no responders": the wait before sending again (the
    /// attempt is counted), or `None` when no retry is left.
    pub(crate) fn after_no_responders(&mut self) -> Option<Duration> {
        if self.retries_left == 0 {
            return None;
        }
        self.retries_left -= 1;
        self.attempts += 1;
        let wait = self.next_wait;
        self.next_wait = self.next_wait.saturating_mul(2);
        Some(wait)
    }

    /// Attempts made, the first included.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_waits_double_until_the_retries_run_out() {
        let mut plan = RetryPlan::new(3, Duration::from_millis(100));
        let waits: Vec<_> = std::iter::from_fn(|| plan.after_no_responders()).collect();
        assert_eq!(
            waits,
            [100, 200, 400].map(Duration::from_millis),
            "three retries, doubling"
        );
        assert_eq!(plan.attempts(), 4);
        assert_eq!(plan.after_no_responders(), None, "and no more");
        assert_eq!(plan.attempts(), 4);
    }

    #[test]
    fn no_retries_fails_at_the_first_no_responders() {
        let mut plan = RetryPlan::new(0, Duration::from_millis(100));
        assert_eq!(plan.after_no_responders(), None);
        assert_eq!(plan.attempts(), 1);
    }

    #[test]
    fn a_huge_wait_saturates_instead_of_overflowing() {
        let mut plan = RetryPlan::new(3, Duration::MAX);
        assert_eq!(plan.after_no_responders(), Some(Duration::MAX));
        assert_eq!(plan.after_no_responders(), Some(Duration::MAX));
    }
}
