//! [`ScrollText`]: the frames of a text scrolling across the matrix from right to left.

use super::font::text_columns;
use super::{Matrix, Rgb, SIZE};

/// A text to scroll across the matrix, as the Sense HAT's `show_message` does: it enters at the
/// right edge, moves left one column per frame, and leaves at the left edge.
///
/// Frame `k` shows the columns `k + 1 - 8 ..= k` of the text (columns outside the text are
/// blank): frame 0 shows the text's first column in the matrix's last column, and the last frame,
/// number [`frame_count`](Self::frame_count)` - 1`, is the first one in which the text has
/// left the matrix completely, all background.
///
/// ```
/// use natskit_ledmatrix::led_matrix::{font, Rgb, ScrollText};
///
/// let scroll = ScrollText::new("Hi").color(Rgb::RED);
/// assert_eq!(scroll.text_width(), 7); // H (5), a blank column, i (1)
/// assert_eq!(scroll.frame_count(), 7 + 8);
/// // Frame 0: the H's first column has just entered at the right edge.
/// let first = scroll.frame(0);
/// assert_eq!(first.pixel(7, 0), Some(Rgb::RED));
/// assert_eq!(first.lit_count(), 7);
/// // The last frame is blank again.
/// assert_eq!(scroll.frames().last(), Some(scroll.frame(14)));
/// assert_eq!(scroll.frame(14).lit_count(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrollText {
    columns: Vec<u8>,
    color: Rgb,
    background: Rgb,
}

impl ScrollText {
    /// `text` in white on black.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::ScrollText;
    ///
    /// assert_eq!(ScrollText::new("").frame_count(), 8);
    /// ```
    pub fn new(text: &str) -> ScrollText {
        ScrollText {
            columns: text_columns(text),
            color: Rgb::WHITE,
            background: Rgb::OFF,
        }
    }

    /// Draws the text in `color` (white unless set).
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Rgb, ScrollText};
    ///
    /// let frame = ScrollText::new("I").color(Rgb::GREEN).frame(2);
    /// assert_eq!(frame.pixel(7, 0), Some(Rgb::GREEN));
    /// ```
    pub fn color(mut self, color: Rgb) -> ScrollText {
        self.color = color;
        self
    }

    /// Lights the LEDs the text leaves dark in `background` (off unless set).
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Rgb, ScrollText};
    ///
    /// let frame = ScrollText::new("I").background(Rgb::BLUE).frame(0);
    /// assert_eq!(frame.pixel(0, 0), Some(Rgb::BLUE));
    /// ```
    pub fn background(mut self, background: Rgb) -> ScrollText {
        self.background = background;
        self
    }

    /// The width of the set text, in columns.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::ScrollText;
    ///
    /// assert_eq!(ScrollText::new("AB").text_width(), 11);
    /// ```
    pub fn text_width(&self) -> usize {
        self.columns.len()
    }

    /// How many frames the scroll takes: the text's width plus 8.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::ScrollText;
    ///
    /// assert_eq!(ScrollText::new("A").frame_count(), 5 + 8);
    /// ```
    pub fn frame_count(&self) -> usize {
        self.columns.len() + SIZE
    }

    /// Frame number `k`; frames past the last are all background, up to `usize::MAX`.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Matrix, Rgb, ScrollText};
    ///
    /// let scroll = ScrollText::new("Hi");
    /// // Frame 6 is the first that shows the whole of "Hi", against the right edge.
    /// assert_eq!(scroll.frame(6).pixel(7, 2), Some(Rgb::WHITE)); // the i's stem
    /// assert_eq!(scroll.frame(100), Matrix::new());
    /// ```
    pub fn frame(&self, k: usize) -> Matrix {
        let mut matrix = Matrix::filled(self.background);
        for x in 0..SIZE {
            // The text column under matrix column x, when there is one.
            let Some(column) = k
                .saturating_add(x + 1)
                .checked_sub(SIZE)
                .and_then(|c| self.columns.get(c))
            else {
                continue;
            };
            for y in 0..SIZE {
                if column & (1 << y) != 0 {
                    // x and y are below SIZE.
                    let _ = matrix.set_pixel(x, y, self.color);
                }
            }
        }
        matrix
    }

    /// A still picture of the text: its first 8 columns, starting at the left edge (frame 7).
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Rgb, ScrollText};
    ///
    /// let still = ScrollText::new("Hi").still();
    /// assert_eq!(still.pixel(0, 0), Some(Rgb::WHITE)); // the H's left stem
    /// assert_eq!(still, ScrollText::new("Hi").frame(7));
    /// ```
    pub fn still(&self) -> Matrix {
        self.frame(SIZE - 1)
    }

    /// Every frame, in order.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::ScrollText;
    ///
    /// let scroll = ScrollText::new("ok");
    /// assert_eq!(scroll.frames().count(), scroll.frame_count());
    /// ```
    pub fn frames(&self) -> impl Iterator<Item = Matrix> + '_ {
        (0..self.frame_count()).map(|k| self.frame(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_near_usize_max_are_background_and_do_not_overflow() {
        let scroll = ScrollText::new("Hi").color(Rgb::RED).background(Rgb::BLUE);
        for k in [usize::MAX, usize::MAX - 1, usize::MAX - SIZE] {
            assert_eq!(scroll.frame(k), Matrix::filled(Rgb::BLUE), "frame {k}");
        }
    }
}
