//! The sender's side: [`Command::to_request`], a command as the subject and body that ask the
//! device for it (the other way round from [`Command::parse`]), and [`Show::scroll_time`], how
//! long to expect to wait for the answer.

use std::time::Duration;

use serde::Serialize;

use super::request::is_json_object;
use super::{Command, PngRequest, Show, MAX_FRAME_DELAY};
use crate::led_matrix::{Rgb, ScrollText};

#[derive(Serialize)]
struct ShowJson<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<Rgb>,
    #[serde(skip_serializing_if = "Option::is_none")]
    background: Option<Rgb>,
    #[serde(skip_serializing_if = "Option::is_none")]
    speed_ms: Option<u64>,
}

#[derive(Serialize)]
struct FillJson {
    color: Rgb,
}

#[derive(Serialize)]
struct PixelJson {
    x: usize,
    y: usize,
    color: Rgb,
}

#[derive(Serialize)]
struct PngJson<'a> {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    color: Option<Rgb>,
    #[serde(skip_serializing_if = "Option::is_none")]
    background: Option<Rgb>,
}

impl Command {
    /// The subject (under `base`, the device's subject) and body of a request that asks the
    /// device for this command; [`Command::parse`] turns them back into it.
    ///
    /// A [`Show`] in white on black at the device's speed goes as the plain text when the text
    /// reads back unchanged (it does not look like a JSON object and does not end in a line
    /// break); everything else goes as JSON, leaving out fields at their defaults. A frame
    /// delay is sent in whole milliseconds (`speed_ms`), so a finer one comes back rounded down;
    /// a PNG path that is not UTF-8 is sent with the invalid parts replaced, and a PNG's text
    /// without its frame delay (a picture has none). Nothing is checked
    /// here: a text that is too long or a pixel outside the matrix is sent, and the device
    /// refuses it.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::Rgb;
    /// use natskit_ledmatrix::senseshow::{Command, Show};
    ///
    /// let hello = Command::Show(Show::new("Hello"));
    /// assert_eq!(hello.to_request("senseshow"), ("senseshow".to_string(), b"Hello".to_vec()));
    ///
    /// let red = Command::Show(Show { color: Rgb::RED, ..Show::new("Hi") });
    /// let (subject, body) = red.to_request("senseshow");
    /// assert_eq!(body, br#"{"text":"Hi","color":[255,0,0]}"#);
    /// assert_eq!(Command::parse("senseshow", &subject, &body)?, red);
    ///
    /// let clear = Command::Clear.to_request("senseshow");
    /// assert_eq!(clear, ("senseshow.clear".to_string(), Vec::new()));
    /// # Ok::<(), natskit_ledmatrix::senseshow::BadRequest>(())
    /// ```
    pub fn to_request(&self, base: &str) -> (String, Vec<u8>) {
        match self {
            Command::Show(show) => (base.to_string(), show_body(show)),
            Command::Clear => (format!("{base}.clear"), Vec::new()),
            Command::Fill(color) => (format!("{base}.fill"), to_json(&FillJson { color: *color })),
            Command::Pixel { x, y, color } => (
                format!("{base}.pixel"),
                to_json(&PixelJson {
                    x: *x,
                    y: *y,
                    color: *color,
                }),
            ),
            Command::Png(png) => (format!("{base}.png"), png_body(png)),
        }
    }
}

impl Show {
    /// How long the device takes to scroll this text: one frame delay per frame
    /// ([`ScrollText::frame_count`]), the show's own delay (capped at [`MAX_FRAME_DELAY`], as the
    /// device does) or else `device_delay`, the device's. A sender waits this long for the
    /// answer, plus a margin for the network and for requests ahead of it.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use natskit_ledmatrix::led_matrix::ScrollText;
    /// use natskit_ledmatrix::senseshow::Show;
    ///
    /// let hi = Show::new("Hi");
    /// assert_eq!(ScrollText::new("Hi").frame_count(), 15);
    /// assert_eq!(hi.scroll_time(Duration::from_millis(100)), Duration::from_millis(1500));
    /// let fast = Show { frame_delay: Some(Duration::from_millis(10)), ..hi };
    /// assert_eq!(fast.scroll_time(Duration::from_millis(100)), Duration::from_millis(150));
    /// ```
    pub fn scroll_time(&self, device_delay: Duration) -> Duration {
        let frames = ScrollText::new(&self.text).frame_count();
        let delay = self
            .frame_delay
            .map_or(device_delay, |delay| delay.min(MAX_FRAME_DELAY));
        delay.saturating_mul(u32::try_from(frames).unwrap_or(u32::MAX))
    }
}

/// JSON of a value made only of strings, numbers and colours: serializing cannot fail.
fn to_json(value: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// `Some(value)` unless it is the default.
fn unless(value: Rgb, default: Rgb) -> Option<Rgb> {
    (value != default).then_some(value)
}

fn show_body(show: &Show) -> Vec<u8> {
    let color = unless(show.color, Rgb::WHITE);
    let background = unless(show.background, Rgb::OFF);
    let speed_ms = show.frame_delay.map(millis);
    let plain_reads_back =
        !is_json_object(show.text.as_bytes()) && !show.text.ends_with(['\r', '\n']);
    if color.is_none() && background.is_none() && speed_ms.is_none() && plain_reads_back {
        return show.text.clone().into_bytes();
    }
    to_json(&ShowJson {
        text: &show.text,
        color,
        background,
        speed_ms,
    })
}

fn millis(delay: Duration) -> u64 {
    u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)
}

fn png_body(png: &PngRequest) -> Vec<u8> {
    let text = png.text.as_ref();
    to_json(&PngJson {
        path: png.file.to_string_lossy().into_owned(),
        text: text.map(|show| show.text.as_str()),
        color: text.and_then(|show| unless(show.color, Rgb::WHITE)),
        background: text.and_then(|show| unless(show.background, Rgb::OFF)),
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::senseshow::MAX_FRAME_DELAY;

    fn round_trip(command: &Command) -> Command {
        let (subject, body) = command.to_request("senseshow");
        Command::parse("senseshow", &subject, &body)
            .unwrap_or_else(|e| panic!("{command:?} as {subject} {body:?}: {e}"))
    }

    #[test]
    fn every_command_reads_back_as_itself() {
        let texts = [
            "Hello",
            "",
            "  spaced  ",
            "{\"text\": 1}",
            "line\n",
            "a\r",
            "üñî",
        ];
        let mut commands = vec![
            Command::Clear,
            Command::Fill(Rgb(1, 2, 3)),
            Command::Pixel {
                x: 7,
                y: 0,
                color: Rgb::WHITE,
            },
            Command::Png(PngRequest {
                file: PathBuf::from("shots/m.png"),
                text: None,
            }),
        ];
        for text in texts {
            commands.push(Command::Show(Show::new(text)));
            commands.push(Command::Show(Show {
                color: Rgb::GREEN,
                background: Rgb(0, 0, 64),
                frame_delay: Some(Duration::from_millis(60)),
                ..Show::new(text)
            }));
            commands.push(Command::Show(Show {
                frame_delay: Some(Duration::ZERO),
                ..Show::new(text)
            }));
            commands.push(Command::Png(PngRequest {
                file: PathBuf::from("m.PNG"),
                text: Some(Show {
                    color: Rgb::RED,
                    ..Show::new(text)
                }),
            }));
        }
        for command in &commands {
            assert_eq!(&round_trip(command), command);
        }
    }

    #[test]
    fn scroll_time_counts_the_frames_of_the_text() {
        let long = Show::new("x".repeat(280));
        let frames = ScrollText::new(&long.text).frame_count();
        assert_eq!(
            long.scroll_time(Duration::from_millis(10)),
            Duration::from_millis(10) * u32::try_from(frames).expect("few frames")
        );
        let capped = Show {
            frame_delay: Some(Duration::from_secs(60)),
            ..Show::new("")
        };
        assert_eq!(capped.scroll_time(Duration::ZERO), MAX_FRAME_DELAY * 8);
        assert_eq!(
            Show::new("").scroll_time(Duration::MAX),
            Duration::MAX,
            "saturates"
        );
    }

    #[test]
    fn plain_text_when_nothing_else_is_asked() {
        let (subject, body) = Command::Show(Show::new("Hi there")).to_request("base");
        assert_eq!(
            (subject.as_str(), body.as_slice()),
            ("base", &b"Hi there"[..])
        );
        let (_, body) = Command::Show(Show::new("{x}")).to_request("base");
        assert_eq!(body, br#"{"text":"{x}"}"#);
    }

    #[test]
    fn frame_delays_go_in_whole_milliseconds_and_the_device_caps_them() {
        let fine = Command::Show(Show {
            frame_delay: Some(Duration::from_micros(1500)),
            ..Show::new("x")
        });
        let Command::Show(back) = round_trip(&fine) else {
            panic!("not a show")
        };
        assert_eq!(back.frame_delay, Some(Duration::from_millis(1)));
        let slow = Command::Show(Show {
            frame_delay: Some(Duration::MAX),
            ..Show::new("x")
        });
        let Command::Show(back) = round_trip(&slow) else {
            panic!("not a show")
        };
        assert_eq!(back.frame_delay, Some(MAX_FRAME_DELAY));
    }
}
