//! [`Matrix`]: the 8x8 grid of RGB LEDs.

use super::Rgb;

/// Width and height of the matrix, in LEDs.
///
/// ```
/// assert_eq!(natskit_ledmatrix::led_matrix::SIZE, 8);
/// ```
pub const SIZE: usize = 8;

/// A pixel position outside the 8x8 matrix.
///
/// ```
/// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
///
/// let err = Matrix::new().set_pixel(8, 0, Rgb::RED).unwrap_err();
/// assert_eq!(err.to_string(), "pixel (8, 0) is outside the 8x8 matrix");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("pixel ({x}, {y}) is outside the 8x8 matrix")]
pub struct OutOfRange {
    /// The column asked for.
    pub x: usize,
    /// The row asked for.
    pub y: usize,
}

/// The state of an 8x8 RGB LED matrix: one colour per LED, black for an unlit one.
///
/// `x` is the column (0 at the left), `y` the row (0 at the top), as on the Sense HAT.
///
/// ```
/// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
///
/// let mut matrix = Matrix::new();
/// matrix.set_pixel(2, 5, Rgb::GREEN)?;
/// assert_eq!(matrix.pixel(2, 5), Some(Rgb::GREEN));
/// assert_eq!(matrix.lit_count(), 1);
/// matrix.fill(Rgb::BLUE);
/// assert_eq!(matrix.lit_count(), 64);
/// matrix.clear();
/// assert_eq!(matrix, Matrix::new());
/// # Ok::<(), natskit_ledmatrix::led_matrix::OutOfRange>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Matrix {
    /// `rows[y][x]`.
    rows: [[Rgb; SIZE]; SIZE],
}

impl Matrix {
    /// A matrix with every LED off.
    ///
    /// ```
    /// assert_eq!(natskit_ledmatrix::led_matrix::Matrix::new().lit_count(), 0);
    /// ```
    pub fn new() -> Matrix {
        Matrix::filled(Rgb::OFF)
    }

    /// A matrix with every LED showing `color`.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
    ///
    /// assert_eq!(Matrix::filled(Rgb::RED).pixel(7, 7), Some(Rgb::RED));
    /// ```
    pub fn filled(color: Rgb) -> Matrix {
        Matrix {
            rows: [[color; SIZE]; SIZE],
        }
    }

    /// The colour at column `x`, row `y`; `None` outside the matrix.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
    ///
    /// assert_eq!(Matrix::new().pixel(0, 0), Some(Rgb::OFF));
    /// assert_eq!(Matrix::new().pixel(0, 8), None);
    /// ```
    pub fn pixel(&self, x: usize, y: usize) -> Option<Rgb> {
        self.rows.get(y).and_then(|row| row.get(x)).copied()
    }

    /// Sets the LED at column `x`, row `y` to `color`.
    ///
    /// # Errors
    /// [`OutOfRange`] when `x` or `y` is 8 or more; the matrix is left as it was.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
    ///
    /// let mut matrix = Matrix::new();
    /// assert!(matrix.set_pixel(7, 0, Rgb::WHITE).is_ok());
    /// assert!(matrix.set_pixel(0, 9, Rgb::WHITE).is_err());
    /// ```
    pub fn set_pixel(&mut self, x: usize, y: usize, color: Rgb) -> Result<(), OutOfRange> {
        let led = self
            .rows
            .get_mut(y)
            .and_then(|row| row.get_mut(x))
            .ok_or(OutOfRange { x, y })?;
        *led = color;
        Ok(())
    }

    /// Turns every LED off.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
    ///
    /// let mut matrix = Matrix::filled(Rgb::RED);
    /// matrix.clear();
    /// assert_eq!(matrix.lit_count(), 0);
    /// ```
    pub fn clear(&mut self) {
        self.fill(Rgb::OFF);
    }

    /// Sets every LED to `color`.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
    ///
    /// let mut matrix = Matrix::new();
    /// matrix.fill(Rgb::YELLOW);
    /// assert_eq!(matrix, Matrix::filled(Rgb::YELLOW));
    /// ```
    pub fn fill(&mut self, color: Rgb) {
        self.rows = [[color; SIZE]; SIZE];
    }

    /// The rows, top first; each row left to right.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
    ///
    /// let mut matrix = Matrix::new();
    /// matrix.set_pixel(3, 1, Rgb::RED)?;
    /// assert_eq!(matrix.rows()[1][3], Rgb::RED);
    /// # Ok::<(), natskit_ledmatrix::led_matrix::OutOfRange>(())
    /// ```
    pub fn rows(&self) -> &[[Rgb; SIZE]; SIZE] {
        &self.rows
    }

    /// How many LEDs are lit (not black).
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
    ///
    /// assert_eq!(Matrix::filled(Rgb::WHITE).lit_count(), 64);
    /// ```
    pub fn lit_count(&self) -> usize {
        self.rows.iter().flatten().filter(|c| !c.is_off()).count()
    }
}
