//! Templates: text with `{{Word}}` places that are filled in for each message.
//!
//! Words (names are matched without regard to case, spaces inside the braces are allowed):
//!
//! | word               | becomes                                                        |
//! |--------------------|----------------------------------------------------------------|
//! | `{{Count}}`        | the message's number, from 1                                   |
//! | `{{ID}}`           | a new unique id (a 22-character NUID) for every use            |
//! | `{{TimeStamp}}`    | the time, RFC 3339 in UTC: `2024-05-01T12:34:56Z`              |
//! | `{{Time}}`         | the time of day in UTC: `12:34:56`                             |
//! | `{{Unix}}`         | seconds since 1970-01-01 UTC                                   |
//! | `{{UnixNano}}`     | nanoseconds since 1970-01-01 UTC                               |
//! | `{{Random 5 10}}`  | random letters and digits, 5 to 10 of them (both included)     |
//! | `{{Request}}`      | `reply` only: the request's body                               |
//! | `{{0}}`, `{{1}}`.. | `reply` only: the request subject's first, second.. token      |
//!
//! These are the words of the NATS CLI, with its meanings (`{{Random}}` makes text, `{{0}}` is
//! the first token). A word we do not know is an error when the template is read, before
//! anything is sent; `--no-templates` sends braces as they are.

use std::fmt::Write as _;
use std::time::SystemTime;

use rand::distr::Alphanumeric;
use rand::Rng;

use crate::clock;
use crate::error::CliError;

/// The longest `{{Random}}` text: enough for test payloads, far below any max_payload.
const RANDOM_MAX: usize = 1 << 20;

/// Text read once, with the places to fill in for each message.
#[derive(Debug, Clone)]
pub struct Template {
    /// The text and words, in order.
    parts: Vec<Part>,
}

/// A run of plain text or a word to fill in.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    /// Sent as it is.
    Text(String),
    /// Filled in for each message.
    Word(Word),
}

/// The words a template may hold.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Word {
    /// `{{Count}}`.
    Count,
    /// `{{ID}}`.
    Id,
    /// `{{TimeStamp}}`.
    TimeStamp,
    /// `{{Time}}`.
    Time,
    /// `{{Unix}}`.
    Unix,
    /// `{{UnixNano}}`.
    UnixNano,
    /// `{{Random MIN MAX}}`: random letters and digits.
    Random {
        /// The shortest length.
        min: usize,
        /// The longest length (included).
        max: usize,
    },
    /// `{{Request}}`.
    Request,
    /// `{{0}}`, `{{1}}`..: a subject token, from 0.
    Token(usize),
}

/// Where a template is used, which decides the words it may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `pub`: subject, headers and body; no request to draw from.
    Publish,
    /// `reply`: the answer's body and headers; the request's body and subject tokens too.
    Reply,
    /// `reply --command`: subject tokens become shell variables; the body is on stdin.
    Command,
}

/// What fills the words for one message.
#[derive(Debug, Clone, Copy)]
pub struct Fill<'a> {
    /// `{{Count}}`: the message's number, from 1.
    pub count: u64,
    /// The time words' time.
    pub now: SystemTime,
    /// The request being answered (`reply` only).
    pub request: Option<Asked<'a>>,
}

/// The parts of a request that words can take.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// Its subject, for the tokens.
    pub subject: &'a str,
    /// Its body, for `{{Request}}`.
    pub body: &'a [u8],
}

/// The environment variable that holds subject token `n` for `--command`.
pub fn token_variable(n: usize) -> String {
    format!("NATS_SUBJECT_TOKEN_{n}")
}

impl Template {
    /// Text sent as it is (`--no-templates`).
    pub fn literal(text: &str) -> Template {
        Template {
            parts: vec![Part::Text(text.to_owned())],
        }
    }

    /// Reads `text` as a template, or with `templates` false (`--no-templates`) as text sent as
    /// it is; `what` names it in errors.
    pub fn read(
        text: &str,
        what: &str,
        place: Place,
        templates: bool,
    ) -> Result<Template, CliError> {
        if templates {
            Template::parse(text, what, place)
        } else {
            Ok(Template::literal(text))
        }
    }

    /// Reads `text`; `what` names it in errors ("the body", "header \"X\"").
    pub fn parse(text: &str, what: &str, place: Place) -> Result<Template, CliError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            let Some(close) = rest[open + 2..].find("}}") else {
                return Err(CliError::msg(format!(
                    "\"{{{{\" without \"}}}}\" in {what}; use --no-templates to send it as it is"
                )));
            };
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_owned()));
            }
            let inner = &rest[open + 2..open + 2 + close];
            parts.push(Part::Word(word(inner, what, place)?));
            rest = &rest[open + 2 + close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Template { parts })
    }

    /// The text, when it has no words (it is then the same for every message).
    pub fn fixed(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => Some(text.as_str()),
                Part::Word(_) => None,
            })
            .collect()
    }

    /// The bytes for one message; an error (as text) when a token or the request is missing.
    pub fn render(&self, fill: &Fill) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.extend_from_slice(text.as_bytes()),
                Part::Word(Word::Request) => out.extend_from_slice(request(fill)?.body),
                Part::Word(word) => out.extend_from_slice(fill_word(*word, fill)?.as_bytes()),
            }
        }
        Ok(out)
    }

    /// Like [`render`](Self::render), for subjects and header values, which must be text.
    pub fn render_text(&self, fill: &Fill) -> Result<String, String> {
        String::from_utf8(self.render(fill)?)
            .map_err(|_| "the request body is not UTF-8 text, so it cannot go here".to_owned())
    }

    /// For `--command`: tokens as `${NATS_SUBJECT_TOKEN_n}`, so the shell expands them as data
    /// and a subject can never add shell syntax; other words as text (letters, digits, `-:TZ`).
    pub fn render_script(&self, fill: &Fill) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Word(Word::Token(n)) => {
                    token(fill, *n)?;
                    let _ = write!(out, "${{{}}}", token_variable(*n));
                }
                Part::Word(word) => out.push_str(&fill_word(*word, fill)?),
            }
        }
        Ok(out)
    }
}

/// The word inside `{{` and `}}`.
fn word(inner: &str, what: &str, place: Place) -> Result<Word, CliError> {
    let mut args = inner.split_whitespace();
    let name = args.next().unwrap_or("");
    let args: Vec<&str> = args.collect();
    let shown = format!("{{{{{}}}}}", inner.trim());
    let word = match name.to_ascii_lowercase().as_str() {
        "count" => Word::Count,
        "id" => Word::Id,
        "timestamp" => Word::TimeStamp,
        "time" => Word::Time,
        "unix" => Word::Unix,
        "unixnano" => Word::UnixNano,
        "random" => return random(&args, &shown, what),
        "request" if place == Place::Reply => Word::Request,
        "request" if place == Place::Command => {
            return Err(CliError::msg(format!(
                "{shown} cannot be used in {what}: the command reads the request body on its \
                 standard input"
            )))
        }
        digits if place != Place::Publish && digits.bytes().all(|b| b.is_ascii_digit()) => {
            match digits.parse() {
                Ok(n) if args.is_empty() => return Ok(Word::Token(n)),
                _ => return Err(unknown(&shown, what, place)),
            }
        }
        _ => return Err(unknown(&shown, what, place)),
    };
    if !args.is_empty() {
        return Err(CliError::msg(format!(
            "{shown} in {what}: {name} takes no arguments"
        )));
    }
    Ok(word)
}

/// `{{Random MIN MAX}}`.
fn random(args: &[&str], shown: &str, what: &str) -> Result<Word, CliError> {
    let bounds = match args {
        [min, max] => min.parse::<usize>().ok().zip(max.parse::<usize>().ok()),
        _ => None,
    };
    match bounds {
        Some((min, max)) if min <= max && max <= RANDOM_MAX => Ok(Word::Random { min, max }),
        _ => Err(CliError::msg(format!(
            "{shown} in {what}: Random needs two whole numbers MIN <= MAX <= {RANDOM_MAX}, \
             as in {{{{Random 5 10}}}}"
        ))),
    }
}

/// The error for a word we do not know, listing the ones we do.
fn unknown(shown: &str, what: &str, place: Place) -> CliError {
    let known = match place {
        Place::Publish => "Count, ID, TimeStamp, Time, Unix, UnixNano or Random MIN MAX",
        Place::Reply => {
            "Count, ID, TimeStamp, Time, Unix, UnixNano, Random MIN MAX, Request or a subject \
             token 0, 1, .."
        }
        Place::Command => {
            "Count, ID, TimeStamp, Time, Unix, UnixNano, Random MIN MAX or a subject token 0, 1, .."
        }
    };
    CliError::msg(format!(
        "unknown template word {shown} in {what}; use {known} (or --no-templates)"
    ))
}

/// The text of a word other than `{{Request}}`.
fn fill_word(word: Word, fill: &Fill) -> Result<String, String> {
    Ok(match word {
        Word::Count => fill.count.to_string(),
        Word::Id => natskit_proto::nuid::next(),
        Word::TimeStamp => clock::rfc3339(fill.now),
        Word::Time => clock::time_of_day(fill.now),
        Word::Unix => clock::since_epoch(fill.now).as_secs().to_string(),
        Word::UnixNano => clock::since_epoch(fill.now).as_nanos().to_string(),
        Word::Random { min, max } => {
            let mut rng = rand::rng();
            let len = rng.random_range(min..=max);
            (0..len)
                .map(|_| char::from(rng.sample(Alphanumeric)))
                .collect()
        }
        Word::Token(n) => token(fill, n)?.to_owned(),
        Word::Request => String::from_utf8_lossy(request(fill)?.body).into_owned(),
    })
}

/// The request being answered.
fn request<'a>(fill: &Fill<'a>) -> Result<Asked<'a>, String> {
    fill.request
        .ok_or_else(|| "there is no request to take this from".to_owned())
}

/// Token `n` of the request's subject, from 0.
fn token<'a>(fill: &Fill<'a>, n: usize) -> Result<&'a str, String> {
    let subject = request(fill)?.subject;
    subject
        .split('.')
        .nth(n)
        .ok_or_else(|| format!("the subject {subject:?} has no token {{{{{n}}}}}"))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    /// A fill at a known time, with no request.
    fn fill(count: u64) -> Fill<'static> {
        Fill {
            count,
            now: UNIX_EPOCH + Duration::new(1_714_566_896, 123_456_789),
            request: None,
        }
    }

    /// `template` read for `pub` and filled in as text.
    fn text(template: &str, fill: &Fill) -> String {
        Template::parse(template, "the body", Place::Publish)
            .unwrap()
            .render_text(fill)
            .unwrap()
    }

    #[test]
    fn fills_the_words() {
        let f = fill(7);
        assert_eq!(text("n={{Count}}", &f), "n=7");
        assert_eq!(text("{{ TimeStamp }}", &f), "2024-05-01T12:34:56Z");
        assert_eq!(text("{{time}}", &f), "12:34:56");
        assert_eq!(text("{{Unix}}", &f), "1714566896");
        assert_eq!(text("{{UnixNano}}", &f), "1714566896123456789");
        assert_eq!(text("plain", &f), "plain");
        assert_eq!(text("}} alone", &f), "}} alone");
        let ids = text("{{ID}} {{ID}}", &f);
        let (a, b) = ids.split_once(' ').unwrap();
        assert_eq!(a.len(), 22);
        assert_ne!(a, b, "each use is a new id");
    }

    #[test]
    fn random_stays_within_its_bounds() {
        let f = fill(1);
        for _ in 0..200 {
            let r = text("{{Random 3 6}}", &f);
            assert!((3..=6).contains(&r.len()), "{r:?}");
            assert!(r.bytes().all(|b| b.is_ascii_alphanumeric()), "{r:?}");
        }
        assert_eq!(text("{{Random 4 4}}", &f).len(), 4);
        assert_eq!(text("{{Random 0 0}}", &f), "");
    }

    #[test]
    fn rejects_unknown_and_malformed_words() {
        for (bad, start) in [
            ("{{Nope}}", "unknown template word {{Nope}} in the body"),
            ("{{Request}}", "unknown template word {{Request}}"),
            ("{{1}}", "unknown template word {{1}}"),
            ("{{}}", "unknown template word {{}}"),
            ("a {{Count", "\"{{\" without \"}}\" in the body"),
            (
                "{{Count 2}}",
                "{{Count 2}} in the body: Count takes no arguments",
            ),
            (
                "{{Random 5}}",
                "{{Random 5}} in the body: Random needs two whole numbers",
            ),
            ("{{Random 9 3}}", "{{Random 9 3}} in the body: Random needs"),
            ("{{Random 1 x}}", "{{Random 1 x}} in the body: Random needs"),
            (
                "{{Random 1 2 3}}",
                "{{Random 1 2 3}} in the body: Random needs",
            ),
            (
                "{{Random 1 9999999}}",
                "{{Random 1 9999999}} in the body: Random needs",
            ),
        ] {
            let err = Template::parse(bad, "the body", Place::Publish)
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(start), "{bad}: {err}");
        }
        let err = Template::parse("{{Request}}", "--command", Place::Command)
            .unwrap_err()
            .to_string();
        assert!(err.contains("standard input"), "{err}");
    }

    #[test]
    fn reply_words_take_the_request() {
        let mut f = fill(2);
        f.request = Some(Asked {
            subject: "weather.london.today",
            body: b"sunny?",
        });
        let reply = |t: &str| {
            Template::parse(t, "the body", Place::Reply)
                .unwrap()
                .render_text(&f)
        };
        assert_eq!(reply("{{0}}/{{1}}/{{2}}").unwrap(), "weather/london/today");
        assert_eq!(reply("#{{Count}}: {{Request}}").unwrap(), "#2: sunny?");
        assert_eq!(
            reply("{{3}}").unwrap_err(),
            "the subject \"weather.london.today\" has no token {{3}}"
        );
        let script = Template::parse("echo {{1}} {{Count}}", "--command", Place::Command)
            .unwrap()
            .render_script(&f)
            .unwrap();
        assert_eq!(script, "echo ${NATS_SUBJECT_TOKEN_1} 2");
    }

    #[test]
    fn literal_keeps_braces() {
        let t = Template::literal("{{Count}}");
        assert_eq!(t.render(&fill(3)).unwrap(), b"{{Count}}");
        assert_eq!(t.fixed().as_deref(), Some("{{Count}}"));
        let parse = |text| Template::parse(text, "x", Place::Publish).unwrap();
        assert_eq!(parse("a.b").fixed().as_deref(), Some("a.b"));
        assert_eq!(parse("").fixed().as_deref(), Some(""));
        assert_eq!(parse("a.{{Count}}").fixed(), None);
    }
}
