//! nats-py, the Python client the original talk used, asking the device to show text: the
//! `senseshow_request` scenario of scripts/foreign/nats_py_scenarios.py.

use std::time::Duration;

use natskit_ledmatrix::led_matrix::{Matrix, ScrollText};
use natskit_test::NatsPy;

use crate::support::{hosted, scratch};

#[test]
fn nats_py_requests_are_answered_by_the_device() {
    let nats_py = NatsPy::locate()
        .unwrap_or_else(|e| panic!("{e} (scripts/install-deps.sh installs nats-py)"))
        .timeout(Duration::from_secs(60));
    let dir = scratch("nats-py");
    let hosted = hosted(dir.path());
    nats_py
        .run(&hosted.url(), "senseshow_request")
        .unwrap_or_else(|e| panic!("{e}"));

    // What the script sent first is what the matrix showed first, frame for frame.
    let hello: Vec<Matrix> = ScrollText::new("Hello from nats-py").frames().collect();
    let shown = hosted.frames().frames();
    assert_eq!(shown[..hello.len()], hello[..]);
    // Then "Hi", three short texts, a pixel, a clear; the unknown command showed nothing.
    let texts: usize = ["Hi", "n0", "n1", "n2"]
        .iter()
        .map(|t| ScrollText::new(t).frame_count())
        .sum();
    assert_eq!(shown.len(), hello.len() + texts + 2);
    assert_eq!(shown.last(), Some(&Matrix::new()));
    assert_eq!(hosted.stop().expect("stop the device and the broker"), 8);
}
