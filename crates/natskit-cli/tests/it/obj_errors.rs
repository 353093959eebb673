//! Bad input to `natskit obj`: bucket and object names refused before connecting (status 1),
//! bad flag values as usage errors (status 2), and what the server or the bucket refuses as
//! one sentence (status 1): unknown buckets, missing objects, a sealed bucket, and an object
//! whose chunks were changed after it was stored, which `get` refuses without leaving a file.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use natskit_test::NatsServer;

use crate::obj::{block_on, change, data, Change};
use crate::support::{
    assert_cannot_connect, error_without_server, failure, js_server, natskit, natskit_bare, ok,
    one_error_line, scratch,
};

/// One command of each kind, as a user might run it.
const COMMANDS: [&[&str]; 9] = [
    &["obj", "add", "B"],
    &["obj", "put", "B", "-", "--object", "o"],
    &["obj", "get", "B", "o", "-O", "-"],
    &["obj", "ls"],
    &["obj", "ls", "B"],
    &["obj", "info", "B", "o"],
    &["obj", "rm", "B", "o", "-f"],
    &["obj", "watch", "B"],
    &["obj", "seal", "B", "-f"],
];

#[test]
fn unreachable_server() {
    for args in COMMANDS {
        assert_cannot_connect(args);
    }
}

#[test]
fn bad_names_are_refused_before_connecting() {
    let bucket = "only A-Z, a-z, 0-9, '_' and '-' are allowed";
    for (args, expected) in [
        (
            &["obj", "add", "a.b"][..],
            format!("error: invalid bucket name \"a.b\": {bucket}"),
        ),
        (
            &["obj", "info", "a b"],
            format!("error: invalid bucket name \"a b\": {bucket}"),
        ),
        (
            &["obj", "ls", "B*"],
            format!("error: invalid bucket name \"B*\": {bucket}"),
        ),
        (
            &["obj", "rm", "", "-f"],
            "error: invalid bucket name \"\": it is empty".into(),
        ),
        (
            &["obj", "watch", "a>"],
            format!("error: invalid bucket name \"a>\": {bucket}"),
        ),
        (
            &["obj", "seal", "$O", "-f"],
            format!("error: invalid bucket name \"$O\": {bucket}"),
        ),
        (
            &["obj", "get", "B", "", "-O", "-"],
            "error: invalid object name \"\": it is empty".into(),
        ),
        (
            &["obj", "info", "B", ""],
            "error: invalid object name \"\": it is empty".into(),
        ),
        (
            &["obj", "rm", "B", "", "-f"],
            "error: invalid object name \"\": it is empty".into(),
        ),
        (
            &["obj", "put", "B", "-", "--object", ""],
            "error: invalid object name \"\": it is empty".into(),
        ),
        (
            &["obj", "put", "B", "-"],
            "error: --object names the object when it comes from standard input".into(),
        ),
        (
            &["obj", "put", "B", "/nonexistent/file"],
            "error: cannot read \"/nonexistent/file\": No such file or directory (os error 2)"
                .into(),
        ),
        (
            &["obj", "put", "B", "/"],
            "error: \"/\" has no file name to name the object by; --object names it".into(),
        ),
        (
            &["obj", "get", "B", "dir/"],
            "error: object name \"dir/\" does not end in a file name; --output names the file"
                .into(),
        ),
    ] {
        assert_eq!(error_without_server(args), expected, "{args:?}");
    }
}

#[test]
fn bad_values_are_usage_errors() {
    for (args, expected) in [
        (
            &["obj", "add", "B", "--storage", "disk"][..],
            "error: invalid value 'disk' for '--storage <STORAGE>'; possible values: file, memory (see 'natskit obj add --help')",
        ),
        (
            &["obj", "add", "B", "--replicas", "0"],
            "error: invalid value '0' for '--replicas <N>': must be at least 1 (see 'natskit obj add --help')",
        ),
        (
            &["obj", "add", "B", "--max-bucket-size", "lots"],
            "error: invalid value 'lots' for '--max-bucket-size <SIZE>': \"lots\" is not a size such as 1024, 512KiB or 1GB, or -1 (unlimited) (see 'natskit obj add --help')",
        ),
    ] {
        let out = natskit_bare(args).assert().code(2);
        assert_eq!(one_error_line(out.get_output()), expected, "{args:?}");
    }
}

#[test]
fn missing_buckets_and_objects() {
    let server = js_server();
    for args in [
        &["obj", "info", "NOPE"][..],
        &["obj", "info", "NOPE", "o"],
        &["obj", "ls", "NOPE"],
        &["obj", "get", "NOPE", "o", "-O", "-"],
        &["obj", "put", "NOPE", "-", "--object", "o"],
        &["obj", "rm", "NOPE", "-f"],
        &["obj", "rm", "NOPE", "o", "-f"],
        &["obj", "watch", "NOPE"],
        &["obj", "seal", "NOPE", "-f"],
    ] {
        assert_eq!(
            failure(&server, args),
            "error: bucket \"NOPE\" not found",
            "{args:?}"
        );
    }
    ok(&server, &["obj", "add", "B"]);
    for args in [
        &["obj", "info", "B", "o"][..],
        &["obj", "get", "B", "o", "-O", "-"],
        &["obj", "rm", "B", "o", "-f"],
    ] {
        assert_eq!(
            failure(&server, args),
            "error: object \"o\" not found in bucket \"B\"",
            "{args:?}"
        );
    }
    // A different configuration under a name in use.
    assert_eq!(
        failure(&server, &["obj", "add", "B", "--description", "other"]),
        "error: bucket \"B\" already exists with a different configuration"
    );
    let empty = natskit(&server, &["obj", "ls", "B"]).assert().success();
    assert!(empty.get_output().stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&empty.get_output().stderr),
        "No objects in bucket \"B\"\n"
    );
}

#[test]
fn a_sealed_bucket_refuses_changes() {
    let server = js_server();
    ok(&server, &["obj", "add", "B"]);
    change(&server, "B", &[Change::Put("kept", b"data")]);
    ok(&server, &["obj", "seal", "B", "-f"]);
    let sealed = "error: bucket \"B\" is sealed: nothing can be stored, changed or deleted in it";
    let out = natskit(&server, &["obj", "put", "B", "-", "--object", "new"])
        .write_stdin("more")
        .assert()
        .code(1);
    assert_eq!(one_error_line(out.get_output()), sealed);
    assert_eq!(failure(&server, &["obj", "rm", "B", "kept", "-f"]), sealed);
    assert_eq!(ok(&server, &["obj", "ls", "B", "-n"]), "kept\n");
}

/// Replaces the last chunk of object `name` with the same number of other bytes, as damage
/// on disk or a careless publisher might: the size still matches, the digest does not.
fn tamper(server: &NatsServer, bucket: &str, name: &str) {
    block_on(async {
        let client = natskit::connect(&server.url()).await.expect("connect");
        let js = natskit::jetstream::new(client.clone());
        let store = js.object_store(bucket).await.expect("open the bucket");
        let info = store.info(name).await.expect("info");
        let stream = format!("OBJ_{bucket}");
        let subject = format!("$O.{bucket}.C.{}", info.nuid);
        let last = js
            .get_last_message(&stream, &subject)
            .await
            .expect("the last chunk");
        js.delete_message(&stream, last.sequence)
            .await
            .expect("delete the chunk");
        let mut changed = last.payload.to_vec();
        changed[0] ^= 0xff;
        js.publish(&subject, changed)
            .await
            .expect("publish the chunk");
        client.close().await.expect("close");
    });
}

#[test]
fn a_corrupted_object_is_refused_and_leaves_no_file() {
    let server = js_server();
    ok(&server, &["obj", "add", "B"]);
    let content = data(300 * 1024);
    change(&server, "B", &[Change::Put("dump", &content)]);
    tamper(&server, "B", "dump");

    let dir = scratch("obj-corrupted");
    let target = dir.join("out.bin");
    let line = failure(
        &server,
        &["obj", "get", "B", "dump", "-O", target.to_str().unwrap()],
    );
    let stored = "its meta says SHA-256=";
    assert!(
        line.starts_with(
            "error: object \"dump\" in bucket \"B\" is corrupted: its data has digest SHA-256="
        ) && line.contains(stored)
            && line.ends_with(&format!(
                "; {:?} was not written",
                target.display().to_string()
            )),
        "{line}"
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "no file left");

    // A file already there stays as it was.
    std::fs::write(&target, b"old").unwrap();
    failure(
        &server,
        &[
            "obj",
            "get",
            "B",
            "dump",
            "-O",
            target.to_str().unwrap(),
            "-f",
        ],
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"old");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    // To standard output the digest error still fails the command.
    let line = failure(&server, &["obj", "get", "B", "dump", "-O", "-"]);
    assert!(
        line.ends_with("; what was written to standard output is incomplete"),
        "{line}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
