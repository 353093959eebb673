//! What a request to the device asks for: [`Command`], parsed from a subject and a body.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::led_matrix::{OutOfRange, Rgb, SIZE};

/// The longest text the device scrolls, in characters; longer ones are refused, so one request
/// cannot keep the device busy for hours.
///
/// ```
/// assert_eq!(natskit_ledmatrix::senseshow::MAX_TEXT_CHARS, 280);
/// ```
pub const MAX_TEXT_CHARS: usize = 280;

/// The slowest scroll a request may ask for: one second per frame.
///
/// ```
/// assert_eq!(natskit_ledmatrix::senseshow::MAX_FRAME_DELAY.as_millis(), 1000);
/// ```
pub const MAX_FRAME_DELAY: Duration = Duration::from_secs(1);

/// A text to scroll, and how.
///
/// ```
/// use natskit_ledmatrix::led_matrix::Rgb;
/// use natskit_ledmatrix::senseshow::Show;
///
/// let show = Show::new("Hello");
/// assert_eq!((show.color, show.background, show.frame_delay), (Rgb::WHITE, Rgb::OFF, None));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Show {
    /// The text.
    pub text: String,
    /// Colour of the text.
    pub color: Rgb,
    /// Colour of the LEDs the text leaves dark.
    pub background: Rgb,
    /// Time between frames; `None` for the device's own.
    pub frame_delay: Option<Duration>,
}

impl Show {
    /// `text` in white on black at the device's speed.
    ///
    /// ```
    /// assert_eq!(natskit_ledmatrix::senseshow::Show::new("Hi").text, "Hi");
    /// ```
    pub fn new(text: impl Into<String>) -> Show {
        Show {
            text: text.into(),
            color: Rgb::WHITE,
            background: Rgb::OFF,
            frame_delay: None,
        }
    }
}

/// A request for a PNG picture of the matrix.
///
/// ```
/// use natskit_ledmatrix::senseshow::{Command, Show};
///
/// let Command::Png(png) = Command::parse("senseshow", "senseshow.png", br#"{"path": "hi.png", "text": "Hi"}"#)? else {
///     unreachable!()
/// };
/// assert_eq!(png.file, std::path::PathBuf::from("hi.png"));
/// assert_eq!(png.text, Some(Show::new("Hi")));
/// # Ok::<(), natskit_ledmatrix::senseshow::BadRequest>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PngRequest {
    /// Where to write it: a relative path ending in `.png`, with no `..`, taken relative to the
    /// device's PNG directory. The check is on the path's text only: symbolic links inside the
    /// PNG directory are followed, not guarded against, so keep that directory free of links
    /// you would not want written through.
    pub file: PathBuf,
    /// Draw this text's still picture ([`ScrollText::still`](crate::led_matrix::ScrollText::still))
    /// instead of what the matrix shows now.
    pub text: Option<Show>,
}

/// One thing the device is asked to do.
///
/// The subject says which (for the device on `senseshow`):
///
/// | subject | body | does |
/// | --- | --- | --- |
/// | `senseshow` | text, or `{"text": "Hi", "color": [r,g,b], "background": [r,g,b], "speed_ms": 60}` | scrolls the text |
/// | `senseshow.clear` | ignored | turns every LED off |
/// | `senseshow.fill` | `{"color": [r,g,b]}` | sets every LED to the colour |
/// | `senseshow.pixel` | `{"x": 0-7, "y": 0-7, "color": [r,g,b]}` | sets one LED (`color` white if left out) |
/// | `senseshow.png` | `file.png`, or `{"path": "file.png", "text": ..., "color": ..., "background": ...}` | writes a PNG picture |
///
/// A `senseshow` body is JSON when, without surrounding white space, it starts with `{` and ends
/// with `}`; anything else is the text itself (invalid UTF-8 replaced, line breaks at the end
/// dropped). In JSON only `text` is required; colours default to white on black and `speed_ms`
/// to the device's frame delay. Unknown JSON fields are refused.
///
/// ```
/// use natskit_ledmatrix::led_matrix::Rgb;
/// use natskit_ledmatrix::senseshow::{Command, Show};
///
/// assert_eq!(Command::parse("senseshow", "senseshow", b"Hello\n")?, Command::Show(Show::new("Hello")));
/// let json = br#"{"text": "Hi", "color": [255, 0, 0], "speed_ms": 20}"#;
/// let Command::Show(show) = Command::parse("senseshow", "senseshow", json)? else { unreachable!() };
/// assert_eq!((show.text.as_str(), show.color), ("Hi", Rgb::RED));
/// assert_eq!(Command::parse("senseshow", "senseshow.clear", b"")?, Command::Clear);
/// assert_eq!(
///     Command::parse("senseshow", "senseshow.pixel", br#"{"x": 1, "y": 2, "color": [0, 0, 255]}"#)?,
///     Command::Pixel { x: 1, y: 2, color: Rgb::BLUE }
/// );
/// assert!(Command::parse("senseshow", "senseshow.dance", b"").is_err());
/// # Ok::<(), natskit_ledmatrix::senseshow::BadRequest>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Scroll a text.
    Show(Show),
    /// Turn every LED off.
    Clear,
    /// Set every LED to a colour.
    Fill(Rgb),
    /// Set one LED.
    Pixel {
        /// Column, 0 at the left.
        x: usize,
        /// Row, 0 at the top.
        y: usize,
        /// The colour.
        color: Rgb,
    },
    /// Write a PNG picture.
    Png(PngRequest),
}

/// Why a request was refused; the device answers `error: ` and this.
///
/// ```
/// use natskit_ledmatrix::senseshow::Command;
///
/// let err = Command::parse("senseshow", "senseshow.pixel", br#"{"x": 8, "y": 0}"#).unwrap_err();
/// assert_eq!(err.to_string(), "pixel (8, 0) is outside the 8x8 matrix");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BadRequest {
    /// The subject names no command.
    #[error("unknown command {command:?}: try {base}, {base}.clear, {base}.fill, {base}.pixel or {base}.png")]
    UnknownCommand {
        /// What followed the device's subject.
        command: String,
        /// The device's subject.
        base: String,
    },
    /// The subject is not the device's at all.
    #[error("subject {0:?} is not one of the device's")]
    NotMine(String),
    /// The body is not the JSON the command takes.
    #[error("bad JSON for {command}: {source}")]
    Json {
        /// The command.
        command: &'static str,
        /// What the parser said.
        source: serde_json::Error,
    },
    /// The text is longer than [`MAX_TEXT_CHARS`].
    #[error("text of {0} characters is longer than the {MAX_TEXT_CHARS} the device shows")]
    TextTooLong(usize),
    /// A pixel outside the matrix.
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
    /// The PNG file name is not allowed.
    #[error("PNG path {path:?} refused: {why}")]
    PngPath {
        /// The path asked for.
        path: String,
        /// What is wrong with it.
        why: &'static str,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShowJson {
    text: String,
    color: Option<Rgb>,
    background: Option<Rgb>,
    speed_ms: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FillJson {
    color: Rgb,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PixelJson {
    x: usize,
    y: usize,
    color: Option<Rgb>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PngJson {
    path: String,
    text: Option<String>,
    color: Option<Rgb>,
    background: Option<Rgb>,
}

impl Command {
    /// Parses a request that arrived on `subject` with `body`, for the device listening on
    /// `base` (`senseshow`).
    ///
    /// # Errors
    /// [`BadRequest`] saying what is wrong: an unknown command, bad JSON, a text that is too
    /// long, a pixel outside the matrix, a PNG path that is not allowed.
    ///
    /// ```
    /// use natskit_ledmatrix::senseshow::Command;
    ///
    /// let err = Command::parse("senseshow", "senseshow", b"{\"txt\": 1}").unwrap_err();
    /// assert!(err.to_string().starts_with("bad JSON for senseshow: unknown field `txt`"));
    /// ```
    pub fn parse(base: &str, subject: &str, body: &[u8]) -> Result<Command, BadRequest> {
        if subject == base {
            return parse_show(body).map(Command::Show);
        }
        let command = subject
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('.'))
            .ok_or_else(|| BadRequest::NotMine(subject.to_string()))?;
        match command {
            "clear" => Ok(Command::Clear),
            "fill" => {
                let fill: FillJson = json("fill", body)?;
                Ok(Command::Fill(fill.color))
            }
            "pixel" => {
                let pixel: PixelJson = json("pixel", body)?;
                let (x, y) = (pixel.x, pixel.y);
                if x >= SIZE || y >= SIZE {
                    return Err(OutOfRange { x, y }.into());
                }
                Ok(Command::Pixel {
                    x,
                    y,
                    color: pixel.color.unwrap_or(Rgb::WHITE),
                })
            }
            "png" => parse_png(body).map(Command::Png),
            other => Err(BadRequest::UnknownCommand {
                command: other.to_string(),
                base: base.to_string(),
            }),
        }
    }
}

fn json<'a, T: Deserialize<'a>>(command: &'static str, body: &'a [u8]) -> Result<T, BadRequest> {
    serde_json::from_slice(body).map_err(|source| BadRequest::Json { command, source })
}

/// The body as text: invalid UTF-8 replaced, surrounding white space kept except line breaks at
/// the end.
fn body_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.trim_end_matches(['\r', '\n']).to_string()
}

pub(super) fn is_json_object(body: &[u8]) -> bool {
    let trimmed = body.trim_ascii();
    trimmed.starts_with(b"{") && trimmed.ends_with(b"}")
}

fn checked_text(text: String) -> Result<String, BadRequest> {
    match text.chars().count() {
        n if n > MAX_TEXT_CHARS => Err(BadRequest::TextTooLong(n)),
        _ => Ok(text),
    }
}

fn parse_show(body: &[u8]) -> Result<Show, BadRequest> {
    if !is_json_object(body) {
        return Ok(Show::new(checked_text(body_text(body))?));
    }
    let show: ShowJson = json("senseshow", body)?;
    Ok(Show {
        text: checked_text(show.text)?,
        color: show.color.unwrap_or(Rgb::WHITE),
        background: show.background.unwrap_or(Rgb::OFF),
        frame_delay: show
            .speed_ms
            .map(|ms| Duration::from_millis(ms).min(MAX_FRAME_DELAY)),
    })
}

fn parse_png(body: &[u8]) -> Result<PngRequest, BadRequest> {
    let (path, text) = if is_json_object(body) {
        let png: PngJson = json("png", body)?;
        let text = match png.text {
            Some(text) => Some(Show {
                color: png.color.unwrap_or(Rgb::WHITE),
                background: png.background.unwrap_or(Rgb::OFF),
                ..Show::new(checked_text(text)?)
            }),
            None => None,
        };
        (png.path, text)
    } else {
        (body_text(body).trim().to_string(), None)
    };
    Ok(PngRequest {
        file: checked_png_path(&path)?,
        text,
    })
}

/// A path the device may write: relative, only plain names (no `..`, no root), ending in `.png`.
///
/// Only the path's text is checked: symbolic links inside the PNG directory are not guarded
/// against (a link there pointing elsewhere is followed when the file is written).
fn checked_png_path(path: &str) -> Result<PathBuf, BadRequest> {
    let refuse = |why| BadRequest::PngPath {
        path: path.to_string(),
        why,
    };
    if path.is_empty() {
        return Err(refuse("empty; send a file name such as matrix.png"));
    }
    let file = Path::new(path);
    if !file.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(refuse(
            "only a relative path without `..` is allowed, taken in the device's PNG directory",
        ));
    }
    let is_png = file
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("png"));
    if !is_png {
        return Err(refuse("the file name must end in .png"));
    }
    Ok(file.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(subject: &str, body: &str) -> Result<Command, BadRequest> {
        Command::parse("senseshow", subject, body.as_bytes())
    }

    #[test]
    fn plain_text_keeps_inner_white_space_and_braces_that_are_not_an_object() {
        for text in ["  two  spaces", "{not json", "a}", ""] {
            assert_eq!(
                parse("senseshow", text).ok(),
                Some(Command::Show(Show::new(text)))
            );
        }
        assert_eq!(
            parse("senseshow", "line\r\n").ok(),
            Some(Command::Show(Show::new("line")))
        );
    }

    #[test]
    fn json_show_takes_colours_and_caps_the_speed() {
        let cmd = parse(
            "senseshow",
            r#" {"text": "x", "background": [1, 2, 3], "speed_ms": 99999} "#,
        );
        let Ok(Command::Show(show)) = cmd else {
            panic!("{cmd:?}")
        };
        assert_eq!(show.background, Rgb(1, 2, 3));
        assert_eq!(show.color, Rgb::WHITE);
        assert_eq!(show.frame_delay, Some(MAX_FRAME_DELAY));
        assert!(parse("senseshow", r#"{"text": "x", "color": [256, 0, 0]}"#).is_err());
        assert!(parse("senseshow", r#"{"color": [1, 0, 0]}"#).is_err());
    }

    #[test]
    fn long_texts_are_refused() {
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert!(matches!(
            parse("senseshow", &long),
            Err(BadRequest::TextTooLong(n)) if n == MAX_TEXT_CHARS + 1
        ));
        assert!(parse("senseshow", &long[1..]).is_ok());
    }

    #[test]
    fn png_paths_stay_inside_the_png_directory() {
        for bad in [
            "",
            "/tmp/x.png",
            "../x.png",
            "a/../x.png",
            "./x.png",
            "x.txt",
            "png",
        ] {
            assert!(
                matches!(parse("senseshow.png", bad), Err(BadRequest::PngPath { .. })),
                "{bad:?} was allowed"
            );
        }
        let ok = parse("senseshow.png", "shots/m.PNG\n");
        assert_eq!(
            ok.ok(),
            Some(Command::Png(PngRequest {
                file: PathBuf::from("shots/m.PNG"),
                text: None
            }))
        );
    }

    #[test]
    fn other_subjects_are_refused() {
        assert!(matches!(
            parse("senseshow.dance", ""),
            Err(BadRequest::UnknownCommand { .. })
        ));
        assert!(matches!(
            parse("senseshowx", ""),
            Err(BadRequest::NotMine(_))
        ));
        assert!(matches!(parse("other", ""), Err(BadRequest::NotMine(_))));
    }
}
