//! The progress bar of `pub --count N`: on standard error, for large counts, on a terminal only.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::style::Palette;

/// The smallest count that gets a bar; fewer messages go by too fast to watch.
pub const FROM: u64 = 100;

/// Whether `count` messages get a bar: only when there are many and a person is watching.
pub fn wanted(count: u64, stderr_is_terminal: bool) -> bool {
    stderr_is_terminal && count >= FROM
}

/// A bar for `count` messages, or `None` when [`wanted`] says no.
pub fn bar(count: u64) -> Option<ProgressBar> {
    if !wanted(count, std::io::stderr().is_terminal()) {
        return None;
    }
    let template = if Palette::stderr().is_on() {
        "{elapsed_precise} [{bar:40.cyan/blue}] {human_pos}/{human_len} {per_sec} eta {eta}"
    } else {
        "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} {per_sec} eta {eta}"
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    Some(ProgressBar::with_draw_target(Some(count), ProgressDrawTarget::stderr()).with_style(style))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_large_counts_on_a_terminal() {
        assert!(wanted(FROM, true));
        assert!(wanted(1_000_000, true));
        assert!(!wanted(FROM - 1, true));
        assert!(!wanted(1_000_000, false));
    }
}
