//! Durations written as people write them: `500ms`, `2s`, `1.5s`, `1m30s`, `2h`.

use std::time::Duration;

/// Like [`parse_duration`], but zero (`0`, `0ms`, `0s`) is allowed too: for pauses that may
/// be left out.
pub fn parse_pause(text: &str) -> Result<Duration, String> {
    let seconds = seconds(text)?;
    if seconds == 0.0 {
        Ok(Duration::ZERO)
    } else {
        positive(seconds, text)
    }
}

/// Parses a positive duration: one or more `<number><unit>` parts, with units `ns`, `us`
/// (or `µs`), `ms`, `s`, `m` (or `min`), `h`. A bare number counts as seconds.
///
/// Returns the reason as text when the input is not such a duration (clap shows it).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    positive(seconds(text)?, text)
}

/// The seconds `text` adds up to, of any sign or size (the callers check).
fn seconds(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("expected a duration such as 500ms, 2s or 1m".into());
    }
    if let Ok(seconds) = text.parse::<f64>() {
        return Ok(seconds);
    }
    let mut seconds = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("{text:?} is not a duration such as 500ms, 2s or 1m"))?;
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "" => {
                return Err(format!(
                    "{text:?} needs a unit after {number} (ms, s, m, h)"
                ))
            }
            other => {
                return Err(format!(
                    "unknown unit {other:?} in {text:?}; use ns, us, ms, s, m or h"
                ))
            }
        };
        seconds += value * scale;
        rest = after;
    }
    Ok(seconds)
}

/// `seconds` as a duration, when it is one greater than zero.
fn positive(seconds: f64, text: &str) -> Result<Duration, String> {
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!("{text:?} must be a duration greater than zero"));
    }
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text:?} is too long a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_may_be_zero_and_otherwise_reads_as_a_duration() {
        for zero in ["0", "0ms", "0s", " 0us ", "0min", "0.00s", "0m0s", "00"] {
            assert_eq!(parse_pause(zero), Ok(Duration::ZERO), "{zero:?}");
        }
        assert_eq!(parse_pause("15ms"), Ok(Duration::from_millis(15)));
        for bad in ["-1ms", "-1", "soon", "0nnn", "0mh", ""] {
            assert!(parse_pause(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse_duration("250us"), Ok(Duration::from_micros(250)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration(" 10ms "), Ok(Duration::from_millis(10)));
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "0",
            "0s",
            "-1s",
            "ms",
            "5 parsecs",
            "1x",
            "1s2",
            "1..2s",
            "inf",
            "NaN",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
