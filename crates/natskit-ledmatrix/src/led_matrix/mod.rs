//! A model of the Sense HAT's 8x8 RGB LED matrix, and what can be drawn on it and from it.
//!
//! - `color`: [`Rgb`]; `matrix`: [`Matrix`], [`SIZE`], [`OutOfRange`].
//! - [`font`]: a built-in proportional font for printable ASCII, 8 rows high.
//! - `scroll`: [`ScrollText`], the frames of a text scrolling right to left.
//! - [`ansi`]: a matrix drawn in a terminal with 24-bit colours.
//! - [`png_file`]: a matrix drawn as a PNG picture ([`PngStyle`]).
//!
//! ```
//! use natskit_ledmatrix::led_matrix::{ansi, Rgb, ScrollText};
//!
//! for frame in ScrollText::new("Hi").color(Rgb::YELLOW).frames() {
//!     print!("{}", ansi::render(&frame));
//! }
//! ```

pub mod ansi;
mod color;
pub mod font;
mod matrix;
pub mod png_file;
mod scroll;

pub use color::Rgb;
pub use matrix::{Matrix, OutOfRange, SIZE};
pub use png_file::PngStyle;
pub use scroll::ScrollText;
