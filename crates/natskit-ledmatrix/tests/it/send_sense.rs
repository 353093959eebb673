//! The `send_sense` program against the device.

use natskit_ledmatrix::led_matrix::{Matrix, Rgb, ScrollText};

use crate::support::{hosted, scratch, PATIENCE};

const SEND_SENSE: &str = env!("CARGO_BIN_EXE_send_sense");

#[test]
fn send_sense_prints_one_answer_per_text_in_order() {
    let dir = scratch("send-sense");
    let hosted = hosted(dir.path());
    let output = assert_cmd::Command::new(SEND_SENSE)
        .args([hosted.url().as_str(), "Hello", "NATS", "--color", "0,255,0"])
        .env_remove("NATS_URL")
        .timeout(PATIENCE)
        .output()
        .expect("run send_sense");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "done: Hello\ndone: NATS\n"
    );

    let want: Vec<Matrix> = ["Hello", "NATS"]
        .iter()
        .flat_map(|t| {
            ScrollText::new(t)
                .color(Rgb::GREEN)
                .frames()
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(hosted.frames().frames(), want);
    assert_eq!(hosted.stop().expect("stop the device and the broker"), 2);
}

#[test]
fn send_sense_fails_when_the_device_refuses_a_text() {
    let dir = scratch("send-sense-refused");
    let hosted = hosted(dir.path());
    let long = "x".repeat(1000);
    let output = assert_cmd::Command::new(SEND_SENSE)
        .args([hosted.url().as_str(), long.as_str()])
        .env_remove("NATS_URL")
        .timeout(PATIENCE)
        .output()
        .expect("run send_sense");
    assert!(!output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.starts_with("error: text of 1000 characters"),
        "{stdout}"
    );
    assert_eq!(hosted.stop().expect("stop the device and the broker"), 1);
}
