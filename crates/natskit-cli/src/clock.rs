//! Wall-clock times as text: RFC 3339 in UTC, Unix seconds and nanoseconds, and short durations.
//!
//! UTC with a `Z` keeps the text the same on every machine and needs no time-zone database. The
//! calendar arithmetic is the workspace's one copy, [`natskit_proto::time`]; this module only
//! picks the precision each output wants.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use natskit_proto::time::{Precision, UtcTime};

/// Time since the Unix epoch (zero for the rare clock set before 1970).
pub fn since_epoch(at: SystemTime) -> Duration {
    at.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// `2024-05-01T12:34:56Z`: RFC 3339, whole seconds, UTC.
pub fn rfc3339(at: SystemTime) -> String {
    natskit_proto::time::rfc3339(at, Precision::Seconds)
}

/// `2024-05-01T12:34:56.789Z`: RFC 3339 with milliseconds, UTC (when a message arrived).
pub fn rfc3339_millis(at: SystemTime) -> String {
    natskit_proto::time::rfc3339(at, Precision::Millis)
}

/// `12:34:56`: the time of day in UTC.
pub fn time_of_day(at: SystemTime) -> String {
    let t = UtcTime::new(at);
    format!("{:02}:{:02}:{:02}", t.hour, t.minute, t.second)
}

/// `850ns`, `12.3us`, `1.24ms`, `2.50s`: a duration in three significant digits or so (the
/// form `natskit micro stats` shows processing times in, too).
pub fn short_duration(d: Duration) -> String {
    // Precision lost in the conversion is far below what is printed.
    #[allow(clippy::cast_precision_loss)]
    let n = d.as_nanos() as f64;
    match d.as_nanos() {
        0..1_000 => format!("{}ns", d.as_nanos()),
        1_000..1_000_000 => format!("{:.1}us", n / 1e3),
        1_000_000..1_000_000_000 => format!("{:.2}ms", n / 1e6),
        _ => format!("{:.2}s", n / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The time `secs` and `nanos` after the epoch.
    fn at(secs: u64, nanos: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, nanos)
    }

    #[test]
    fn rfc3339_in_utc() {
        assert_eq!(rfc3339(at(0, 0)), "1970-01-01T00:00:00Z");
        // 2000-02-29 (a leap day of a year divisible by 400) and the day after.
        assert_eq!(rfc3339(at(951_782_400, 0)), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(at(951_868_800 + 3661, 0)), "2000-03-01T01:01:01Z");
        assert_eq!(rfc3339(at(1_714_566_896, 0)), "2024-05-01T12:34:56Z");
        assert_eq!(rfc3339(at(4_102_444_799, 0)), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn millis_and_time_of_day() {
        let t = at(1_714_566_896, 7_900_000);
        assert_eq!(rfc3339_millis(t), "2024-05-01T12:34:56.007Z");
        assert_eq!(time_of_day(t), "12:34:56");
    }

    #[test]
    fn short_durations() {
        assert_eq!(short_duration(Duration::from_nanos(850)), "850ns");
        assert_eq!(short_duration(Duration::from_nanos(12_345)), "12.3us");
        assert_eq!(short_duration(Duration::from_micros(1236)), "1.24ms");
        assert_eq!(short_duration(Duration::from_millis(2500)), "2.50s");
    }
}
