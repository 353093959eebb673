//! The `senseshow` device: a virtual Sense HAT that scrolls the text it is sent over NATS on its
//! LED matrix, answers when the text has gone by, and handles one request at a time.
//!
//! - `request`: [`Command`], what a subject and body ask for, and [`BadRequest`].
//! - `encode`: [`Command::to_request`], the subject and body that ask for a command.
//! - `sink`: [`FrameSink`], where frames go: [`TerminalSink`], [`MemorySink`].
//! - `device`: [`Device`], [`ServeOptions`], what each command does.
//! - `service`: [`Senseshow`], [`serve`]: the device on NATS.
//! - [`testing`]: [`testing::HostedDevice`], a broker and a device on a runtime of their own,
//!   for tests of programs that talk to the device.
//!
//! The subjects, for the device on `senseshow` (see [`Command`] for the bodies): `senseshow`
//! scrolls a text, `senseshow.clear`, `senseshow.fill` and `senseshow.pixel` set LEDs,
//! `senseshow.png` writes a PNG picture. Answers start with `done: ` or `error: `.
//!
//! ```text
//! $ natskit req senseshow 'Hello'
//! done: Hello
//! $ natskit req senseshow '{"text": "Hi", "color": [255, 0, 0], "speed_ms": 60}'
//! done: Hi
//! $ natskit req senseshow.pixel '{"x": 3, "y": 4, "color": [0, 255, 0]}'
//! done: pixel (3, 4) [0,255,0]
//! $ natskit req senseshow.png matrix.png
//! done: ./matrix.png
//! ```

mod device;
mod encode;
mod request;
mod service;
mod sink;
pub mod testing;

pub use device::{Device, DeviceError, ServeOptions, DEFAULT_FRAME_DELAY};
pub use request::{BadRequest, Command, PngRequest, Show, MAX_FRAME_DELAY, MAX_TEXT_CHARS};
pub use service::{serve, Senseshow, ServeError, DEFAULT_SUBJECT};
pub use sink::{FrameSink, MemorySink, TerminalSink};
