//! The results as aligned tables for people, and as CSV or JSON for programs.

use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::payload::{STAMP_EVERY, STAMP_LEN};
use super::stats::{self, ClientStats, Latency, Role, Row};
use super::units;

/// Everything a run reports.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `pub`, `sub`, `pubsub` or `req`.
    pub command: &'static str,
    /// The subject benchmarked.
    pub subject: String,
    /// Payload size in bytes (not for `sub`, which takes what comes).
    pub size: Option<usize>,
    /// One line saying what was run, shown above the tables.
    #[serde(skip)]
    pub setup: String,
    /// Per client rows and one aggregate per role.
    #[serde(skip)]
    pub rows: Vec<Row>,
}

/// The JSON document: the report with its rows split into clients and aggregates.
#[derive(Serialize)]
struct Json<'a> {
    #[serde(flatten)]
    report: &'a Report,
    clients: Vec<&'a Row>,
    aggregate: Vec<&'a Row>,
}

impl Report {
    /// The report of `clients`' results.
    pub fn new(
        command: &'static str,
        subject: &str,
        size: Option<usize>,
        setup: String,
        clients: &[ClientStats],
    ) -> Report {
        Report {
            command,
            subject: subject.to_owned(),
            size,
            setup,
            rows: stats::rows(clients),
        }
    }

    /// The tables people read: throughput, then latency, then what the latency means.
    pub fn human(&self) -> String {
        let mut out = format!("{}\n\n", self.setup);
        let with_lost = self.rows.iter().any(|r| r.lost.is_some());
        let with_dropped = self.rows.iter().any(|r| r.dropped.is_some_and(|d| d > 0));
        // Requesters count requests; publishers and subscribers, messages.
        let counted = if self.rows.iter().all(|r| r.role == Role::Req) {
            "requests"
        } else {
            "msgs"
        };
        let mut header = vec!["", counted];
        if with_lost {
            header.push("lost");
        }
        if with_dropped {
            header.push("dropped");
        }
        header.extend(["time", "rate", "throughput"]);
        let mut table = vec![header.into_iter().map(String::from).collect::<Vec<_>>()];
        for row in &self.rows {
            let mut line = vec![label(row), units::count(row.msgs)];
            if with_lost {
                line.push(row.lost.map_or("-".into(), units::count));
            }
            if with_dropped {
                line.push(row.dropped.map_or("-".into(), units::count));
            }
            line.push(row.elapsed.map_or("-".into(), units::duration));
            line.push(
                row.msgs_per_sec
                    .map_or("-".into(), |r| units::rate(r, row.role.unit())),
            );
            line.push(row.bytes_per_sec.map_or("-".into(), units::bytes_rate));
            table.push(line);
        }
        out.push_str(&align(&table));

        let header = [
            "latency", "samples", "min", "avg", "p50", "p90", "p99", "p99.9", "max",
        ];
        let mut table = vec![header.map(String::from).to_vec()];
        for row in &self.rows {
            let mut line = vec![label(row)];
            match &row.latency {
                Some(l) => {
                    line.push(units::count(l.samples));
                    line.extend(percentiles(l).map(units::duration));
                }
                None => line.extend(std::iter::repeat_n("-".to_owned(), 8)),
            }
            table.push(line);
        }
        out.push('\n');
        out.push_str(&align(&table));
        out.push('\n');
        for role in [Role::Pub, Role::Sub, Role::Req] {
            if self.rows.iter().any(|r| r.role == role) {
                let _ = writeln!(out, "{}", self.latency_note(role));
            }
        }
        if with_dropped {
            out.push_str(
                "dropped: lost in this process, a subscriber falling further behind than its \
                 client's pending limits\n",
            );
        }
        out
    }

    /// What a role's latency samples are.
    fn latency_note(&self, role: Role) -> String {
        let what = match role {
            Role::Pub => {
                "flush round trips while publishing (one at a time, at most one a millisecond, and the last)".to_owned()
            }
            Role::Sub if self.size.is_some_and(|size| size < STAMP_LEN) => {
                format!("none: payloads under {STAMP_LEN} bytes carry no send time")
            }
            Role::Sub
                if self
                    .rows
                    .iter()
                    .all(|r| r.role != Role::Sub || r.latency.is_none()) =>
            {
                format!(
                    "none: no payload carried a send time (natskit bench pub stamps 1 in \
                     {STAMP_EVERY} payloads of {STAMP_LEN} bytes or more)"
                )
            }
            Role::Sub => {
                format!("publish to receive, from the send time in 1 of {STAMP_EVERY} payloads")
            }
            Role::Req => "request to answer, every request".to_owned(),
        };
        format!("{} latency: {what}", role.name())
    }

    /// CSV: a header, a line per client, and an aggregate line (`all`) per role.
    pub fn csv(&self) -> String {
        let mut out = String::from(
            "role,client,msgs,bytes,lost,dropped,seconds,msgs_per_sec,bytes_per_sec,latency_samples,\
             min_us,avg_us,p50_us,p90_us,p99_us,p99_9_us,max_us\n",
        );
        for row in &self.rows {
            let opt = |v: Option<String>| v.unwrap_or_default();
            let mut fields = vec![
                row.role.name().to_owned(),
                row.client.map_or("all".into(), |c| c.to_string()),
                row.msgs.to_string(),
                row.bytes.to_string(),
                opt(row.lost.map(|l| l.to_string())),
                opt(row.dropped.map(|d| d.to_string())),
                opt(row.elapsed.map(|d| format!("{:.6}", d.as_secs_f64()))),
                opt(row.msgs_per_sec.map(|r| format!("{r:.1}"))),
                opt(row.bytes_per_sec.map(|r| format!("{r:.1}"))),
            ];
            match &row.latency {
                Some(l) => {
                    fields.push(l.samples.to_string());
                    fields.extend(percentiles(l).map(|d| format!("{:.3}", micros(d))));
                }
                None => fields.extend(std::iter::repeat_n(String::new(), 8)),
            }
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }

    /// JSON: the setup, `clients` (one object per client) and `aggregate` (one per role).
    pub fn json(&self) -> String {
        let doc = Json {
            report: self,
            clients: self.rows.iter().filter(|r| r.client.is_some()).collect(),
            aggregate: self.rows.iter().filter(|r| r.client.is_none()).collect(),
        };
        let mut text = serde_json::to_string_pretty(&doc).expect("plain data serializes");
        text.push('\n');
        text
    }
}

/// `pub #2`, or `pub all` for the aggregate.
fn label(row: &Row) -> String {
    match row.client {
        Some(n) => format!("{} #{n}", row.role.name()),
        None => format!("{} all", row.role.name()),
    }
}

/// min, avg, p50, p90, p99, p99.9, max.
fn percentiles(l: &Latency) -> [Duration; 7] {
    [l.min, l.avg, l.p50, l.p90, l.p99, l.p999, l.max]
}

/// Microseconds, for CSV.
fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Lays out `table` (first row the header) in columns two spaces apart: the first column
/// left-aligned, the others right-aligned.
fn align(table: &[Vec<String>]) -> String {
    crate::table::columns(table, |c| c > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(role: Role, client: Option<usize>, lost: Option<u64>) -> Row {
        Row {
            role,
            client,
            msgs: 1_000,
            bytes: 16_000,
            lost,
            dropped: lost.map(|_| 0),
            elapsed: Some(Duration::from_millis(10)),
            msgs_per_sec: Some(100_000.0),
            bytes_per_sec: Some(1_600_000.0),
            latency: Some(Latency {
                samples: 3,
                min: Duration::from_micros(100),
                avg: Duration::from_micros(150),
                p50: Duration::from_micros(150),
                p90: Duration::from_micros(190),
                p99: Duration::from_micros(199),
                p999: Duration::from_micros(200),
                max: Duration::from_micros(200),
            }),
        }
    }

    fn report(rows: Vec<Row>) -> Report {
        Report {
            command: "pubsub",
            subject: "s".into(),
            size: Some(16),
            setup: "pubsub on \"s\"".into(),
            rows,
        }
    }

    #[test]
    fn columns_line_up() {
        let text = align(&[
            vec!["".into(), "msgs".into()],
            vec!["pub #1".into(), "1,000".into()],
            vec!["pub all".into(), "155.9 µs".into()],
        ]);
        let expected = [
            "             msgs",
            "pub #1      1,000",
            "pub all  155.9 µs",
        ];
        assert_eq!(text, expected.map(|l| format!("{l}\n")).concat());
    }

    #[test]
    fn human_tables_show_lost_only_when_known() {
        let plain = report(vec![
            row(Role::Pub, Some(1), None),
            row(Role::Pub, None, None),
        ]);
        assert!(!plain.human().contains("lost"));
        let with_subs = report(vec![row(Role::Sub, Some(1), Some(0))]);
        let text = with_subs.human();
        assert!(text.contains("lost"), "{text}");
        assert!(text.contains("100.0 k msgs/s"), "{text}");
        assert!(text.contains("1.53 MiB/s"), "{text}");
        assert!(text.contains("150.0 µs"), "{text}");
        assert!(text.contains("sub latency: publish to receive"), "{text}");
    }

    #[test]
    fn dropped_shows_only_when_a_client_dropped() {
        let mut sub = row(Role::Sub, Some(1), Some(5));
        assert!(!report(vec![sub.clone()]).human().contains("dropped"));
        sub.dropped = Some(5);
        let text = report(vec![sub]).human();
        assert!(text.contains("  dropped"), "{text}");
        assert!(text.contains("\ndropped: lost in this process"), "{text}");
    }

    #[test]
    fn csv_has_a_line_per_row_with_every_column() {
        let csv = report(vec![
            row(Role::Req, Some(1), None),
            row(Role::Req, None, None),
        ])
        .csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 3);
        let columns = lines[0].split(',').count();
        assert!(
            lines.iter().all(|l| l.split(',').count() == columns),
            "{csv}"
        );
        assert!(
            lines[1].starts_with("req,1,1000,16000,,,0.010000,100000.0,"),
            "{csv}"
        );
        assert!(lines[2].starts_with("req,all,"), "{csv}");
        assert!(lines[2].ends_with(",3,100.000,150.000,150.000,190.000,199.000,200.000,200.000"));
    }

    #[test]
    fn json_splits_clients_and_aggregates() {
        let json = report(vec![
            row(Role::Sub, Some(1), Some(2)),
            row(Role::Sub, None, Some(2)),
        ])
        .json();
        let doc: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
        assert_eq!(doc["command"], "pubsub");
        assert_eq!(doc["size"], 16);
        assert_eq!(doc["clients"][0]["client"], 1);
        assert_eq!(doc["clients"][0]["lost"], 2);
        assert_eq!(doc["clients"][0]["latency_us"]["p99_9"], 200.0);
        assert_eq!(doc["aggregate"][0]["role"], "sub");
        assert!(doc["aggregate"][0]["client"].is_null());
        assert_eq!(doc["aggregate"][0]["seconds"], 0.01);
    }
}
