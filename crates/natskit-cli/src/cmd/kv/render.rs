//! How `natskit kv` shows entries and buckets to people: `get`'s value, `watch`'s lines, the
//! `history` table, `ls`'s table and the `status` block (which `add` prints too).

use std::fmt::Write as _;
use std::io::{self, Write};

use natskit::jetstream::kv::{Entry, KvStatus, Operation};

use crate::js::show;
use crate::style::{Palette, Role};

/// The line `watch` prints once the values stored when it began are all shown.
pub(super) const END_OF_INITIAL: &str = "--- end of initial values; watching for changes ---";

/// How many characters of a value `history` shows before cutting it short.
const HISTORY_VALUE_CHARS: usize = 40;

/// `get`: `CONFIG > mode (revision 3, written 2024-05-01T12:34:56Z)`, then the value (a line
/// break added when it does not end with one).
pub(super) fn write_value(out: &mut impl Write, palette: Palette, entry: &Entry) -> io::Result<()> {
    let detail = format!(
        "(revision {}, written {})",
        entry.revision,
        show::time(&entry.created)
    );
    writeln!(
        out,
        "{} {}",
        palette.paint(Role::Subject, format!("{} > {}", entry.bucket, entry.key)),
        palette.paint(Role::Detail, detail)
    )?;
    out.write_all(&entry.value)?;
    if entry.value.last() != Some(&b'\n') {
        writeln!(out)?;
    }
    out.flush()
}

/// `watch`: one line an entry, `[#3] 2024-05-01T12:34:56Z PUT CONFIG > mode: eco`; a delete
/// or purge has no value. Line breaks and other control characters in a value are shown
/// escaped (`\n`), so each entry stays one line.
pub(super) fn write_change(
    out: &mut impl Write,
    palette: Palette,
    entry: &Entry,
) -> io::Result<()> {
    let role = match entry.operation {
        Operation::Put => Role::Good,
        Operation::Delete | Operation::Purge => Role::Status,
    };
    write!(
        out,
        "{} {} {} {}",
        palette.paint(Role::Number, format!("[#{}]", entry.revision)),
        palette.paint(Role::Detail, show::time(&entry.created)),
        palette.paint(role, show::operation(entry.operation)),
        palette.paint(Role::Subject, format!("{} > {}", entry.bucket, entry.key)),
    )?;
    if entry.operation == Operation::Put {
        write!(out, ": {}", one_line(&entry.value, None))?;
    }
    writeln!(out)?;
    out.flush()
}

/// `history`: one line an entry, oldest first, with the value cut short.
pub(super) fn history(entries: &[Entry]) -> String {
    let mut rows = vec![["REVISION", "OPERATION", "WRITTEN", "SIZE", "VALUE"]
        .map(str::to_owned)
        .to_vec()];
    rows.extend(entries.iter().map(|entry| {
        let put = entry.operation == Operation::Put;
        vec![
            entry.revision.to_string(),
            show::operation(entry.operation).to_owned(),
            show::time(&entry.created),
            if put {
                show::size(entry.value.len() as u64)
            } else {
                "-".to_owned()
            },
            if put {
                one_line(&entry.value, Some(HISTORY_VALUE_CHARS))
            } else {
                "-".to_owned()
            },
        ]
    }));
    crate::table::columns(&rows, |c| c == 0 || c == 3)
}

/// `ls`: one line a bucket, numbers aligned right.
pub(super) fn table(statuses: &[KvStatus]) -> String {
    let mut rows = vec![[
        "BUCKET",
        "VALUES",
        "SIZE",
        "HISTORY",
        "TTL",
        "STORAGE",
        "LAST UPDATE",
    ]
    .map(str::to_owned)
    .to_vec()];
    rows.extend(statuses.iter().map(|s| {
        let state = &s.stream.state;
        vec![
            s.bucket.clone(),
            s.values.to_string(),
            show::size(s.bytes),
            s.history.to_string(),
            show::duration_limit(s.ttl),
            show::storage(s.stream.config.storage).to_owned(),
            if state.last_seq == 0 {
                "-".to_owned()
            } else {
                show::time(&state.last_ts)
            },
        ]
    }));
    crate::table::columns(&rows, |c| (1..=3).contains(&c))
}

/// `status`: the bucket and its creation time, then its configuration and state as
/// `Label: value` lines.
pub(super) fn status(status: &KvStatus) -> String {
    let stream = &status.stream;
    let config = &stream.config;
    let state = &stream.state;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Bucket {} (created {})",
        status.bucket,
        show::time(&stream.created)
    );
    show::section(
        &mut text,
        "Configuration",
        &[
            ("Description", show::or_dash(&config.description)),
            ("History", status.history.to_string()),
            ("TTL", show::duration_limit(status.ttl)),
            (
                "Max value size",
                show::size_limit(config.max_msg_size.into()),
            ),
            ("Max bucket size", show::size_limit(config.max_bytes)),
            ("Storage", show::storage(config.storage).to_owned()),
            ("Replicas", config.num_replicas.max(1).to_string()),
            ("Compressed", show::yes_no(status.compressed).to_owned()),
            (
                "Backing store",
                format!("{} stream {}", status.backing_store, config.name),
            ),
        ],
    );
    show::section(
        &mut text,
        "State",
        &[
            ("Values", status.values.to_string()),
            ("Bytes", show::size(status.bytes)),
            ("Keys (deleted too)", state.num_subjects.to_string()),
            (
                "Last revision",
                match state.last_seq {
                    0 => "-".to_owned(),
                    seq => format!("{seq} at {}", show::time(&state.last_ts)),
                },
            ),
        ],
    );
    text
}

/// A value on one line: text with its control characters escaped, cut after `limit`
/// characters (`...` then), or `<12 bytes, not text>`.
fn one_line(value: &[u8], limit: Option<usize>) -> String {
    let Ok(text) = std::str::from_utf8(value) else {
        return format!("<{} bytes, not text>", value.len());
    };
    let mut shown = String::new();
    for (i, c) in text.chars().enumerate() {
        if limit.is_some_and(|limit| i >= limit) {
            shown.push_str("...");
            break;
        }
        match c {
            '\n' => shown.push_str("\\n"),
            '\r' => shown.push_str("\\r"),
            '\t' => shown.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(shown, "\\u{{{:x}}}", u32::from(c));
            }
            c => shown.push(c),
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_on_one_line() {
        assert_eq!(one_line(b"eco", None), "eco");
        assert_eq!(one_line(b"a\nb\tc\x07", None), "a\\nb\\tc\\u{7}");
        assert_eq!(one_line(b"abcdef", Some(3)), "abc...");
        assert_eq!(one_line(b"abc", Some(3)), "abc");
        assert_eq!(one_line(&[0xff, 0], None), "<2 bytes, not text>");
    }
}
