//! `natskit events`: the servers' client advisories as they happen: connects
//! (`$SYS.ACCOUNT.*.CONNECT`), disconnects (`$SYS.ACCOUNT.*.DISCONNECT`) and failed
//! authentications (`$SYS.SERVER.*.CLIENT.AUTH.ERR`). Only the system account receives them,
//! so the command first checks that it is in it, rather than wait in silence.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use futures_util::StreamExt;
use serde_json::Value;

use super::ops::{gather, Expect, PING};
use crate::connect::ConnectArgs;
use crate::error::CliError;
use crate::interrupt::Interrupt;

/// How long the system-account check may take when `--timeout` is not given.
const CHECK_WAIT: Duration = Duration::from_secs(5);

/// The subjects listened on.
const SUBJECTS: [&str; 3] = [
    "$SYS.ACCOUNT.*.CONNECT",
    "$SYS.ACCOUNT.*.DISCONNECT",
    "$SYS.SERVER.*.CLIENT.AUTH.ERR",
];

const HELP: &str = "\
Examples:
  natskit events --user sys --password sys        # one line per connect and disconnect
  natskit events --json                           # each advisory's JSON, one per line
  natskit events --count 2                        # stop after two advisories

Each line: the advisory's time, its kind (connect, disconnect, auth-error), the client's id,
name, user, account, address and library, and for a disconnect the reason and what it sent and
received. Needs a user of the system account; runs until Ctrl-C.";

/// Arguments of `natskit events`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct EventsArgs {
    /// Print each advisory's JSON document on one line.
    #[arg(long, short = 'j')]
    pub json: bool,

    /// Stop after this many advisories.
    #[arg(long, value_parser = super::parse_count)]
    pub count: Option<u64>,

    /// Where and how to connect.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Runs `natskit events`.
pub async fn run(args: EventsArgs) -> Result<(), CliError> {
    let mut interrupt = Interrupt::install()?;
    let client = args.connect.connect().await?;
    // Subscribing outside the system account succeeds and receives nothing: ask first.
    gather(
        &client,
        PING,
        "",
        Expect::First,
        args.connect.timeout_or(CHECK_WAIT),
    )
    .await
    .map_err(|e| CliError::msg(format!("advisories need the system account: {e}")))?;
    let mut streams = Vec::new();
    for subject in SUBJECTS {
        let sub = client
            .subscribe(subject)
            .await
            .map_err(|e| CliError::msg(format!("subscribing to {subject}: {e}")))?;
        streams.push(sub);
    }
    client
        .flush()
        .await
        .map_err(|e| CliError::msg(format!("subscribing: {e}")))?;
    note!("Listening for client advisories on {}", SUBJECTS.join(", "));
    let mut advisories = futures_util::stream::select_all(streams);
    let mut seen = 0;
    loop {
        tokio::select! {
            message = advisories.next() => {
                let Some(message) = message else { return Ok(()) };
                let text = String::from_utf8_lossy(&message.payload);
                let line = match serde_json::from_str::<Value>(&text) {
                    Ok(doc) if args.json => doc.to_string(),
                    Ok(doc) => describe(&doc),
                    Err(_) => format!("{}: not JSON: {text}", message.subject),
                };
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}").map_err(|e| CliError::io("writing to standard output", e))?;
                out.flush().map_err(|e| CliError::io("writing to standard output", e))?;
                seen += 1;
                if args.count.is_some_and(|n| seen >= n) {
                    return Ok(());
                }
            }
            () = interrupt.asked() => return Ok(()),
        }
    }
}

/// An advisory as one line for people.
fn describe(doc: &Value) -> String {
    let s = |p: &str| doc.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let n = |p: &str| doc.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    let kind = match s("/type") {
        "io.nats.server.advisory.v1.client_connect" => "connect",
        "io.nats.server.advisory.v1.client_disconnect" => "disconnect",
        "io.nats.server.advisory.v1.client_auth" => "auth-error",
        other => other,
    };
    let mut line = format!(
        "[{}] {kind:<10} client {}",
        s("/timestamp"),
        n("/client/id")
    );
    for (label, pointer) in [
        ("name", "/client/name"),
        ("user", "/client/user"),
        ("account", "/client/acc"),
        ("from", "/client/host"),
        ("server", "/server/name"),
    ] {
        let value = s(pointer);
        if !value.is_empty() {
            line.push_str(&format!(" {label} {value:?}"));
        }
    }
    let lang = s("/client/lang");
    if !lang.is_empty() {
        line.push_str(&format!(" ({lang} {})", s("/client/ver")));
    }
    if kind != "connect" && !s("/reason").is_empty() {
        line.push_str(&format!(": {}", s("/reason")));
    }
    if kind == "disconnect" {
        line.push_str(&format!(
            "; sent {} msgs ({} B), received {} msgs ({} B)",
            n("/sent/msgs"),
            n("/sent/bytes"),
            n("/received/msgs"),
            n("/received/bytes")
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disconnect_reads_as_one_line() {
        let doc = serde_json::json!({
            "type": "io.nats.server.advisory.v1.client_disconnect",
            "timestamp": "2025-01-01T00:00:00Z",
            "server": {"name": "n1"},
            "client": {"id": 7, "name": "app", "user": "a", "acc": "APP", "host": "127.0.0.1", "lang": "rust", "ver": "0.1.0"},
            "sent": {"msgs": 1, "bytes": 5}, "received": {"msgs": 2, "bytes": 10},
            "reason": "Client Closed"
        });
        assert_eq!(
            describe(&doc),
            "[2025-01-01T00:00:00Z] disconnect client 7 name \"app\" user \"a\" account \"APP\" \
             from \"127.0.0.1\" server \"n1\" (rust 0.1.0): Client Closed; sent 1 msgs (5 B), \
             received 2 msgs (10 B)"
        );
    }
}
