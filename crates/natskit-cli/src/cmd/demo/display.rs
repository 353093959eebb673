//! What the demo shows: live progress bars on standard error while it runs (one per responder,
//! growing as it answers; hidden when standard error is not a terminal), then the report on
//! standard output.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use super::responder::GROUP;
use super::scenario::{Part, Report, Split, Watch};

/// The bar of a part: how many requests were answered, and by whom the last one.
const OVERALL_TEMPLATE: &str = "{prefix:<14} [{bar:30.cyan/blue}] {pos:>3}/{len} {msg}";
/// One responder's bar: how many it answered.
const MEMBER_TEMPLATE: &str = "  {prefix:<12} {bar:40.green} {pos:>3}";

/// Progress bars for each part of the run.
pub struct Live {
    bars: MultiProgress,
    overall: Option<ProgressBar>,
    members: HashMap<String, ProgressBar>,
}

impl Live {
    /// Bars on standard error (indicatif hides them when it is not a terminal).
    pub fn new() -> Live {
        Live {
            bars: MultiProgress::new(),
            overall: None,
            members: HashMap::new(),
        }
    }

    fn finish_part(&mut self) {
        if let Some(overall) = self.overall.take() {
            overall.finish();
        }
        for (_, bar) in self.members.drain() {
            bar.finish();
        }
    }
}

impl Watch for Live {
    fn part(&mut self, part: &Part, members: &[String], requests: u64) {
        self.finish_part();
        let title = match part {
            Part::Shared => format!("{} responders share {requests} requests", members.len()),
            Part::Joined(name) => format!("{name} joins the group: {requests} more requests"),
            Part::Left(name) => format!("{name} leaves the group: {requests} more requests"),
        };
        let overall = self.bars.add(ProgressBar::new(requests));
        overall.set_style(style(OVERALL_TEMPLATE));
        overall.set_prefix("requests");
        overall.set_message(title);
        for name in members {
            let bar = self.bars.add(ProgressBar::new(requests));
            bar.set_style(style(MEMBER_TEMPLATE));
            bar.set_prefix(name.clone());
            self.members.insert(name.clone(), bar);
        }
        self.overall = Some(overall);
    }

    fn answered(&mut self, n: u64, responder: &str, latency: Duration) {
        if let Some(bar) = self.members.get(responder) {
            bar.inc(1);
        }
        if let Some(overall) = &self.overall {
            overall.set_position(n);
            overall.set_message(format!(
                "#{n} answered by {responder} in {} us",
                latency.as_micros()
            ));
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.finish_part();
    }
}

fn style(template: &str) -> ProgressStyle {
    // The templates are ours and fixed; a bad one is a bug caught by the tests.
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("█▉ ")
}

/// The report, as printed at the end.
pub fn report(report: &Report) -> String {
    let mut out = String::new();
    let shared = &report.shared;
    let _ = writeln!(
        out,
        "Split of {} requests over {} responders in queue group {GROUP:?}:",
        shared.total(),
        shared.counts.len()
    );
    out.push_str(&table(shared));
    let h = &report.latency_us;
    let _ = writeln!(
        out,
        "Latency, request to answer ({} requests): p50 {} us, p90 {} us, p99 {} us, max {} us",
        h.len(),
        h.value_at_quantile(0.50),
        h.value_at_quantile(0.90),
        h.value_at_quantile(0.99),
        h.max()
    );
    let (joined, after_join) = &report.joined;
    let _ = writeln!(
        out,
        "{joined} joined mid-run and answered {} of the next {} requests ({}).",
        after_join.of(joined),
        after_join.total(),
        inline(after_join)
    );
    let (left, after_leave) = &report.left;
    let _ = writeln!(
        out,
        "{left} left mid-run and answered {} of the {} after that ({}).",
        after_leave.of(left),
        after_leave.total(),
        inline(after_leave)
    );
    out.push_str(
        "Nothing was configured: the broker gives each request to one member of the group, \
         whoever is in it at the time.\n",
    );
    out
}

/// `  responder-1   27  ████...` per responder, then the total.
fn table(split: &Split) -> String {
    let most = split
        .counts
        .iter()
        .map(|(_, n)| *n)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = String::new();
    for (name, n) in &split.counts {
        let bar = "█".repeat(usize::try_from(n * 30 / most).unwrap_or(30));
        let _ = writeln!(out, "  {name:<12} {n:>4}  {bar}");
    }
    let _ = writeln!(out, "  {:<12} {:>4}", "total", split.total());
    out
}

/// `responder-1 10, responder-2 9, ...`.
fn inline(split: &Split) -> String {
    split
        .counts
        .iter()
        .map(|(name, n)| format!("{name} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_one_line_per_responder_and_the_total() {
        let split = Split {
            counts: vec![("responder-1".into(), 30), ("responder-2".into(), 15)],
        };
        let table = table(&split);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[0].starts_with("  responder-1    30  "), "{table}");
        assert_eq!(
            lines[0].matches('█').count(),
            30,
            "the largest gets the full bar"
        );
        assert_eq!(
            lines[1].matches('█').count(),
            15,
            "half as many, half the bar"
        );
        assert_eq!(lines[2], "  total          45");
    }

    #[test]
    fn the_bar_templates_parse() {
        for template in [OVERALL_TEMPLATE, MEMBER_TEMPLATE] {
            assert!(ProgressStyle::with_template(template).is_ok(), "{template}");
        }
    }
}
