//! How messages look to people: a `[#n] Received on "subject"` line, the headers as
//! `Key: value` lines, a blank line, the payload and a blank line; coloured by a [`Palette`].
//!
//! The machine forms are elsewhere: `json` (one object a line) and `--raw` (payloads alone).

use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use natskit::{HeaderMap, Message};

use crate::clock;
use crate::error::CliError;
use crate::style::{Palette, Role};

/// What to show of a message besides its subject, headers and payload.
#[derive(Debug, Clone, Copy)]
pub struct Shown {
    /// Its number in this run, from 1.
    pub number: u64,
    /// When it arrived, when `--timestamp` asks for it.
    pub time: Option<SystemTime>,
    /// Leave the payload out (`--headers-only`).
    pub headers_only: bool,
}

/// Writes a message: `[#n] Received on "subject" (reply "r")`, then [`write_body`].
pub fn write_message(
    out: &mut impl Write,
    palette: Palette,
    shown: &Shown,
    msg: &Message,
) -> io::Result<()> {
    write_lead(out, palette, shown)?;
    write!(
        out,
        "Received on {}",
        palette.paint(Role::Subject, quoted(msg.subject.as_str()))
    )?;
    if let Some(reply) = &msg.reply {
        let reply = format!("(reply {})", quoted(reply.as_str()));
        write!(out, " {}", palette.paint(Role::Detail, reply))?;
    }
    writeln!(out)?;
    write_body(out, palette, shown.headers_only, msg)
}

/// Writes the answer seen for request `[#n]`: `[#n] Matched reply on "inbox" after 812.3us`,
/// then [`write_body`].
pub fn write_matched_reply(
    out: &mut impl Write,
    palette: Palette,
    shown: &Shown,
    after: Duration,
    msg: &Message,
) -> io::Result<()> {
    write_lead(out, palette, shown)?;
    writeln!(
        out,
        "Matched reply on {} {}",
        palette.paint(Role::Subject, quoted(msg.subject.as_str())),
        palette.paint(
            Role::Good,
            format!("after {}", clock::short_duration(after))
        )
    )?;
    write_body(out, palette, shown.headers_only, msg)
}

/// `[#n] ` and, when asked for, the arrival time.
fn write_lead(out: &mut impl Write, palette: Palette, shown: &Shown) -> io::Result<()> {
    write!(
        out,
        "{} ",
        palette.paint(Role::Number, format!("[#{}]", shown.number))
    )?;
    if let Some(time) = shown.time {
        write!(
            out,
            "{} ",
            palette.paint(Role::Detail, clock::rfc3339_millis(time))
        )?;
    }
    Ok(())
}

/// The headers (then a blank line, if there were any), the payload and a blank line; with
/// `headers_only`, a blank line in place of the payload.
pub fn write_body(
    out: &mut impl Write,
    palette: Palette,
    headers_only: bool,
    msg: &Message,
) -> io::Result<()> {
    let had_headers = write_headers(out, palette, msg)?;
    if !headers_only {
        if had_headers {
            writeln!(out)?;
        }
        write_line(out, &msg.payload)?;
    }
    writeln!(out)?;
    out.flush()
}

/// Writes the payload alone as a line.
pub fn write_payload(out: &mut impl Write, msg: &Message) -> io::Result<()> {
    write_line(out, &msg.payload)?;
    out.flush()
}

/// `bytes` and a newline, unless they end with one already (a command's output, a file).
fn write_line(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    out.write_all(bytes)?;
    if bytes.last() != Some(&b'\n') {
        writeln!(out)?;
    }
    Ok(())
}

/// Writes the status (if any) and headers as `Key: value` lines; returns whether it wrote any.
pub fn write_headers(out: &mut impl Write, palette: Palette, msg: &Message) -> io::Result<bool> {
    let mut wrote = false;
    if let Some(status) = msg.status {
        let description = msg
            .headers
            .as_ref()
            .and_then(HeaderMap::description)
            .unwrap_or("");
        let line = format!("Status: {status} {description}");
        writeln!(out, "{}", palette.paint(Role::Status, line.trim_end()))?;
        wrote = true;
    }
    for (name, value) in msg.headers.iter().flat_map(HeaderMap::iter) {
        // The service API's error headers stand out: they say the answer is a failure.
        let role = if name.starts_with(natskit_micro::ERROR_HEADER) {
            Role::Status
        } else {
            Role::HeaderName
        };
        writeln!(out, "{}: {value}", palette.paint(role, name))?;
        wrote = true;
    }
    Ok(wrote)
}

/// Writes `bytes` (a whole result: a listing, a script) to standard output.
pub fn print(bytes: &[u8]) -> Result<(), CliError> {
    io::stdout()
        .lock()
        .write_all(bytes)
        .map_err(|e| CliError::io("writing to standard output", e))
}

/// `"subject"`, quoted as Rust quotes strings (subjects are plain ASCII in practice).
fn quoted(text: &str) -> String {
    format!("{text:?}")
}
