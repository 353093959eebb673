//! `natskit server`'s log, in nats-server's line format:
//!
//! ```text
//! [4182] 2026/12/03 08:02:30.430359 [INF] Listening for client connections on 127.0.0.1:4222
//! [4182] 2026/12/03 08:02:37.061975 [DBG] 127.0.0.1:55970 - cid:5 - Client connection created
//! [4182] 2026/12/03 08:02:37.062493 [TRC] 127.0.0.1:55970 - cid:5 - <<- [SUB foo 1]
//! ```
//!
//! The broker's `tracing` events, formatted here: the process id, the time (UTC: natskit
//! reads no time-zone database; `--logtime=false` leaves it out), the level as nats-server
//! labels it, the text. `-D` adds the debug lines, `-V` the protocol trace; `-l FILE` writes
//! to a file (appended, as nats-server does), which SIGUSR1 reopens; `--log-json` writes one
//! JSON object per line instead. The labels are coloured only on a terminal (and not with
//! `NO_COLOR`): a redirected standard error or a file gets plain text. A reload (SIGHUP)
//! changes the levels and the file in place ([`Logger::apply`]).

use std::ffi::OsStr;
use std::fmt::{self, Write as _};
use std::fs::{File, OpenOptions};
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use natskit_proto::time::{Precision, UtcTime};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Registry};

use crate::error::CliError;

/// The target of the command's own lines (signals, reloads): under `natskit_server`, so the
/// same levels show them.
pub(crate) const TARGET: &str = "natskit_server::cli";

/// What to log, how and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogSettings {
    /// Debug lines (`-D`).
    pub(crate) debug: bool,
    /// Protocol trace lines (`-V`).
    pub(crate) trace: bool,
    /// The date and time on each line.
    pub(crate) logtime: bool,
    /// JSON objects instead of nats-server's lines.
    pub(crate) json: bool,
    /// A file instead of standard error.
    pub(crate) file: Option<PathBuf>,
}

impl LogSettings {
    /// The levels: RUST_LOG when set (for natskit's own developers), else the broker's info
    /// lines, its debug lines with `-D` and its trace lines with `-V`.
    fn filter(&self) -> EnvFilter {
        if let Ok(filter) = EnvFilter::try_from_default_env() {
            return filter;
        }
        let mut directives = vec![if self.debug {
            "natskit_server=debug"
        } else {
            "natskit_server=info"
        }];
        if self.trace {
            directives.push("natskit_server::trace=trace");
        }
        EnvFilter::new(directives.join(","))
    }
}

/// Where lines go: standard error or a file, swapped by a reload or SIGUSR1.
#[derive(Debug)]
enum Sink {
    Stderr,
    File { path: PathBuf, file: File },
}

/// The shared destination, and whether its labels are coloured.
#[derive(Debug, Clone)]
struct Output {
    sink: Arc<Mutex<Sink>>,
    colour: Arc<AtomicBool>,
}

impl Output {
    fn set(&self, sink: Sink) {
        let colour = matches!(sink, Sink::Stderr)
            && crate::style::colour_wanted(
                io::stderr().is_terminal(),
                std::env::var_os("NO_COLOR").as_deref().map(OsStr::new),
            );
        self.colour.store(colour, Ordering::Relaxed);
        *natskit_proto::sync::lock(&self.sink) = sink;
    }
}

/// One write to the destination.
struct OutputWriter(Arc<Mutex<Sink>>);

impl Write for OutputWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut *natskit_proto::sync::lock(&self.0) {
            Sink::Stderr => io::stderr().write(buf),
            Sink::File { file, .. } => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut *natskit_proto::sync::lock(&self.0) {
            Sink::Stderr => io::stderr().flush(),
            Sink::File { file, .. } => file.flush(),
        }
    }
}

impl<'a> MakeWriter<'a> for Output {
    type Writer = OutputWriter;

    fn make_writer(&'a self) -> Self::Writer {
        OutputWriter(self.sink.clone())
    }
}

/// Opens a log file for appending (created with mode 0640, as nats-server's).
fn open(path: &PathBuf) -> Result<Sink, CliError> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o640);
    }
    let file = options
        .open(path)
        .map_err(|e| CliError::msg(format!("error opening file: {}: {e}", path.display())))?;
    Ok(Sink::File {
        path: path.clone(),
        file,
    })
}

/// The installed logger: its levels and destination can change while it runs.
pub(crate) struct Logger {
    settings: Mutex<LogSettings>,
    filter: reload::Handle<EnvFilter, Registry>,
    output: Output,
    format: Arc<FormatSettings>,
}

/// What the formatter reads for each line.
#[derive(Debug)]
struct FormatSettings {
    logtime: AtomicBool,
    json: AtomicBool,
    colour: Arc<AtomicBool>,
    pid: u32,
}

impl Logger {
    /// Installs the logger as the process's `tracing` subscriber.
    pub(crate) fn install(settings: LogSettings) -> Result<Logger, CliError> {
        let sink = match &settings.file {
            Some(path) => open(path)?,
            None => Sink::Stderr,
        };
        let output = Output {
            sink: Arc::new(Mutex::new(Sink::Stderr)),
            colour: Arc::new(AtomicBool::new(false)),
        };
        output.set(sink);
        let format = Arc::new(FormatSettings {
            logtime: AtomicBool::new(settings.logtime),
            json: AtomicBool::new(settings.json),
            colour: output.colour.clone(),
            pid: std::process::id(),
        });
        let (filter, handle) = reload::Layer::new(settings.filter());
        let lines = tracing_subscriber::fmt::layer()
            .event_format(NatsFormat(format.clone()))
            .with_writer(output.clone());
        // Another subscriber already installed (never, in the binary) leaves that one.
        let _ = tracing_subscriber::registry()
            .with(filter)
            .with(lines)
            .try_init();
        Ok(Logger {
            settings: Mutex::new(settings),
            filter: handle,
            output,
            format,
        })
    }

    /// Changes levels, format and destination (a reload). The new file is opened first: if
    /// it cannot be, nothing changes.
    pub(crate) fn apply(&self, new: LogSettings) -> Result<(), CliError> {
        let mut current = natskit_proto::sync::lock(&self.settings);
        if new.file != current.file {
            let sink = match &new.file {
                Some(path) => open(path)?,
                None => Sink::Stderr,
            };
            self.output.set(sink);
        }
        let _ = self.filter.reload(new.filter());
        self.format.logtime.store(new.logtime, Ordering::Relaxed);
        self.format.json.store(new.json, Ordering::Relaxed);
        *current = new;
        Ok(())
    }

    /// Reopens the log file (SIGUSR1, after a log rotation moved it away); nothing to do on
    /// standard error.
    pub(crate) fn reopen(&self) -> Result<(), CliError> {
        let path = match &*natskit_proto::sync::lock(&self.output.sink) {
            Sink::File { path, .. } => path.clone(),
            Sink::Stderr => return Ok(()),
        };
        let sink = open(&path)?;
        self.output.set(sink);
        Ok(())
    }
}

/// nats-server's line format (or JSON lines).
struct NatsFormat(Arc<FormatSettings>);

impl<S, N> FormatEvent<S, N> for NatsFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let level = *event.metadata().level();
        let now = SystemTime::now();
        let settings = &self.0;
        if settings.json.load(Ordering::Relaxed) {
            let mut line = serde_json::Map::new();
            line.insert(
                "time".into(),
                natskit_proto::time::rfc3339(now, Precision::Micros).into(),
            );
            line.insert("level".into(), level_name(level).into());
            line.insert("pid".into(), settings.pid.into());
            line.insert("msg".into(), fields.message.into());
            for (name, value) in fields.others {
                line.insert(name, value.into());
            }
            return writeln!(writer, "{}", serde_json::Value::Object(line));
        }
        write!(writer, "[{}] ", settings.pid)?;
        if settings.logtime.load(Ordering::Relaxed) {
            write!(writer, "{} ", log_time(now))?;
        }
        let label = label(level);
        if settings.colour.load(Ordering::Relaxed) {
            write!(writer, "[\x1b[{}m{label}\x1b[0m] ", colour(level))?;
        } else {
            write!(writer, "[{label}] ")?;
        }
        write!(writer, "{}", fields.message)?;
        for (name, value) in fields.others {
            write!(writer, " {name}={value}")?;
        }
        writeln!(writer)
    }
}

/// `2026/12/03 08:02:30.430359`: Go's log timestamp with microseconds.
fn log_time(at: SystemTime) -> String {
    let t = UtcTime::new(at);
    format!(
        "{:04}/{:02}/{:02} {:02}:{:02}:{:02}.{:06}",
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.nanosecond / 1000
    )
}

/// nats-server's labels.
fn label(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERR",
        Level::WARN => "WRN",
        Level::INFO => "INF",
        Level::DEBUG => "DBG",
        Level::TRACE => "TRC",
    }
}

/// nats-server's label colours (ANSI codes).
fn colour(level: Level) -> &'static str {
    match level {
        Level::ERROR => "31",
        Level::WARN => "0;93",
        Level::INFO => "32",
        Level::DEBUG => "36",
        Level::TRACE => "33",
    }
}

/// The level's name in JSON lines.
fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// An event's message and other fields, as text.
#[derive(Default)]
struct Fields {
    message: String,
    others: Vec<(String, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.others
                .push((field.name().to_owned(), value.to_owned()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.others
                .push((field.name().to_owned(), format!("{value:?}")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_are_gos_log_times() {
        let at = UNIX_EPOCH + Duration::new(1_714_566_896, 7_900_123);
        assert_eq!(log_time(at), "2024/05/01 12:34:56.007900");
    }

    #[test]
    fn levels_are_labelled_as_nats_server_labels_them() {
        assert_eq!(
            [
                Level::ERROR,
                Level::WARN,
                Level::INFO,
                Level::DEBUG,
                Level::TRACE
            ]
            .map(label),
            ["ERR", "WRN", "INF", "DBG", "TRC"]
        );
    }

    #[test]
    fn levels_follow_debug_and_trace() {
        if std::env::var_os("RUST_LOG").is_some() {
            return;
        }
        let settings = |debug, trace| LogSettings {
            debug,
            trace,
            logtime: true,
            json: false,
            file: None,
        };
        assert_eq!(
            settings(false, false).filter().to_string(),
            "natskit_server=info"
        );
        assert_eq!(
            settings(true, true).filter().to_string(),
            "natskit_server::trace=trace,natskit_server=debug"
        );
    }
}
