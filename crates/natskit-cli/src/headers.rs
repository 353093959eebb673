//! `-H KEY:VALUE` flags into a [`HeaderMap`].

use natskit::HeaderMap;

use crate::error::CliError;

/// Builds headers from `KEY:VALUE` strings, in order; a key given twice gets both values.
///
/// Returns `None` when there are none, and an error naming the first malformed one.
pub fn parse_headers(specs: &[String]) -> Result<Option<HeaderMap>, CliError> {
    if specs.is_empty() {
        return Ok(None);
    }
    let mut headers = HeaderMap::new();
    for spec in specs {
        let Some((name, value)) = spec.split_once(':') else {
            return Err(CliError::msg(format!(
                "invalid header {spec:?}: expected KEY:VALUE"
            )));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(CliError::msg(format!(
                "invalid header {spec:?}: the key before ':' is empty"
            )));
        }
        headers
            .append(name, value.trim())
            .map_err(|e| CliError::msg(format!("invalid header {spec:?}: {e}")))?;
    }
    Ok(Some(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_in_order() {
        let headers = parse_headers(&specs(&["A:1", "B: two words ", "A:3", "Url:http://x"]))
            .unwrap()
            .unwrap();
        let all: Vec<_> = headers.iter().collect();
        assert_eq!(
            all,
            [
                ("A", "1"),
                ("B", "two words"),
                ("A", "3"),
                ("Url", "http://x")
            ]
        );
    }

    #[test]
    fn none_when_empty() {
        assert!(parse_headers(&[]).unwrap().is_none());
    }

    #[test]
    fn rejects_malformed() {
        for bad in ["nocolon", ":value", "bad name:x"] {
            let err = parse_headers(&specs(&[bad])).unwrap_err().to_string();
            assert!(err.starts_with("invalid header"), "{bad}: {err}");
        }
    }
}
