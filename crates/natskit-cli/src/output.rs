//! How messages look on the terminal.

use std::io::{self, Write};

use natskit::{HeaderMap, Message};

/// Writes `[#n] Received on "subject" (reply "r")`, the status and headers as `Key: value`
/// lines (then a blank line), the payload, and a blank line.
pub fn write_message(out: &mut impl Write, n: u64, msg: &Message) -> io::Result<()> {
    write!(out, "[#{n}] Received on {:?}", msg.subject.as_str())?;
    if let Some(reply) = &msg.reply {
        write!(out, " (reply {:?})", reply.as_str())?;
    }
    writeln!(out)?;
    if write_headers(out, msg)? {
        writeln!(out)?;
    }
    out.write_all(&msg.payload)?;
    writeln!(out)?;
    writeln!(out)?;
    out.flush()
}

/// Writes the payload alone and a newline.
pub fn write_payload(out: &mut impl Write, msg: &Message) -> io::Result<()> {
    out.write_all(&msg.payload)?;
    writeln!(out)?;
    out.flush()
}

/// Writes the status (if any) and headers as `Key: value` lines; returns whether it wrote any.
pub fn write_headers(out: &mut impl Write, msg: &Message) -> io::Result<bool> {
    let mut wrote = false;
    if let Some(status) = msg.status {
        let description = msg
            .headers
            .as_ref()
            .and_then(HeaderMap::description)
            .unwrap_or("");
        writeln!(
            out,
            "{}",
            format!("Status: {status} {description}").trim_end()
        )?;
        wrote = true;
    }
    for (name, value) in msg.headers.iter().flat_map(HeaderMap::iter) {
        writeln!(out, "{name}: {value}")?;
        wrote = true;
    }
    Ok(wrote)
}
