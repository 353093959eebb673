//! Numbers as people read them: `1,000,000`, `1.23 M msgs/s`, `45.6 MiB/s`, `155.9 µs`.

use std::time::Duration;

/// A count with thousands separators: `1,000,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A rate with a decimal prefix: `950.0 msgs/s`, `12.3 k msgs/s`, `1.23 M msgs/s`.
pub fn rate(per_second: f64, unit: &str) -> String {
    let (value, prefix) = scale(per_second, 1000.0, &["", "k ", "M ", "G "]);
    format!("{} {prefix}{unit}", decimals(value))
}

/// Bytes per second with a binary prefix: `512.0 B/s`, `45.6 MiB/s`, `1.02 GiB/s`.
pub fn bytes_rate(per_second: f64) -> String {
    let (value, unit) = scale(per_second, 1024.0, &["B/s", "KiB/s", "MiB/s", "GiB/s"]);
    format!("{} {unit}", decimals(value))
}

/// A message size: `16 B`, `1,024 B` (exact, so `1KB` and `1KiB` read differently).
pub fn size(bytes: usize) -> String {
    format!("{} B", count(bytes as u64))
}

/// A duration in the unit that keeps it short: `850 ns`, `155.9 µs`, `12.3 ms`, `2.05 s`.
pub fn duration(d: Duration) -> String {
    let nanos = d.as_nanos() as f64;
    if nanos < 1e3 {
        format!("{nanos:.0} ns")
    } else if nanos < 1e6 {
        format!("{} µs", decimals(nanos / 1e3))
    } else if nanos < 1e9 {
        format!("{} ms", decimals(nanos / 1e6))
    } else {
        format!("{} s", decimals(nanos / 1e9))
    }
}

/// Divides `value` by `step` until it is below `step` or the units run out.
fn scale<'u>(mut value: f64, step: f64, units: &[&'u str]) -> (f64, &'u str) {
    let mut unit = 0;
    while value >= step && unit + 1 < units.len() {
        value /= step;
        unit += 1;
    }
    (value, units[unit])
}

/// Two decimals below 10 (`1.23`), one above (`45.6`, `155.9`): three or four digits in all.
fn decimals(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(20_000), "20,000");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn rates_use_decimal_prefixes() {
        assert_eq!(rate(950.0, "msgs/s"), "950.0 msgs/s");
        assert_eq!(rate(7.5, "msgs/s"), "7.50 msgs/s");
        assert_eq!(rate(12_345.0, "msgs/s"), "12.3 k msgs/s");
        assert_eq!(rate(1_234_567.0, "msgs/s"), "1.23 M msgs/s");
        assert_eq!(rate(9_970_000.0, "req/s"), "9.97 M req/s");
        assert_eq!(rate(2.5e9, "msgs/s"), "2.50 G msgs/s");
    }

    #[test]
    fn byte_rates_use_binary_prefixes() {
        assert_eq!(bytes_rate(512.0), "512.0 B/s");
        assert_eq!(bytes_rate(2048.0), "2.00 KiB/s");
        assert_eq!(bytes_rate(45.6 * 1024.0 * 1024.0), "45.6 MiB/s");
        assert_eq!(bytes_rate(1.5 * 1024.0 * 1024.0 * 1024.0), "1.50 GiB/s");
    }

    #[test]
    fn durations_pick_their_unit() {
        assert_eq!(duration(Duration::from_nanos(850)), "850 ns");
        assert_eq!(duration(Duration::from_nanos(155_900)), "155.9 µs");
        assert_eq!(duration(Duration::from_nanos(1_500)), "1.50 µs");
        assert_eq!(duration(Duration::from_micros(12_340)), "12.3 ms");
        assert_eq!(duration(Duration::from_millis(2_050)), "2.05 s");
        assert_eq!(duration(Duration::ZERO), "0 ns");
    }

    #[test]
    fn sizes_are_exact() {
        assert_eq!(size(16), "16 B");
        assert_eq!(size(1024), "1,024 B");
    }
}
