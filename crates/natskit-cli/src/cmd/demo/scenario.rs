//! The demo's story, without any display: responders share requests in a queue group; then one
//! joins and one leaves while requests keep coming, and the split follows with no
//! configuration anywhere.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use super::broker::Broker;
use super::responder::{name_in, Responder, SUBJECT};
use crate::error::CliError;

/// How the demo runs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Responders at the start (the seed: 4).
    pub responders: usize,
    /// Requests shared by them (the seed: 100).
    pub requests: u64,
    /// Requests after a responder joined, and again after one left.
    pub change_requests: u64,
    /// Pause between requests, so a person can watch (zero in tests).
    pub pace: Duration,
}

/// What the demo tells as it goes.
pub trait Watch {
    /// A new part of the run starts with these responders in the group.
    fn part(&mut self, part: &Part, members: &[String], requests: u64);
    /// Request `n` of the part was answered by `responder` after `latency`.
    fn answered(&mut self, n: u64, responder: &str, latency: Duration);
}

/// The parts of the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// The responders share the requests.
    Shared,
    /// This responder joined the group.
    Joined(String),
    /// This responder left the group.
    Left(String),
}

/// How many requests each responder answered, in the order they joined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    /// (responder, answered).
    pub counts: Vec<(String, u64)>,
}

impl Split {
    fn with_members(members: &[String]) -> Split {
        Split {
            counts: members.iter().map(|m| (m.clone(), 0)).collect(),
        }
    }

    fn count(&mut self, responder: &str) {
        match self.counts.iter_mut().find(|(name, _)| name == responder) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((responder.to_owned(), 1)),
        }
    }

    /// Requests answered by `responder`.
    pub fn of(&self, responder: &str) -> u64 {
        self.counts
            .iter()
            .find(|(name, _)| name == responder)
            .map_or(0, |(_, n)| *n)
    }

    /// Requests answered in all.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

/// Everything the demo measured.
#[derive(Debug)]
pub struct Report {
    /// The shared part.
    pub shared: Split,
    /// Request-to-answer times of the shared part, in microseconds.
    pub latency_us: Histogram<u64>,
    /// Who joined, and the split of the requests after that.
    pub joined: (String, Split),
    /// Who left, and the split of the requests after that.
    pub left: (String, Split),
}

/// Runs the demo against `broker`, telling `watch` as it goes; every responder has left and
/// every connection is closed when it returns.
pub async fn run(broker: &Broker, plan: &Plan, watch: &mut dyn Watch) -> Result<Report, CliError> {
    if plan.responders == 0 {
        return Err(CliError::msg("the demo needs at least 1 responder"));
    }
    let requester = broker.client("demo-requester").await?;
    let mut group = Vec::new();
    for i in 1..=plan.responders {
        group.push(Responder::start(broker, &format!("responder-{i}")).await?);
    }
    let mut latency_us =
        Histogram::<u64>::new(3).map_err(|e| CliError::msg(format!("latency histogram: {e}")))?;

    let mut requests = Requests {
        requester: &requester,
        plan,
        watch,
    };
    let members = names(&group);
    let shared = requests
        .part(
            Part::Shared,
            &members,
            &members,
            plan.requests,
            Some(&mut latency_us),
        )
        .await?;

    let newcomer = format!("responder-{}", plan.responders + 1);
    group.push(Responder::start(broker, &newcomer).await?);
    let members = names(&group);
    let joined = Part::Joined(newcomer.clone());
    let after_join = requests
        .part(joined, &members, &members, plan.change_requests, None)
        .await?;

    let leaver = group.remove(0);
    let left_name = leaver.name.clone();
    leaver.leave().await?;
    // The one that left is still listed in the split: its 0 is the point.
    let mut listed = vec![left_name.clone()];
    listed.extend(names(&group));
    let left = Part::Left(left_name.clone());
    let after_leave = requests
        .part(left, &names(&group), &listed, plan.change_requests, None)
        .await?;

    for responder in group {
        responder.leave().await?;
    }
    requester.close().await?;
    Ok(Report {
        shared,
        latency_us,
        joined: (newcomer, after_join),
        left: (left_name, after_leave),
    })
}

fn names(group: &[Responder]) -> Vec<String> {
    group.iter().map(|r| r.name.clone()).collect()
}

/// The requester's side of the run.
struct Requests<'a> {
    requester: &'a natskit::Client,
    plan: &'a Plan,
    watch: &'a mut dyn Watch,
}

impl Requests<'_> {
    /// Tells the watcher a part starts with `members` in the group, then sends `count`
    /// requests one after the other and counts who answered each (`listed` are in the split
    /// even when they answer nothing).
    async fn part(
        &mut self,
        part: Part,
        members: &[String],
        listed: &[String],
        count: u64,
        mut latency_us: Option<&mut Histogram<u64>>,
    ) -> Result<Split, CliError> {
        self.watch.part(&part, members, count);
        let mut split = Split::with_members(listed);
        for n in 1..=count {
            let started = Instant::now();
            let answer = self
                .requester
                .request(SUBJECT, format!("request {n}"))
                .await?;
            let latency = started.elapsed();
            let responder = name_in(&answer.payload).ok_or_else(|| {
                CliError::msg(format!(
                    "an answer that is not the demo's: {:?}",
                    String::from_utf8_lossy(&answer.payload)
                ))
            })?;
            split.count(responder);
            if let Some(histogram) = latency_us.as_deref_mut() {
                let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
                histogram.saturating_record(micros.max(1));
            }
            self.watch.answered(n, responder, latency);
            if !self.plan.pace.is_zero() {
                tokio::time::sleep(self.plan.pace).await;
            }
        }
        Ok(split)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remembers what the demo told.
    #[derive(Default)]
    struct Recorder {
        parts: Vec<(Part, Vec<String>)>,
        answers: u64,
    }

    impl Watch for Recorder {
        fn part(&mut self, part: &Part, members: &[String], _requests: u64) {
            self.parts.push((part.clone(), members.to_vec()));
        }
        fn answered(&mut self, _n: u64, _responder: &str, _latency: Duration) {
            self.answers += 1;
        }
    }

    fn seed_plan() -> Plan {
        Plan {
            responders: 4,
            requests: 100,
            change_requests: 40,
            pace: Duration::ZERO,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn four_responders_share_one_hundred_requests_on_the_embedded_broker() {
        let broker = Broker::embedded().await.expect("embedded broker");
        let mut recorder = Recorder::default();
        let report = tokio::time::timeout(
            Duration::from_secs(30),
            run(&broker, &seed_plan(), &mut recorder),
        )
        .await
        .expect("the demo ends by itself")
        .expect("the demo runs");
        broker.stop().await;

        let shared = &report.shared;
        assert_eq!(shared.total(), 100, "{shared:?}");
        assert_eq!(shared.counts.len(), 4, "{shared:?}");
        for (name, n) in &shared.counts {
            assert!(*n > 0, "{name} answered nothing: {shared:?}");
        }
        assert_eq!(report.latency_us.len(), 100);

        let (joined, after_join) = &report.joined;
        assert_eq!(joined, "responder-5");
        assert_eq!(after_join.total(), 40);
        let (left, after_leave) = &report.left;
        assert_eq!(left, "responder-1");
        assert_eq!(after_leave.total(), 40);
        assert_eq!(after_leave.of("responder-1"), 0, "{after_leave:?}");
        assert_eq!(after_leave.counts[0].0, "responder-1", "listed with its 0");
        assert_eq!(recorder.answers, 180);
        assert_eq!(
            recorder.parts.last().map(|(_, members)| members.len()),
            Some(4),
            "after the leave, 4 remain"
        );
    }

    #[tokio::test]
    async fn no_responders_at_all_is_a_clear_error() {
        let broker = Broker::embedded().await.expect("embedded broker");
        let plan = Plan {
            responders: 0,
            ..seed_plan()
        };
        let err = run(&broker, &plan, &mut Recorder::default())
            .await
            .expect_err("refused");
        assert_eq!(err.to_string(), "the demo needs at least 1 responder");
        broker.stop().await;
    }

    #[test]
    fn a_split_lists_every_member_and_anyone_else_who_answered() {
        let mut split = Split::with_members(&["a".to_owned(), "b".to_owned()]);
        split.count("b");
        split.count("b");
        split.count("c");
        assert_eq!(
            split.counts,
            vec![("a".into(), 0), ("b".into(), 2), ("c".into(), 1)]
        );
        assert_eq!((split.of("a"), split.of("b"), split.total()), (0, 2, 3));
    }
}
