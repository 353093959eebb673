//! How `natskit obj` shows objects and buckets to people: an object's info (`info`, `put`),
//! the objects table (`ls BUCKET`), the buckets table (`ls`), a bucket's status (`info`,
//! `add`, `seal`) and `watch`'s lines.

use std::fmt::Write as _;
use std::io::{self, Write};

use natskit::jetstream::object::{ObjectInfo, ObjectStoreStatus};

use crate::js::show;
use crate::style::{Palette, Role};

/// The line `watch` prints once the objects stored when it began are all shown.
pub(super) const END_OF_INITIAL: &str = "--- end of initial objects; watching for changes ---";

/// How many characters of a digest the tables show.
const SHORT_DIGEST: usize = 12;

/// What a digest starts with.
const DIGEST_PREFIX: &str = "SHA-256=";

/// `info BUCKET NAME`, `put`: the object and its bucket, then its info as `Label: value`
/// lines.
pub(super) fn object(info: &ObjectInfo) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "Object {} in bucket {}",
        printable(&info.name),
        info.bucket
    );
    let mut lines = vec![
        ("Description", show::or_dash(&info.description)),
        (
            "Size",
            format!("{} ({} bytes)", show::size(info.size), info.size),
        ),
        ("Chunks", info.chunks.to_string()),
        (
            "Chunk size",
            match info.options.max_chunk_size {
                0 => "-".to_owned(),
                n => show::size(u64::from(n)),
            },
        ),
        ("Modified", show::time(&info.mtime)),
        ("Digest", show::or_dash(&info.digest)),
    ];
    if let Some(link) = &info.options.link {
        let to = if link.is_bucket() {
            format!("bucket {}", link.bucket)
        } else {
            format!("object {} in bucket {}", printable(&link.name), link.bucket)
        };
        lines.push(("Link to", to));
    }
    for (header, values) in &info.headers {
        for value in values {
            lines.push(("Header", format!("{header}: {value}")));
        }
    }
    for (key, value) in &info.metadata {
        lines.push(("Metadata", format!("{key}: {value}")));
    }
    show::section(&mut text, "Information", &lines);
    text
}

/// `ls BUCKET`: one line an object, sorted as given, sizes aligned right.
pub(super) fn objects(infos: &[ObjectInfo]) -> String {
    let mut rows = vec![["NAME", "SIZE", "MODIFIED", "DIGEST"]
        .map(str::to_owned)
        .to_vec()];
    rows.extend(infos.iter().map(|info| {
        vec![
            printable(&info.name),
            show::size(info.size),
            show::time(&info.mtime),
            short_digest(&info.digest),
        ]
    }));
    crate::table::columns(&rows, |c| c == 1)
}

/// `ls`: one line a bucket.
pub(super) fn buckets(statuses: &[ObjectStoreStatus]) -> String {
    let mut rows = vec![
        ["BUCKET", "SIZE", "TTL", "STORAGE", "SEALED", "DESCRIPTION"]
            .map(str::to_owned)
            .to_vec(),
    ];
    rows.extend(statuses.iter().map(|s| {
        vec![
            s.bucket.clone(),
            show::size(s.size),
            show::duration_limit(s.ttl),
            show::storage(s.storage).to_owned(),
            show::yes_no(s.sealed).to_owned(),
            show::or_dash(&s.description),
        ]
    }));
    crate::table::columns(&rows, |c| c == 1)
}

/// `info BUCKET`, `add`, `seal`: the bucket and its creation time, then its configuration
/// and state as `Label: value` lines.
pub(super) fn status(status: &ObjectStoreStatus) -> String {
    let stream = &status.stream_info;
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
            ("Description", show::or_dash(&status.description)),
            ("TTL", show::duration_limit(status.ttl)),
            ("Max bucket size", show::size_limit(config.max_bytes)),
            ("Storage", show::storage(status.storage).to_owned()),
            ("Replicas", status.replicas.max(1).to_string()),
            ("Compressed", show::yes_no(status.compressed).to_owned()),
            ("Sealed", show::yes_no(status.sealed).to_owned()),
            (
                "Backing store",
                format!("{} stream {}", status.backing_store(), config.name),
            ),
        ],
    );
    show::section(
        &mut text,
        "State",
        &[
            ("Size", show::size(status.size)),
            ("Messages", state.messages.to_string()),
            (
                "Last change",
                match state.last_seq {
                    0 => "-".to_owned(),
                    _ => show::time(&state.last_ts),
                },
            ),
        ],
    );
    text
}

/// `watch`: one line a change, `2024-05-01T12:34:56Z PUT BACKUPS > db.dump: 1.5 MiB,
/// SHA-256=...`; a deleted object is `DEL` and has no size.
pub(super) fn write_change(
    out: &mut impl Write,
    palette: Palette,
    info: &ObjectInfo,
) -> io::Result<()> {
    let (word, role) = if info.deleted {
        ("DEL", Role::Status)
    } else {
        ("PUT", Role::Good)
    };
    write!(
        out,
        "{} {} {}",
        palette.paint(Role::Detail, show::time(&info.mtime)),
        palette.paint(role, word),
        palette.paint(
            Role::Subject,
            format!("{} > {}", info.bucket, printable(&info.name))
        ),
    )?;
    if !info.deleted {
        write!(
            out,
            ": {}, {}",
            show::size(info.size),
            show::or_dash(&info.digest)
        )?;
    }
    writeln!(out)?;
    out.flush()
}

/// The first characters of a digest without its `SHA-256=`; `-` for none.
fn short_digest(digest: &str) -> String {
    let bare = digest.strip_prefix(DIGEST_PREFIX).unwrap_or(digest);
    if bare.is_empty() {
        return "-".into();
    }
    bare.chars().take(SHORT_DIGEST).collect()
}

/// A name on one line: control characters shown escaped (`\n`).
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_cut_short_and_names_on_one_line() {
        assert_eq!(
            short_digest("SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU="),
            "47DEQpj8HBSa"
        );
        assert_eq!(short_digest(""), "-");
        assert_eq!(printable("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(printable("dir/file ✓.txt"), "dir/file ✓.txt");
    }
}
