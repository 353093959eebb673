//! The built-in font: one [`Glyph`] for each printable ASCII character, drawn for an 8-row
//! matrix.
//!
//! The glyphs were drawn for this crate. Capitals and digits are 7 rows tall (rows 0 to 6), small
//! letters are 5 rows tall (rows 2 to 6) with ascenders from row 0, and row 7 holds descenders
//! (`g`, `j`, `p`, `q`, `y`, `,`, `;`, `_`). Most glyphs are 5 columns wide; narrow ones (`i`, `l`,
//! `!`, `.`, ...) are narrower, so text is proportional. Characters without a glyph are drawn as
//! a box, except tab and line breaks, which are drawn as a space.

/// The tallest a glyph may be: the matrix height.
const ROWS: usize = 8;

/// The widest a glyph may be, in columns (the built-in ones are at most 5).
///
/// ```
/// use natskit_ledmatrix::led_matrix::font::{glyph, MAX_GLYPH_WIDTH};
///
/// assert!((' '..='~').all(|c| glyph(c).width() <= MAX_GLYPH_WIDTH));
/// ```
pub const MAX_GLYPH_WIDTH: usize = 8;

/// Blank columns between two characters of a text.
///
/// ```
/// assert_eq!(natskit_ledmatrix::led_matrix::font::LETTER_SPACING, 1);
/// ```
pub const LETTER_SPACING: usize = 1;

/// The picture of one character: a few columns of 8 LEDs each.
///
/// ```
/// use natskit_ledmatrix::led_matrix::font::glyph;
///
/// let h = glyph('H');
/// assert_eq!(h.width(), 5);
/// assert!(h.is_lit(0, 0) && !h.is_lit(1, 0) && h.is_lit(2, 3));
/// assert_eq!(glyph('i').width(), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Glyph {
    /// Column bitmaps, left first: bit `y` is row `y` (0 at the top).
    columns: [u8; MAX_GLYPH_WIDTH],
    width: usize,
}

impl Glyph {
    /// Builds a glyph from its drawing: one string per row, top first, `#` for a lit LED and
    /// anything else for an unlit one. Rows beyond 8 and columns beyond 8 are ignored; the width
    /// is that of the widest row.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::font::Glyph;
    ///
    /// let tick = Glyph::from_rows(&["..#", "#.#", ".#."]);
    /// assert_eq!(tick.width(), 3);
    /// assert!(tick.is_lit(2, 0) && tick.is_lit(1, 2) && !tick.is_lit(1, 1));
    /// ```
    pub fn from_rows(rows: &[&str]) -> Glyph {
        let mut columns = [0u8; MAX_GLYPH_WIDTH];
        let mut width = 0;
        for (y, row) in rows.iter().take(ROWS).enumerate() {
            for (x, dot) in row.bytes().take(MAX_GLYPH_WIDTH).enumerate() {
                if dot == b'#' {
                    columns[x] |= 1 << y;
                }
                width = width.max(x + 1);
            }
        }
        Glyph { columns, width }
    }

    /// How many columns the glyph takes.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::font::glyph;
    ///
    /// assert_eq!(glyph(' ').width(), 3);
    /// ```
    pub fn width(&self) -> usize {
        self.width
    }

    /// Whether the LED at column `x`, row `y` of the glyph is lit; false outside it.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::font::glyph;
    ///
    /// assert!(glyph('.').is_lit(0, 6));
    /// assert!(!glyph('.').is_lit(0, 5));
    /// assert!(!glyph('.').is_lit(1, 6));
    /// ```
    pub fn is_lit(&self, x: usize, y: usize) -> bool {
        x < self.width && y < ROWS && self.columns[x] & (1 << y) != 0
    }

    /// The columns, left first, as bitmaps: bit `y` set when row `y` is lit.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::font::glyph;
    ///
    /// // `!` is one column: rows 0 to 4 and row 6.
    /// assert_eq!(glyph('!').columns(), &[0b0101_1111]);
    /// ```
    pub fn columns(&self) -> &[u8] {
        &self.columns[..self.width]
    }
}

/// The glyph drawn for characters the font does not have: a box as tall as a capital.
///
/// ```
/// use natskit_ledmatrix::led_matrix::font::{glyph, unknown_glyph};
///
/// assert_eq!(glyph('€'), unknown_glyph());
/// assert_eq!(unknown_glyph().width(), 5);
/// ```
pub fn unknown_glyph() -> Glyph {
    Glyph::from_rows(&BOX)
}

/// Whether the font has a glyph of its own for `ch` (every printable ASCII character does).
///
/// ```
/// use natskit_ledmatrix::led_matrix::font::has_glyph;
///
/// assert!(has_glyph('a') && has_glyph('~') && has_glyph(' '));
/// assert!(!has_glyph('é') && !has_glyph('\u{7}'));
/// ```
pub fn has_glyph(ch: char) -> bool {
    drawing(ch).is_some()
}

/// The glyph for `ch`: its own when the font has one, a space for tab and line breaks, else
/// [`unknown_glyph`].
///
/// ```
/// use natskit_ledmatrix::led_matrix::font::glyph;
///
/// assert_eq!(glyph('\n'), glyph(' '));
/// assert_ne!(glyph('a'), glyph('A'));
/// ```
pub fn glyph(ch: char) -> Glyph {
    match ch {
        '\t' | '\n' | '\r' => glyph(' '),
        _ => drawing(ch).map_or_else(unknown_glyph, Glyph::from_rows),
    }
}

/// The columns of `text` set in this font, left first, as bitmaps (bit `y` for row `y`), with
/// [`LETTER_SPACING`] blank columns between characters and none before the first or after the
/// last.
///
/// ```
/// use natskit_ledmatrix::led_matrix::font::{glyph, text_columns};
///
/// let columns = text_columns("Hi");
/// assert_eq!(columns.len(), 5 + 1 + 1);
/// assert_eq!(&columns[..5], glyph('H').columns());
/// assert_eq!(columns[5], 0);
/// assert!(text_columns("").is_empty());
/// ```
pub fn text_columns(text: &str) -> Vec<u8> {
    let mut columns = Vec::with_capacity(text.len() * 6);
    for (i, ch) in text.chars().enumerate() {
        if i > 0 {
            columns.extend(std::iter::repeat_n(0, LETTER_SPACING));
        }
        columns.extend_from_slice(glyph(ch).columns());
    }
    columns
}

const BOX: [&str; 7] = [
    "#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####",
];

/// The drawing of `ch`, top row first; rows left out at the bottom are blank.
fn drawing(ch: char) -> Option<&'static [&'static str]> {
    let rows: &'static [&'static str] = match ch {
        ' ' => &["...", "...", "...", "...", "...", "...", "..."],
        '!' => &["#", "#", "#", "#", "#", ".", "#"],
        '"' => &["#.#", "#.#", "...", "...", "...", "...", "..."],
        '#' => &[
            ".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#.",
        ],
        '$' => &[
            "..#..", ".####", "#.#..", ".###.", "..#.#", "####.", "..#..",
        ],
        '%' => &[
            "##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##",
        ],
        '&' => &[
            ".##..", "#..#.", "#.#..", ".#...", "#.#.#", "#..#.", ".##.#",
        ],
        '\'' => &["#", "#", ".", ".", ".", ".", "."],
        '(' => &["..#", ".#.", "#..", "#..", "#..", ".#.", "..#"],
        ')' => &["#..", ".#.", "..#", "..#", "..#", ".#.", "#.."],
        '*' => &[
            ".....", "..#..", "#.#.#", ".###.", "#.#.#", "..#..", ".....",
        ],
        '+' => &[
            ".....", "..#..", "..#..", "#####", "..#..", "..#..", ".....",
        ],
        ',' => &["..", "..", "..", "..", "..", ".#", ".#", "#."],
        '-' => &["....", "....", "....", "####", "....", "....", "...."],
        '.' => &[".", ".", ".", ".", ".", ".", "#"],
        '/' => &[
            "....#", "....#", "...#.", "..#..", ".#...", "#....", "#....",
        ],
        '0' => &[
            ".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###.",
        ],
        '1' => &[".#.", "##.", ".#.", ".#.", ".#.", ".#.", "###"],
        '2' => &[
            ".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####",
        ],
        '3' => &[
            "#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###.",
        ],
        '4' => &[
            "...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#.",
        ],
        '5' => &[
            "#####", "#....", "####.", "....#", "....#", "#...#", ".###.",
        ],
        '6' => &[
            "..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###.",
        ],
        '7' => &[
            "#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#...",
        ],
        '8' => &[
            ".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###.",
        ],
        '9' => &[
            ".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##..",
        ],
        ':' => &[".", ".", ".", "#", ".", ".", "#"],
        ';' => &["..", "..", "..", ".#", "..", "..", ".#", "#."],
        '<' => &["...#", "..#.", ".#..", "#...", ".#..", "..#.", "...#"],
        '=' => &["....", "....", "####", "....", "####", "....", "...."],
        '>' => &["#...", ".#..", "..#.", "...#", "..#.", ".#..", "#..."],
        '?' => &[
            ".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#..",
        ],
        '@' => &[
            ".###.", "#...#", "#.###", "#.#.#", "#.###", "#....", ".###.",
        ],
        'A' => &[
            ".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#",
        ],
        'B' => &[
            "####.", "#...#", "#...#", "####.", "#...#", "#...#", "####.",
        ],
        'C' => &[
            ".###.", "#...#", "#....", "#....", "#....", "#...#", ".###.",
        ],
        'D' => &[
            "####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####.",
        ],
        'E' => &[
            "#####", "#....", "#....", "####.", "#....", "#....", "#####",
        ],
        'F' => &[
            "#####", "#....", "#....", "####.", "#....", "#....", "#....",
        ],
        'G' => &[
            ".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####",
        ],
        'H' => &[
            "#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#",
        ],
        'I' => &["###", ".#.", ".#.", ".#.", ".#.", ".#.", "###"],
        'J' => &[
            "....#", "....#", "....#", "....#", "#...#", "#...#", ".###.",
        ],
        'K' => &[
            "#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#",
        ],
        'L' => &[
            "#....", "#....", "#....", "#....", "#....", "#....", "#####",
        ],
        'M' => &[
            "#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#",
        ],
        'N' => &[
            "#...#", "##..#", "##..#", "#.#.#", "#..##", "#..##", "#...#",
        ],
        'O' => &[
            ".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.",
        ],
        'P' => &[
            "####.", "#...#", "#...#", "####.", "#....", "#....", "#....",
        ],
        'Q' => &[
            ".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#",
        ],
        'R' => &[
            "####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#",
        ],
        'S' => &[
            ".####", "#....", "#....", ".###.", "....#", "....#", "####.",
        ],
        'T' => &[
            "#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#..",
        ],
        'U' => &[
            "#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.",
        ],
        'V' => &[
            "#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#..",
        ],
        'W' => &[
            "#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#.",
        ],
        'X' => &[
            "#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#",
        ],
        'Y' => &[
            "#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#..",
        ],
        'Z' => &[
            "#####", "....#", "...#.", "..#..", ".#...", "#....", "#####",
        ],
        '[' => &["##", "#.", "#.", "#.", "#.", "#.", "##"],
        '\\' => &[
            "#....", "#....", ".#...", "..#..", "...#.", "....#", "....#",
        ],
        ']' => &["##", ".#", ".#", ".#", ".#", ".#", "##"],
        '^' => &[
            "..#..", ".#.#.", "#...#", ".....", ".....", ".....", ".....",
        ],
        '_' => &[
            ".....", ".....", ".....", ".....", ".....", ".....", ".....", "#####",
        ],
        '`' => &["#.", ".#", "..", "..", "..", "..", ".."],
        'a' => &[
            ".....", ".....", ".###.", "....#", ".####", "#...#", ".####",
        ],
        'b' => &[
            "#....", "#....", "####.", "#...#", "#...#", "#...#", "####.",
        ],
        'c' => &["....", "....", ".###", "#...", "#...", "#...", ".###"],
        'd' => &[
            "....#", "....#", ".####", "#...#", "#...#", "#...#", ".####",
        ],
        'e' => &[
            ".....", ".....", ".###.", "#...#", "#####", "#....", ".###.",
        ],
        'f' => &["..##", ".#..", "####", ".#..", ".#..", ".#..", ".#.."],
        'g' => &[
            ".....", ".....", ".####", "#...#", "#...#", ".####", "....#", ".###.",
        ],
        'h' => &[
            "#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#",
        ],
        'i' => &["#", ".", "#", "#", "#", "#", "#"],
        'j' => &["..#", "...", "..#", "..#", "..#", "..#", "#.#", ".#."],
        'k' => &["#...", "#...", "#..#", "#.#.", "##..", "#.#.", "#..#"],
        'l' => &["#.", "#.", "#.", "#.", "#.", "#.", ".#"],
        'm' => &[
            ".....", ".....", "##.#.", "#.#.#", "#.#.#", "#.#.#", "#.#.#",
        ],
        'n' => &[
            ".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#",
        ],
        'o' => &[
            ".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###.",
        ],
        'p' => &[
            ".....", ".....", "####.", "#...#", "#...#", "####.", "#....", "#....",
        ],
        'q' => &[
            ".....", ".....", ".####", "#...#", "#...#", ".####", "....#", "....#",
        ],
        'r' => &["....", "....", "#.##", "##..", "#...", "#...", "#..."],
        's' => &[
            ".....", ".....", ".####", "#....", ".###.", "....#", "####.",
        ],
        't' => &[".#..", ".#..", "####", ".#..", ".#..", ".#..", "..##"],
        'u' => &[
            ".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#",
        ],
        'v' => &[
            ".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#..",
        ],
        'w' => &[
            ".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#.",
        ],
        'x' => &[
            ".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#",
        ],
        'y' => &[
            ".....", ".....", "#...#", "#...#", "#...#", ".####", "....#", ".###.",
        ],
        'z' => &[
            ".....", ".....", "#####", "...#.", "..#..", ".#...", "#####",
        ],
        '{' => &["..#", ".#.", ".#.", "#..", ".#.", ".#.", "..#"],
        '|' => &["#", "#", "#", "#", "#", "#", "#"],
        '}' => &["#..", ".#.", ".#.", "..#", ".#.", ".#.", "#.."],
        '~' => &[
            ".....", ".....", ".#...", "#.#.#", "...#.", ".....", ".....",
        ],
        _ => return None,
    };
    Some(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_printable_ascii_character_has_a_well_formed_drawing() {
        for ch in ' '..='~' {
            let rows = drawing(ch).unwrap_or_else(|| panic!("no glyph for {ch:?}"));
            assert!(
                (7..=ROWS).contains(&rows.len()),
                "{ch:?}: {} rows",
                rows.len()
            );
            let width = rows[0].len();
            assert!((1..=5).contains(&width), "{ch:?}: width {width}");
            for row in rows {
                assert_eq!(row.len(), width, "{ch:?}: ragged row {row:?}");
                assert!(
                    row.bytes().all(|b| b == b'#' || b == b'.'),
                    "{ch:?}: {row:?}"
                );
            }
            let lit = glyph(ch).columns().iter().any(|&c| c != 0);
            assert_eq!(lit, ch != ' ', "{ch:?}: lit {lit}");
        }
    }

    #[test]
    fn no_two_characters_look_the_same() {
        let glyphs: Vec<(char, Glyph)> = (' '..='~').map(|ch| (ch, glyph(ch))).collect();
        for (i, (a, ga)) in glyphs.iter().enumerate() {
            for (b, gb) in &glyphs[i + 1..] {
                assert_ne!(ga, gb, "{a:?} and {b:?} share a glyph");
            }
            assert_ne!(*ga, unknown_glyph(), "{a:?} looks like the unknown box");
        }
    }
}
