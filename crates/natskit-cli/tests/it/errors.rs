//! Failures: one `error:` line and status 1; usage errors: clap's status 2.

use crate::support::{assert_cannot_connect, natskit, natskit_bare, one_error_line, server};

#[test]
fn unreachable_server() {
    for args in [
        &["pub", "a", "x"][..],
        &["sub", "a"],
        &["req", "a"],
        &["reply", "a"],
    ] {
        assert_cannot_connect(args);
    }
}

#[test]
fn invalid_subjects() {
    let server = server();
    let out = natskit(&server, &["pub", "orders.*", "x"]).assert().code(1);
    let line = one_error_line(out.get_output());
    assert!(
        line.starts_with("error: invalid publish subject \"orders.*\""),
        "{line}"
    );

    let out = natskit(&server, &["sub", "orders..new"]).assert().code(1);
    let line = one_error_line(out.get_output());
    assert!(
        line.starts_with("error: invalid subscribe subject \"orders..new\""),
        "{line}"
    );

    let out = natskit(&server, &["req", "a b"]).assert().code(1);
    let line = one_error_line(out.get_output());
    assert!(
        line.starts_with("error: invalid publish subject \"a b\""),
        "{line}"
    );
}

#[test]
fn bad_header_is_reported_before_connecting() {
    // The server is unreachable: the header is checked first.
    let out = natskit_bare(&["pub", "a", "x", "-H", "nocolon", "-s", "nats://127.0.0.1:1"])
        .assert()
        .code(1);
    assert_eq!(
        one_error_line(out.get_output()),
        "error: invalid header \"nocolon\": expected KEY:VALUE"
    );
    let out = natskit_bare(&["req", "a", "-H", "bad name:x"])
        .assert()
        .code(1);
    let line = one_error_line(out.get_output());
    assert!(
        line.starts_with("error: invalid header \"bad name:x\""),
        "{line}"
    );
}

#[test]
fn usage_errors_exit_with_2() {
    natskit_bare(&["pub", "a", "--bogus"]).assert().code(2);
    natskit_bare(&["sub"]).assert().code(2);
    natskit_bare(&["req", "a", "--timeout", "soon"])
        .assert()
        .code(2);
    natskit_bare(&["pub", "a", "--count", "0"]).assert().code(2);
    natskit_bare(&["reply", "a", "body", "--echo"])
        .assert()
        .code(2);
    natskit_bare(&["frobnicate"]).assert().code(2);
}

#[test]
fn help_lists_the_subcommands() {
    let out = natskit_bare(&["--help"]).assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for word in ["pub", "sub", "req", "reply", "server", "bench"] {
        assert!(help.contains(word), "{word} missing from:\n{help}");
    }
    let out = natskit_bare(&["pub", "--help"]).assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for word in ["--server", "NATS_URL", "--timeout"] {
        assert!(help.contains(word), "{word} missing from:\n{help}");
    }
}

#[test]
fn usage_errors_are_one_line_naming_the_help_to_read() {
    for (args, message, command) in [
        (
            &["pub", "a", "--bogus"][..],
            "unexpected argument '--bogus' found",
            "natskit pub",
        ),
        (
            &["micro", "ls", "--bogus"],
            "unexpected argument '--bogus' found",
            "natskit micro ls",
        ),
        (
            &["pub", "a", "x", "--sever", "nats://h"],
            "unexpected argument '--sever' found; a similar argument exists: '--server'",
            "natskit pub",
        ),
        (
            &["sub"],
            "the following required arguments were not provided: <SUBJECT>...",
            "natskit sub",
        ),
        (
            &["context", "add"],
            "the following required arguments were not provided: <NAME>",
            "natskit context add",
        ),
        (
            &["frobnicate"],
            "unrecognized subcommand 'frobnicate'",
            "natskit",
        ),
    ] {
        let out = natskit_bare(args).assert().code(2);
        assert_eq!(
            one_error_line(out.get_output()),
            format!("error: {message} (see '{command} --help')"),
            "{args:?}"
        );
    }
    let out = natskit_bare(&["req", "a", "--timeout", "soon"])
        .assert()
        .code(2);
    let line = one_error_line(out.get_output());
    assert!(
        line.starts_with("error: invalid value 'soon' for '--timeout <DURATION>': ")
            && line.ends_with(" (see 'natskit req --help')"),
        "{line}"
    );
}

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_a_usage_error() {
    use std::os::unix::ffi::OsStrExt;
    let not_utf8 = std::ffi::OsStr::from_bytes(b"caf\xe9");
    for (before, after) in [(&["pub"][..], &["x"][..]), (&["pub", "a"], &[])] {
        let out = natskit_bare(before)
            .arg(not_utf8)
            .args(after)
            .assert()
            .code(2);
        let line = one_error_line(out.get_output());
        assert!(
            line.starts_with("error: invalid UTF-8 was detected in one or more arguments")
                && line.ends_with("(see 'natskit pub --help')"),
            "{line}"
        );
    }
}

#[test]
fn help_and_version_print_as_usual() {
    let out = natskit_bare(&["--version"]).assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        format!("natskit {}\n", env!("CARGO_PKG_VERSION"))
    );
    let out = natskit_bare(&["context", "--help"]).assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(help.contains("Usage: natskit context <COMMAND>"), "{help}");
    // No command at all: the help (it is no mistake to ask what there is), with status 2.
    let out = natskit_bare(&[]).assert().code(2);
    let help = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(help.contains("Usage: natskit <COMMAND>"), "{help}");
}

#[test]
fn help_has_examples() {
    for command in [
        &[][..],
        &["pub"],
        &["sub"],
        &["req"],
        &["reply"],
        &["server"],
        &["micro"],
        &["demo"],
        &["bench"],
        &["bench", "pub"],
        &["bench", "sub"],
        &["bench", "pubsub"],
        &["bench", "req"],
        &["context"],
        &["completions"],
    ] {
        let mut args = command.to_vec();
        args.push("--help");
        let out = natskit_bare(&args).assert().success();
        let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        let example = format!(
            "\nExamples:\n  {}",
            ["natskit"]
                .iter()
                .chain(command)
                .copied()
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(
            help.contains(&example),
            "{command:?} lacks {example:?}:\n{help}"
        );
    }
}

#[test]
fn no_responders_is_one_line() {
    let server = server();
    let out = natskit(&server, &["req", "nobody.home", "ping"])
        .assert()
        .code(1);
    let line = one_error_line(out.get_output());
    assert!(line.contains("no responders"), "{line}");
}

#[test]
fn unreachable_server_for_micro_and_demo() {
    for args in [&["micro", "ls"][..], &["demo", "--pace", "0"]] {
        assert_cannot_connect(args);
    }
}

#[test]
fn a_closed_standard_error_loses_the_notes_not_the_results() {
    let server = server();
    let _reply = crate::support::Running::start(&server, &["reply", "cse", "pong"], "Listening");
    let url = server.url();
    for (args, stdout) in [
        // `[#1] Received in ...` goes to standard error before the answer to standard output.
        (&["req", "cse", "--server", &url][..], "pong\n"),
        // `Published 1 byte to "cse"` is the last thing pub does.
        (&["pub", "cse", "x", "--server", &url], ""),
    ] {
        let mut child = crate::support::command(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn natskit");
        // The reader of standard error is gone before natskit writes to it (it connects first).
        drop(child.stderr.take());
        let out = child.wait_with_output().expect("wait for natskit");
        assert!(out.status.success(), "{args:?}: {:?}", out.status);
        assert_eq!(crate::support::stdout_of(&out), stdout, "{args:?}");
    }
}
