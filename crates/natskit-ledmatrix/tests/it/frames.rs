//! The matrix as drawn: scrolling frames of a known text, pixel by pixel, and the PNG of one.

use natskit_ledmatrix::led_matrix::font::{glyph, unknown_glyph};
use natskit_ledmatrix::led_matrix::{ansi, png_file, Matrix, PngStyle, Rgb, ScrollText, SIZE};

use crate::support::{decode_png, pixel_at, scratch};

const TEXT: Rgb = Rgb(255, 64, 0);
const BACK: Rgb = Rgb(0, 0, 40);

/// The frame as rows of `#` (text colour) and `.` (background); anything else fails the test.
fn picture(frame: &Matrix) -> Vec<String> {
    frame
        .rows()
        .iter()
        .map(|row| {
            row.iter()
                .map(|&c| match c {
                    TEXT => '#',
                    BACK => '.',
                    other => panic!("unexpected colour {other:?}"),
                })
                .collect()
        })
        .collect()
}

#[test]
fn hi_fully_entered_is_the_h_and_i_glyphs_against_the_right_edge() {
    let scroll = ScrollText::new("Hi").color(TEXT).background(BACK);
    // H is 5 columns, then one blank column, then i (1 column): 7 columns, so frame 6 is the
    // first with all of the text on the matrix, its last column in the matrix's last column.
    assert_eq!(scroll.text_width(), 7);
    assert_eq!(scroll.frame_count(), 15);
    let frame = scroll.frame(6);
    assert_eq!(
        picture(&frame),
        [
            ".#...#.#", //
            ".#...#..", // the dot of the i, then a gap
            ".#...#.#", ".#####.#", ".#...#.#", ".#...#.#", ".#...#.#",
            "........", // nothing in these two letters reaches the descender row
        ]
    );
    // The same, compared with the font's own bitmaps.
    for y in 0..SIZE {
        for x in 0..SIZE {
            let lit = match x {
                1..=5 => glyph('H').is_lit(x - 1, y),
                7 => glyph('i').is_lit(0, y),
                _ => false,
            };
            let want = if lit { TEXT } else { BACK };
            assert_eq!(frame.pixel(x, y), Some(want), "pixel ({x}, {y})");
        }
    }
}

#[test]
fn frames_move_one_column_left_each_step_from_blank_to_blank() {
    let scroll = ScrollText::new("Hi!").color(TEXT).background(BACK);
    let frames: Vec<Matrix> = scroll.frames().collect();
    assert_eq!(frames.len(), scroll.text_width() + SIZE);
    // The first frame holds only the H's first column, at the right edge.
    assert_eq!(
        picture(&frames[0]),
        [
            ".......#", ".......#", ".......#", ".......#", ".......#", ".......#", ".......#",
            "........",
        ]
    );
    assert_eq!(frames.last(), Some(&Matrix::filled(BACK)));
    for pair in frames.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        for y in 0..SIZE {
            for x in 0..SIZE - 1 {
                assert_eq!(after.pixel(x, y), before.pixel(x + 1, y));
            }
        }
    }
    // Nothing lit is lost: every text column passes through the last matrix column once.
    let lit_in_last_column: usize = frames
        .iter()
        .map(|f| {
            (0..SIZE)
                .filter(|&y| f.pixel(SIZE - 1, y) == Some(TEXT))
                .count()
        })
        .sum();
    let lit_in_text: usize = "Hi!"
        .chars()
        .map(|c| {
            glyph(c)
                .columns()
                .iter()
                .map(|col| col.count_ones() as usize)
                .sum::<usize>()
        })
        .sum();
    assert_eq!(lit_in_last_column, lit_in_text);
}

#[test]
fn characters_without_a_glyph_are_drawn_as_a_box() {
    let still = ScrollText::new("é").color(TEXT).background(BACK).still();
    assert_eq!(
        picture(&still),
        [
            "#####...", "#...#...", "#...#...", "#...#...", "#...#...", "#...#...", "#####...",
            "........",
        ]
    );
    assert_eq!(glyph('\u{1F600}'), unknown_glyph());
}

#[test]
fn a_frame_as_png_has_the_right_size_and_lit_leds_in_place() {
    let dir = scratch("png");
    let path = dir.path().join("hi.png");
    let style = PngStyle::default();
    let frame = ScrollText::new("Hi").color(TEXT).background(BACK).frame(6);
    png_file::write(&frame, &path, style).expect("write the PNG");

    let (width, height, rgb) = decode_png(&path);
    assert_eq!((width, height), (146, 146)); // 2 + 8 * (16 + 2)
    assert_eq!(width, style.image_size());
    // The H's left stem is matrix column 1: its LED, corner to corner, has the text colour.
    let (px, py) = style.led_origin(1, 0);
    assert_eq!((px, py), (20, 2));
    for (dx, dy) in [(0, 0), (15, 0), (0, 15), (15, 15), (8, 8)] {
        assert_eq!(pixel_at(&rgb, width, px + dx, py + dy), TEXT.channels());
    }
    // Just outside that LED is board; matrix column 0 is background; the bottom row is dark.
    assert_eq!(pixel_at(&rgb, width, px + 16, py), style.board.channels());
    assert_eq!(pixel_at(&rgb, width, px - 1, py), style.board.channels());
    assert_eq!(pixel_at(&rgb, width, 0, 0), style.board.channels());
    let (bx, by) = style.led_origin(0, 0);
    assert_eq!(pixel_at(&rgb, width, bx + 8, by + 8), BACK.channels());
    let (qx, qy) = style.led_origin(7, 7);
    assert_eq!(pixel_at(&rgb, width, qx + 8, qy + 8), BACK.channels());
    // The i's dot row: its LED (7, 1) is dark, (7, 2) is lit.
    let (ix, iy) = style.led_origin(7, 1);
    assert_eq!(pixel_at(&rgb, width, ix + 8, iy + 8), BACK.channels());
    let (jx, jy) = style.led_origin(7, 2);
    assert_eq!(pixel_at(&rgb, width, jx + 8, jy + 8), TEXT.channels());
    // Every LED of the picture matches the frame.
    for y in 0..SIZE {
        for x in 0..SIZE {
            let (lx, ly) = style.led_origin(x as u32, y as u32);
            let want = frame.pixel(x, y).map(Rgb::channels);
            assert_eq!(
                Some(pixel_at(&rgb, width, lx + 3, ly + 12)),
                want,
                "LED ({x}, {y})"
            );
        }
    }
}

#[test]
fn the_terminal_drawing_uses_each_leds_colour() {
    let mut matrix = Matrix::filled(BACK);
    matrix.set_pixel(7, 0, TEXT).expect("in range");
    let text = ansi::render(&matrix);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 8);
    let back = "\x1b[48;2;0;0;40m  ";
    let lit = "\x1b[48;2;255;64;0m  ";
    assert_eq!(lines[0], format!("{}{lit}\x1b[0m", back.repeat(7)));
    for line in &lines[1..] {
        assert_eq!(*line, format!("{}\x1b[0m", back.repeat(8)));
    }
}
