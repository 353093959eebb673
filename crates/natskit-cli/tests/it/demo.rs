//! `natskit demo`: the seed's story on the embedded broker, with nothing installed; and the same
//! against a nats-server named with --server.

use crate::support::{natskit, natskit_bare, server};

/// The rows of the split table: `  responder-N   count  bars`.
fn split_rows(stdout: &str) -> Vec<(String, u64)> {
    stdout
        .lines()
        .skip_while(|line| !line.starts_with("Split of "))
        .skip(1)
        .take_while(|line| line.starts_with("  responder-"))
        .map(|line| {
            let mut words = line.split_whitespace();
            let name = words.next().unwrap_or_default().to_owned();
            let count = words.next().and_then(|n| n.parse().ok()).expect("a count");
            (name, count)
        })
        .collect()
}

fn check_split(stdout: &str) {
    let rows = split_rows(stdout);
    assert_eq!(rows.len(), 4, "4 responders:\n{stdout}");
    assert!(rows.iter().all(|(_, n)| *n > 0), "each answered:\n{stdout}");
    assert_eq!(rows.iter().map(|(_, n)| n).sum::<u64>(), 100, "{stdout}");
    assert!(
        stdout.contains("  total         100"),
        "the total line:\n{stdout}"
    );
    assert!(stdout.contains("Latency, request to answer (100 requests): p50 "));
    assert!(
        stdout.contains("responder-5 joined mid-run and answered "),
        "{stdout}"
    );
    assert!(
        stdout.contains("responder-1 left mid-run and answered 0 of the 40 after that"),
        "{stdout}"
    );
}

#[test]
fn the_demo_runs_on_the_embedded_broker_and_prints_the_split() {
    let output = natskit_bare(&["demo", "--pace", "0"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "exit 0: {output:?}");
    assert!(
        stdout.starts_with("natskit demo: 4 responders in queue group \"rogers\""),
        "{stdout}"
    );
    assert!(stdout.contains("through the embedded broker, in this process"));
    check_split(&stdout);
}

#[test]
fn the_demo_uses_the_server_named_with_dash_dash_server() {
    let server = server();
    let output = natskit(&server, &["demo", "--pace", "0"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "exit 0: {output:?}");
    assert!(
        stdout.contains(&format!("through the server at {}", server.url())),
        "{stdout}"
    );
    check_split(&stdout);
}

#[test]
fn the_demo_refuses_zero_responders_with_a_usage_error() {
    let output = natskit_bare(&["demo", "--responders", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--responders"), "{stderr}");
}

#[test]
fn the_device_demo_scrolls_a_text_and_saves_its_picture() {
    let dir = natskit_test::TempDir::new("cli-device-demo").expect("a temporary directory");
    let picture = dir.path().join("hi.png");
    let output = natskit_bare(&[
        "demo",
        "--device",
        "--text",
        "Hi",
        "--frame-delay",
        "0",
        "--png",
        picture.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "exit 0: {output:?}");
    assert!(
        stdout.contains("the device answered: done: Hi\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("the device answered: done: {}", picture.display())),
        "{stdout}"
    );
    let png = std::fs::read(&picture).expect("the picture");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[test]
fn the_device_demo_fails_when_the_device_refuses_the_text() {
    let long = "x".repeat(281);
    let output = natskit_bare(&["demo", "--device", "--text", &long, "--frame-delay", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("the device answered: error: text of 281 characters"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: the device refused a request: text of 281 characters"),
        "{stderr}"
    );
}

#[test]
fn the_device_demo_refuses_the_queue_group_options() {
    for option in [
        "--responders=2",
        "--requests=5",
        "--change-requests=5",
        "--pace=0ms",
    ] {
        let output = natskit_bare(&["demo", "--device", option])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{option}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("cannot be used with"), "{option}: {stderr}");
    }
}

#[test]
fn a_closed_standard_output_ends_the_demo_quietly() {
    // stdout is a pipe whose reading end is gone before the demo writes its first line.
    let mut child = std::process::Command::new(crate::support::BIN)
        .args([
            "demo",
            "--requests",
            "4",
            "--change-requests",
            "1",
            "--pace",
            "0ms",
        ])
        .env_remove("NATS_URL")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn natskit demo");
    drop(child.stdout.take());
    let output = crate::support::wait_bounded(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{output:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
