//! The page's view of the matrix: every frame the device draws is published on
//! [`FRAMES_SUBJECT`] (192 bytes: 64 pixels row by row, red, green, blue), and the latest one is
//! the answer to a request on [`CURRENT_SUBJECT`].

use std::io;

use bytes::Bytes;
use futures_util::StreamExt;
use natskit::Client;
use natskit_ledmatrix::led_matrix::{Matrix, SIZE};
use natskit_ledmatrix::senseshow::FrameSink;
use tokio::sync::mpsc;

use crate::error::CliError;

/// Where each frame goes. Three tokens, so the device's own `senseshow.*` does not match it.
pub const FRAMES_SUBJECT: &str = "senseshow.live.frame";
/// Where the picture on the matrix now is asked for.
pub const CURRENT_SUBJECT: &str = "senseshow.live.current";

/// A frame as the page reads it.
pub fn encode(frame: &Matrix) -> Bytes {
    let mut bytes = Vec::with_capacity(SIZE * SIZE * 3);
    for row in frame.rows() {
        for pixel in row {
            bytes.extend_from_slice(&pixel.channels());
        }
    }
    Bytes::from(bytes)
}

/// The device's [`FrameSink`]: hands each frame to the [`publish`] task without waiting.
pub struct FeedSink {
    frames: mpsc::UnboundedSender<Matrix>,
}

/// A sink and the frames it is given. The channel is unbounded because a scroll is: a text has
/// at most `MAX_TEXT_CHARS` characters, and the device draws one frame per frame delay.
pub fn channel() -> (FeedSink, mpsc::UnboundedReceiver<Matrix>) {
    let (frames, received) = mpsc::unbounded_channel();
    (FeedSink { frames }, received)
}

impl FrameSink for FeedSink {
    fn show(&mut self, frame: &Matrix) -> io::Result<()> {
        self.frames
            .send(*frame)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the page feed has stopped"))
    }
}

/// Publishes every frame from `frames` on [`FRAMES_SUBJECT`] and answers requests on
/// [`CURRENT_SUBJECT`] with the latest, until the sink is dropped or the client closes.
pub async fn publish(
    client: Client,
    mut frames: mpsc::UnboundedReceiver<Matrix>,
) -> Result<(), CliError> {
    let mut current_requests = client.subscribe(CURRENT_SUBJECT).await?;
    let mut latest = encode(&Matrix::new());
    loop {
        tokio::select! {
            frame = frames.recv() => match frame {
                Some(frame) => {
                    latest = encode(&frame);
                    client.publish(FRAMES_SUBJECT, latest.clone()).await?;
                }
                None => return Ok(()),
            },
            request = current_requests.next() => match request {
                Some(request) => {
                    if let Some(reply) = &request.reply {
                        client.publish(reply.as_str(), latest.clone()).await?;
                    }
                }
                None => return Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use natskit_ledmatrix::led_matrix::Rgb;

    use super::*;

    #[test]
    fn a_frame_is_64_pixels_row_by_row_in_red_green_blue() {
        let mut frame = Matrix::new();
        frame.set_pixel(1, 0, Rgb(1, 2, 3)).unwrap();
        frame.set_pixel(0, 7, Rgb(4, 5, 6)).unwrap();
        let bytes = encode(&frame);
        assert_eq!(bytes.len(), 192);
        assert_eq!(&bytes[3..6], &[1, 2, 3]);
        assert_eq!(&bytes[7 * 8 * 3..7 * 8 * 3 + 3], &[4, 5, 6]);
        assert_eq!(bytes.iter().map(|&b| u32::from(b)).sum::<u32>(), 21);
    }

    #[test]
    fn the_sink_fails_once_nobody_publishes() {
        let (mut sink, received) = channel();
        sink.show(&Matrix::new()).unwrap();
        drop(received);
        let err = sink.show(&Matrix::new()).unwrap_err();
        assert!(err.to_string().contains("page feed"), "{err}");
    }
}
