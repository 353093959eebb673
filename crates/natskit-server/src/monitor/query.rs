//! The query string of a monitoring request, read as nats-server (Go's `net/url`) reads it, and
//! its values parsed with the same rules and error texts as Go's `strconv`, which nats-server
//! answers with a 400.

/// The decoded `key=value` pairs of a query string, in order.
#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Splits on `&`, decodes `%XX` and `+`. Like Go, a pair holding a `;` or a bad escape is
    /// left out rather than refusing the whole request.
    pub(crate) fn parse(query: &str) -> Query {
        let pairs = query
            .split('&')
            .filter(|pair| !pair.is_empty() && !pair.contains(';'))
            .filter_map(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                Some((unescape(key)?, unescape(value)?))
            })
            .collect();
        Query { pairs }
    }

    /// The first value of `key`; empty when absent (Go's `Values.Get`).
    pub(crate) fn get(&self, key: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    /// A boolean parameter: false when absent, else Go's `strconv.ParseBool`.
    pub(crate) fn bool(&self, key: &str) -> Result<bool, String> {
        match self.get(key) {
            "" => Ok(false),
            "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
            "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
            other => Err(format!(
                "Error decoding boolean for '{key}': strconv.ParseBool: parsing {}: invalid syntax",
                quoted(other)
            )),
        }
    }

    /// An integer parameter: 0 when absent, else Go's `strconv.Atoi` (an optional sign).
    pub(crate) fn int(&self, key: &str) -> Result<i64, String> {
        let text = self.get(key);
        if text.is_empty() {
            return Ok(0);
        }
        let (negative, digits) = match text.as_bytes()[0] {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let error = |why: &str| {
            format!(
                "Error decoding int for '{key}': strconv.Atoi: parsing {}: {why}",
                quoted(text)
            )
        };
        let magnitude = decimal(digits).map_err(error)?;
        let value = if negative {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        };
        value.ok_or_else(|| error(OUT_OF_RANGE))
    }

    /// An unsigned parameter: 0 when absent, else Go's `strconv.ParseUint` (no sign).
    pub(crate) fn uint(&self, key: &str) -> Result<u64, String> {
        let text = self.get(key);
        if text.is_empty() {
            return Ok(0);
        }
        decimal(text).map_err(|why| {
            format!(
                "Error decoding uint64 for '{key}': strconv.ParseUint: parsing {}: {why}",
                quoted(text)
            )
        })
    }
}

const INVALID_SYNTAX: &str = "invalid syntax";
const OUT_OF_RANGE: &str = "value out of range";

/// Decimal digits only, as a `u64`; Go's words for what is wrong otherwise.
fn decimal(digits: &str) -> Result<u64, &'static str> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(INVALID_SYNTAX);
    }
    digits.bytes().try_fold(0u64, |value, b| {
        value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(OUT_OF_RANGE)
    })
}

/// A value quoted as Go's `%q` quotes plain text.
fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// `%XX` and `+` decoded; `None` for a bad escape or bytes that are not UTF-8.
fn unescape(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_decoded_and_the_first_one_counts() {
        let q = Query::parse("limit=%31&limit=2&sort=a+b&bad=%zz&semi=1;x=2&flag");
        assert_eq!(q.get("limit"), "1");
        assert_eq!(q.get("sort"), "a b");
        assert_eq!(q.get("bad"), "");
        assert_eq!(q.get("semi"), "");
        assert_eq!(q.get("flag"), "");
    }

    #[test]
    fn numbers_and_booleans_follow_go_strconv() {
        let q = Query::parse("a=-3&b=%2B4&c=x&d=99999999999999999999&e=-1&f=True&g=yes");
        assert_eq!(q.int("a"), Ok(-3));
        assert_eq!(q.int("b"), Ok(4));
        assert_eq!(q.int("missing"), Ok(0));
        assert_eq!(
            q.int("c").unwrap_err(),
            "Error decoding int for 'c': strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            q.int("d").unwrap_err(),
            "Error decoding int for 'd': strconv.Atoi: parsing \"99999999999999999999\": value out of range"
        );
        assert_eq!(
            q.uint("e").unwrap_err(),
            "Error decoding uint64 for 'e': strconv.ParseUint: parsing \"-1\": invalid syntax"
        );
        assert_eq!(q.bool("f"), Ok(true));
        assert_eq!(
            q.bool("g").unwrap_err(),
            "Error decoding boolean for 'g': strconv.ParseBool: parsing \"yes\": invalid syntax"
        );
    }
}
