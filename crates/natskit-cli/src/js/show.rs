//! What the server reports, as people read it: limits (`unlimited` for -1), byte sizes
//! (`1.5 KiB`), durations (`2m`, `1h30m`), times (to the second, `-` for never), key-value
//! operations (`PUT`, `DEL`, `PURGE`).

use std::fmt::Write as _;
use std::time::Duration;

use natskit::jetstream::kv::Operation;
use natskit::jetstream::StorageType;

/// A count limit: `unlimited` for -1 or 0 (the server's "no limit"), else the number.
pub fn limit(n: i64) -> String {
    if n <= 0 {
        "unlimited".into()
    } else {
        n.to_string()
    }
}

/// A size limit: `unlimited`, else a [`size`].
pub fn size_limit(n: i64) -> String {
    u64::try_from(n)
        .ok()
        .filter(|&n| n > 0)
        .map_or_else(|| "unlimited".into(), size)
}

/// Bytes: `512 B`, `1.5 KiB`, `20.0 MiB`.
pub fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    // Precision lost in the conversion is far below what is printed.
    #[allow(clippy::cast_precision_loss)]
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// A duration in whole units: `500ms`, `30s`, `2m`, `1h30m`, `3d`; `-` for zero (none set).
pub fn duration(d: Duration) -> String {
    if d.is_zero() {
        return "-".into();
    }
    if d < Duration::from_secs(1) {
        return match d.subsec_nanos() % 1_000_000 {
            0 => format!("{}ms", d.as_millis()),
            _ => crate::clock::short_duration(d),
        };
    }
    if d.subsec_millis() > 0 && d < Duration::from_secs(60) {
        // 1.5s rather than 1s: short durations keep their fraction.
        let seconds = format!("{:.3}", d.as_secs_f64());
        return format!("{}s", seconds.trim_end_matches('0').trim_end_matches('.'));
    }
    let mut secs = d.as_secs();
    let mut text = String::new();
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if secs >= size {
            text.push_str(&format!("{}{unit}", secs / size));
            secs %= size;
        }
    }
    text
}

/// A duration limit: `unlimited` for zero, else a [`duration`].
pub fn duration_limit(d: Duration) -> String {
    if d.is_zero() {
        "unlimited".into()
    } else {
        duration(d)
    }
}

/// An RFC 3339 time from the server cut to the second (`2024-05-01T12:34:56Z`); `-` for none
/// (empty, or Go's zero time `0001-01-01T00:00:00Z`).
pub fn time(text: &str) -> String {
    if text.is_empty() || text.starts_with("0001-01-01") {
        return "-".into();
    }
    match (text.find('.'), text.len()) {
        // `...:56.123456789Z` or `...:56.123+02:00`: drop the fraction, keep the zone.
        (Some(dot), _) => {
            let zone = text[dot + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or("", |i| &text[dot + 1 + i..]);
            format!("{}{zone}", &text[..dot])
        }
        _ => text.to_owned(),
    }
}

/// `file` or `memory` (the word `--storage` takes).
pub fn storage(storage: StorageType) -> &'static str {
    match storage {
        StorageType::File => "file",
        StorageType::Memory => "memory",
    }
}

/// What a key-value entry did, in the words of ADR-8 and the `KV-Operation` header: `PUT`,
/// `DEL` or `PURGE`.
pub fn operation(operation: Operation) -> &'static str {
    match operation {
        Operation::Put => "PUT",
        Operation::Delete => "DEL",
        Operation::Purge => "PURGE",
    }
}

/// `yes` or `no`.
pub fn yes_no(flag: bool) -> &'static str {
    if flag {
        "yes"
    } else {
        "no"
    }
}

/// The text, or `-` when empty.
pub fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        text.to_owned()
    }
}

/// A blank line, `Title:`, then `  Label: value` lines with the values aligned.
pub fn section(text: &mut String, title: &str, lines: &[(&str, String)]) {
    let width = lines
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0)
        + 1;
    let _ = writeln!(text, "\n{title}:");
    for (label, value) in lines {
        let _ = writeln!(text, "  {:<width$} {value}", format!("{label}:"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_sizes_and_limits() {
        assert_eq!(limit(-1), "unlimited");
        assert_eq!(limit(10), "10");
        assert_eq!(size(512), "512 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(20 << 20), "20.0 MiB");
        assert_eq!(size_limit(-1), "unlimited");
        assert_eq!(size_limit(1024), "1.0 KiB");
    }

    #[test]
    fn durations_in_whole_units() {
        assert_eq!(duration(Duration::ZERO), "-");
        assert_eq!(duration(Duration::from_millis(500)), "500ms");
        assert_eq!(duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(duration(Duration::from_secs(30)), "30s");
        assert_eq!(duration(Duration::from_secs(120)), "2m");
        assert_eq!(duration(Duration::from_secs(5400)), "1h30m");
        assert_eq!(duration(Duration::from_secs(86_400 * 3)), "3d");
        assert_eq!(duration_limit(Duration::ZERO), "unlimited");
    }

    #[test]
    fn times_to_the_second() {
        assert_eq!(
            time("2024-05-01T12:34:56.123456789Z"),
            "2024-05-01T12:34:56Z"
        );
        assert_eq!(
            time("2024-05-01T12:34:56.5+02:00"),
            "2024-05-01T12:34:56+02:00"
        );
        assert_eq!(time("2024-05-01T12:34:56Z"), "2024-05-01T12:34:56Z");
        assert_eq!(time("0001-01-01T00:00:00Z"), "-");
        assert_eq!(time(""), "-");
    }
}
