//! Bad input to `natskit kv`: bucket names, keys and key filters refused before connecting
//! (status 1), bad flag values as usage errors (status 2), and what the server or the bucket
//! refuses as one sentence (status 1): unknown buckets, missing keys, a create on an existing
//! key, an update at the wrong revision, a value over the bucket's limit.

use crate::support::{
    assert_cannot_connect, error_without_server, failure, js_server, natskit, natskit_bare, ok,
    one_error_line, server,
};

/// One command of each kind, as a user might run it.
const COMMANDS: [&[&str]; 13] = [
    &["kv", "add", "B"],
    &["kv", "put", "B", "k", "v"],
    &["kv", "get", "B", "k"],
    &["kv", "create", "B", "k", "v"],
    &["kv", "update", "B", "k", "v", "1"],
    &["kv", "del", "B", "k", "-f"],
    &["kv", "purge", "B", "k", "-f"],
    &["kv", "history", "B", "k"],
    &["kv", "keys", "B"],
    &["kv", "watch", "B"],
    &["kv", "ls"],
    &["kv", "rm", "B", "-f"],
    &["kv", "status", "B"],
];

#[test]
fn unreachable_server() {
    for args in COMMANDS {
        assert_cannot_connect(args);
    }
}

#[test]
fn bad_buckets_keys_and_filters_are_refused_before_connecting() {
    let bucket = "only letters, digits, '_' and '-' are allowed";
    let key = "only letters, digits and '-/_=.' are allowed";
    for (args, expected) in [
        (&["kv", "add", "a.b"][..], format!("error: invalid bucket name \"a.b\": {bucket}")),
        (&["kv", "status", "a b"], format!("error: invalid bucket name \"a b\": {bucket}")),
        (&["kv", "rm", "", "-f"], "error: invalid bucket name \"\": it is empty".into()),
        (&["kv", "watch", "KV*"], format!("error: invalid bucket name \"KV*\": {bucket}")),
        (&["kv", "put", "B", "a b", "v"], format!("error: invalid key \"a b\": {key}")),
        (&["kv", "get", "B", "a.*"], format!("error: invalid key \"a.*\": {key}")),
        (&["kv", "create", "B", ".a", "v"], "error: invalid key \".a\": it starts or ends with '.'".into()),
        (&["kv", "update", "B", "a.", "v", "1"], "error: invalid key \"a.\": it starts or ends with '.'".into()),
        (&["kv", "del", "B", "a..b", "-f"], "error: invalid key \"a..b\": it has an empty token ('..')".into()),
        (&["kv", "purge", "B", "", "-f"], "error: invalid key \"\": it is empty".into()),
        (&["kv", "history", "B", "k>"], format!("error: invalid key \"k>\": {key}")),
        (
            &["kv", "keys", "B", "a.>.b"],
            "error: invalid key filter \"a.>.b\": '>' may only be the last token".into(),
        ),
        (
            &["kv", "watch", "B", "a b"],
            "error: invalid key filter \"a b\": only letters, digits, '-/_=.' and the wildcards '*' and '>' are allowed".into(),
        ),
    ] {
        assert_eq!(error_without_server(args), expected, "{args:?}");
    }
}

#[test]
fn bad_values_are_usage_errors() {
    for (args, expected) in [
        (
            &["kv", "add", "B", "--history", "0"][..],
            "error: invalid value '0' for '--history <N>': must be 1 to 64 (see 'natskit kv add --help')",
        ),
        (
            &["kv", "add", "B", "--history", "65"],
            "error: invalid value '65' for '--history <N>': must be 1 to 64 (see 'natskit kv add --help')",
        ),
        (
            &["kv", "add", "B", "--storage", "disk"],
            "error: invalid value 'disk' for '--storage <STORAGE>'; possible values: file, memory (see 'natskit kv add --help')",
        ),
        (
            &["kv", "add", "B", "--ttl", "soon"],
            "error: invalid value 'soon' for '--ttl <DURATION>': \"soon\" is not a duration such as 500ms, 2s or 1m (see 'natskit kv add --help')",
        ),
        (
            &["kv", "add", "B", "--max-value-size", "1 parsec"],
            "error: invalid value '1 parsec' for '--max-value-size <SIZE>': unknown unit \"parsec\" in \"1 parsec\"; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB (see 'natskit kv add --help')",
        ),
        (
            &["kv", "add", "B", "--max-value-size", "3GiB"],
            "error: invalid value '3GiB' for '--max-value-size <SIZE>': \"3GiB\" is larger than 2 GiB, the most allowed (see 'natskit kv add --help')",
        ),
        (
            &["kv", "add", "B", "--replicas", "0"],
            "error: invalid value '0' for '--replicas <N>': must be at least 1 (see 'natskit kv add --help')",
        ),
        (
            &["kv", "update", "B", "k", "v", "latest"],
            "error: invalid value 'latest' for '<REVISION>': \"latest\" is not a whole number (see 'natskit kv update --help')",
        ),
        (
            &["kv", "update", "B", "k", "v"],
            "error: the following required arguments were not provided: <REVISION> (see 'natskit kv update --help')",
        ),
        (
            &["kv", "get", "B", "k", "--revision", "0"],
            "error: invalid value '0' for '--revision <N>': must be at least 1 (see 'natskit kv get --help')",
        ),
        (
            &["kv", "get", "B", "k", "--raw", "--json"],
            "error: the argument '--raw' cannot be used with '--json' (see 'natskit kv get --help')",
        ),
        (
            &["kv", "watch", "B", "--history", "--updates-only"],
            "error: the argument '--history' cannot be used with '--updates-only' (see 'natskit kv watch --help')",
        ),
    ] {
        let out = natskit_bare(args).assert().code(2);
        assert_eq!(one_error_line(out.get_output()), expected, "{args:?}");
    }
}

#[test]
fn unknown_buckets_missing_keys_and_refused_writes_read_as_sentences() {
    let server = js_server();
    ok(
        &server,
        &["kv", "add", "CONFIG", "--max-value-size", "1KiB"],
    );
    ok(&server, &["kv", "put", "CONFIG", "mode", "eco"]);
    let big = "x".repeat(1025);
    for (args, expected) in [
        (
            &["kv", "status", "NOPE"][..],
            "error: bucket \"NOPE\" not found",
        ),
        (
            &["kv", "put", "NOPE", "k", "v"],
            "error: bucket \"NOPE\" not found",
        ),
        (
            &["kv", "get", "NOPE", "k"],
            "error: bucket \"NOPE\" not found",
        ),
        (
            &["kv", "create", "NOPE", "k", "v"],
            "error: bucket \"NOPE\" not found",
        ),
        (
            &["kv", "update", "NOPE", "k", "v", "1"],
            "error: bucket \"NOPE\" not found",
        ),
        (
            &["kv", "del", "NOPE", "k", "-f"],
            "error: bucket \"NOPE\" not found",
        ),
        (
            &["kv", "purge", "NOPE", "k", "-f"],
            "error: bucket \"NOPE\" not found",
        ),
        (
            &["kv", "history", "NOPE", "k"],
            "error: bucket \"NOPE\" not found",
        ),
        (&["kv", "keys", "NOPE"], "error: bucket \"NOPE\" not found"),
        (&["kv", "watch", "NOPE"], "error: bucket \"NOPE\" not found"),
        (
            &["kv", "rm", "NOPE", "-f"],
            "error: bucket \"NOPE\" not found",
        ),
        (
            &["kv", "get", "CONFIG", "nope"],
            "error: key \"nope\" not found in bucket \"CONFIG\"",
        ),
        (
            &["kv", "create", "CONFIG", "mode", "boost"],
            "error: key \"mode\" already exists in bucket \"CONFIG\" (revision 1)",
        ),
        (
            &["kv", "update", "CONFIG", "mode", "boost", "7"],
            "error: key \"mode\" in bucket \"CONFIG\" is at revision 1, not 7",
        ),
        (
            &["kv", "update", "CONFIG", "never", "v", "1"],
            "error: key \"never\" in bucket \"CONFIG\" has never been written, so it is not at \
             revision 1 ('kv create' writes a first value)",
        ),
        (
            &["kv", "put", "CONFIG", "big", &big],
            "error: cannot put key \"big\" in bucket \"CONFIG\": the value of 1025 bytes is \
             larger than the bucket's max_value_size of 1024 bytes",
        ),
        (
            &["kv", "add", "CONFIG", "--history", "3"],
            "error: bucket \"CONFIG\" already exists with a different configuration",
        ),
        (
            &["kv", "add", "R3", "--replicas", "3"],
            "error: cannot create bucket \"R3\": replicas > 1 not supported in non-clustered \
             mode (err_code 10074)",
        ),
    ] {
        assert_eq!(failure(&server, args), expected, "{args:?}");
    }
    // Nothing was written by the refused writes.
    assert_eq!(ok(&server, &["kv", "keys", "CONFIG"]), "mode\n");
    assert_eq!(
        ok(&server, &["kv", "get", "CONFIG", "mode", "--raw"]),
        "eco"
    );
    // A value over the limit from standard input is refused the same way.
    let out = natskit(&server, &["kv", "put", "CONFIG", "big"])
        .write_stdin(vec![b'x'; 2048])
        .assert()
        .code(1);
    assert!(
        one_error_line(out.get_output()).ends_with(
            "the value of 2048 bytes is larger than the bucket's max_value_size of 1024 bytes"
        ),
        "{:?}",
        out.get_output()
    );
}

#[test]
fn a_server_without_jetstream() {
    let server = server();
    for args in [
        &["kv", "ls"][..],
        &["kv", "get", "B", "k"],
        &["kv", "add", "B"],
    ] {
        let line = failure(&server, args);
        assert!(
            line.starts_with("error: JetStream is not available: nothing answers on \"$JS.API."),
            "{args:?}: {line}"
        );
    }
}
