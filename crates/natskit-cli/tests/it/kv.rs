//! `natskit kv add|put|get|create|update|del|purge|history|keys|watch|ls|rm|status` against
//! nats-server 2.10 with JetStream: what each prints for people, its `--json` documents parsed
//! as JSON, and `kv watch` as a running process fed by the library.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use natskit_test::NatsServer;
use serde_json::{json, Value};

use crate::support::{failure, js_server, json_doc, json_lines, natskit, ok, stdout_of, Watching};

/// A write made through the library, as another program would make it.
enum Change<'a> {
    /// `key` gets `value`.
    Put(&'a str, &'a [u8]),
    /// `key` is deleted.
    Delete(&'a str),
}

/// Makes `changes` to `bucket` in order, each confirmed by the server before the next.
fn change(server: &NatsServer, bucket: &str, changes: &[Change<'_>]) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = natskit::connect(&server.url()).await.expect("connect");
        let js = natskit::jetstream::new(client.clone());
        let kv = js.key_value(bucket).await.expect("open the bucket");
        for change in changes {
            match change {
                Change::Put(key, value) => kv.put(key, value.to_vec()).await.expect("put"),
                Change::Delete(key) => kv.delete(key).await.expect("delete"),
            };
        }
        client.close().await.expect("close");
    });
}

/// Standard error of a successful `natskit <args>` (its notes).
fn notes(server: &NatsServer, args: &[&str]) -> String {
    let out = natskit(server, args).assert().success();
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

#[test]
fn add_with_every_flag_then_status_ls_and_rm() {
    let server = js_server();
    let added = json_doc(
        &server,
        &[
            "kv",
            "add",
            "CONFIG",
            "--history",
            "5",
            "--ttl",
            "1h",
            "--max-value-size",
            "1KiB",
            "--max-bucket-size",
            "1MiB",
            "--storage",
            "memory",
            "--replicas",
            "1",
            "--compress",
            "--description",
            "app settings",
            "--json",
        ],
    );
    assert_eq!(added["bucket"], "CONFIG");
    assert_eq!(added["description"], "app settings");
    assert_eq!(added["history"], 5);
    assert_eq!(added["ttl"], 3_600_000_000_000u64);
    assert_eq!(added["max_value_size"], 1024);
    assert_eq!(added["max_bucket_size"], 1 << 20);
    assert_eq!(added["storage"], "memory");
    assert_eq!(added["replicas"], 1);
    assert_eq!(added["compressed"], true);
    assert_eq!(added["backing_store"], "JetStream");
    assert_eq!(added["values"], 0);
    let stream = &added["stream"]["config"];
    assert_eq!(stream["name"], "KV_CONFIG");
    assert_eq!(stream["subjects"], json!(["$KV.CONFIG.>"]));
    assert_eq!(stream["max_msgs_per_subject"], 5);
    assert_eq!(stream["compression"], "s2");

    // Text for people, with the defaults.
    let out = natskit(&server, &["kv", "add", "PLAIN"]).assert().success();
    let text = stdout_of(out.get_output());
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "Created bucket \"PLAIN\"\n"
    );
    assert!(text.starts_with("Bucket PLAIN (created 20"), "{text}");
    for line in [
        "  Description:     -\n",
        "  History:         1\n",
        "  TTL:             unlimited\n",
        "  Max value size:  unlimited\n",
        "  Max bucket size: unlimited\n",
        "  Storage:         file\n",
        "  Compressed:      no\n",
        "  Backing store:   JetStream stream KV_PLAIN\n",
        "  Values:             0\n",
        "  Last revision:      -\n",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }

    change(
        &server,
        "CONFIG",
        &[Change::Put("mode", b"eco"), Change::Put("mode", b"boost")],
    );
    let status = ok(&server, &["kv", "status", "CONFIG"]);
    for line in [
        "  Description:     app settings\n",
        "  History:         5\n",
        "  TTL:             1h\n",
        "  Max value size:  1.0 KiB\n",
        "  Max bucket size: 1.0 MiB\n",
        "  Storage:         memory\n",
        "  Compressed:      yes\n",
        "  Values:             2\n",
        "  Keys (deleted too): 1\n",
        "  Last revision:      2 at 20",
    ] {
        assert!(status.contains(line), "{line:?} in {status}");
    }
    let status = json_doc(&server, &["kv", "info", "CONFIG", "--json"]);
    assert_eq!(status["values"], 2);
    assert_eq!(status["stream"]["state"]["last_seq"], 2);

    let table = ok(&server, &["kv", "ls"]);
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert_eq!(
        rows[0],
        ["BUCKET", "VALUES", "SIZE", "HISTORY", "TTL", "STORAGE", "LAST", "UPDATE"]
    );
    assert_eq!(rows[1][..2], ["CONFIG", "2"], "{table}");
    assert_eq!(rows[1][4..7], ["5", "1h", "memory"], "{table}");
    assert_eq!(
        rows[2],
        ["PLAIN", "0", "0", "B", "1", "unlimited", "file", "-"]
    );
    assert_eq!(ok(&server, &["kv", "ls", "-n"]), "CONFIG\nPLAIN\n");
    let listed = json_lines(&ok(&server, &["kv", "ls", "--json"]));
    let buckets: Vec<&str> = listed
        .iter()
        .map(|d| d["bucket"].as_str().unwrap())
        .collect();
    assert_eq!(buckets, ["CONFIG", "PLAIN"]);

    // rm refuses without --force where it cannot ask, and the bucket stays.
    assert_eq!(
        failure(&server, &["kv", "rm", "PLAIN"]),
        "error: refusing to delete bucket \"PLAIN\" with all its keys and values without \
         --force (-f): standard input is not a terminal to ask on"
    );
    assert_eq!(
        notes(&server, &["kv", "rm", "PLAIN", "-f"]),
        "Deleted bucket \"PLAIN\"\n"
    );
    assert_eq!(ok(&server, &["kv", "ls", "--names"]), "CONFIG\n");
    assert_eq!(
        failure(&server, &["kv", "status", "PLAIN"]),
        "error: bucket \"PLAIN\" not found"
    );
    ok(&server, &["kv", "rm", "CONFIG", "--force"]);
    let empty = natskit(&server, &["kv", "ls"]).assert().success();
    assert!(empty.get_output().stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&empty.get_output().stderr),
        "No key-value buckets\n"
    );
}

#[test]
fn put_and_get_from_arguments_and_standard_input() {
    let server = js_server();
    ok(&server, &["kv", "add", "CONFIG", "--history", "5"]);
    assert_eq!(
        notes(&server, &["kv", "put", "CONFIG", "mode", "eco"]),
        "Stored key \"mode\" in bucket \"CONFIG\" (revision 1)\n"
    );
    assert_eq!(
        json_doc(&server, &["kv", "put", "CONFIG", "mode", "boost", "--json"]),
        json!({"bucket": "CONFIG", "key": "mode", "revision": 2, "operation": "PUT"})
    );
    // Without a value, all of standard input, byte for byte.
    let binary: &[u8] = &[0xff, 0x00, b'\n', 0x7f];
    natskit(&server, &["kv", "put", "CONFIG", "blob"])
        .write_stdin(binary)
        .assert()
        .success();
    natskit(&server, &["kv", "put", "CONFIG", "device.text"])
        .write_stdin("two\nlines\n")
        .assert()
        .success();

    let text = ok(&server, &["kv", "get", "CONFIG", "mode"]);
    let (first, rest) = text.split_once('\n').unwrap();
    assert!(
        first.starts_with("CONFIG > mode (revision 2, written 20") && first.ends_with("Z)"),
        "{text}"
    );
    assert_eq!(rest, "boost\n");
    assert_eq!(
        ok(&server, &["kv", "get", "CONFIG", "device.text"])
            .split_once('\n')
            .unwrap()
            .1,
        "two\nlines\n"
    );

    let old = json_doc(
        &server,
        &["kv", "get", "CONFIG", "mode", "--revision", "1", "--json"],
    );
    assert_eq!(old["bucket"], "CONFIG");
    assert_eq!(old["key"], "mode");
    assert_eq!(old["revision"], 1);
    assert_eq!(old["operation"], "PUT");
    assert_eq!(old["delta"], 0);
    assert_eq!(old["value"], "eco");
    assert!(old["created"].as_str().unwrap().ends_with('Z'));

    let blob = json_doc(&server, &["kv", "get", "CONFIG", "blob", "--json"]);
    assert_eq!(blob["revision"], 3);
    assert_eq!(blob["value_base64"], "/wAKfw==");
    assert!(blob.get("value").is_none());
    let raw = natskit(&server, &["kv", "get", "CONFIG", "blob", "--raw"])
        .assert()
        .success();
    assert_eq!(raw.get_output().stdout, binary);
    assert_eq!(
        ok(&server, &["kv", "get", "CONFIG", "mode", "--raw"]),
        "boost"
    );

    // A revision of another key is no value of this one.
    assert_eq!(
        failure(&server, &["kv", "get", "CONFIG", "mode", "--revision", "3"]),
        "error: key \"mode\" has no value at revision 3 in bucket \"CONFIG\""
    );
    assert_eq!(
        failure(&server, &["kv", "get", "CONFIG", "nope"]),
        "error: key \"nope\" not found in bucket \"CONFIG\""
    );
}

#[test]
fn create_update_del_purge_history_and_keys() {
    let server = js_server();
    ok(&server, &["kv", "add", "CONFIG", "--history", "10"]);
    assert_eq!(
        notes(&server, &["kv", "create", "CONFIG", "lock", "me"]),
        "Created key \"lock\" in bucket \"CONFIG\" (revision 1)\n"
    );
    assert_eq!(
        failure(&server, &["kv", "create", "CONFIG", "lock", "you"]),
        "error: key \"lock\" already exists in bucket \"CONFIG\" (revision 1)"
    );
    assert_eq!(
        notes(
            &server,
            &["kv", "update", "CONFIG", "lock", "still me", "1"]
        ),
        "Updated key \"lock\" in bucket \"CONFIG\" (revision 2)\n"
    );
    assert_eq!(
        failure(&server, &["kv", "update", "CONFIG", "lock", "you", "1"]),
        "error: key \"lock\" in bucket \"CONFIG\" is at revision 2, not 1"
    );
    assert_eq!(
        json_doc(
            &server,
            &["kv", "update", "CONFIG", "lock", "me again", "2", "--json"]
        ),
        json!({"bucket": "CONFIG", "key": "lock", "revision": 3, "operation": "PUT"})
    );
    change(
        &server,
        "CONFIG",
        &[
            Change::Put("device.1", b"on"),
            Change::Put("device.2", b"off"),
            Change::Put("other", b"x"),
        ],
    );

    // del asks first: without a terminal it needs --force, and nothing changes without it.
    assert_eq!(
        failure(&server, &["kv", "del", "CONFIG", "lock"]),
        "error: refusing to delete key \"lock\" from bucket \"CONFIG\" without --force (-f): \
         standard input is not a terminal to ask on"
    );
    assert_eq!(
        ok(&server, &["kv", "get", "CONFIG", "lock", "--raw"]),
        "me again"
    );
    assert_eq!(
        notes(&server, &["kv", "del", "CONFIG", "lock", "-f"]),
        "Deleted key \"lock\" from bucket \"CONFIG\" (revision 7)\n"
    );
    assert_eq!(
        failure(&server, &["kv", "get", "CONFIG", "lock"]),
        "error: key \"lock\" not found in bucket \"CONFIG\""
    );
    // A deleted key can be created again.
    ok(&server, &["kv", "create", "CONFIG", "lock", "mine now"]);

    let history = ok(&server, &["kv", "history", "CONFIG", "lock"]);
    let rows: Vec<Vec<&str>> = history
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        ["REVISION", "OPERATION", "WRITTEN", "SIZE", "VALUE"]
    );
    let shown: Vec<(&str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[0], r[1], *r.last().unwrap()))
        .collect();
    assert_eq!(
        shown,
        [
            ("1", "PUT", "me"),
            ("2", "PUT", "me"),
            ("3", "PUT", "again"),
            ("7", "DEL", "-"),
            ("8", "PUT", "now")
        ],
        "{history}"
    );
    let entries = json_lines(&ok(&server, &["kv", "history", "CONFIG", "lock", "--json"]));
    let seen: Vec<(u64, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["revision"].as_u64().unwrap(),
                e["operation"].as_str().unwrap(),
                e["value"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, "PUT", "me"),
            (2, "PUT", "still me"),
            (3, "PUT", "me again"),
            (7, "DEL", ""),
            (8, "PUT", "mine now")
        ]
    );
    assert_eq!(entries[0]["delta"], 4);
    assert_eq!(entries[4]["delta"], 0);

    assert_eq!(
        notes(&server, &["kv", "purge", "CONFIG", "lock", "-f"]),
        "Purged key \"lock\" from bucket \"CONFIG\" (revision 9)\n"
    );
    let left = json_lines(&ok(&server, &["kv", "history", "CONFIG", "lock", "--json"]));
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["operation"], "PURGE");
    assert_eq!(left[0]["revision"], 9);
    assert_eq!(
        failure(&server, &["kv", "history", "CONFIG", "never"]),
        "error: key \"never\" not found in bucket \"CONFIG\""
    );

    // Keys with a value only, sorted; a filter with wildcards.
    assert_eq!(
        ok(&server, &["kv", "keys", "CONFIG"]),
        "device.1\ndevice.2\nother\n"
    );
    assert_eq!(
        json_lines(&ok(
            &server,
            &["kv", "keys", "CONFIG", "device.*", "--json"]
        )),
        [json!("device.1"), json!("device.2")]
    );
    assert_eq!(ok(&server, &["kv", "keys", "CONFIG", "other"]), "other\n");
    let none = natskit(&server, &["kv", "keys", "CONFIG", "lock.>"])
        .assert()
        .success();
    assert!(none.get_output().stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&none.get_output().stderr),
        "No keys matching \"lock.>\" in bucket \"CONFIG\"\n"
    );
}

/// `natskit kv watch <args>` in the background, once it says it is watching.
fn watching(server: &NatsServer, args: &[&str]) -> Watching {
    let mut all = vec!["kv", "watch"];
    all.extend(args);
    Watching::start(server, &all, "Watching bucket ")
}

/// Asserts a human `watch` line: `[#<revision>] <time> <rest>`.
fn assert_change(line: &str, revision: u64, rest: &str) {
    let (number, tail) = line.split_once(' ').unwrap();
    let (time, tail) = tail.split_once(' ').unwrap();
    assert_eq!(number, format!("[#{revision}]"), "{line}");
    assert!(time.starts_with("20") && time.ends_with('Z'), "{line}");
    assert_eq!(tail, rest, "{line}");
}

#[test]
fn watch_prints_the_latest_values_the_end_of_them_then_each_change() {
    let server = js_server();
    ok(&server, &["kv", "add", "CONFIG", "--history", "5"]);
    change(
        &server,
        "CONFIG",
        &[
            Change::Put("a", b"1"),
            Change::Put("b", b"two\nlines"),
            Change::Put("a", b"3"),
        ],
    );

    let mut watch = watching(&server, &["CONFIG"]);
    assert_change(&watch.line(), 2, "PUT CONFIG > b: two\\nlines");
    assert_change(&watch.line(), 3, "PUT CONFIG > a: 3");
    assert_eq!(
        watch.line(),
        "--- end of initial values; watching for changes ---"
    );
    change(
        &server,
        "CONFIG",
        &[Change::Put("c", b"4"), Change::Delete("a")],
    );
    assert_change(&watch.line(), 4, "PUT CONFIG > c: 4");
    assert_change(&watch.line(), 5, "DEL CONFIG > a");
    watch.stop();

    // One key's whole history as JSON, then what comes.
    let mut watch = watching(&server, &["CONFIG", "a", "--history", "--json"]);
    let mut documents = Vec::new();
    loop {
        let document: Value = serde_json::from_str(&watch.line()).unwrap();
        if document.get("end_of_initial").is_some() {
            assert_eq!(
                document,
                json!({"bucket": "CONFIG", "end_of_initial": true})
            );
            break;
        }
        documents.push(document);
    }
    let seen: Vec<(u64, &str, &str, u64)> = documents
        .iter()
        .map(|d| {
            (
                d["revision"].as_u64().unwrap(),
                d["operation"].as_str().unwrap(),
                d["value"].as_str().unwrap(),
                d["delta"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [(1, "PUT", "1", 2), (3, "PUT", "3", 1), (5, "DEL", "", 0)]
    );
    change(
        &server,
        "CONFIG",
        &[Change::Put("b", b"x"), Change::Put("a", b"6")],
    );
    let next: Value = serde_json::from_str(&watch.line()).unwrap();
    assert_eq!(next["key"], "a");
    assert_eq!(next["revision"], 7);
    assert_eq!(next["value"], "6");
    assert_eq!(next["bucket"], "CONFIG");
    watch.stop();

    // Changes only, deletes left out: the marker first, then the put after the delete.
    let mut watch = watching(
        &server,
        &["CONFIG", "--updates-only", "--ignore-deletes", "--json"],
    );
    let marker: Value = serde_json::from_str(&watch.line()).unwrap();
    assert_eq!(marker["end_of_initial"], true);
    change(
        &server,
        "CONFIG",
        &[Change::Delete("c"), Change::Put("c", b"back")],
    );
    let next: Value = serde_json::from_str(&watch.line()).unwrap();
    assert_eq!(
        (next["key"].as_str(), next["revision"].as_u64()),
        (Some("c"), Some(9))
    );
    assert_eq!(next["operation"], "PUT");
    watch.stop();

    // An empty bucket: the marker at once.
    ok(&server, &["kv", "add", "EMPTY"]);
    let mut watch = watching(&server, &["EMPTY"]);
    assert_eq!(
        watch.line(),
        "--- end of initial values; watching for changes ---"
    );
}
