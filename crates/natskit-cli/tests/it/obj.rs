//! `natskit obj add|put|get|ls|info|rm|watch|seal` against nats-server 2.10 with JetStream:
//! what each prints for people, its `--json` documents parsed as JSON, a file of several
//! chunks stored from a file and from standard input and read back byte for byte, and
//! `obj watch` as a running process fed by the library.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use natskit_test::NatsServer;
use serde_json::{json, Value};

use crate::support::{
    failure, js_server, json_doc, json_lines, natskit, ok, scratch, stdout_of, Watching,
};

/// A change made through the library, as another program would make it.
pub enum Change<'a> {
    /// `name` gets `data`.
    Put(&'a str, &'a [u8]),
    /// `name` is deleted.
    Delete(&'a str),
}

/// Makes `changes` to `bucket` in order, each confirmed by the server before the next.
pub fn change(server: &NatsServer, bucket: &str, changes: &[Change<'_>]) {
    block_on(async {
        let client = natskit::connect(&server.url()).await.expect("connect");
        let js = natskit::jetstream::new(client.clone());
        let store = js.object_store(bucket).await.expect("open the bucket");
        for change in changes {
            match change {
                Change::Put(name, data) => {
                    store.put_bytes(*name, data.to_vec()).await.expect("put");
                }
                Change::Delete(name) => store.delete(name).await.expect("delete"),
            }
        }
        client.close().await.expect("close");
    });
}

/// Runs `future` to its end on a runtime of its own.
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// `len` bytes that are not text and do not repeat soon (xorshift).
pub fn data(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// Standard error of a successful `natskit <args>` (its notes).
fn notes(server: &NatsServer, args: &[&str]) -> String {
    let out = natskit(server, args).assert().success();
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

#[test]
fn add_info_ls_seal_and_rm_buckets() {
    let server = js_server();
    let added = json_doc(
        &server,
        &[
            "obj",
            "add",
            "BACKUPS",
            "--ttl",
            "1h",
            "--max-bucket-size",
            "64MiB",
            "--storage",
            "memory",
            "--replicas",
            "1",
            "--compress",
            "--description",
            "nightly dumps",
            "--json",
        ],
    );
    assert_eq!(added["bucket"], "BACKUPS");
    assert_eq!(added["description"], "nightly dumps");
    assert_eq!(added["ttl"], 3_600_000_000_000u64);
    assert_eq!(added["max_bucket_size"], 64 << 20);
    assert_eq!(added["storage"], "memory");
    assert_eq!(added["replicas"], 1);
    assert_eq!(added["compressed"], true);
    assert_eq!(added["sealed"], false);
    assert_eq!(added["size"], 0);
    assert_eq!(added["backing_store"], "JetStream");
    let stream = &added["stream"]["config"];
    assert_eq!(stream["name"], "OBJ_BACKUPS");
    assert_eq!(
        stream["subjects"],
        json!(["$O.BACKUPS.C.>", "$O.BACKUPS.M.>"])
    );

    // Text for people, with the defaults.
    let out = natskit(&server, &["obj", "add", "PLAIN"])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "Created bucket \"PLAIN\"\n"
    );
    let text = stdout_of(out.get_output());
    assert!(text.starts_with("Bucket PLAIN (created 20"), "{text}");
    for line in [
        "  Description:     -\n",
        "  TTL:             unlimited\n",
        "  Max bucket size: unlimited\n",
        "  Storage:         file\n",
        "  Replicas:        1\n",
        "  Compressed:      no\n",
        "  Sealed:          no\n",
        "  Backing store:   JetStream stream OBJ_PLAIN\n",
        "  Size:        0 B\n",
        "  Last change: -\n",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }

    change(&server, "BACKUPS", &[Change::Put("a.txt", b"hello")]);
    let info = ok(&server, &["obj", "info", "BACKUPS"]);
    for line in [
        "  Description:     nightly dumps\n",
        "  TTL:             1h\n",
        "  Max bucket size: 64.0 MiB\n",
        "  Storage:         memory\n",
        "  Compressed:      yes\n",
        "  Messages:    2\n",
    ] {
        assert!(info.contains(line), "{line:?} in {info}");
    }
    let status = json_doc(&server, &["obj", "info", "BACKUPS", "--json"]);
    assert_eq!(status["stream"]["state"]["messages"], 2);
    assert!(status["size"].as_u64().unwrap() > 5);

    // Without a bucket, ls lists the buckets.
    let table = ok(&server, &["obj", "ls"]);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["BUCKET", "SIZE", "TTL", "STORAGE", "SEALED", "DESCRIPTION"]
    );
    assert_eq!(rows[1][0], "BACKUPS", "{table}");
    assert_eq!(rows[1][3..], ["1h", "memory", "no", "nightly", "dumps"]);
    assert_eq!(rows[2], ["PLAIN", "0", "B", "unlimited", "file", "no", "-"]);
    assert_eq!(ok(&server, &["obj", "ls", "-n"]), "BACKUPS\nPLAIN\n");
    let listed = json_lines(&ok(&server, &["obj", "ls", "--json"]));
    let buckets: Vec<&str> = listed
        .iter()
        .map(|d| d["bucket"].as_str().unwrap())
        .collect();
    assert_eq!(buckets, ["BACKUPS", "PLAIN"]);

    // seal asks first; then the bucket reads on but refuses changes.
    assert_eq!(
        failure(&server, &["obj", "seal", "BACKUPS"]),
        "error: refusing to seal bucket \"BACKUPS\" without --force (-f): standard input is \
         not a terminal to ask on"
    );
    assert_eq!(
        json_doc(&server, &["obj", "info", "BACKUPS", "--json"])["sealed"],
        false
    );
    let sealed = json_doc(&server, &["obj", "seal", "BACKUPS", "-f", "--json"]);
    assert_eq!(sealed["sealed"], true);
    assert!(ok(&server, &["obj", "info", "BACKUPS"]).contains("  Sealed:          yes\n"));
    assert_eq!(
        ok(&server, &["obj", "get", "BACKUPS", "a.txt", "-O", "-"]),
        "hello"
    );

    // rm without a name deletes the bucket, asking first.
    assert_eq!(
        failure(&server, &["obj", "rm", "PLAIN"]),
        "error: refusing to delete bucket \"PLAIN\" with all its objects without --force \
         (-f): standard input is not a terminal to ask on"
    );
    assert_eq!(
        notes(&server, &["obj", "rm", "PLAIN", "-f"]),
        "Deleted bucket \"PLAIN\"\n"
    );
    assert_eq!(ok(&server, &["obj", "ls", "--names"]), "BACKUPS\n");
    assert_eq!(
        failure(&server, &["obj", "info", "PLAIN"]),
        "error: bucket \"PLAIN\" not found"
    );
    ok(&server, &["obj", "rm", "BACKUPS", "--force"]);
    let empty = natskit(&server, &["obj", "ls"]).assert().success();
    assert!(empty.get_output().stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&empty.get_output().stderr),
        "No object store buckets\n"
    );
}

#[test]
fn a_file_of_many_chunks_from_a_file_and_from_standard_input_comes_back_whole() {
    let server = js_server();
    ok(&server, &["obj", "add", "FILES"]);
    let dir = scratch("obj-put-get");
    // 3 MiB and a bit: 25 chunks of 128 KiB, the last one short.
    let content = data(3 * 1024 * 1024 + 1000);
    let source = dir.join("dump.bin");
    std::fs::write(&source, &content).unwrap();

    let stored = json_doc(
        &server,
        &[
            "obj",
            "put",
            "FILES",
            source.to_str().unwrap(),
            "--description",
            "a dump",
            "--json",
        ],
    );
    assert_eq!(stored["bucket"], "FILES");
    assert_eq!(stored["name"], "dump.bin");
    assert_eq!(stored["description"], "a dump");
    assert_eq!(stored["size"], content.len());
    assert_eq!(stored["chunks"], 25);
    assert_eq!(stored["chunk_size"], 128 * 1024);
    assert_eq!(stored["deleted"], false);
    assert_eq!(stored["link"], Value::Null);
    let digest = stored["digest"].as_str().unwrap().to_owned();
    assert!(digest.starts_with("SHA-256="), "{digest}");

    // From standard input, named with --object; the text form and the note.
    let out = natskit(
        &server,
        &["obj", "put", "FILES", "-", "--object", "copies/stdin.bin"],
    )
    .write_stdin(content.clone())
    .assert()
    .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "Stored object \"copies/stdin.bin\" in bucket \"FILES\" (3.0 MiB in 25 chunks)\n"
    );
    let text = stdout_of(out.get_output());
    assert!(
        text.starts_with("Object copies/stdin.bin in bucket FILES\n"),
        "{text}"
    );
    for line in [
        format!("  Size:        3.0 MiB ({} bytes)\n", content.len()),
        "  Chunks:      25\n".to_owned(),
        "  Chunk size:  128.0 KiB\n".to_owned(),
        format!("  Digest:      {digest}\n"),
    ] {
        assert!(text.contains(&line), "{line:?} in {text}");
    }

    // Back into a named file, into the current directory under the name's last part, and
    // to standard output: byte for byte the same.
    let named = dir.join("named.bin");
    let out = natskit(
        &server,
        &[
            "obj",
            "get",
            "FILES",
            "dump.bin",
            "--output",
            named.to_str().unwrap(),
        ],
    )
    .assert()
    .success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        format!(
            "Wrote object \"dump.bin\" (3.0 MiB, {digest}) to {:?}\n",
            named.display().to_string()
        )
    );
    assert!(std::fs::read(&named).unwrap() == content);
    natskit(&server, &["obj", "get", "FILES", "copies/stdin.bin"])
        .current_dir(&dir)
        .assert()
        .success();
    assert!(std::fs::read(dir.join("stdin.bin")).unwrap() == content);
    let piped = natskit(&server, &["obj", "get", "FILES", "dump.bin", "-O", "-"])
        .assert()
        .success();
    assert!(piped.get_output().stdout == content);
    // An existing file is replaced only with --force.
    assert_eq!(
        failure(
            &server,
            &[
                "obj",
                "get",
                "FILES",
                "dump.bin",
                "-O",
                named.to_str().unwrap()
            ]
        ),
        format!(
            "error: {} exists; --force (-f) replaces it",
            named.display()
        )
    );
    std::fs::write(&named, b"old").unwrap();
    ok(
        &server,
        &[
            "obj",
            "get",
            "FILES",
            "dump.bin",
            "-O",
            named.to_str().unwrap(),
            "-f",
        ],
    );
    assert!(std::fs::read(&named).unwrap() == content);
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["dump.bin", "named.bin", "stdin.bin"],
        "no temporary files"
    );

    // The objects: a table, names, JSON; one object's info.
    let table = ok(&server, &["obj", "ls", "FILES"]);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["NAME", "SIZE", "MODIFIED", "DIGEST"]);
    let short = &digest["SHA-256=".len().."SHA-256=".len() + 12];
    for (row, name) in rows[1..].iter().zip(["copies/stdin.bin", "dump.bin"]) {
        assert_eq!(row[..3], [name, "3.0", "MiB"], "{table}");
        assert!(row[3].starts_with("20") && row[3].ends_with('Z'), "{table}");
        assert_eq!(row[4], short, "{table}");
    }
    assert_eq!(
        ok(&server, &["obj", "ls", "FILES", "-n"]),
        "copies/stdin.bin\ndump.bin\n"
    );
    let listed = json_lines(&ok(&server, &["obj", "ls", "FILES", "--json"]));
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["name"], "dump.bin");
    assert_eq!(listed[1]["digest"], digest.as_str());
    let info = json_doc(&server, &["obj", "info", "FILES", "dump.bin", "--json"]);
    assert_eq!(info["size"], content.len());
    assert_eq!(info["description"], "a dump");
    assert!(info["modified"].as_str().unwrap().ends_with('Z'));

    // rm with a name deletes the object, asking first.
    assert_eq!(
        failure(&server, &["obj", "rm", "FILES", "dump.bin"]),
        "error: refusing to delete object \"dump.bin\" from bucket \"FILES\" without --force \
         (-f): standard input is not a terminal to ask on"
    );
    assert_eq!(
        notes(&server, &["obj", "rm", "FILES", "dump.bin", "-f"]),
        "Deleted object \"dump.bin\" from bucket \"FILES\"\n"
    );
    assert_eq!(
        failure(&server, &["obj", "info", "FILES", "dump.bin"]),
        "error: object \"dump.bin\" not found in bucket \"FILES\""
    );
    assert_eq!(
        ok(&server, &["obj", "ls", "FILES", "--names"]),
        "copies/stdin.bin\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `natskit obj watch <args>` in the background, once it says it is watching.
fn watching(server: &NatsServer, args: &[&str]) -> Watching {
    let mut all = vec!["obj", "watch"];
    all.extend(args);
    Watching::start(server, &all, "Watching bucket ")
}

/// Asserts a human `watch` line: `<time> <rest>`.
fn assert_change(line: &str, rest: &str) {
    let (time, tail) = line.split_once(' ').unwrap();
    assert!(time.starts_with("20") && time.ends_with('Z'), "{line}");
    assert_eq!(tail, rest, "{line}");
}

#[test]
fn watch_prints_the_objects_the_end_of_them_then_each_change() {
    let server = js_server();
    ok(&server, &["obj", "add", "FILES"]);
    // The empty bucket: the marker at once.
    let mut watch = watching(&server, &["FILES"]);
    assert_eq!(
        watch.line(),
        "--- end of initial objects; watching for changes ---"
    );
    watch.stop();

    change(
        &server,
        "FILES",
        &[
            Change::Put("a", b"1"),
            Change::Put("b", b"22"),
            Change::Put("a", b"333"),
        ],
    );
    let digest_of = |name: &str| -> String {
        json_doc(&server, &["obj", "info", "FILES", name, "--json"])["digest"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut watch = watching(&server, &["FILES"]);
    assert_change(
        &watch.line(),
        &format!("PUT FILES > b: 2 B, {}", digest_of("b")),
    );
    assert_change(
        &watch.line(),
        &format!("PUT FILES > a: 3 B, {}", digest_of("a")),
    );
    assert_eq!(
        watch.line(),
        "--- end of initial objects; watching for changes ---"
    );
    change(
        &server,
        "FILES",
        &[Change::Put("c", b"4444"), Change::Delete("a")],
    );
    assert_change(
        &watch.line(),
        &format!("PUT FILES > c: 4 B, {}", digest_of("c")),
    );
    assert_change(&watch.line(), "DEL FILES > a");
    watch.stop();

    // As JSON, changes only, deletes left out: the marker first, then the put after the
    // delete.
    let mut watch = watching(
        &server,
        &["FILES", "--updates-only", "--ignore-deletes", "--json"],
    );
    let marker: Value = serde_json::from_str(&watch.line()).unwrap();
    assert_eq!(marker, json!({"bucket": "FILES", "end_of_initial": true}));
    change(
        &server,
        "FILES",
        &[Change::Delete("c"), Change::Put("c", b"back")],
    );
    let next: Value = serde_json::from_str(&watch.line()).unwrap();
    assert_eq!(next["bucket"], "FILES");
    assert_eq!(next["name"], "c");
    assert_eq!(next["size"], 4);
    assert_eq!(next["deleted"], false);
    watch.stop();

    // The whole history as JSON: every change still kept, deletes too.
    let mut watch = watching(&server, &["FILES", "--history", "--json"]);
    let mut seen = Vec::new();
    loop {
        let document: Value = serde_json::from_str(&watch.line()).unwrap();
        if document.get("end_of_initial").is_some() {
            break;
        }
        seen.push((
            document["name"].as_str().unwrap().to_owned(),
            document["deleted"].as_bool().unwrap(),
        ));
    }
    // Each object keeps its latest meta only (rollups): b, then a deleted, then c back.
    assert_eq!(
        seen,
        [
            ("b".to_owned(), false),
            ("a".to_owned(), true),
            ("c".to_owned(), false)
        ]
    );
}
