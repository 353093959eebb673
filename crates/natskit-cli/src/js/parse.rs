//! Flag values of `stream add`, `consumer add` and `kv add`: the policy words (as clap value
//! enums, so `--help` and the error for an unknown word list them), limits where -1 means
//! unlimited, byte sizes, where a consumer starts (`--deliver`), a bucket's history.

use std::time::{Duration, SystemTime};

use clap::ValueEnum;
use natskit::jetstream::{
    AckPolicy, DeliverPolicy, DiscardPolicy, ReplayPolicy, RetentionPolicy, StorageType,
};

use crate::duration::parse_duration;

/// `--storage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Storage {
    /// On disk.
    File,
    /// In memory: lost when the server stops.
    Memory,
}

impl From<Storage> for StorageType {
    fn from(storage: Storage) -> StorageType {
        match storage {
            Storage::File => StorageType::File,
            Storage::Memory => StorageType::Memory,
        }
    }
}

/// `--retention`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Retention {
    /// Only the limits remove messages.
    Limits,
    /// A message goes once every consumer has acknowledged it.
    Interest,
    /// A work queue: a message goes once one consumer has acknowledged it.
    #[value(alias = "workqueue")]
    Work,
}

impl From<Retention> for RetentionPolicy {
    fn from(retention: Retention) -> RetentionPolicy {
        match retention {
            Retention::Limits => RetentionPolicy::Limits,
            Retention::Interest => RetentionPolicy::Interest,
            Retention::Work => RetentionPolicy::WorkQueue,
        }
    }
}

/// `--discard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Discard {
    /// Remove the oldest messages to make room.
    Old,
    /// Refuse new messages.
    New,
}

impl From<Discard> for DiscardPolicy {
    fn from(discard: Discard) -> DiscardPolicy {
        match discard {
            Discard::Old => DiscardPolicy::Old,
            Discard::New => DiscardPolicy::New,
        }
    }
}

/// `--ack`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ack {
    /// Each message is acknowledged on its own.
    Explicit,
    /// No acknowledgements: delivered is done.
    None,
    /// Acknowledging a message acknowledges every one before it too.
    All,
}

impl From<Ack> for AckPolicy {
    fn from(ack: Ack) -> AckPolicy {
        match ack {
            Ack::Explicit => AckPolicy::Explicit,
            Ack::None => AckPolicy::None,
            Ack::All => AckPolicy::All,
        }
    }
}

/// `--replay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Replay {
    /// As fast as they are taken.
    Instant,
    /// At the pace they were stored.
    Original,
}

impl From<Replay> for ReplayPolicy {
    fn from(replay: Replay) -> ReplayPolicy {
        match replay {
            Replay::Instant => ReplayPolicy::Instant,
            Replay::Original => ReplayPolicy::Original,
        }
    }
}

/// A count limit: a whole number, or `-1` (or `unlimited`) for none.
pub fn limit(text: &str) -> Result<i64, String> {
    match text.trim() {
        "-1" | "unlimited" => Ok(-1),
        trimmed => trimmed
            .parse::<u64>()
            .ok()
            .and_then(|n| i64::try_from(n).ok())
            .ok_or_else(|| format!("{text:?} is not a whole number or -1 (unlimited)")),
    }
}

/// A size limit in bytes: `-1` (or `unlimited`), or a number with an optional unit: `B`,
/// `KB`/`MB`/`GB`/`TB` (powers of 1,000) or `KiB`/`MiB`/`GiB`/`TiB` (powers of 1,024), any
/// case, with or without a space.
pub fn size_limit(text: &str) -> Result<i64, String> {
    let trimmed = text.trim();
    if matches!(trimmed, "-1" | "unlimited") {
        return Ok(-1);
    }
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let value: f64 = number.parse().map_err(|_| {
        format!("{text:?} is not a size such as 1024, 512KiB or 1GB, or -1 (unlimited)")
    })?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"
            ))
        }
    };
    let bytes = value * scale;
    if bytes.fract() != 0.0 {
        return Err(format!("{text:?} is not a whole number of bytes"));
    }
    // Below 2^53 every whole f64 is exact, and far above any real limit.
    if bytes >= 9_007_199_254_740_992.0 {
        return Err(format!("{text:?} is too large"));
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(bytes as i64)
}

/// `--max-msg-size`: a [`size_limit`] that fits the server's 32-bit field.
pub fn message_size_limit(text: &str) -> Result<i32, String> {
    let bytes = size_limit(text)?;
    i32::try_from(bytes).map_err(|_| format!("{text:?} is larger than 2 GiB, the most allowed"))
}

/// A whole number of at least 1 (`--replicas`, a sequence).
pub fn at_least_one(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// `kv add --history`: how many values a bucket keeps per key, 1 to 64 (ADR-8's most).
pub fn history(text: &str) -> Result<i64, String> {
    let most = natskit::jetstream::kv::MAX_HISTORY;
    match text.trim().parse::<i64>() {
        Ok(n) if (1..=most).contains(&n) => Ok(n),
        Ok(_) => Err(format!("must be 1 to {most}")),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// `--deliver`: `all`, `last`, `new`, `last_per_subject`, a stream sequence (`100`), a
/// duration meaning that long ago (`1h`), or an RFC 3339 time (`2024-05-01T12:00:00Z`).
pub fn deliver(text: &str) -> Result<DeliverPolicy, String> {
    let trimmed = text.trim();
    match trimmed.to_ascii_lowercase().as_str() {
        "all" => return Ok(DeliverPolicy::All),
        "last" => return Ok(DeliverPolicy::Last),
        "new" => return Ok(DeliverPolicy::New),
        "last_per_subject" | "last-per-subject" => return Ok(DeliverPolicy::LastPerSubject),
        _ => {}
    }
    if trimmed.bytes().all(|b| b.is_ascii_digit()) && !trimmed.is_empty() {
        return at_least_one(trimmed)
            .map(DeliverPolicy::ByStartSequence)
            .map_err(|_| format!("{text:?}: stream sequences start at 1"));
    }
    if is_rfc3339(trimmed) {
        return Ok(DeliverPolicy::ByStartTime(trimmed.to_owned()));
    }
    match parse_duration(trimmed) {
        Ok(ago) => {
            let since = SystemTime::now()
                .checked_sub(ago)
                .ok_or_else(|| format!("{text:?} reaches back before 1970"))?;
            Ok(DeliverPolicy::by_start_time(since))
        }
        Err(_) => Err(format!(
            "{text:?} is not all, last, new, last_per_subject, a stream sequence, a duration \
             ago (1h) or an RFC 3339 time (2024-05-01T12:00:00Z)"
        )),
    }
}

/// Whether `text` has the shape of an RFC 3339 time: `YYYY-MM-DDTHH:MM:SS`, an optional
/// fraction, then `Z` or `+HH:MM`/`-HH:MM` (the server checks the calendar).
fn is_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b.get(range.clone())
            .is_some_and(|d| d.len() == range.len() && d.iter().all(u8::is_ascii_digit))
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let date_time = digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && (at(10, b'T') || at(10, b't'))
        && digits(11..13)
        && at(13, b':')
        && digits(14..16)
        && at(16, b':')
        && digits(17..19);
    if !date_time {
        return false;
    }
    let mut i = 19;
    if at(i, b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            digits(i + 1..i + 3) && at(i + 3, b':') && digits(i + 4..i + 6) && i + 6 == b.len()
        }
        _ => false,
    }
}

/// `--backoff`: one of its comma-separated durations (clap splits them).
pub fn backoff(text: &str) -> Result<Duration, String> {
    parse_duration(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_sizes() {
        assert_eq!(limit("-1"), Ok(-1));
        assert_eq!(limit("unlimited"), Ok(-1));
        assert_eq!(limit("1000"), Ok(1000));
        for bad in ["-2", "1.5", "x", ""] {
            assert!(limit(bad).is_err(), "{bad:?}");
        }
        assert_eq!(size_limit("1024"), Ok(1024));
        assert_eq!(size_limit("1KiB"), Ok(1024));
        assert_eq!(size_limit("1.5 kb"), Ok(1500));
        assert_eq!(size_limit("2GiB"), Ok(2 << 30));
        assert_eq!(size_limit("-1"), Ok(-1));
        for bad in ["1x", "0.3KiB", "KB", "-5", "1e300"] {
            assert!(size_limit(bad).is_err(), "{bad:?}");
        }
        assert_eq!(message_size_limit("1MiB"), Ok(1 << 20));
        assert!(message_size_limit("3GiB").is_err());
    }

    #[test]
    fn history_is_one_to_sixty_four() {
        assert_eq!(history("1"), Ok(1));
        assert_eq!(history("64"), Ok(64));
        for bad in ["0", "65", "-1", "x"] {
            assert!(history(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn where_a_consumer_starts() {
        assert_eq!(deliver("all"), Ok(DeliverPolicy::All));
        assert_eq!(
            deliver("last_per_subject"),
            Ok(DeliverPolicy::LastPerSubject)
        );
        assert_eq!(deliver("42"), Ok(DeliverPolicy::ByStartSequence(42)));
        assert!(deliver("0").is_err());
        assert_eq!(
            deliver("2024-05-01T12:00:00Z"),
            Ok(DeliverPolicy::ByStartTime("2024-05-01T12:00:00Z".into()))
        );
        assert!(matches!(
            deliver("2024-05-01T12:00:00.5+02:00"),
            Ok(DeliverPolicy::ByStartTime(_))
        ));
        assert!(matches!(deliver("1h"), Ok(DeliverPolicy::ByStartTime(_))));
        for bad in [
            "soon",
            "2024-05-01",
            "2024-05-01T12:00:00",
            "-1",
            "",
            "2024-05-01T12:00:00+2",
        ] {
            assert!(deliver(bad).is_err(), "{bad:?}");
        }
    }
}
