//! Bad input to `natskit stream` and `natskit consumer`: names and subjects refused before
//! connecting (status 1), unknown policy words and bad durations as usage errors (status 2),
//! the server's refusals as one sentence (status 1), and no JetStream at all.

use crate::support::{
    assert_cannot_connect, error_without_server, failure, js_server, natskit, natskit_bare, ok,
    one_error_line, server,
};

/// One command of each kind, as a user might run it.
const COMMANDS: [&[&str]; 11] = [
    &["stream", "add", "S", "--subjects", "s.>"],
    &["stream", "ls"],
    &["stream", "info", "S"],
    &["stream", "rm", "S", "-f"],
    &["stream", "purge", "S", "-f"],
    &["stream", "get", "S", "1"],
    &["consumer", "add", "S", "C"],
    &["consumer", "ls", "S"],
    &["consumer", "info", "S", "C"],
    &["consumer", "rm", "S", "C", "-f"],
    &["consumer", "next", "S", "C"],
];

#[test]
fn unreachable_server() {
    for args in COMMANDS {
        assert_cannot_connect(args);
    }
}

#[test]
fn bad_names_and_subjects_are_refused_before_connecting() {
    // Nothing listens on the server given: these fail before connecting, saying why.
    for (args, expected) in [
        (&["stream", "add", "a.b"][..], "error: invalid stream name \"a.b\": it contains '.'"),
        (&["stream", "info", "a b"], "error: invalid stream name \"a b\": it contains whitespace"),
        (&["stream", "rm", "x/y", "-f"], "error: invalid stream name \"x/y\": it contains a path separator"),
        (&["stream", "get", "*", "1"], "error: invalid stream name \"*\": it contains '*'"),
        (&["consumer", "add", "S", "c.1"], "error: invalid consumer name \"c.1\": it contains '.'"),
        (&["consumer", "next", "S", ">"], "error: invalid consumer name \">\": it contains '>'"),
        (&["consumer", "info", "S.x", "c"], "error: invalid stream name \"S.x\": it contains '.'"),
        (
            &["stream", "add", "S", "--subjects", "a..b"],
            "error: invalid subject \"a..b\" for --subjects: it has an empty token (leading, trailing or doubled '.')",
        ),
        (
            &["stream", "add", "S", "--subjects", "a.>.b"],
            "error: invalid subject \"a.>.b\" for --subjects: '>' may only be the last token",
        ),
        (
            &["consumer", "add", "S", "C", "--target", "out.*"],
            "error: invalid subject \"out.*\" for --target: wildcards are not allowed here",
        ),
        (
            &["consumer", "add", "S", "C", "--filter", "a b"],
            "error: invalid subject \"a b\" for --filter: it contains whitespace or a control character",
        ),
        (
            &["stream", "purge", "S", "--subject", "", "-f"],
            "error: invalid subject \"\" for --subject: it is empty",
        ),
        (
            &["stream", "ls", "--js-domain", "a.b"],
            "error: invalid JetStream domain \"a.b\": it must be one subject token, without '.', '*' or '>'",
        ),
    ] {
        assert_eq!(error_without_server(args), expected, "{args:?}");
    }
}

#[test]
fn unknown_words_and_bad_values_are_usage_errors() {
    for (args, expected) in [
        (
            &["stream", "add", "S", "--storage", "disk"][..],
            "error: invalid value 'disk' for '--storage <STORAGE>'; possible values: file, memory (see 'natskit stream add --help')",
        ),
        (
            &["stream", "add", "S", "--retention", "forever"],
            "error: invalid value 'forever' for '--retention <RETENTION>'; possible values: limits, interest, work (see 'natskit stream add --help')",
        ),
        (
            &["stream", "add", "S", "--discard", "oldest"],
            "error: invalid value 'oldest' for '--discard <DISCARD>'; possible values: old, new; a similar value exists: 'old' (see 'natskit stream add --help')",
        ),
        (
            &["stream", "add", "S", "--max-age", "soon"],
            "error: invalid value 'soon' for '--max-age <DURATION>': \"soon\" is not a duration such as 500ms, 2s or 1m (see 'natskit stream add --help')",
        ),
        (
            &["stream", "add", "S", "--dupe-window", "0s"],
            "error: invalid value '0s' for '--dupe-window <DURATION>': \"0s\" must be a duration greater than zero (see 'natskit stream add --help')",
        ),
        (
            &["stream", "add", "S", "--max-msgs", "-5"],
            "error: invalid value '-5' for '--max-msgs <N>': \"-5\" is not a whole number or -1 (unlimited) (see 'natskit stream add --help')",
        ),
        (
            &["stream", "add", "S", "--max-bytes", "1 parsec"],
            "error: invalid value '1 parsec' for '--max-bytes <SIZE>': unknown unit \"parsec\" in \"1 parsec\"; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB (see 'natskit stream add --help')",
        ),
        (
            &["stream", "add", "S", "--replicas", "0"],
            "error: invalid value '0' for '--replicas <N>': must be at least 1 (see 'natskit stream add --help')",
        ),
        (
            &["stream", "purge", "S", "--keep", "1", "--seq", "2"],
            "error: the argument '--keep <N>' cannot be used with '--seq <N>' (see 'natskit stream purge --help')",
        ),
        (
            &["stream", "get", "S"],
            "error: the following required arguments were not provided: <SEQ> (see 'natskit stream get --help')",
        ),
        (
            &["consumer", "add", "S", "C", "--ack", "maybe"],
            "error: invalid value 'maybe' for '--ack <ACK>'; possible values: explicit, none, all (see 'natskit consumer add --help')",
        ),
        (
            &["consumer", "add", "S", "C", "--replay", "fast"],
            "error: invalid value 'fast' for '--replay <REPLAY>'; possible values: instant, original (see 'natskit consumer add --help')",
        ),
        (
            &["consumer", "add", "S", "C", "--deliver", "sometime"],
            "error: invalid value 'sometime' for '--deliver <POLICY>': \"sometime\" is not all, last, new, last_per_subject, a stream sequence, a duration ago (1h) or an RFC 3339 time (2024-05-01T12:00:00Z) (see 'natskit consumer add --help')",
        ),
        (
            &["consumer", "add", "S", "C", "--backoff", "1s,never"],
            "error: invalid value 'never' for '--backoff <DURATIONS>': \"never\" is not a duration such as 500ms, 2s or 1m (see 'natskit consumer add --help')",
        ),
        (
            &["consumer", "add", "S", "C", "--wait", "-1s"],
            "error: unexpected argument '-1' found (see 'natskit consumer add --help')",
        ),
        (
            &["consumer", "add", "S", "C", "--pull", "--target", "t"],
            "error: the argument '--pull' cannot be used with '--target <SUBJECT>' (see 'natskit consumer add --help')",
        ),
        (
            &["consumer", "add", "S", "C", "--push"],
            "error: the following required arguments were not provided: --target <SUBJECT> (see 'natskit consumer add --help')",
        ),
        (
            &["consumer", "next", "S", "C", "--count", "0"],
            "error: invalid value '0' for '--count <N>': must be at least 1 (see 'natskit consumer next --help')",
        ),
        (
            &["consumer", "next", "S", "C", "--wait", "5 parsecs"],
            "error: invalid value '5 parsecs' for '--wait <DURATION>': unknown unit \" parsecs\" in \"5 parsecs\"; use ns, us, ms, s, m or h (see 'natskit consumer next --help')",
        ),
    ] {
        let out = natskit_bare(args).assert().code(2);
        assert_eq!(one_error_line(out.get_output()), expected, "{args:?}");
    }
}

#[test]
fn the_servers_refusals_read_as_sentences() {
    let server = js_server();
    ok(
        &server,
        &["stream", "add", "ORDERS", "--subjects", "orders.>"],
    );
    ok(&server, &["consumer", "add", "ORDERS", "billing"]);
    for (args, expected) in [
        (
            &["stream", "add", "OTHER", "--subjects", "orders.eu"][..],
            "error: cannot create stream \"OTHER\": subjects overlap with an existing stream (err_code 10065)",
        ),
        (
            &["stream", "add", "ORDERS", "--subjects", "other.>"],
            "error: stream \"ORDERS\" already exists with a different configuration",
        ),
        (
            &["stream", "add", "R3", "--subjects", "r3", "--replicas", "3"],
            "error: cannot create stream \"R3\": replicas > 1 not supported in non-clustered mode (err_code 10074)",
        ),
        (
            &["stream", "add", "AGED", "--subjects", "aged", "--max-age", "1s", "--dupe-window", "1m"],
            "error: cannot create stream \"AGED\": duplicates window can not be larger then max age (err_code 10052)",
        ),
        (&["stream", "info", "NOPE"], "error: stream \"NOPE\" not found"),
        (&["stream", "rm", "NOPE", "-f"], "error: stream \"NOPE\" not found"),
        (&["stream", "purge", "NOPE", "-f"], "error: stream \"NOPE\" not found"),
        (&["stream", "get", "NOPE", "1"], "error: stream \"NOPE\" not found"),
        (&["consumer", "ls", "NOPE"], "error: stream \"NOPE\" not found"),
        (&["consumer", "add", "NOPE", "c"], "error: stream \"NOPE\" not found"),
        (
            &["consumer", "add", "ORDERS", "billing", "--ack", "none"],
            "error: consumer \"billing\" of stream \"ORDERS\" already exists with a different configuration",
        ),
        (
            &["consumer", "info", "ORDERS", "nope"],
            "error: consumer \"nope\" of stream \"ORDERS\" not found",
        ),
        (
            &["consumer", "next", "ORDERS", "nope"],
            "error: consumer \"nope\" of stream \"ORDERS\" not found",
        ),
        (
            &["consumer", "rm", "ORDERS", "nope", "-f"],
            "error: consumer \"nope\" of stream \"ORDERS\" not found",
        ),
        (
            &["stream", "get", "ORDERS", "1"],
            "error: stream \"ORDERS\" has no message with sequence 1",
        ),
    ] {
        assert_eq!(failure(&server, args), expected, "{args:?}");
    }
    // The same configuration again is no error (the server says so).
    ok(
        &server,
        &["stream", "add", "ORDERS", "--subjects", "orders.>"],
    );
    ok(&server, &["consumer", "add", "ORDERS", "billing"]);
}

#[test]
fn a_server_without_jetstream() {
    let server = server();
    for args in [&["stream", "ls"][..], &["consumer", "info", "S", "C"]] {
        let line = failure(&server, args);
        assert!(
            line.starts_with("error: JetStream is not available: nothing answers on \"$JS.API."),
            "{args:?}: {line}"
        );
    }
    let out = natskit(
        &server,
        &["stream", "ls", "--js-domain", "hub", "--timeout", "1s"],
    )
    .assert()
    .code(1);
    let line = one_error_line(out.get_output());
    assert!(line.contains("\"$JS.hub.API.STREAM.LIST\""), "{line}");
}
