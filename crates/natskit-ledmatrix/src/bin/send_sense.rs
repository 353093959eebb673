//! Sends texts to the virtual Sense HAT on `senseshow`, one request each, and prints the answers.
//!
//! ```text
//! cargo run -p natskit-ledmatrix --bin send_sense -- nats://127.0.0.1:4222 "Hello" "NATS!"
//! cargo run -p natskit-ledmatrix --bin send_sense -- nats://127.0.0.1:4222 Hi --color 255,0,0
//! ```

use std::time::Duration;

use clap::Parser;
use natskit::Request;
use natskit_ledmatrix::led_matrix::Rgb;
use natskit_ledmatrix::senseshow::{self, Command, Show};

/// Sends each TEXT to the Sense HAT device as a request, waits until it has scrolled by, and
/// prints the device's answer. Fails when an answer is an error.
#[derive(Debug, Parser)]
struct Args {
    /// Server URLs, comma-separated.
    server: String,

    /// The texts to show, one request each, in order.
    #[arg(default_value = "Hello from natskit!")]
    texts: Vec<String>,

    /// The device's subject.
    #[arg(long, default_value = senseshow::DEFAULT_SUBJECT)]
    subject: String,

    /// Text colour as R,G,B (sends the JSON form of the request).
    #[arg(long, value_parser = parse_rgb)]
    color: Option<Rgb>,

    /// Background colour as R,G,B (sends the JSON form of the request).
    #[arg(long, value_parser = parse_rgb)]
    background: Option<Rgb>,

    /// Milliseconds between frames for these texts (sends the JSON form of the request).
    #[arg(long)]
    speed_ms: Option<u64>,

    /// Seconds to wait for each answer. By default the time the text takes to scroll by (its
    /// frames times --speed-ms, or the device's default frame delay) plus 30 seconds; set it for
    /// a device that runs slower than that.
    #[arg(long)]
    timeout: Option<u64>,
}

/// Besides the scroll itself: the network, and requests from others ahead of ours.
const MARGIN: Duration = Duration::from_secs(30);

fn parse_rgb(text: &str) -> Result<Rgb, String> {
    let channels: Vec<u8> = text
        .split(',')
        .map(|c| c.trim().parse::<u8>())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("expected R,G,B with numbers 0 to 255: {e}"))?;
    match channels[..] {
        [r, g, b] => Ok(Rgb(r, g, b)),
        _ => Err("expected three numbers: R,G,B".to_string()),
    }
}

/// What to ask the device for `text`: sent as the text itself, or in the JSON form when a colour
/// or speed is given.
fn show(args: &Args, text: &str) -> Show {
    Show {
        text: text.to_string(),
        color: args.color.unwrap_or(Rgb::WHITE),
        background: args.background.unwrap_or(Rgb::OFF),
        frame_delay: args.speed_ms.map(Duration::from_millis),
    }
}

/// How long to wait for the answer to `show`.
fn patience(args: &Args, show: &Show) -> Duration {
    match args.timeout {
        Some(seconds) => Duration::from_secs(seconds),
        None => show
            .scroll_time(senseshow::DEFAULT_FRAME_DELAY)
            .saturating_add(MARGIN),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let client = natskit::connect(&args.server).await?;
    let mut failed = false;
    for text in &args.texts {
        let show = show(&args, text);
        let timeout = patience(&args, &show);
        let (subject, body) = Command::Show(show).to_request(&args.subject);
        let answer = client
            .send_request(&subject, Request::new(body).timeout(timeout))
            .await?;
        let answer = String::from_utf8_lossy(&answer.payload);
        println!("{answer}");
        failed |= answer.starts_with("error: ");
    }
    client.close().await?;
    if failed {
        return Err("the device refused a request".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use natskit_ledmatrix::led_matrix::ScrollText;

    use super::*;

    fn args(extra: &[&str]) -> Args {
        Args::parse_from(["send_sense", "nats://127.0.0.1:4222"].iter().chain(extra))
    }

    #[test]
    fn the_wait_is_the_scroll_of_the_text_plus_the_margin() {
        let text = "Hello";
        let frames = u32::try_from(ScrollText::new(text).frame_count()).expect("few frames");
        let plain = args(&[]);
        assert_eq!(
            patience(&plain, &show(&plain, text)),
            senseshow::DEFAULT_FRAME_DELAY * frames + MARGIN
        );
        let fast = args(&["--speed-ms", "20"]);
        assert_eq!(
            patience(&fast, &show(&fast, text)),
            Duration::from_millis(20) * frames + MARGIN
        );
        let fixed = args(&["--timeout", "3"]);
        assert_eq!(
            patience(&fixed, &show(&fixed, text)),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn colours_and_speed_go_in_the_json_form() {
        let plain = args(&[]);
        let (_, body) = Command::Show(show(&plain, "Hi")).to_request("senseshow");
        assert_eq!(body, b"Hi");
        let red = args(&["--color", "255,0,0", "--speed-ms", "60"]);
        let (subject, body) = Command::Show(show(&red, "Hi")).to_request("senseshow");
        assert_eq!(subject, "senseshow");
        assert_eq!(body, br#"{"text":"Hi","color":[255,0,0],"speed_ms":60}"#);
    }
}
