//! The question before something that cannot be undone (`stream rm`, `stream purge`,
//! `consumer rm`, `kv del`, `kv purge`, `kv rm`): asked on a terminal, answered with `y`;
//! elsewhere (a script, a pipe) the command refuses unless `--force` says yes beforehand.

use std::io::{BufRead, IsTerminal, Write};

use crate::error::CliError;

/// Goes on when `force` is set, or when the person at the terminal answers `y` to the
/// question made of `what` (`delete stream "ORDERS"` asks `Delete stream "ORDERS"? [y/N]`);
/// otherwise fails, nothing done.
pub fn confirm(force: bool, what: &str) -> Result<(), CliError> {
    if force {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::msg(format!(
            "refusing to {what} without --force (-f): standard input is not a terminal to ask on"
        )));
    }
    {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "{}? [y/N] ", capitalized(what));
        let _ = stderr.flush();
    }
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::io("reading the answer", e))?;
    if is_yes(&answer) {
        Ok(())
    } else {
        Err(CliError::msg("not confirmed; nothing was changed"))
    }
}

/// `what` with its first letter in upper case.
fn capitalized(what: &str) -> String {
    let mut chars = what.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `y` or `yes`, any case.
fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_starts_with_a_capital() {
        assert_eq!(capitalized("delete stream \"S\""), "Delete stream \"S\"");
        assert_eq!(capitalized(""), "");
    }

    #[test]
    fn only_yes_is_yes() {
        for yes in ["y\n", "Y", " yes \r\n", "YES"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yep", "ye s"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
