//! `natskit demo --device`: the talk's other half. A virtual Sense HAT (the LED matrix of
//! natskit-ledmatrix) listens on `senseshow`; a sender, on its own connection, asks it to scroll
//! a text and waits for its `done` answer, as the laptop drove the Raspberry Pi.

use std::path::{Path, PathBuf};
use std::time::Duration;

use natskit::Request;
use natskit_ledmatrix::senseshow::{
    Command, FrameSink, PngRequest, Senseshow, ServeOptions, Show, DEFAULT_SUBJECT,
};

use super::broker::Broker;
use crate::error::CliError;

/// What the device part does.
pub struct DeviceShow {
    /// The text to scroll.
    pub text: String,
    /// Time each frame stays on the matrix.
    pub frame_delay: Duration,
    /// Where to save a picture of the text on the matrix, if anywhere.
    pub png: Option<PathBuf>,
}

/// Runs the device on `broker`, drawing on `sink`; returns the device's answers (to the scroll,
/// then to the picture request).
pub async fn run(
    broker: &Broker,
    show: &DeviceShow,
    sink: impl FrameSink + 'static,
) -> Result<Vec<String>, CliError> {
    let png_dir = match &show.png {
        Some(path) => parent_of(path),
        None => PathBuf::from("."),
    };
    let device_client = broker.client("led-matrix").await?;
    let options = ServeOptions::new(sink)
        .frame_delay(show.frame_delay)
        .png_dir(png_dir);
    let device = Senseshow::bind(&device_client, DEFAULT_SUBJECT, options)
        .await
        .map_err(|e| CliError::msg(format!("the LED matrix could not start: {e}")))?;
    let running = tokio::spawn(device.run());

    let sender = broker.client("send-sense").await?;
    // The device answers once the text has scrolled by, a frame delay per frame: allow for it,
    // plus the usual margin.
    let scroll = Show::new(show.text.clone());
    let patience = scroll
        .scroll_time(show.frame_delay)
        .saturating_add(Duration::from_secs(5));
    let mut answers = Vec::new();
    let (subject, body) = Command::Show(scroll.clone()).to_request(DEFAULT_SUBJECT);
    let answer = sender
        .send_request(&subject, Request::new(body).timeout(patience))
        .await?;
    answers.push(String::from_utf8_lossy(&answer.payload).into_owned());
    if let Some(path) = &show.png {
        let png = PngRequest {
            file: path.file_name().map(PathBuf::from).unwrap_or_default(),
            text: Some(scroll),
        };
        let (subject, body) = Command::Png(png).to_request(DEFAULT_SUBJECT);
        let answer = sender.request(subject, body).await?;
        answers.push(String::from_utf8_lossy(&answer.payload).into_owned());
    }
    sender.close().await?;
    // Draining ends the device's subscriptions, and with them its run.
    device_client.drain().await?;
    running
        .await
        .map_err(|e| CliError::msg(format!("the LED matrix failed: {e}")))?;
    Ok(answers)
}

/// The directory of `path` (the current one for a bare file name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use natskit_ledmatrix::senseshow::MemorySink;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_device_scrolls_the_text_answers_done_and_saves_a_picture() {
        let dir = natskit_test::TempDir::new("demo-device").expect("a temporary directory");
        let picture = dir.path().join("hello.png");
        let broker = Broker::embedded().await.expect("embedded broker");
        let frames = MemorySink::new();
        let show = DeviceShow {
            text: "Hi".into(),
            frame_delay: Duration::ZERO,
            png: Some(picture.clone()),
        };
        let answers =
            tokio::time::timeout(Duration::from_secs(30), run(&broker, &show, frames.clone()))
                .await
                .expect("ends by itself")
                .expect("runs");
        broker.stop().await;
        assert_eq!(answers[0], "done: Hi");
        assert!(answers[1].starts_with("done: "), "{answers:?}");
        assert!(answers[1].ends_with("hello.png"), "{answers:?}");
        let scroll = natskit_ledmatrix::led_matrix::ScrollText::new("Hi");
        assert_eq!(frames.frames(), scroll.frames().collect::<Vec<_>>());
        let png = std::fs::read(&picture).expect("the picture was written");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    }

    #[test]
    fn a_bare_file_name_goes_to_the_current_directory() {
        assert_eq!(parent_of(Path::new("m.png")), PathBuf::from("."));
        assert_eq!(parent_of(Path::new("docs/m.png")), PathBuf::from("docs"));
    }
}
