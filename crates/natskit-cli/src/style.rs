//! Colour for people, plain text for programs: a [`Palette`] paints only when its stream is a
//! terminal and `NO_COLOR` is unset or empty (<https://no-color.org>).
//!
//! anstyle gives the escape codes: clap already builds it, it has no dependencies, and it leaves
//! the on/off decision to us, so the rule above is ours alone and testable ([`colour_wanted`]).

use std::ffi::OsStr;
use std::fmt;
use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};

/// What a piece of text is, which decides its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `[#3]`: a message's number.
    Number,
    /// A subject a message arrived on.
    Subject,
    /// A reply subject, a time or other detail.
    Detail,
    /// A header's name.
    HeaderName,
    /// A status line or a service error.
    Status,
    /// Something that went well: an answer, a round-trip time.
    Good,
    /// A warning.
    Warning,
}

impl Role {
    /// The look of this role when colour is on.
    fn style(self) -> Style {
        match self {
            Role::Number => AnsiColor::Green.on_default().bold(),
            Role::Subject => AnsiColor::Cyan.on_default().bold(),
            Role::Detail => Style::new().dimmed(),
            Role::HeaderName => AnsiColor::Blue.on_default(),
            Role::Status => AnsiColor::Red.on_default().bold(),
            Role::Good => AnsiColor::Green.on_default(),
            Role::Warning => AnsiColor::Yellow.on_default().bold(),
        }
    }
}

/// Whether text for a stream should be coloured: only on a terminal, and only when `NO_COLOR`
/// is unset or empty.
pub fn colour_wanted(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

/// Paints text for one stream, or leaves it plain.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    /// Whether it paints (see [`colour_wanted`]).
    on: bool,
}

impl Palette {
    /// For standard output.
    pub fn stdout() -> Palette {
        Palette::deciding(std::io::stdout().is_terminal())
    }

    /// For standard error.
    pub fn stderr() -> Palette {
        Palette::deciding(std::io::stderr().is_terminal())
    }

    /// Colour by [`colour_wanted`] for a stream that is or is not a terminal.
    fn deciding(is_terminal: bool) -> Palette {
        Palette {
            on: colour_wanted(is_terminal, std::env::var_os("NO_COLOR").as_deref()),
        }
    }

    /// Whether this palette paints.
    pub fn is_on(self) -> bool {
        self.on
    }

    /// `text` in the colour of `role` (or as it is, when the palette is off).
    pub fn paint<T: fmt::Display>(self, role: Role, text: T) -> Painted<T> {
        Painted {
            style: if self.on { role.style() } else { Style::new() },
            text,
        }
    }
}

/// Text with its style, written by `Display`.
#[derive(Debug)]
pub struct Painted<T> {
    /// The look: plain when the palette is off.
    style: Style,
    /// What is shown.
    text: T,
}

impl<T: fmt::Display> fmt::Display for Painted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A plain style renders as nothing, so plain text carries no escape codes.
        write!(f, "{}{}{:#}", self.style, self.text, self.style)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(colour_wanted(true, None));
        assert!(colour_wanted(true, Some(OsStr::new(""))));
        assert!(!colour_wanted(true, Some(OsStr::new("1"))));
        assert!(!colour_wanted(false, None));
        assert!(!colour_wanted(false, Some(OsStr::new(""))));
    }

    #[test]
    fn painting() {
        let on = Palette { on: true };
        let painted = on.paint(Role::Subject, "greet.joe").to_string();
        assert!(painted.starts_with('\u{1b}') && painted.contains("greet.joe"));
        assert!(painted.ends_with("\u{1b}[0m"), "{painted:?}");
        assert_eq!(
            Palette { on: false }
                .paint(Role::Subject, "greet.joe")
                .to_string(),
            "greet.joe"
        );
    }
}
