//! `natskit rtt [ITERATIONS]`: the round trip time to each server of the connection's list,
//! and to each address a host name resolves to, as the average of PING/PONG round trips.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use crate::clock::short_duration;
use crate::connect::{ConnectArgs, Connection};
use crate::error::CliError;

const HELP: &str = "\
Examples:
  natskit rtt                                     # 5 round trips to the server, averaged
  natskit rtt 20 -s nats://a:4222,nats://b:4222   # each server, 20 round trips each
  natskit rtt --json

A host name is tried at each of its addresses (unless TLS is used: its certificate names the
host). An address that cannot be reached is listed as failed, with the reason; the command
fails when no server could be reached.";

/// Arguments of `natskit rtt`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct RttArgs {
    /// Round trips per server, averaged.
    #[arg(default_value = "5", value_parser = super::parse_count)]
    pub iterations: u64,

    /// Print JSON instead of text.
    #[arg(long, short = 'j')]
    pub json: bool,

    /// Where and how to connect.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// One server of the list and what its addresses measured.
#[derive(Debug, Serialize)]
struct Target {
    url: String,
    results: Vec<Measured>,
}

/// One address: its average round trip in seconds, or why it failed.
#[derive(Debug, Serialize)]
struct Measured {
    address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rtt: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Runs `natskit rtt`.
pub async fn run(args: RttArgs) -> Result<(), CliError> {
    let connection = args.connect.resolve()?;
    let mut targets = Vec::new();
    for url in connection
        .urls()
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        let mut results = Vec::new();
        for address in addresses(url, connection.uses_tls()).await {
            let measured = match average(&connection, &address, args.iterations).await {
                Ok(rtt) => Measured {
                    address,
                    rtt: Some(rtt.as_secs_f64()),
                    error: None,
                },
                Err(e) => Measured {
                    address,
                    rtt: None,
                    error: Some(e.to_string()),
                },
            };
            results.push(measured);
        }
        targets.push(Target {
            url: url.to_owned(),
            results,
        });
    }
    let text = if args.json {
        serde_json::to_string_pretty(&targets).unwrap_or_default() + "\n"
    } else {
        render(&targets)
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::io("writing to standard output", e))?;
    if targets
        .iter()
        .flat_map(|t| &t.results)
        .all(|r| r.rtt.is_none())
    {
        return Err(CliError::msg("no server could be reached"));
    }
    Ok(())
}

/// The addresses to try for `url`: the URL itself, or one URL per address of its host name.
async fn addresses(url: &str, tls: bool) -> Vec<String> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("nats", url));
    let host_port = rest
        .rsplit_once('@')
        .map_or(rest, |(_, h)| h)
        .trim_end_matches('/');
    let has_port = host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !host_port.ends_with(']');
    let with_port = if has_port {
        host_port.to_owned()
    } else {
        format!("{host_port}:4222")
    };
    let host = with_port.rsplit_once(':').map_or("", |(h, _)| h);
    let literal = host
        .trim_matches(['[', ']'])
        .parse::<std::net::IpAddr>()
        .is_ok();
    if literal || tls || scheme != "nats" {
        return vec![format!("{scheme}://{with_port}")];
    }
    let found = tokio::net::lookup_host(with_port.clone()).await;
    match found {
        Ok(found) => {
            let mut list: Vec<String> = found.map(|a| format!("{scheme}://{a}")).collect();
            list.dedup();
            if list.is_empty() {
                list.push(format!("{scheme}://{with_port}"));
            }
            list
        }
        // The connect attempt will say what is wrong with the name.
        Err(_) => vec![format!("{scheme}://{with_port}")],
    }
}

/// The average of `iterations` round trips on a connection of its own to `address`.
async fn average(
    connection: &Connection,
    address: &str,
    iterations: u64,
) -> Result<Duration, CliError> {
    let client = connection
        .options()?
        .max_reconnects(Some(0))
        .connect(address)
        .await?;
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        total += client
            .rtt()
            .await
            .map_err(|e| CliError::msg(format!("round trip failed: {e}")))?;
    }
    let _ = client.close().await;
    Ok(total / u32::try_from(iterations).unwrap_or(u32::MAX))
}

/// Each server, then its addresses with their averages.
fn render(targets: &[Target]) -> String {
    let width = targets
        .iter()
        .flat_map(|t| &t.results)
        .map(|r| r.address.len())
        .max()
        .unwrap_or(0);
    let mut text = String::new();
    for target in targets {
        text.push_str(&format!("{}:\n\n", target.url));
        for r in &target.results {
            let value = match (&r.rtt, &r.error) {
                (Some(rtt), _) => short_duration(Duration::from_secs_f64(*rtt)),
                (None, Some(e)) => format!("failed: {e}"),
                (None, None) => "failed".to_owned(),
            };
            text.push_str(&format!("  {:>width$}: {value}\n", r.address));
        }
        text.push('\n');
    }
    text
}
