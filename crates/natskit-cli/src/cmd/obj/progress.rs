//! The byte bars of `obj put` and `obj get`: on standard error, on a terminal only, and never
//! with `--no-progress`; and [`Counted`], the reader that moves a bar as bytes go through it.

use std::io::IsTerminal;
use std::pin::Pin;
use std::task::{Context, Poll};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::io::{AsyncRead, ReadBuf};

use crate::style::Palette;

/// Whether a bar is shown: a person is watching standard error and did not say no.
pub(super) fn wanted(no_progress: bool, stderr_is_terminal: bool) -> bool {
    stderr_is_terminal && !no_progress
}

/// A bar for `total` bytes (a spinner with a byte count when the total is not known, as for
/// standard input), or `None` when [`wanted`] says no.
pub(super) fn bar(total: Option<u64>, no_progress: bool) -> Option<ProgressBar> {
    if !wanted(no_progress, std::io::stderr().is_terminal()) {
        return None;
    }
    let colour = Palette::stderr().is_on();
    let template = match (total, colour) {
        (Some(_), true) => {
            "{elapsed_precise} [{bar:40.cyan/blue}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
        }
        (Some(_), false) => {
            "{elapsed_precise} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}"
        }
        (None, _) => "{elapsed_precise} {spinner} {bytes} {bytes_per_sec}",
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    Some(ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr()).with_style(style))
}

/// A reader that counts what is read from it on a bar (when there is one).
pub(super) struct Counted<R> {
    /// What is read.
    inner: R,
    /// Moved on by every byte read.
    bar: Option<ProgressBar>,
}

impl<R> Counted<R> {
    /// `inner`, counted on `bar`.
    pub(super) fn new(inner: R, bar: Option<ProgressBar>) -> Self {
        Counted { inner, bar }
    }

    /// The reader inside.
    pub(super) fn inner(&self) -> &R {
        &self.inner
    }

    /// Takes the bar away from the screen, leaving the line it drew.
    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }

    /// Takes the bar away from the screen and clears its line (after a failure, say).
    pub(super) fn abandon(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Counted<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let (Poll::Ready(Ok(())), Some(bar)) = (&polled, &self.bar) {
            bar.inc((buf.filled().len() - before) as u64);
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[test]
    fn only_on_a_terminal_and_not_when_told_no() {
        assert!(wanted(false, true));
        assert!(!wanted(true, true));
        assert!(!wanted(false, false));
    }

    #[tokio::test]
    async fn counting_leaves_the_bytes_alone() {
        let bar = ProgressBar::hidden();
        let mut counted = Counted::new(&b"hello world"[..], Some(bar.clone()));
        let mut out = Vec::new();
        counted.read_to_end(&mut out).await.unwrap();
        assert_eq!(out, b"hello world");
        assert_eq!(bar.position(), 11);
    }
}
