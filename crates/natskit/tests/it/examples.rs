//! The seed's examples, run as a user would: four `queue_responder` processes share the 100
//! requests of `make_requests`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use natskit_test::binary::example;

use crate::support::server;

/// Kills the child when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn queue_responder_example_shares_the_load_of_make_requests() {
    let server = server();
    let mut responders = Vec::new();
    for id in 1..=4 {
        let mut child = Command::new(example("queue_responder"))
            .args([server.url(), format!("worker-{id}")])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until it says it is subscribed.
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), format!("queue responder worker-{id} ready"));
        responders.push(Running(child));
    }
    let output = Command::new(example("make_requests"))
        .args([server.url(), "100".into()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let tally: Vec<(usize, String)> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("tally:"))
        .skip(1)
        .map(|l| {
            let (n, who) = l.trim().split_once("  ").unwrap();
            (n.trim().parse().unwrap(), who.trim().to_owned())
        })
        .collect();
    assert_eq!(tally.len(), 4, "all four answered: {stdout}");
    assert_eq!(tally.iter().map(|(n, _)| n).sum::<usize>(), 100);
    assert!(
        tally.iter().all(|(n, _)| *n >= 5),
        "about 25 each: {tally:?}"
    );
}

#[test]
fn tour_example_runs_to_the_end() {
    let server = server();
    let output = Command::new(example("tour"))
        .arg(server.url())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "tour.hello -> hello, world",
        "got [\"1\", \"2\", \"3\"] of 5",
        "it is tea time",
        "Trace-Id = Some(\"tour-42\")",
        "no responders for \"nobody.home\"",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}
