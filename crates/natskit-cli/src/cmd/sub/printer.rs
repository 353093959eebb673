//! [`Printer`]: writes what `sub` receives in the form the flags chose.

use std::io::{StdoutLock, Write};
use std::time::{Duration, SystemTime};

use natskit::Message;

use crate::error::CliError;
use crate::json::write_json;
use crate::output::{write_matched_reply, write_message, write_payload, Shown};
use crate::style::Palette;

/// The output forms of `sub`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `[#n] Received on ...`, headers, payload: for people.
    Human,
    /// Payloads alone, one a line (`--raw`).
    Raw,
    /// One JSON object a line (`--json`).
    Json,
    /// Subjects alone, one a line (`--subjects-only`).
    Subjects,
}

/// Writes messages to standard output.
pub struct Printer {
    /// The form chosen by the flags.
    format: Format,
    /// `--headers-only`.
    headers_only: bool,
    /// `--timestamp`: show when each message is printed, as it arrives.
    timestamp: bool,
    /// Colour for standard output.
    palette: Palette,
    /// Standard output, locked for the whole run.
    out: StdoutLock<'static>,
}

impl Printer {
    /// A printer for standard output.
    pub fn new(format: Format, headers_only: bool, timestamp: bool) -> Printer {
        Printer {
            format,
            headers_only,
            timestamp,
            palette: Palette::stdout(),
            out: std::io::stdout().lock(),
        }
    }

    /// Message `number` of the subscriptions.
    pub fn message(&mut self, number: u64, msg: &Message) -> Result<(), CliError> {
        self.write(number, None, msg)
    }

    /// The answer to request `number`, seen `after` the request.
    pub fn matched(&mut self, number: u64, after: Duration, msg: &Message) -> Result<(), CliError> {
        self.write(number, Some(after), msg)
    }

    /// Writes a message, or with `matched` the answer to request `number`.
    fn write(
        &mut self,
        number: u64,
        matched: Option<Duration>,
        msg: &Message,
    ) -> Result<(), CliError> {
        let shown = Shown {
            number,
            time: self.timestamp.then(SystemTime::now),
            headers_only: self.headers_only,
        };
        let out = &mut self.out;
        let written = match (self.format, matched) {
            (Format::Human, None) => write_message(out, self.palette, &shown, msg),
            (Format::Human, Some(after)) => {
                write_matched_reply(out, self.palette, &shown, after, msg)
            }
            (Format::Raw, _) => write_payload(out, msg),
            (Format::Json, _) => write_json(out, &shown, matched, msg),
            (Format::Subjects, _) => write_subject(out, &shown, msg),
        };
        written.map_err(|e| CliError::io("writing to standard output", e))
    }
}

/// `subject`, or `time subject` with `--timestamp`.
fn write_subject(out: &mut impl Write, shown: &Shown, msg: &Message) -> std::io::Result<()> {
    if let Some(time) = shown.time {
        write!(out, "{} ", crate::clock::rfc3339_millis(time))?;
    }
    writeln!(out, "{}", msg.subject.as_str())?;
    out.flush()
}
