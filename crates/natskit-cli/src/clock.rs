//! Wall-clock times as text: RFC 3339 in UTC, Unix seconds and nanoseconds, and short durations.
//!
//! UTC with a `Z` keeps the text the same on every machine and needs no time-zone database.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time since the Unix epoch (zero for the rare clock set before 1970).
pub fn since_epoch(at: SystemTime) -> Duration {
    at.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// `2024-05-01T12:34:56Z`: RFC 3339, whole seconds, UTC.
pub fn rfc3339(at: SystemTime) -> String {
    let (date, time) = civil(at);
    format!("{date}T{time}Z")
}

/// `2024-05-01T12:34:56.789Z`: RFC 3339 with milliseconds, UTC (when a message arrived).
pub fn rfc3339_millis(at: SystemTime) -> String {
    let (date, time) = civil(at);
    let millis = since_epoch(at).subsec_millis();
    format!("{date}T{time}.{millis:03}Z")
}

/// `12:34:56`: the time of day in UTC.
pub fn time_of_day(at: SystemTime) -> String {
    civil(at).1
}

/// `812µs`, `1.24ms`, `2.50s`: a duration with three significant digits or so.
pub fn short_duration(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{}µs", micros.round())
    } else if micros < 1e6 {
        format!("{:.2}ms", micros / 1e3)
    } else {
        format!("{:.2}s", micros / 1e6)
    }
}

/// The UTC date (`YYYY-MM-DD`) and time of day (`HH:MM:SS`).
fn civil(at: SystemTime) -> (String, String) {
    let secs = since_epoch(at).as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = date_of_day(days);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!(
            "{:02}:{:02}:{:02}",
            rest / 3600,
            rest % 3600 / 60,
            rest % 60
        ),
    )
}

/// The Gregorian date of a day counted from 1970-01-01, by the well-known era arithmetic
/// (eras of 400 years, years starting in March so the leap day comes last).
fn date_of_day(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01, the start of an era.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
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
        assert_eq!(short_duration(Duration::from_micros(812)), "812µs");
        assert_eq!(short_duration(Duration::from_micros(1236)), "1.24ms");
        assert_eq!(short_duration(Duration::from_millis(2500)), "2.50s");
    }
}
