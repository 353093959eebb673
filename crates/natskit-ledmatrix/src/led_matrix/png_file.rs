//! Drawing a [`Matrix`] as a PNG picture: each LED a square, with a dark board between them.
//!
//! Encoding uses the `png` crate: a PNG needs zlib-compressed data and CRCs over every chunk, which
//! is not worth writing (and getting wrong) here.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::{Matrix, Rgb, SIZE};

/// The largest LED side a [`PngStyle`] draws, in pixels; a larger `led_size` is drawn as this.
///
/// ```
/// use natskit_ledmatrix::led_matrix::png_file::MAX_LED_SIZE;
///
/// assert_eq!(MAX_LED_SIZE, 256);
/// ```
pub const MAX_LED_SIZE: u32 = 256;

/// The widest gap a [`PngStyle`] draws, in pixels; a larger `gap` is drawn as this.
///
/// ```
/// use natskit_ledmatrix::led_matrix::png_file::MAX_GAP;
///
/// assert_eq!(MAX_GAP, 64);
/// ```
pub const MAX_GAP: u32 = 64;

/// How a PNG of the matrix looks: LED size, gap, board colour.
///
/// The picture is `gap + 8 * (led_size + gap)` pixels wide and high: a `gap` wide border of board
/// around it and between the LEDs. `led_size` is clamped to `1..=`[`MAX_LED_SIZE`] and `gap` to
/// at most [`MAX_GAP`] (so the picture is at most 2624 pixels wide, and no size overflows).
///
/// ```
/// use natskit_ledmatrix::led_matrix::PngStyle;
///
/// let style = PngStyle::default();
/// assert_eq!((style.led_size, style.gap), (16, 2));
/// assert_eq!(style.image_size(), 2 + 8 * 18);
/// assert_eq!(style.led_origin(0, 0), (2, 2));
/// assert_eq!(style.led_origin(7, 1), (2 + 7 * 18, 2 + 18));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PngStyle {
    /// The side of one LED, in pixels (drawn as 1 to [`MAX_LED_SIZE`]).
    pub led_size: u32,
    /// Pixels of board between two LEDs and around the edge (drawn as at most [`MAX_GAP`]).
    pub gap: u32,
    /// The colour of the board.
    pub board: Rgb,
}

impl Default for PngStyle {
    fn default() -> PngStyle {
        PngStyle {
            led_size: 16,
            gap: 2,
            board: Rgb(24, 24, 24),
        }
    }
}

impl PngStyle {
    /// Width and height of the picture, in pixels, with `led_size` and `gap` clamped (see
    /// [`PngStyle`]).
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{PngStyle, Rgb};
    ///
    /// let tiny = PngStyle { led_size: 1, gap: 0, board: Rgb::OFF };
    /// assert_eq!(tiny.image_size(), 8);
    /// let huge = PngStyle { led_size: u32::MAX, gap: u32::MAX, board: Rgb::OFF };
    /// assert_eq!(huge.image_size(), 64 + 8 * (256 + 64));
    /// ```
    pub fn image_size(&self) -> u32 {
        self.gap_px() + SIZE as u32 * self.pitch()
    }

    /// The LED side actually drawn: `led_size` clamped to `1..=MAX_LED_SIZE`.
    fn led_px(&self) -> u32 {
        self.led_size.clamp(1, MAX_LED_SIZE)
    }

    /// The gap actually drawn: `gap` capped at `MAX_GAP`.
    fn gap_px(&self) -> u32 {
        self.gap.min(MAX_GAP)
    }

    /// From one LED's top-left pixel to the next one's.
    fn pitch(&self) -> u32 {
        self.led_px() + self.gap_px()
    }

    /// The top-left pixel `(px, py)` of the LED at column `x`, row `y` (0 to 7); the LED covers
    /// `led_size` pixels (clamped, see [`PngStyle`]) to the right and down from there. Positions
    /// beyond `u32::MAX` saturate.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::PngStyle;
    ///
    /// assert_eq!(PngStyle::default().led_origin(1, 0), (20, 2));
    /// ```
    pub fn led_origin(&self, x: u32, y: u32) -> (u32, u32) {
        let at = |i: u32| self.gap_px().saturating_add(i.saturating_mul(self.pitch()));
        (at(x), at(y))
    }
}

/// Why a PNG could not be made.
///
/// ```
/// use natskit_ledmatrix::led_matrix::{png_file, Matrix, PngStyle};
///
/// let err = png_file::write(&Matrix::new(), "/nonexistent/dir/m.png", PngStyle::default())
///     .unwrap_err();
/// assert!(err.to_string().starts_with("writing /nonexistent/dir/m.png:"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PngError {
    /// The encoder refused the picture.
    #[error("encoding the PNG: {0}")]
    Encoding(#[from] png::EncodingError),
    /// The file could not be created or written.
    #[error("writing {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        source: io::Error,
    },
}

/// The picture's pixels, RGB, 3 bytes each, row by row from the top.
///
/// ```
/// use natskit_ledmatrix::led_matrix::{png_file, Matrix, PngStyle, Rgb};
///
/// let style = PngStyle::default();
/// let pixels = png_file::pixels(&Matrix::filled(Rgb::RED), style);
/// let side = style.image_size() as usize;
/// assert_eq!(pixels.len(), side * side * 3);
/// assert_eq!(&pixels[..3], &[24, 24, 24]); // the board in the corner
/// ```
pub fn pixels(matrix: &Matrix, style: PngStyle) -> Vec<u8> {
    let side = style.image_size() as usize;
    let mut image: Vec<u8> = style.board.channels().repeat(side * side);
    let led = style.led_px() as usize;
    for (y, row) in matrix.rows().iter().enumerate() {
        for (x, color) in row.iter().enumerate() {
            let (px, py) = style.led_origin(x as u32, y as u32);
            for line in py as usize..py as usize + led {
                let start = (line * side + px as usize) * 3;
                for chunk in image[start..start + led * 3].chunks_exact_mut(3) {
                    chunk.copy_from_slice(&color.channels());
                }
            }
        }
    }
    image
}

/// Encodes the matrix as a PNG (8-bit RGB) into `out`.
///
/// # Errors
/// [`PngError::Encoding`] when encoding or writing to `out` fails.
///
/// ```
/// use natskit_ledmatrix::led_matrix::{png_file, Matrix, PngStyle};
///
/// let mut bytes = Vec::new();
/// png_file::encode(&Matrix::new(), PngStyle::default(), &mut bytes)?;
/// assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
/// # Ok::<(), natskit_ledmatrix::led_matrix::png_file::PngError>(())
/// ```
pub fn encode(matrix: &Matrix, style: PngStyle, out: impl Write) -> Result<(), PngError> {
    let side = style.image_size();
    let mut encoder = png::Encoder::new(out, side, side);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels(matrix, style))?;
    writer.finish()?;
    Ok(())
}

/// Writes the matrix as a PNG file at `path`, replacing any file there.
///
/// # Errors
/// [`PngError::Io`] when the file cannot be created or written, [`PngError::Encoding`] when
/// encoding fails.
///
/// ```no_run
/// use natskit_ledmatrix::led_matrix::{png_file, PngStyle, ScrollText};
///
/// png_file::write(&ScrollText::new("Hi").still(), "hi.png", PngStyle::default())?;
/// # Ok::<(), natskit_ledmatrix::led_matrix::png_file::PngError>(())
/// ```
pub fn write(matrix: &Matrix, path: impl AsRef<Path>, style: PngStyle) -> Result<(), PngError> {
    let path = path.as_ref();
    let io_error = |source| PngError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::create(path).map_err(io_error)?;
    let mut out = BufWriter::new(file);
    encode(matrix, style, &mut out)?;
    out.flush().map_err(io_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_styles_are_clamped_instead_of_overflowing() {
        let huge = PngStyle {
            led_size: u32::MAX,
            gap: u32::MAX,
            board: Rgb::OFF,
        };
        let capped = PngStyle {
            led_size: MAX_LED_SIZE,
            gap: MAX_GAP,
            board: Rgb::OFF,
        };
        assert_eq!(huge.image_size(), capped.image_size());
        assert_eq!(huge.image_size(), MAX_GAP + 8 * (MAX_LED_SIZE + MAX_GAP));
        assert_eq!(huge.led_origin(7, 7), capped.led_origin(7, 7));
        assert_eq!(huge.led_origin(u32::MAX, 0).0, u32::MAX);
        let zero = PngStyle {
            led_size: 0,
            gap: 0,
            board: Rgb::OFF,
        };
        assert_eq!(zero.image_size(), 8);
    }

    #[test]
    fn the_largest_picture_is_drawn_whole() {
        let style = PngStyle {
            led_size: u32::MAX,
            gap: u32::MAX,
            board: Rgb::OFF,
        };
        let side = style.image_size() as usize;
        let image = pixels(&Matrix::filled(Rgb::RED), style);
        assert_eq!(image.len(), side * side * 3);
        // The last pixel of the last LED is red, the corner past it board.
        let (px, py) = style.led_origin(7, 7);
        let last = ((py + MAX_LED_SIZE - 1) as usize * side + (px + MAX_LED_SIZE - 1) as usize) * 3;
        assert_eq!(image[last..last + 3], [255, 0, 0]);
        assert_eq!(image[image.len() - 3..], [0, 0, 0]);
    }
}
