//! `natskit req` talking to the senseshow device of natskit-examples (the virtual Sense HAT),
//! which runs in this test process on the embedded broker, frames kept in memory and shown
//! without delay.

use std::time::Duration;

use natskit_examples::led_matrix::{Matrix, Rgb, ScrollText};
use natskit_examples::senseshow::{MemorySink, Senseshow, ServeOptions};
use natskit_server::Server;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

use crate::support::{natskit_bare, PATIENCE};

/// A broker and a device listening on `senseshow`, on a runtime of their own so the test thread
/// can run `natskit` and wait for it. Dropping it stops both.
struct Device {
    runtime: Runtime,
    server: Option<Server>,
    client: natskit::Client,
    task: Option<JoinHandle<u64>>,
    frames: MemorySink,
}

impl Device {
    fn start() -> Device {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let frames = MemorySink::new();
        let options = ServeOptions::new(frames.clone()).frame_delay(Duration::ZERO);
        let (server, client, task) = runtime.block_on(async {
            let port = natskit_test::port::free_port().expect("a free loopback port");
            let server = Server::builder()
                .port(port)
                .start()
                .await
                .expect("start broker");
            let client = tokio::time::timeout(PATIENCE, natskit::connect(&server.client_url()))
                .await
                .expect("connect in time")
                .expect("connect");
            // When bind returns, the broker has the device's subscriptions.
            let device = Senseshow::bind(&client, "senseshow", options)
                .await
                .expect("bind the device");
            (server, client, tokio::spawn(device.run()))
        });
        Device {
            runtime,
            server: Some(server),
            client,
            task: Some(task),
            frames,
        }
    }

    fn url(&self) -> String {
        self.server.as_ref().expect("a broker").client_url()
    }

    /// `natskit req <subject> <body> --server <url>`, bounded by PATIENCE.
    fn req(&self, subject: &str, body: &str) -> assert_cmd::assert::Assert {
        natskit_bare(&["req", subject, body, "--server", &self.url()]).assert()
    }

    /// Stops the device and the broker; returns how many messages the device handled.
    fn stop(mut self) -> u64 {
        let task = self.task.take().expect("a running device");
        let server = self.server.take().expect("a broker");
        let client = self.client.clone();
        self.runtime.block_on(async move {
            client.close().await.expect("close the device's client");
            let handled = tokio::time::timeout(PATIENCE, task)
                .await
                .expect("the device stops once its client is closed")
                .expect("the device task");
            tokio::time::timeout(PATIENCE, server.shutdown())
                .await
                .expect("the broker shuts down in time");
            handled
        })
    }
}

#[test]
fn req_senseshow_is_answered_once_the_text_has_scrolled_by() {
    let device = Device::start();
    device
        .req("senseshow", "Hello")
        .success()
        .stdout("done: Hello\n");
    let want: Vec<Matrix> = ScrollText::new("Hello").frames().collect();
    assert_eq!(device.frames.frames(), want);
    assert_eq!(device.stop(), 1);
}

#[test]
fn req_senseshow_takes_the_json_form_and_the_other_commands() {
    let device = Device::start();
    device
        .req("senseshow", r#"{"text": "Hi", "color": [255, 0, 0]}"#)
        .success()
        .stdout("done: Hi\n");
    let hi: Vec<Matrix> = ScrollText::new("Hi").color(Rgb::RED).frames().collect();
    assert_eq!(device.frames.frames(), hi);

    device
        .req(
            "senseshow.pixel",
            r#"{"x": 0, "y": 7, "color": [0, 0, 255]}"#,
        )
        .success()
        .stdout("done: pixel (0, 7) [0,0,255]\n");
    let mut lit = Matrix::new();
    lit.set_pixel(0, 7, Rgb::BLUE).expect("in range");
    assert_eq!(device.frames.last(), Some(lit));

    device
        .req("senseshow.clear", "")
        .success()
        .stdout("done: clear\n");
    assert_eq!(device.frames.last(), Some(Matrix::new()));

    // A command the device does not know is answered with an error (the request itself worked).
    let out = device
        .req("senseshow.dance", "")
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("error: unknown command \"dance\""),
        "{stdout}"
    );
    assert_eq!(device.stop(), 4);
}
