//! Bad input to `pub`, `sub`, `req` and `reply` with their new flags: one `error:` line and
//! status 1 for failures, status 2 for usage errors; and `--help` with examples.

use natskit_test::NatsServer;

use crate::support::{assert_cannot_connect, natskit, natskit_bare, one_error_line, server};

/// Each command with its new flags, as a user might run it.
const COMMANDS: [&[&str]; 8] = [
    &["pub", "a", "{{Count}}", "--count", "2", "--sleep", "1ms"],
    &["pub", "a", "--send-on", "newline"],
    &["sub", "a", "--json", "--timestamp"],
    &["sub", "a", "--match-replies", "--subjects-only"],
    &["req", "a", "x", "--replies", "2"],
    &["req", "a", "x", "--replies", "0"],
    &["reply", "a", "--command", "cat", "--sleep", "1ms"],
    &["reply", "a", "#{{Count}}", "-H", "K:{{ID}}"],
];

#[test]
fn unreachable_server() {
    for args in COMMANDS {
        assert_cannot_connect(args);
    }
}

#[test]
fn bad_credentials() {
    let server = NatsServer::builder()
        .with_args(["--user", "alice", "--pass", "s3cret"])
        .start()
        .expect("start nats-server");
    let url = format!("nats://alice:wrong@127.0.0.1:{}", server.port());
    for args in COMMANDS {
        let out = natskit_bare(args).args(["--server", &url]).assert().code(1);
        let line = one_error_line(out.get_output());
        assert!(
            line.starts_with(&format!(
                "error: authorization failed: 127.0.0.1:{} refused user \"alice\" in the URL",
                server.port()
            )) && line.contains("Authorization Violation"),
            "{args:?}: {line}"
        );
        assert!(!line.contains("wrong"), "the password is not shown: {line}");
    }
}

#[test]
fn invalid_subjects() {
    let server = server();
    for (args, expected) in [
        (
            &["pub", "a.{{Count}}.", "x"][..],
            "error: invalid publish subject \"a.1.\"",
        ),
        (
            &["pub", "a b", "--send-on", "newline"],
            "error: invalid publish subject \"a b\"",
        ),
        (
            &["sub", "a..b", "--json"],
            "error: invalid subscribe subject \"a..b\"",
        ),
        (
            &["sub", "a", "--match-replies", "--inbox-prefix", "in box"],
            "error: invalid subscribe subject \"in box.>\"",
        ),
        (
            &["req", "a.>", "--replies", "2"],
            "error: invalid publish subject \"a.>\"",
        ),
        (
            &["reply", "a..b", "--echo"],
            "error: invalid subscribe subject \"a..b\"",
        ),
    ] {
        let mut cmd = natskit(&server, args);
        if args.contains(&"--send-on") {
            cmd.write_stdin("line\n");
        }
        let out = cmd.assert().code(1);
        let line = one_error_line(out.get_output());
        assert!(line.starts_with(expected), "{args:?}: {line}");
    }
}

#[test]
fn pub_checks_its_subjects_before_connecting_and_reading_stdin() {
    // Nothing listens on port 1, and standard input is never read: the subject comes first.
    for (args, expected) in [
        (
            &["pub", "a b"][..],
            "error: invalid publish subject \"a b\"",
        ),
        (
            &["pub", "a..b", "--send-on", "newline"],
            "error: invalid publish subject \"a..b\"",
        ),
        (
            &["pub", "a", "--reply", "r.>"],
            "error: invalid reply subject \"r.>\"",
        ),
    ] {
        let out = natskit_bare(args)
            .args(["--server", "nats://127.0.0.1:1"])
            .write_stdin("body\n")
            .assert()
            .code(1);
        let line = one_error_line(out.get_output());
        assert!(line.starts_with(expected), "{args:?}: {line}");
    }
}

#[test]
fn unknown_flags_and_bad_values_are_usage_errors() {
    for (args, first_line) in [
        (
            &["pub", "a", "--bogus"][..],
            "error: unexpected argument '--bogus' found",
        ),
        (
            &["sub", "a", "--bogus"],
            "error: unexpected argument '--bogus' found",
        ),
        (
            &["req", "a", "--bogus"],
            "error: unexpected argument '--bogus' found",
        ),
        (
            &["reply", "a", "--bogus"],
            "error: unexpected argument '--bogus' found",
        ),
        (
            &["pub", "a", "--send-on", "tab"],
            "error: invalid value 'tab' for '--send-on <WHEN>'",
        ),
        (
            &["pub", "a", "--sleep", "soon"],
            "error: invalid value 'soon' for '--sleep <DURATION>'",
        ),
        (
            &["req", "a", "--replies", "-1"],
            "error: unexpected argument '-1' found",
        ),
        (
            &["req", "a", "--replies", "x"],
            "error: invalid value 'x' for '--replies <N>': \"x\" is not a whole number",
        ),
        (
            &["reply", "a", "--sleep", "x"],
            "error: invalid value 'x' for '--sleep <MAX>'",
        ),
    ] {
        let out = natskit_bare(args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.starts_with(first_line), "{args:?}: {stderr}");
    }
}

#[test]
fn help_has_examples_for_each_command() {
    for (command, example) in [
        (
            "pub",
            "natskit pub greet.joe 'hi #{{Count}} at {{TimeStamp}}'",
        ),
        ("sub", "natskit sub 'svc.>' --match-replies"),
        ("req", "natskit req census '' --replies 3"),
        ("reply", "natskit reply 'weather.>' --command"),
    ] {
        let out = natskit_bare(&[command, "--help"]).assert().success();
        let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(help.contains("Examples:\n"), "{command}: {help}");
        assert!(help.contains(example), "{command}: {help}");
    }
}
