//! Drawing a [`Matrix`] in a terminal with 24-bit ANSI colours.

use std::fmt::Write as _;

use super::{Matrix, SIZE};

/// What each LED is drawn as: two spaces on the LED's colour, about square in most terminals.
const LED: &str = "  ";

/// Resets the colours at the end of each row.
const RESET: &str = "\x1b[0m";

/// The matrix as 8 lines of text, each LED two spaces with the LED's colour as the background
/// (`ESC[48;2;R;G;Bm`), each line ending with a colour reset and a newline.
///
/// ```
/// use natskit_ledmatrix::led_matrix::{ansi, Matrix, Rgb};
///
/// let mut matrix = Matrix::new();
/// matrix.set_pixel(0, 0, Rgb(255, 0, 0))?;
/// let text = ansi::render(&matrix);
/// assert_eq!(text.lines().count(), 8);
/// assert!(text.starts_with("\x1b[48;2;255;0;0m  \x1b[48;2;0;0;0m  "));
/// assert!(text.ends_with("\x1b[0m\n"));
/// # Ok::<(), natskit_ledmatrix::led_matrix::OutOfRange>(())
/// ```
pub fn render(matrix: &Matrix) -> String {
    let mut text = String::with_capacity(SIZE * (SIZE * 24 + 8));
    for row in matrix.rows() {
        for led in row {
            // Writing to a String cannot fail.
            let _ = write!(text, "\x1b[48;2;{};{};{}m{LED}", led.0, led.1, led.2);
        }
        text.push_str(RESET);
        text.push('\n');
    }
    text
}

/// Moves the cursor back up over a matrix drawn by [`render`], so the next one draws over it:
/// `ESC[8A` and a carriage return.
///
/// ```
/// assert_eq!(natskit_ledmatrix::led_matrix::ansi::CURSOR_UP, "\x1b[8A\r");
/// ```
pub const CURSOR_UP: &str = "\x1b[8A\r";
