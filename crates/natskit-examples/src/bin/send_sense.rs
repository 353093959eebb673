//! Sends texts to the virtual Sense HAT on `senseshow`, one request each, and prints the answers.
//!
//! ```text
//! cargo run -p natskit-examples --bin send_sense -- nats://127.0.0.1:4222 "Hello" "NATS!"
//! cargo run -p natskit-examples --bin send_sense -- nats://127.0.0.1:4222 Hi --color 255,0,0
//! ```

use std::time::Duration;

use clap::Parser;
use natskit::Request;
use natskit_examples::led_matrix::Rgb;
use natskit_examples::senseshow;

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

    /// Seconds to wait for each answer; a text takes about (6 x characters + 8) frames.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

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

/// The request body: the text itself, or the JSON form when a colour or speed is given.
fn body(args: &Args, text: &str) -> Result<String, serde_json::Error> {
    if args.color.is_none() && args.background.is_none() && args.speed_ms.is_none() {
        return Ok(text.to_string());
    }
    let mut json = serde_json::json!({ "text": text });
    if let Some(color) = args.color {
        json["color"] = serde_json::to_value(color)?;
    }
    if let Some(background) = args.background {
        json["background"] = serde_json::to_value(background)?;
    }
    if let Some(speed) = args.speed_ms {
        json["speed_ms"] = speed.into();
    }
    serde_json::to_string(&json)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let client = natskit::connect(&args.server).await?;
    let mut failed = false;
    for text in &args.texts {
        let request = Request::new(body(&args, text)?).timeout(Duration::from_secs(args.timeout));
        let answer = client.send_request(&args.subject, request).await?;
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
