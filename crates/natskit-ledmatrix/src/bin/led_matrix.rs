//! The virtual Sense HAT: listens on `senseshow` and draws its 8x8 LED matrix in the terminal.
//!
//! ```text
//! cargo run -p natskit-ledmatrix --bin led_matrix -- nats://127.0.0.1:4222
//! cargo run -p natskit-ledmatrix --bin send_sense -- nats://127.0.0.1:4222 "Hello"  # elsewhere
//! ```

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use natskit_ledmatrix::senseshow::{self, Command, ServeOptions, TerminalSink};

/// A virtual Sense HAT: scrolls the text sent to it over NATS on an 8x8 LED matrix drawn in the
/// terminal, and answers `done: <text>` when the text has gone by.
#[derive(Debug, Parser)]
struct Args {
    /// Server URLs, comma-separated.
    #[arg(env = "NATS_URL", default_value = natskit::DEFAULT_URL)]
    server: String,

    /// The subject to listen on; the other commands are on `<subject>.clear`, `.fill`, `.pixel`
    /// and `.png`.
    #[arg(long, default_value = senseshow::DEFAULT_SUBJECT)]
    subject: String,

    /// Milliseconds between two frames of a scroll.
    #[arg(long, default_value_t = 100)]
    delay_ms: u64,

    /// The directory `<subject>.png` requests write their pictures in.
    #[arg(long, default_value = ".")]
    png_dir: PathBuf,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let client = natskit::connect(&args.server).await?;
    let options = ServeOptions::new(TerminalSink::stdout())
        .frame_delay(Duration::from_millis(args.delay_ms))
        .png_dir(&args.png_dir);
    let mut device = senseshow::Senseshow::bind(&client, &args.subject, options).await?;
    // The ready line goes first: after it, the matrix redraws itself over its own last 8 lines.
    eprintln!(
        "senseshow device listening on {:?} at {}",
        device.subject(),
        client.server_address()
    );
    device.device_mut().execute(Command::Clear).await?;
    device.run().await;
    Ok(())
}
