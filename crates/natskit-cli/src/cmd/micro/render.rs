//! The tables `natskit micro` prints: plain text, columns aligned, one header line.

use std::fmt::Write as _;

use natskit_micro::{InfoResponse, Metadata, PingResponse, StatsResponse};

/// Lines of cells as aligned columns, two spaces apart, the last column unpadded.
fn columns(rows: &[Vec<String>]) -> String {
    crate::table::columns(rows, |_| false)
}

fn header(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// `k=v, k=v`, or `-` when empty.
fn metadata(metadata: &Metadata) -> String {
    if metadata.is_empty() {
        return "-".into();
    }
    let pairs: Vec<String> = metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(", ")
}

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        text.to_owned()
    }
}

/// Nanoseconds the way people read them: `850ns`, `12.3us`, `4.56ms`, `1.20s`.
pub(super) fn nanos(ns: u64) -> String {
    crate::clock::short_duration(std::time::Duration::from_nanos(ns))
}

/// `natskit micro ls`: one line per instance.
pub(super) fn ls(infos: &[InfoResponse]) -> String {
    let mut rows = vec![header(&[
        "NAME",
        "VERSION",
        "ID",
        "ENDPOINTS",
        "DESCRIPTION",
    ])];
    rows.extend(infos.iter().map(|i| {
        vec![
            i.name.clone(),
            i.version.clone(),
            i.id.clone(),
            i.endpoints.len().to_string(),
            or_dash(&i.description),
        ]
    }));
    columns(&rows)
}

/// `natskit micro info`: a block per instance, its endpoints as a table.
pub(super) fn info(infos: &[InfoResponse]) -> String {
    let mut text = String::new();
    for (n, i) in infos.iter().enumerate() {
        if n > 0 {
            text.push('\n');
        }
        let _ = writeln!(text, "{} {} ({})", i.name, i.version, i.id);
        let _ = writeln!(text, "  description: {}", or_dash(&i.description));
        let _ = writeln!(text, "  metadata: {}", metadata(&i.metadata));
        let mut rows = vec![header(&["ENDPOINT", "SUBJECT", "QUEUE GROUP", "METADATA"])];
        rows.extend(i.endpoints.iter().map(|e| {
            vec![
                e.name.clone(),
                e.subject.clone(),
                or_dash(&e.queue_group),
                metadata(&e.metadata),
            ]
        }));
        for line in columns(&rows).lines() {
            let _ = writeln!(text, "  {line}");
        }
    }
    text
}

/// `natskit micro stats`: a block per instance, its endpoints' counters as a table.
pub(super) fn stats(stats: &[StatsResponse]) -> String {
    let mut text = String::new();
    for (n, s) in stats.iter().enumerate() {
        if n > 0 {
            text.push('\n');
        }
        let _ = writeln!(
            text,
            "{} {} ({}), started {}",
            s.name, s.version, s.id, s.started
        );
        let mut rows = vec![header(&[
            "ENDPOINT",
            "REQUESTS",
            "ERRORS",
            "TOTAL TIME",
            "AVERAGE",
            "LAST ERROR",
        ])];
        rows.extend(s.endpoints.iter().map(|e| {
            vec![
                e.name.clone(),
                e.num_requests.to_string(),
                e.num_errors.to_string(),
                nanos(e.processing_time),
                nanos(e.average_processing_time),
                or_dash(&e.last_error),
            ]
        }));
        for line in columns(&rows).lines() {
            let _ = writeln!(text, "  {line}");
        }
    }
    text
}

/// `natskit micro ping`: one line per answer.
pub(super) fn ping(pings: &[PingResponse]) -> String {
    let mut rows = vec![header(&["NAME", "VERSION", "ID", "METADATA"])];
    rows.extend(pings.iter().map(|p| {
        vec![
            p.name.clone(),
            p.version.clone(),
            p.id.clone(),
            metadata(&p.metadata),
        ]
    }));
    columns(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanoseconds_read_well() {
        assert_eq!(nanos(850), "850ns");
        assert_eq!(nanos(12_345), "12.3us");
        assert_eq!(nanos(4_560_000), "4.56ms");
        assert_eq!(nanos(1_200_000_000), "1.20s");
    }

    #[test]
    fn columns_align_and_the_last_is_unpadded() {
        let rows = vec![header(&["A", "BB", "C"]), header(&["aaa", "b", "c c"])];
        assert_eq!(columns(&rows), "A    BB  C\naaa  b   c c\n");
    }
}
