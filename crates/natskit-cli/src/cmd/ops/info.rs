//! `natskit server info [SERVER]`: one server's settings and figures from its varz.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use serde_json::Value;

use super::summary::bytes;
use super::{gather, monitor, not_system, Expect, Source};
use crate::error::CliError;

/// How long the answer is awaited when `--timeout` is not given.
const WAIT: Duration = Duration::from_secs(5);

const HELP: &str = "\
Examples:
  natskit server info --user sys --password sys          # the first server to answer
  natskit server info n2 --user sys --password sys       # the server named n2
  natskit server info NDJW...Q --user sys --password sys # the server with this id
  natskit server info --monitor http://127.0.0.1:8222    # through the monitoring port
  natskit server info --monitor http://127.0.0.1:8222 --json   # the whole varz document

Through the system account the question goes to $SYS.REQ.SERVER.<ID>.VARZ for a server id,
else to $SYS.REQ.SERVER.PING.VARZ, with the name as a filter.";

/// Arguments of `natskit server info`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct InfoArgs {
    /// The server's name or id (system account only); the first to answer when not given.
    #[arg(value_name = "SERVER", conflicts_with = "monitor")]
    pub target: Option<String>,

    /// Print the varz JSON document as it came.
    #[arg(long, short = 'j')]
    pub json: bool,

    /// Where the figures come from.
    #[command(flatten)]
    pub source: Source,
}

/// Runs `natskit server info`.
pub async fn run(args: InfoArgs) -> Result<(), CliError> {
    let wait = args.source.connect.timeout_or(WAIT);
    let varz = match args.source.monitor.as_slice() {
        [] => by_system_account(&args, wait).await?,
        [url] => monitor::get_json(url, "/varz", wait).await?.0,
        _ => {
            return Err(CliError::msg(
                "server info reads one server: give --monitor once",
            ))
        }
    };
    let text = if args.json {
        serde_json::to_string_pretty(&varz).unwrap_or_default()
    } else {
        render(&varz)
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").map_err(|e| CliError::io("writing to standard output", e))
}

/// The varz of the server asked for, through `$SYS.REQ.SERVER...VARZ`.
async fn by_system_account(args: &InfoArgs, wait: Duration) -> Result<Value, CliError> {
    let client = args.source.connect.connect().await?;
    let (subject, body) = match args.target.as_deref() {
        Some(id) if is_server_id(id) => (format!("$SYS.REQ.SERVER.{id}.VARZ"), "{}".to_owned()),
        Some(name) => (
            "$SYS.REQ.SERVER.PING.VARZ".to_owned(),
            serde_json::json!({"server_name": name, "exact_match": true}).to_string(),
        ),
        None => ("$SYS.REQ.SERVER.PING.VARZ".to_owned(), "{}".to_owned()),
    };
    let answers = gather(&client, &subject, &body, Expect::First, wait)
        .await
        .map_err(|e| match &args.target {
            // A name no server has gets no answer at all: say so rather than blame the account.
            Some(name) => CliError::msg(format!("{e} (or no server is named {name:?})")),
            None => e,
        })?;
    let answer = answers.into_iter().next().map(|a| a.body);
    answer
        .and_then(|mut a| a.get_mut("data").map(Value::take))
        .ok_or_else(|| not_system(&subject, "an answer without data"))
}

/// Server ids are 56 upper-case letters and digits (a public NKey, `N...`).
fn is_server_id(text: &str) -> bool {
    text.len() == 56
        && text.starts_with('N')
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// The varz as labelled lines in sections.
fn render(v: &Value) -> String {
    let s = |p: &str| match v.pointer(p) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "-".to_owned(),
        Some(other) => other.to_string(),
    };
    let n = |p: &str| v.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    let yes = |p: &str| {
        if v.pointer(p).and_then(Value::as_bool).unwrap_or(false) {
            "yes"
        } else {
            "no"
        }
        .to_owned()
    };
    let name = s("/server_name");
    let id = s("/server_id");
    let mut rows: Vec<(&str, String)> = vec![
        ("Version", s("/version")),
        ("Go", s("/go")),
        ("Started", s("/start")),
        ("Uptime", s("/uptime")),
        ("Host", format!("{}:{}", s("/host"), n("/port"))),
        ("Auth required", yes("/auth_required")),
        ("TLS required", yes("/tls_required")),
        (
            "JetStream",
            if v.pointer("/jetstream/config").is_some() {
                "yes"
            } else {
                "no"
            }
            .to_owned(),
        ),
        ("Max connections", n("/max_connections").to_string()),
        ("Max payload", bytes(n("/max_payload"))),
        ("Connections", n("/connections").to_string()),
        ("Total connections", n("/total_connections").to_string()),
        ("Subscriptions", n("/subscriptions").to_string()),
        (
            "Messages",
            format!("{} in, {} out", n("/in_msgs"), n("/out_msgs")),
        ),
        (
            "Bytes",
            format!(
                "{} in, {} out",
                bytes(n("/in_bytes")),
                bytes(n("/out_bytes"))
            ),
        ),
        ("Slow consumers", n("/slow_consumers").to_string()),
        ("Cores", n("/cores").to_string()),
    ];
    if v.pointer("/mem").is_some() {
        rows.push(("Memory", bytes(n("/mem"))));
        rows.push(("CPU", format!("{}%", s("/cpu"))));
    }
    rows.retain(|(_, value)| value != "-");
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let heading = if name == id {
        format!("Server {id}")
    } else {
        format!("Server {name} ({id})")
    };
    let mut text = heading;
    for (key, value) in rows {
        text.push_str(&format!("\n  {key:<width$}  {value}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_ids_are_told_from_names() {
        let id = format!("N{}", "A".repeat(55));
        assert!(is_server_id(&id));
        assert!(!is_server_id("n1"));
        assert!(!is_server_id(&id.to_lowercase()));
    }
}
