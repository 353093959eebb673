//! Plain-text tables, as `natskit bench` and `natskit micro` print them.

use std::fmt::Write as _;

/// Lays out `rows` (lines of cells) in columns two spaces apart, each as wide as its widest
/// cell, aligned right where `right(column)` says so and left elsewhere; every line is
/// trimmed at its end.
pub fn columns(rows: &[Vec<String>], right: impl Fn(usize) -> bool) -> String {
    let count = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..count)
        .map(|c| {
            rows.iter()
                .filter_map(|row| row.get(c))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let gap = if c == 0 { "" } else { "  " };
            if right(c) {
                let _ = write!(line, "{gap}{cell:>w$}", w = widths[c]);
            } else {
                let _ = write!(line, "{gap}{cell:<w$}", w = widths[c]);
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}
