//! Whether the connection task, woken because output became ready, first lets its worker's
//! other ready tasks run, so that one write carries what they add too.
//!
//! Many tasks publishing a little each (64 requesters on one connection, say) wake the
//! connection task with their first publish; taken at once, the output is one request, and
//! the connection makes a write per request: 0.7 writes a request, where waiting one turn
//! gave 0.12 and 1.8x the requests a second (`profile_paths conc`). Waiting costs a turn,
//! though, when nobody else adds anything (a lone requester), and a publisher that floods the
//! connection has filled a large output by the time the task runs. So the task waits only while
//! the output is small, and while waiting has been gathering more: after each wait that
//! gathered nothing, it goes without for twice as many wakes as before (up to
//! [`MAX_WAKES_WITHOUT`]), then tries again.

/// Output this large is written at once: waiting would only hold it back.
const SMALL_OUTPUT: usize = 16 * 1024;

/// The longest run of wakes without waiting, after waits that gathered nothing.
const MAX_WAKES_WITHOUT: u32 = 256;

/// What the connection task has learnt about waiting a turn before it writes.
#[derive(Debug, Default)]
pub(crate) struct Gathering {
    /// Wakes left to go without waiting.
    skip: u32,
    /// How many wakes to skip after the next wait that gathers nothing.
    backoff: u32,
}

impl Gathering {
    /// Woken with `output` bytes ready: true to let the worker's other tasks run first.
    pub(crate) fn should_wait(&mut self, output: usize) -> bool {
        if output >= SMALL_OUTPUT {
            return false;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        true
    }

    /// A wait ended with `after` bytes ready, where there were `before`.
    pub(crate) fn waited(&mut self, before: usize, after: usize) {
        if after > before {
            self.backoff = 0;
        } else {
            self.backoff = (self.backoff * 2).clamp(1, MAX_WAKES_WITHOUT);
            self.skip = self.backoff;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Wakes in a row, each with `output` bytes and `gained` bytes added while waiting; returns
    /// which of them waited.
    fn wakes(gathering: &mut Gathering, count: usize, output: usize, gained: usize) -> Vec<bool> {
        (0..count)
            .map(|_| {
                let wait = gathering.should_wait(output);
                if wait {
                    gathering.waited(output, output + gained);
                }
                wait
            })
            .collect()
    }

    #[test]
    fn it_keeps_waiting_while_waiting_gathers_more() {
        let mut gathering = Gathering::default();
        assert!(wakes(&mut gathering, 100, 70, 140).iter().all(|&w| w));
    }

    #[test]
    fn a_large_output_is_never_held_back() {
        let mut gathering = Gathering::default();
        assert!(wakes(&mut gathering, 10, SMALL_OUTPUT, 1000)
            .iter()
            .all(|&w| !w));
    }

    #[test]
    fn waits_that_gather_nothing_become_rarer_up_to_a_limit() {
        let mut gathering = Gathering::default();
        let waited = wakes(&mut gathering, 2000, 70, 0);
        let at: Vec<usize> = (0..waited.len()).filter(|&i| waited[i]).collect();
        // Each miss doubles the wakes skipped: 1, 2, 4, ... 256, then 256 each time.
        assert_eq!(&at[..6], &[0, 2, 5, 10, 19, 36]);
        let gaps: Vec<usize> = at.windows(2).map(|w| w[1] - w[0] - 1).collect();
        assert_eq!(gaps.iter().max(), Some(&(MAX_WAKES_WITHOUT as usize)));
        assert!(at.len() < 20, "{} waits in 2000 lone wakes", at.len());
    }

    #[test]
    fn one_wait_that_gathers_more_brings_waiting_back_at_once() {
        let mut gathering = Gathering::default();
        wakes(&mut gathering, 50, 70, 0);
        // Skip the wakes it owes, then a wait that gathers resets the backoff.
        while !gathering.should_wait(70) {}
        gathering.waited(70, 210);
        assert!(wakes(&mut gathering, 20, 70, 140).iter().all(|&w| w));
    }
}
