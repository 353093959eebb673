//! The flags of `natskit bench`: what to send (subject, size, how many), and how to report it.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::duration::parse_duration;

/// Subject used when none is given.
pub const DEFAULT_SUBJECT: &str = "natskit.bench";

/// Largest `--size` accepted; nats-server's own ceiling for max_payload is 64 MiB.
const MAX_SIZE: u64 = 64 << 20;

/// Most clients of one role: nats-server's default max_connections. Far more would not
/// connect anyway, and a number near `usize::MAX` made the run abort allocating room for them.
const MAX_CLIENTS: usize = 65_536;

/// The subject, positional or as `--subject`.
#[derive(Debug, Clone, Args)]
pub struct SubjectArgs {
    /// Subject to benchmark on [default: natskit.bench].
    #[arg(value_name = "SUBJECT")]
    positional: Option<String>,

    /// The subject, as a flag (instead of the positional SUBJECT).
    #[arg(
        long = "subject",
        value_name = "SUBJECT",
        conflicts_with = "positional"
    )]
    flag: Option<String>,
}

impl SubjectArgs {
    /// The subject given, or [`DEFAULT_SUBJECT`].
    pub fn subject(&self) -> &str {
        self.positional
            .as_deref()
            .or(self.flag.as_deref())
            .unwrap_or(DEFAULT_SUBJECT)
    }
}

/// How much load: clients, and messages or a duration.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Clients, each on its own connection: publishers (`pub`, `pubsub`), subscribers
    /// (`sub`) or requesters (`req`); at most 65536.
    #[arg(short, long, value_name = "N", default_value = "1", value_parser = parse_clients)]
    pub clients: usize,

    /// Messages in all, shared among the senders; `sub`: for each subscriber [default:
    /// 100000; req: 10000].
    #[arg(short = 'n', long, value_name = "N", value_parser = crate::cmd::parse_count)]
    pub msgs: Option<u64>,

    /// Run for this long instead of a number of messages (`500ms`, `10s`, `1m`).
    #[arg(short, long, value_name = "DURATION", value_parser = parse_duration, conflicts_with = "msgs")]
    pub duration: Option<Duration>,
}

/// The payload size of the messages sent.
#[derive(Debug, Clone, Args)]
pub struct SizeArgs {
    /// Payload size: `16`, `1KB` (1,000 bytes), `1KiB` (1,024), `1MiB`.
    #[arg(long, value_name = "BYTES", default_value = "128", value_parser = parse_size)]
    pub size: usize,
}

/// Where the results go besides (or instead of) the table.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Print the results as JSON on standard output instead of the tables.
    #[arg(long)]
    pub json: bool,

    /// Write the results as CSV to FILE (`-`: standard output, instead of the tables).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
}

impl OutputArgs {
    /// Whether the tables are replaced by machine output on standard output.
    pub fn machine_stdout(&self) -> bool {
        self.json || self.csv_to_stdout()
    }

    /// Whether `--csv -` was given.
    pub fn csv_to_stdout(&self) -> bool {
        self.csv.as_deref().is_some_and(|p| p.as_os_str() == "-")
    }
}

/// Either a number of messages or a time to run for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// This many messages (in all, or each for subscribers).
    Msgs(u64),
    /// As many as fit in this time.
    Duration(Duration),
}

impl LoadArgs {
    /// `--duration` if given, else `--msgs` or `default_msgs`.
    pub fn amount(&self, default_msgs: u64) -> Amount {
        match self.duration {
            Some(d) => Amount::Duration(d),
            None => Amount::Msgs(self.msgs.unwrap_or(default_msgs)),
        }
    }
}

/// `total` messages shared by `clients`: the first `total % clients` clients take one more.
pub fn split(total: u64, clients: usize) -> Vec<u64> {
    let clients = clients as u64;
    (0..clients)
        .map(|i| total / clients + u64::from(i < total % clients))
        .collect()
}

/// Parses `--clients`: a whole number from 1 to [`MAX_CLIENTS`].
fn parse_clients(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) if n > MAX_CLIENTS => Err(format!("must be at most {MAX_CLIENTS}")),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// Parses `--subs` and `--responders` (same rule as `--clients`).
pub fn parse_subs(text: &str) -> Result<usize, String> {
    parse_clients(text)
}

/// Parses a byte size: a number and an optional unit, `B`, `KB`/`MB`/`GB` (powers of 1,000)
/// or `KiB`/`MiB`/`GiB` (powers of 1,024), any case, with or without a space.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size such as 16, 1KB or 1MiB"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}; use B, KB, KiB, MB or MiB"
            ))
        }
    };
    let bytes = value * scale as f64;
    if bytes.fract() != 0.0 {
        return Err(format!("{text:?} is not a whole number of bytes"));
    }
    if bytes > MAX_SIZE as f64 {
        return Err(format!("{text:?} is larger than 64 MiB"));
    }
    Ok(bytes as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_with_and_without_units() {
        assert_eq!(parse_size("16"), Ok(16));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("16B"), Ok(16));
        assert_eq!(parse_size("1KB"), Ok(1_000));
        assert_eq!(parse_size("1kb"), Ok(1_000));
        assert_eq!(parse_size("1KiB"), Ok(1_024));
        assert_eq!(parse_size("1 KiB"), Ok(1_024));
        assert_eq!(parse_size("1.5KiB"), Ok(1_536));
        assert_eq!(parse_size("1MB"), Ok(1_000_000));
        assert_eq!(parse_size("1MiB"), Ok(1_048_576));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
    }

    #[test]
    fn sizes_rejected() {
        for bad in [
            "", "KB", "-1", "1x", "1 parsec", "0.3KiB", "1.5", "65MiB", "1GiB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn messages_are_split_evenly() {
        assert_eq!(split(10, 1), [10]);
        assert_eq!(split(10, 3), [4, 3, 3]);
        assert_eq!(split(2, 4), [1, 1, 0, 0]);
        assert_eq!(split(1_000_000, 4).iter().sum::<u64>(), 1_000_000);
    }

    #[test]
    fn clients_must_be_at_least_one() {
        assert_eq!(parse_clients("3"), Ok(3));
        assert!(parse_clients("0").is_err());
        assert_eq!(parse_clients("65536"), Ok(MAX_CLIENTS));
        assert!(parse_clients("65537").is_err());
        assert!(parse_clients("100000000000").is_err());
        assert!(parse_clients("many").is_err());
    }
}
