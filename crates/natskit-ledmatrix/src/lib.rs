//! A virtual Raspberry Pi Sense HAT on natskit, whose 8x8 RGB LED matrix scrolls the text it is
//! sent over NATS, after the talk in which a laptop drove a real one; `natskit demo --device`
//! runs it.
//!
//! - [`led_matrix`]: the matrix, a built-in font, scrolling text, and drawing a frame in a
//!   terminal or as a PNG picture.
//! - [`senseshow`]: the device on NATS: subscribe to `senseshow`, scroll what arrives, answer
//!   `done: <text>` when it has gone by, one request at a time.
//!
//! Two programs come with it: `led_matrix` runs the device and draws the matrix in the terminal,
//! `send_sense` sends it texts and prints the answers:
//!
//! ```text
//! cargo run -p natskit-ledmatrix --bin led_matrix -- nats://127.0.0.1:4222
//! cargo run -p natskit-ledmatrix --bin send_sense -- nats://127.0.0.1:4222 "Hello" "NATS!"
//! ```
//!
//! ```no_run
//! use natskit_ledmatrix::senseshow::{self, ServeOptions, TerminalSink};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = natskit::connect("nats://127.0.0.1:4222").await?;
//!     senseshow::serve(&client, "senseshow", ServeOptions::new(TerminalSink::stdout())).await?;
//!     Ok(())
//! }
//! ```

pub mod led_matrix;
pub mod senseshow;
