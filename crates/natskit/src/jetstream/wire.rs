//! How JetStream's JSON differs from plain serde: durations as integer nanoseconds, lists and
//! maps that the server writes as `null` when empty, and bytes as base64 text.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Deserializer, Serializer};

/// A [`Duration`] as the integer nanoseconds of Go's `time.Duration`; negative values (which
/// the server never sends for these fields) read as zero.
pub(crate) mod nanos {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let n = Option::<i64>::deserialize(d)?.unwrap_or(0);
        Ok(Duration::from_nanos(u64::try_from(n).unwrap_or(0)))
    }
}

/// `null` read as the type's default (an empty list or map), as Go writes a nil slice.
pub(crate) fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// True for the type's default value: what `skip_serializing_if` leaves out so the server
/// applies its own default.
pub(crate) fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// Decodes base64 text (standard alphabet, padded, as Go's `[]byte` encodes).
pub(crate) fn base64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    STANDARD.decode(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize, Deserialize, Default, PartialEq, Debug)]
    #[serde(default)]
    struct Sample {
        #[serde(with = "nanos")]
        age: Duration,
        #[serde(deserialize_with = "null_default")]
        list: Vec<String>,
    }

    #[test]
    fn durations_are_nanoseconds_both_ways() {
        let s = Sample {
            age: Duration::from_secs(2),
            list: vec![],
        };
        let json = serde_json::to_string(&s).expect("serializes");
        assert_eq!(json, r#"{"age":2000000000,"list":[]}"#);
        let back: Sample = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, s);
        let negative: Sample = serde_json::from_str(r#"{"age":-1}"#).expect("parses");
        assert_eq!(negative.age, Duration::ZERO);
    }

    #[test]
    fn null_reads_as_empty() {
        let s: Sample = serde_json::from_str(r#"{"age":null,"list":null}"#).expect("parses");
        assert_eq!(s, Sample::default());
    }

    #[test]
    fn base64_is_the_standard_alphabet() {
        assert_eq!(base64_decode("aGk+Pz8/").expect("valid"), b"hi>???");
        assert!(base64_decode("not base64!").is_err());
    }
}
