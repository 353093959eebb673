//! What only a terminal gets: colour (never with `NO_COLOR` set) and `pub`'s progress bar.
//!
//! Tests run the binary with pipes, which must stay plain; util-linux `script` gives it a
//! terminal to check that colour and the bar do appear there (and that `NO_COLOR` turns colour
//! off).

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

use crate::support::{natskit, server, Running, BIN, CONNECTION_ENV, NO_CONFIG, PATIENCE};

/// What every escape code starts with.
const ESC: char = '\u{1b}';

/// Runs `natskit <args>` on a terminal (`script`), with NO_COLOR set to `no_color` or unset,
/// and returns what the terminal showed (standard output and error together).
fn on_terminal(
    args: &str,
    no_color: Option<&str>,
    ready: impl FnOnce(&mut dyn FnMut(&str)),
) -> String {
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &format!("{BIN} {args}"), "/dev/null"])
        // Isolated as every other run is (support::command): no settings or contexts of the
        // person running the tests.
        .env("XDG_CONFIG_HOME", NO_CONFIG)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in CONNECTION_ENV {
        cmd.env_remove(name);
    }
    match no_color {
        Some(value) => cmd.env("NO_COLOR", value),
        None => cmd.env_remove("NO_COLOR"),
    };
    let mut child = cmd.spawn().expect("run util-linux script");
    let mut stdout = child.stdout.take().expect("piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut chunk) {
            if n == 0 || tx.send(chunk[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + PATIENCE;
    let mut wait_for = |needle: &str| {
        while !String::from_utf8_lossy(&seen).contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(bytes) => seen.extend(bytes),
                Err(_) => {
                    let _ = child.kill();
                    panic!(
                        "{needle:?} not shown in time: {:?}",
                        String::from_utf8_lossy(&seen)
                    );
                }
            }
        }
    };
    ready(&mut wait_for);
    // The command ends by itself (--count); the reader stops at the end of the output.
    while let Ok(bytes) = rx.recv_timeout(PATIENCE) {
        seen.extend(bytes);
    }
    let status = child.wait().expect("wait for script");
    let text = String::from_utf8_lossy(&seen).into_owned();
    assert!(status.success(), "{text:?}");
    text
}

/// `natskit sub colour --count 1` on a terminal, with one message published to it.
fn sub_on_terminal(no_color: Option<&str>) -> String {
    let server = server();
    let args = format!("sub colour --count 1 --server {}", server.url());
    on_terminal(&args, no_color, |wait_for| {
        wait_for("Subscribing on");
        natskit(&server, &["pub", "colour", "hi", "-H", "K:v"])
            .assert()
            .success();
    })
}

#[test]
fn sub_is_coloured_on_a_terminal() {
    let shown = sub_on_terminal(None);
    assert!(shown.contains(ESC), "{shown:?}");
    assert!(
        shown.contains("Received on") && shown.contains("hi"),
        "{shown:?}"
    );
    // An empty NO_COLOR does not count as set.
    assert!(sub_on_terminal(Some("")).contains(ESC));
}

#[test]
fn no_color_turns_colour_off_on_a_terminal() {
    let shown = sub_on_terminal(Some("1"));
    assert!(!shown.contains(ESC), "{shown:?}");
    assert!(shown.contains("[#1] Received on \"colour\""), "{shown:?}");
}

#[test]
fn req_round_trip_line_is_coloured_on_a_terminal_only() {
    let server = server();
    let _reply = Running::start(&server, &["reply", "rc", "ok"], "Listening on");
    let args = format!("req rc --server {}", server.url());
    let shown = on_terminal(&args, None, |_| {});
    assert!(
        shown.contains(ESC) && shown.contains("Received in"),
        "{shown:?}"
    );
    let shown = on_terminal(&args, Some("1"), |_| {});
    assert!(
        !shown.contains(ESC) && shown.contains("Received in"),
        "{shown:?}"
    );
}

#[test]
fn pipes_stay_plain() {
    let server = server();
    let reply = Running::start(
        &server,
        &["reply", "pp", "--echo", "-c", "1"],
        "Listening on",
    );
    let sub = Running::start(&server, &["sub", "pp", "-c", "1"], "Subscribing on");
    let out = natskit(&server, &["req", "pp", "x", "-H", "K:v"])
        .assert()
        .success();
    let output = out.get_output();
    let done = (sub.finish(), reply.finish());
    for text in [
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        done.0.stdout,
        done.1.stderr,
    ] {
        assert!(!text.is_empty() && !text.contains(ESC), "{text:?}");
    }
}

#[test]
fn pub_shows_a_progress_bar_for_many_messages_on_a_terminal_only() {
    let server = server();
    let args = format!(
        "pub prog x --count 150 --sleep 2ms --server {}",
        server.url()
    );
    let shown = on_terminal(&args, None, |_| {});
    assert!(shown.contains("/150 "), "{shown:?}");
    assert!(
        shown.contains("Published 150 messages of 1 byte"),
        "{shown:?}"
    );

    natskit(&server, &["pub", "prog", "x", "--count", "150"])
        .assert()
        .success()
        .stderr("Published 150 messages of 1 byte to \"prog\"\n");
}
