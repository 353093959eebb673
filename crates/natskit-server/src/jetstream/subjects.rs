//! Subject questions streams and consumers ask: do two patterns overlap, is a name usable.

/// Whether some subject matches both `a` and `b` (either may hold wildcards).
pub(crate) fn overlap(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.split('.'), b.split('.'));
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(">"), Some(_)) | (Some(_), Some(">")) => return true,
            (Some(x), Some(y)) if x == "*" || y == "*" || x == y => continue,
            _ => return false,
        }
    }
}

/// A stream or consumer name nats-server takes: not empty, no whitespace, no `.`, `*`, `>`,
/// no path separators.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_overlap_when_one_subject_matches_both() {
        assert!(overlap("s.>", "s.x"));
        assert!(overlap("s.*", "*.x"));
        assert!(overlap("a", "a"));
        assert!(!overlap("s.>", "s"));
        assert!(!overlap("a.b", "a.c"));
        assert!(!overlap("a.*", "a.b.c"));
        assert!(overlap(">", "anything.at.all"));
    }

    #[test]
    fn names_with_separators_or_wildcards_are_refused() {
        assert!(valid_name("ORDERS"));
        for bad in ["", "a.b", "a b", "a*", "a>", "a/b"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
    }
}
