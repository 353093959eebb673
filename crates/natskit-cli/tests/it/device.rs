//! `natskit req` talking to the senseshow device of natskit-ledmatrix (the virtual Sense HAT),
//! which runs in this test process on the embedded broker, frames kept in memory and shown
//! without delay.

use natskit_ledmatrix::led_matrix::{Matrix, Rgb, ScrollText};
use natskit_ledmatrix::senseshow::testing::HostedDevice;

use crate::support::natskit_bare;

/// A broker and a device listening on `senseshow`, on a runtime of their own so the test thread
/// can run `natskit` and wait for it. Dropping it stops both.
fn start() -> HostedDevice {
    HostedDevice::start(|options| options).expect("start a broker and a device")
}

/// `natskit req <subject> <body> --server <url>`, bounded by PATIENCE.
fn req(device: &HostedDevice, subject: &str, body: &str) -> assert_cmd::assert::Assert {
    natskit_bare(&["req", subject, body, "--server", &device.url()]).assert()
}

/// Stops the device and the broker; returns how many messages the device handled.
fn stop(device: HostedDevice) -> u64 {
    device.stop().expect("stop the device and the broker")
}

#[test]
fn req_senseshow_is_answered_once_the_text_has_scrolled_by() {
    let device = start();
    req(&device, "senseshow", "Hello")
        .success()
        .stdout("done: Hello\n");
    let want: Vec<Matrix> = ScrollText::new("Hello").frames().collect();
    assert_eq!(device.frames().frames(), want);
    assert_eq!(stop(device), 1);
}

#[test]
fn req_senseshow_takes_the_json_form_and_the_other_commands() {
    let device = start();
    req(
        &device,
        "senseshow",
        r#"{"text": "Hi", "color": [255, 0, 0]}"#,
    )
    .success()
    .stdout("done: Hi\n");
    let hi: Vec<Matrix> = ScrollText::new("Hi").color(Rgb::RED).frames().collect();
    assert_eq!(device.frames().frames(), hi);

    req(
        &device,
        "senseshow.pixel",
        r#"{"x": 0, "y": 7, "color": [0, 0, 255]}"#,
    )
    .success()
    .stdout("done: pixel (0, 7) [0,0,255]\n");
    let mut lit = Matrix::new();
    lit.set_pixel(0, 7, Rgb::BLUE).expect("in range");
    assert_eq!(device.frames().last(), Some(lit));

    req(&device, "senseshow.clear", "")
        .success()
        .stdout("done: clear\n");
    assert_eq!(device.frames().last(), Some(Matrix::new()));

    // A command the device does not know is answered with an error (the request itself worked).
    let out = req(&device, "senseshow.dance", "")
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("error: unknown command \"dance\""),
        "{stdout}"
    );
    assert_eq!(stop(device), 4);
}
