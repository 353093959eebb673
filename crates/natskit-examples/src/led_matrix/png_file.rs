//! Drawing a [`Matrix`] as a PNG picture: each LED a square, with a dark board between them.
//!
//! Encoding uses the `png` crate: a PNG needs zlib-compressed data and CRCs over every chunk, which
//! is not worth writing (and getting wrong) here.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::{Matrix, Rgb, SIZE};

/// How a PNG of the matrix looks: LED size, gap, board colour.
///
/// The picture is `gap + 8 * (led_size + gap)` pixels wide and high: a `gap` wide border of board
/// around it and between the LEDs.
///
/// ```
/// use natskit_examples::led_matrix::PngStyle;
///
/// let style = PngStyle::default();
/// assert_eq!((style.led_size, style.gap), (16, 2));
/// assert_eq!(style.image_size(), 2 + 8 * 18);
/// assert_eq!(style.led_origin(0, 0), (2, 2));
/// assert_eq!(style.led_origin(7, 1), (2 + 7 * 18, 2 + 18));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PngStyle {
    /// The side of one LED, in pixels (at least 1).
    pub led_size: u32,
    /// Pixels of board between two LEDs and around the edge.
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
    /// Width and height of the picture, in pixels.
    ///
    /// ```
    /// use natskit_examples::led_matrix::{PngStyle, Rgb};
    ///
    /// let tiny = PngStyle { led_size: 1, gap: 0, board: Rgb::OFF };
    /// assert_eq!(tiny.image_size(), 8);
    /// ```
    pub fn image_size(&self) -> u32 {
        self.gap + SIZE as u32 * (self.led_size.max(1) + self.gap)
    }

    /// The top-left pixel `(px, py)` of the LED at column `x`, row `y`; the LED covers
    /// `led_size` pixels to the right and down from there.
    ///
    /// ```
    /// use natskit_examples::led_matrix::PngStyle;
    ///
    /// assert_eq!(PngStyle::default().led_origin(1, 0), (20, 2));
    /// ```
    pub fn led_origin(&self, x: u32, y: u32) -> (u32, u32) {
        let pitch = self.led_size.max(1) + self.gap;
        (self.gap + x * pitch, self.gap + y * pitch)
    }
}

/// Why a PNG could not be made.
///
/// ```
/// use natskit_examples::led_matrix::{png_file, Matrix, PngStyle};
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
/// use natskit_examples::led_matrix::{png_file, Matrix, PngStyle, Rgb};
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
    let led = style.led_size.max(1) as usize;
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
/// use natskit_examples::led_matrix::{png_file, Matrix, PngStyle};
///
/// let mut bytes = Vec::new();
/// png_file::encode(&Matrix::new(), PngStyle::default(), &mut bytes)?;
/// assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
/// # Ok::<(), natskit_examples::led_matrix::png_file::PngError>(())
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
/// use natskit_examples::led_matrix::{png_file, PngStyle, ScrollText};
///
/// png_file::write(&ScrollText::new("Hi").still(), "hi.png", PngStyle::default())?;
/// # Ok::<(), natskit_examples::led_matrix::png_file::PngError>(())
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
