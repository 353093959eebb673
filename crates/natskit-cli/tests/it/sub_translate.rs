//! `natskit sub -r` and `--translate COMMAND`, as the `nats` CLI has them.

use crate::support::{natskit, server, sub_receiving};

#[test]
fn r_is_raw() {
    let server = server();
    let done = sub_receiving(&server, &["sub", "raw", "-c", "2", "-r"], || {
        natskit(&server, &["pub", "raw", "p{{Count}}", "--count", "2"])
            .assert()
            .success();
    });
    assert_eq!(done.stdout, "p1\np2\n");
}

#[test]
fn translate_shows_what_the_command_prints() {
    let server = server();
    let done = sub_receiving(
        &server,
        &[
            "sub",
            "tr.>",
            "-c",
            "2",
            "--raw",
            "--translate",
            "printf '%s:' {{Subject}}; tr a-z A-Z",
        ],
        || {
            natskit(&server, &["pub", "tr.one", "hello"])
                .assert()
                .success();
            // A subject is data to the shell, never code.
            natskit(&server, &["pub", "tr.$(echo).x", "two"])
                .assert()
                .success();
        },
    );
    assert_eq!(done.stdout, "tr.one:HELLO\ntr.$(echo).x:TWO\n");

    // The people's form and JSON show the translation too.
    let done = sub_receiving(
        &server,
        &["sub", "trj", "-c", "1", "--json", "--translate", "rev"],
        || {
            natskit(&server, &["pub", "trj", "abc"]).assert().success();
        },
    );
    assert!(done.stdout.contains("\"payload\":\"cba\""), "{done:?}");
}

#[test]
fn a_failing_translation_warns_and_shows_the_message_as_it_came() {
    let server = server();
    let done = sub_receiving(
        &server,
        &[
            "sub",
            "trf",
            "-c",
            "1",
            "-r",
            "--translate",
            "echo 'no such filter' >&2; exit 3",
        ],
        || {
            natskit(&server, &["pub", "trf", "kept"]).assert().success();
        },
    );
    assert_eq!(done.stdout, "kept\n");
    assert!(
        done.stderr.contains(
            "warning: --translate failed for message #1 (the command exited with status 3: no such filter); shown as it came"
        ),
        "{done:?}"
    );
}
