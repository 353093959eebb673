//! Wall-clock times as RFC 3339 text in UTC, the form the NATS JSON APIs use for times (the
//! service API's `started`, the monitoring endpoints' `start` and `now`, JetStream's
//! timestamps).
//!
//! This is the workspace's one copy of the calendar arithmetic: the service framework, the
//! broker's monitoring and the command-line tool all format times here, each with the number of
//! fraction digits its readers expect ([`Precision`]). It lives in the protocol crate because
//! every crate that formats times already depends on it and it needs nothing beyond `std`.
//!
//! UTC with a `Z` suffix keeps the text the same on every machine and needs no time-zone
//! database. Times before 1970 print as the epoch.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use natskit_proto::time::{rfc3339, Precision};
//!
//! let t = UNIX_EPOCH + Duration::from_nanos(1_795_435_200_123_456_789);
//! assert_eq!(rfc3339(t, Precision::Seconds), "2026-11-23T12:00:00Z");
//! assert_eq!(rfc3339(t, Precision::Micros), "2026-11-23T12:00:00.123456Z");
//! ```

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// How many digits of the second's fraction to write; the fraction is cut, never rounded, so
/// a time never prints as later than it was.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use natskit_proto::time::{rfc3339, Precision};
///
/// let t = UNIX_EPOCH + Duration::new(0, 999_999_999);
/// assert_eq!(rfc3339(t, Precision::Millis), "1970-01-01T00:00:00.999Z");
/// assert_eq!(rfc3339(t, Precision::Nanos), "1970-01-01T00:00:00.999999999Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Whole seconds, no fraction: `2024-05-01T12:34:56Z`.
    Seconds,
    /// Three digits: `2024-05-01T12:34:56.789Z`.
    Millis,
    /// Six digits, always present: `2024-05-01T12:34:56.789012Z`. What nats-py can read: it
    /// parses with `%Y-%m-%dT%H:%M:%S.%fZ`, whose `%f` takes at most six digits and needs the dot.
    Micros,
    /// Nine digits: `2024-05-01T12:34:56.789012345Z`.
    Nanos,
}

/// A moment broken down into its UTC calendar date and time of day (proleptic Gregorian).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use natskit_proto::time::UtcTime;
///
/// let t = UtcTime::new(UNIX_EPOCH + Duration::new(951_782_400 + 3661, 5));
/// assert_eq!((t.year, t.month, t.day), (2000, 2, 29));
/// assert_eq!((t.hour, t.minute, t.second, t.nanosecond), (1, 1, 1, 5));
/// assert_eq!(t.to_string(), "2000-02-29T01:01:01.000000005Z");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// The year, 1970 or later.
    pub year: u64,
    /// The month, 1 to 12.
    pub month: u8,
    /// The day of the month, 1 to 31.
    pub day: u8,
    /// The hour, 0 to 23.
    pub hour: u8,
    /// The minute, 0 to 59.
    pub minute: u8,
    /// The second, 0 to 59.
    pub second: u8,
    /// Nanoseconds into the second, below 1 000 000 000.
    pub nanosecond: u32,
}

impl UtcTime {
    /// Breaks `time` down in UTC; a time before 1970 gives the epoch.
    ///
    /// ```
    /// use std::time::UNIX_EPOCH;
    /// use natskit_proto::time::UtcTime;
    ///
    /// assert_eq!(UtcTime::new(UNIX_EPOCH).year, 1970);
    /// ```
    pub fn new(time: SystemTime) -> UtcTime {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = since.as_secs();
        let (days, rest) = (secs / 86_400, secs % 86_400);
        let (year, month, day) = civil_from_days(days);
        // Each of these is below 60 (or 24, 13, 32), so the narrowing cannot lose anything.
        let narrow = |n: u64| u8::try_from(n).unwrap_or(u8::MAX);
        UtcTime {
            year,
            month: narrow(month),
            day: narrow(day),
            hour: narrow(rest / 3600),
            minute: narrow(rest % 3600 / 60),
            second: narrow(rest % 60),
            nanosecond: since.subsec_nanos(),
        }
    }

    /// The RFC 3339 text with `precision` digits of fraction.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use natskit_proto::time::{Precision, UtcTime};
    ///
    /// let t = UtcTime::new(UNIX_EPOCH + Duration::from_millis(1_714_566_896_007));
    /// assert_eq!(t.rfc3339(Precision::Millis), "2024-05-01T12:34:56.007Z");
    /// ```
    pub fn rfc3339(&self, precision: Precision) -> String {
        let UtcTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanosecond,
        } = *self;
        let date = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
        match precision {
            Precision::Seconds => format!("{date}Z"),
            Precision::Millis => format!("{date}.{:03}Z", nanosecond / 1_000_000),
            Precision::Micros => format!("{date}.{:06}Z", nanosecond / 1_000),
            Precision::Nanos => format!("{date}.{nanosecond:09}Z"),
        }
    }
}

impl From<SystemTime> for UtcTime {
    fn from(time: SystemTime) -> UtcTime {
        UtcTime::new(time)
    }
}

/// The RFC 3339 text with nanoseconds ([`Precision::Nanos`]).
impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339(Precision::Nanos))
    }
}

/// Formats `time` as RFC 3339 in UTC, with `precision` digits of fraction.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use natskit_proto::time::{rfc3339, Precision};
///
/// let t = UNIX_EPOCH + Duration::new(86_400 + 3661, 5);
/// assert_eq!(rfc3339(t, Precision::Nanos), "1970-01-02T01:01:01.000000005Z");
/// ```
pub fn rfc3339(time: SystemTime, precision: Precision) -> String {
    UtcTime::new(time).rfc3339(precision)
}

/// Reads RFC 3339 text as nats-server writes it (`2026-12-02T20:00:00.123456789Z`, any number
/// of fraction digits, `Z` or a `+hh:mm` / `-hh:mm` offset); `None` when it is not that, or
/// is before 1970.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use natskit_proto::time::parse_rfc3339;
///
/// let t = parse_rfc3339("1970-01-02T01:01:01.5Z").unwrap();
/// assert_eq!(t, UNIX_EPOCH + Duration::new(86_400 + 3661, 500_000_000));
/// assert_eq!(parse_rfc3339("1970-01-01T02:00:00+02:00"), Some(UNIX_EPOCH));
/// assert_eq!(parse_rfc3339("yesterday"), None);
/// ```
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    let digits = |from: usize, len: usize| -> Option<u64> {
        let part = b.get(from..from + len)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| b.get(i) != Some(&c))
        || !matches!(b.get(10), Some(b'T' | b't' | b' '))
    {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + u64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start).min(9)..9 {
            nanos *= 10;
        }
    }
    let offset: i64 = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let minutes = i64::try_from(digits(i + 1, 2)? * 60 + digits(i + 4, 2)?).ok()?;
            if *sign == b'+' {
                minutes * 60
            } else {
                -minutes * 60
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day)?;
    let local = i64::try_from(days * 86_400 + hour * 3600 + minute * 60 + second).ok()?;
    let secs = u64::try_from(local - offset).ok()?;
    Some(UNIX_EPOCH + std::time::Duration::new(secs, u32::try_from(nanos).ok()?))
}

/// Days from 1970-01-01 to `year`-`month`-`day` (proleptic Gregorian); `None` before 1970.
/// The inverse of [`civil_from_days`].
fn days_from_civil(year: u64, month: u64, day: u64) -> Option<u64> {
    let year = if month <= 2 {
        year.checked_sub(1)?
    } else {
        year
    };
    let era = year / 400;
    let year_of_era = year % 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * 146_097 + day_of_era).checked_sub(719_468)
}

/// Year, month (1..=12) and day (1..=31) of the day `days` after 1970-01-01, proleptic Gregorian.
///
/// Counts in 400-year eras (146 097 days each) of years that start on 1 March, so that the leap
/// day is the last day of its year and the months after it follow a fixed pattern.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Move the origin from 1970-01-01 to 0000-03-01.
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
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, nanos: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, nanos)
    }

    #[test]
    fn parsing_inverts_formatting() {
        for (secs, nanos) in [
            (0, 0),
            (951_782_400, 1),
            (1_709_251_199, 999_999_999),
            (4_102_444_800, 5),
        ] {
            let t = at(secs, nanos);
            let text = rfc3339(t, Precision::Nanos);
            assert_eq!(parse_rfc3339(&text), Some(t), "{text}");
            // Fewer fraction digits read as the same instant cut to them.
            let millis = at(secs, nanos / 1_000_000 * 1_000_000);
            assert_eq!(parse_rfc3339(&rfc3339(t, Precision::Millis)), Some(millis));
        }
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), None);
        for bad in [
            "2026-13-01T00:00:00Z",
            "2026-12-02T00:00:00",
            "2026-12-02T00:00:00.Z",
            "2026-12-02",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn known_instants() {
        let seconds = |secs| rfc3339(at(secs, 0), Precision::Seconds);
        assert_eq!(seconds(0), "1970-01-01T00:00:00Z");
        // 2000 is a leap year (divisible by 400): its 29 February and the day after.
        assert_eq!(seconds(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(seconds(951_868_799), "2000-02-29T23:59:59Z");
        assert_eq!(seconds(951_868_800 + 3661), "2000-03-01T01:01:01Z");
        assert_eq!(seconds(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(seconds(1_714_566_896), "2024-05-01T12:34:56Z");
        assert_eq!(seconds(1_735_689_599), "2024-12-31T23:59:59Z");
        assert_eq!(seconds(4_102_444_799), "2099-12-31T23:59:59Z");
        // 2100 is not a leap year (divisible by 100, not by 400): February ends on the 28th.
        assert_eq!(seconds(4_107_542_399), "2100-02-28T23:59:59Z");
        assert_eq!(seconds(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn every_precision_cuts_the_fraction() {
        let t = at(1_795_435_200, 123_456_789);
        assert_eq!(rfc3339(t, Precision::Seconds), "2026-11-23T12:00:00Z");
        assert_eq!(rfc3339(t, Precision::Millis), "2026-11-23T12:00:00.123Z");
        assert_eq!(rfc3339(t, Precision::Micros), "2026-11-23T12:00:00.123456Z");
        assert_eq!(
            rfc3339(t, Precision::Nanos),
            "2026-11-23T12:00:00.123456789Z"
        );
        let small = at(0, 7_900_000);
        assert_eq!(
            rfc3339(small, Precision::Millis),
            "1970-01-01T00:00:00.007Z"
        );
        assert_eq!(
            rfc3339(small, Precision::Micros),
            "1970-01-01T00:00:00.007900Z"
        );
        assert_eq!(
            rfc3339(at(0, 0), Precision::Micros),
            "1970-01-01T00:00:00.000000Z"
        );
    }

    #[test]
    fn before_the_epoch_is_the_epoch() {
        let before = UNIX_EPOCH - Duration::from_secs(10);
        assert_eq!(rfc3339(before, Precision::Seconds), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn the_breakdown_matches_the_text() {
        let t = UtcTime::from(at(1_714_566_896, 7));
        let expected = UtcTime {
            year: 2024,
            month: 5,
            day: 1,
            hour: 12,
            minute: 34,
            second: 56,
            nanosecond: 7,
        };
        assert_eq!(t, expected);
        assert_eq!(t.to_string(), "2024-05-01T12:34:56.000000007Z");
    }

    #[test]
    fn every_day_follows_the_previous_one() {
        let mut previous = civil_from_days(0);
        assert_eq!(previous, (1970, 1, 1));
        for days in 1..200_000 {
            let (y, m, d) = civil_from_days(days);
            let (py, pm, pd) = previous;
            let next_day = (y, m, d) == (py, pm, pd + 1);
            let next_month = (y, m, d) == (py, pm + 1, 1);
            let next_year = (y, m, d) == (py + 1, 1, 1) && (pm, pd) == (12, 31);
            assert!(
                next_day || next_month || next_year,
                "{previous:?} -> {:?}",
                (y, m, d)
            );
            previous = (y, m, d);
        }
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
    }
}
