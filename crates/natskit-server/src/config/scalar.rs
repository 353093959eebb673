//! What a bare word that starts with a digit or `-` is, as nats-server's lexer decides:
//! an integer (with an optional size suffix), a float, a date, an IP address (a string), or,
//! for words like `2s` or `1h`, a plain string.

use super::error::{ConfigError, Problem};
use super::value::{Position, ValueKind};

/// Classifies `word`, which starts with a digit or `-`.
pub(crate) fn number(word: &str, at: &Position) -> Result<ValueKind, ConfigError> {
    let bad = |reason: String| ConfigError::at(at, Problem::BadValue(reason));
    let (negative, unsigned) = match word.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    let digits = unsigned.len()
        - unsigned
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    if digits == 0 {
        return Err(bad(format!("expected a digit after '-' in {word:?}")));
    }
    let rest = &unsigned[digits..];
    match rest.chars().next() {
        None => integer(word, word, 1, at),
        Some('.') => decimal(word, negative, digits, at),
        Some('-') if !negative => date(word, at),
        Some(c) if is_suffix_letter(c) => match multiplier(rest) {
            Some(factor) => integer(word, &word[..word.len() - rest.len()], factor, at),
            // `1ms`, `10min`: nats-server reads a word that is no number as a string, so
            // durations written without quotes still reach the settings.
            None if !negative => Ok(ValueKind::String(word.to_owned())),
            None => Err(bad(format!("unknown size suffix {rest:?} in {word:?}"))),
        },
        Some(_) if !negative => Ok(ValueKind::String(word.to_owned())),
        Some(_) => Err(bad(format!("{word:?} is not a number"))),
    }
}

/// An integer from `digits` (with its sign) times `factor`.
fn integer(word: &str, digits: &str, factor: i64, at: &Position) -> Result<ValueKind, ConfigError> {
    digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .map(ValueKind::Integer)
        .ok_or_else(|| {
            ConfigError::at(
                at,
                Problem::BadValue(format!("integer {word:?} is out of range")),
            )
        })
}

/// `1.5` (a float), `10.0.0.1` or `127.0.0.1:4222` (an address: a string).
fn decimal(
    word: &str,
    negative: bool,
    digits: usize,
    at: &Position,
) -> Result<ValueKind, ConfigError> {
    let sign = usize::from(negative);
    let fraction = &word[sign + digits + 1..];
    let fraction_digits = fraction.len()
        - fraction
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .len();
    let bad = |reason: String| ConfigError::at(at, Problem::BadValue(reason));
    if fraction_digits == 0 {
        return Err(bad(format!("expected a digit after the '.' in {word:?}")));
    }
    let after = &fraction[fraction_digits..];
    if after.is_empty() {
        return word
            .parse::<f64>()
            .map(ValueKind::Float)
            .map_err(|_| bad(format!("{word:?} is not a number")));
    }
    let address = after.starts_with('.')
        && after
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ':' | '-'));
    if address && !negative {
        Ok(ValueKind::String(word.to_owned()))
    } else {
        Err(bad(format!(
            "{word:?} is neither a number nor an IP address (quote it if it is a string)"
        )))
    }
}

/// `2024-01-02T03:04:05Z`.
fn date(word: &str, at: &Position) -> Result<ValueKind, ConfigError> {
    let shape = "0000-00-00T00:00:00Z";
    let fits = word.len() == shape.len()
        && word.chars().zip(shape.chars()).all(|(c, s)| match s {
            '0' => c.is_ascii_digit(),
            s => c == s,
        });
    if fits {
        Ok(ValueKind::Datetime(word.to_owned()))
    } else {
        Err(ConfigError::at(
            at,
            Problem::BadValue(format!(
                "{word:?}: dates must be written in full Zulu form, like 2024-01-02T03:04:05Z"
            )),
        ))
    }
}

fn is_suffix_letter(c: char) -> bool {
    matches!(c.to_ascii_lowercase(), 'k' | 'm' | 'g' | 't' | 'p' | 'e')
}

/// nats-server's size suffixes: a bare letter counts in thousands, with `b`, `i` or `ib` in
/// 1024s (`1K` is 1000, `1KB` and `1KiB` are 1024).
fn multiplier(suffix: &str) -> Option<i64> {
    let lower = suffix.to_ascii_lowercase();
    let mut chars = lower.chars();
    let exponent = match chars.next()? {
        'k' => 1,
        'm' => 2,
        'g' => 3,
        't' => 4,
        'p' => 5,
        'e' => 6,
        _ => return None,
    };
    let base: i64 = match chars.as_str() {
        "" => 1000,
        "b" | "i" | "ib" => 1024,
        _ => return None,
    };
    base.checked_pow(exponent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Position {
        Position::new("t.conf", 1, 1)
    }

    fn kind(word: &str) -> ValueKind {
        number(word, &at()).unwrap()
    }

    #[test]
    fn sizes_follow_nats_server_thousands_and_1024s() {
        assert_eq!(kind("1K"), ValueKind::Integer(1000));
        assert_eq!(kind("1k"), ValueKind::Integer(1000));
        assert_eq!(kind("64KB"), ValueKind::Integer(64 * 1024));
        assert_eq!(kind("1Ki"), ValueKind::Integer(1024));
        assert_eq!(kind("1KiB"), ValueKind::Integer(1024));
        assert_eq!(kind("1M"), ValueKind::Integer(1_000_000));
        assert_eq!(kind("1MB"), ValueKind::Integer(1 << 20));
        assert_eq!(kind("2G"), ValueKind::Integer(2_000_000_000));
        assert_eq!(kind("1GB"), ValueKind::Integer(1 << 30));
        assert_eq!(kind("1TB"), ValueKind::Integer(1 << 40));
        assert_eq!(kind("1PB"), ValueKind::Integer(1 << 50));
        assert_eq!(kind("1EB"), ValueKind::Integer(1 << 60));
        assert_eq!(kind("-2k"), ValueKind::Integer(-2000));
    }

    #[test]
    fn words_that_are_no_numbers_are_strings() {
        assert_eq!(kind("2s"), ValueKind::String("2s".into()));
        assert_eq!(kind("1ms"), ValueKind::String("1ms".into()));
        assert_eq!(kind("1h30m"), ValueKind::String("1h30m".into()));
        assert_eq!(kind("127.0.0.1"), ValueKind::String("127.0.0.1".into()));
        assert_eq!(
            kind("0.0.0.0:4222"),
            ValueKind::String("0.0.0.0:4222".into())
        );
    }

    #[test]
    fn floats_and_dates() {
        assert_eq!(kind("1.5"), ValueKind::Float(1.5));
        assert_eq!(kind("-0.25"), ValueKind::Float(-0.25));
        assert_eq!(
            kind("2024-01-02T03:04:05Z"),
            ValueKind::Datetime("2024-01-02T03:04:05Z".into())
        );
    }

    #[test]
    fn bad_numbers_are_errors() {
        for word in [
            "1.",
            "1.5s",
            "-",
            "-x",
            "-1s",
            "2024-01-02",
            "12-3",
            "99999999999999999999",
            "9999999999999EB",
        ] {
            let err = number(word, &at()).unwrap_err();
            assert!(err.to_string().starts_with("t.conf:1:1: "), "{word}: {err}");
        }
    }
}
