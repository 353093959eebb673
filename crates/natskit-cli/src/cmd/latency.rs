//! `natskit latency`: one-way latency from a publisher on one server to a subscriber on
//! another (or the same), at a set rate for a set time, as the `nats` CLI's `latency` measures
//! it: each payload starts with its send time, both ends run in this process on one clock, and
//! the delays go into an HDR histogram whose percentiles are printed.

use std::io::Write;
use std::time::Duration;

use clap::Args;
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use tokio::time::Instant;

use crate::clock::short_duration;
use crate::connect::ConnectArgs;
use crate::duration::parse_duration;
use crate::error::CliError;

/// How long stragglers are awaited after the last publish when `--timeout` is not given.
const GRACE: Duration = Duration::from_secs(5);

const HELP: &str = "\
Examples:
  natskit latency                                   # 1,000 msgs/s for 5s on one server
  natskit latency --server-b nats://b:4222 --rate 10000 --duration 10s
  natskit latency --size 1024 --histogram lat.txt   # the percentile table also to a file

The publisher connects with the connection flags, the subscriber to --server-b (else the same
server). Payloads are --size bytes, at least 8: the first 8 hold the send time. Results on
standard output: both connections' round trip times, the percentiles, the rates achieved.
Messages that do not arrive within --timeout (5s) after the last publish are counted as lost,
and make the command fail.";

/// Arguments of `natskit latency`.
#[derive(Debug, Args)]
#[command(after_help = HELP)]
pub struct LatencyArgs {
    /// The server the subscriber connects to [default: the publisher's].
    #[arg(long, value_name = "URL")]
    pub server_b: Option<String>,

    /// Payload size in bytes (at least 8).
    #[arg(long, default_value = "8", value_parser = parse_size)]
    pub size: usize,

    /// Messages per second.
    #[arg(long, default_value = "1000", value_parser = super::parse_count)]
    pub rate: u64,

    /// How long to publish.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Also write the percentile table to this file.
    #[arg(long, value_name = "FILE")]
    pub histogram: Option<std::path::PathBuf>,

    /// Where and how to connect.
    #[command(flatten)]
    pub connect: ConnectArgs,
}

fn parse_size(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 8 => Ok(n),
        Ok(_) => Err("must be at least 8 (the send time takes 8 bytes)".into()),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// Runs `natskit latency`.
pub async fn run(args: LatencyArgs) -> Result<(), CliError> {
    let total = args.rate.saturating_mul(args.duration.as_millis() as u64) / 1000;
    if total == 0 {
        return Err(CliError::msg(
            "--rate times --duration makes no message at all",
        ));
    }
    let connection = args.connect.resolve()?;
    let publisher = connection.connect_as("natskit-latency-pub").await?;
    let subscriber = match &args.server_b {
        Some(url) => connection
            .options()?
            .name("natskit-latency-sub")
            .connect(url)
            .await
            .map_err(|e| CliError::msg(format!("--server-b: {}", CliError::from(e))))?,
        None => connection.connect_as("natskit-latency-sub").await?,
    };
    let rtt_a = publisher
        .rtt()
        .await
        .map_err(|e| CliError::msg(format!("round trip: {e}")))?;
    let rtt_b = subscriber
        .rtt()
        .await
        .map_err(|e| CliError::msg(format!("round trip: {e}")))?;
    let subject = subscriber.new_inbox();
    let mut sub = subscriber
        .subscribe(&subject)
        .await
        .map_err(|e| CliError::msg(format!("subscribing: {e}")))?;
    subscriber
        .flush()
        .await
        .map_err(|e| CliError::msg(format!("subscribing: {e}")))?;
    wait_for_interest(&publisher, &mut sub, &subject).await?;

    let epoch = Instant::now();
    let grace = args.connect.timeout_or(GRACE);
    let receiving = tokio::spawn(async move {
        let mut delays = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3)
            .map_err(|e| CliError::msg(format!("histogram: {e}")))?;
        let mut received = 0u64;
        while received < total {
            let Ok(Some(message)) = tokio::time::timeout(grace, sub.next()).await else {
                break;
            };
            let Some(stamp) = message.payload.get(..8) else {
                continue;
            };
            // A probe left over from wait_for_interest: empty, so skipped above.
            let sent = u64::from_le_bytes(stamp.try_into().unwrap_or_default());
            let now = epoch.elapsed().as_nanos() as u64;
            let _ = delays.record(now.saturating_sub(sent).max(1));
            received += 1;
        }
        Ok::<_, CliError>((delays, received, epoch.elapsed()))
    });

    let mut payload = vec![0u8; args.size];
    let start = Instant::now();
    let mut sent = 0u64;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    while sent < total {
        tick.tick().await;
        // Whatever the schedule owes by now: steady on average without a sleep per message.
        let owed = ((start.elapsed().as_secs_f64() * args.rate as f64) as u64).min(total);
        while sent < owed {
            let now = epoch.elapsed().as_nanos() as u64;
            payload[..8].copy_from_slice(&now.to_le_bytes());
            publisher
                .publish(&subject, payload.clone())
                .await
                .map_err(|e| CliError::msg(format!("publishing: {e}")))?;
            sent += 1;
        }
    }
    publisher
        .flush()
        .await
        .map_err(|e| CliError::msg(format!("flushing: {e}")))?;
    let published_in = start.elapsed();
    let (delays, received, received_by) = receiving
        .await
        .map_err(|e| CliError::msg(format!("the subscriber stopped: {e}")))??;

    let rate = total as f64 / published_in.as_secs_f64();
    let mut text = format!(
        "Publisher rtt:   {}\nSubscriber rtt:  {}\nPayload:         {} B\n\
         Target:          {} msgs/s for {}\nSent:            {total} msgs at {rate:.0} msgs/s in {}\n\
         Received:        {received} msgs, the last after {}\n\n",
        short_duration(rtt_a),
        short_duration(rtt_b),
        args.size,
        args.rate,
        short_duration(args.duration),
        short_duration(published_in),
        short_duration(received_by.saturating_sub(start - epoch)),
    );
    let table = percentiles(&delays);
    text.push_str(&table);
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::io("writing to standard output", e))?;
    if let Some(path) = &args.histogram {
        std::fs::write(path, &table)
            .map_err(|e| CliError::msg(format!("writing {}: {e}", path.display())))?;
    }
    if received < total {
        return Err(CliError::msg(format!(
            "{} of {total} messages did not arrive within {} of the last publish",
            total - received,
            short_duration(grace)
        )));
    }
    Ok(())
}

/// Publishes empty probes until one arrives: on another server the interest takes a moment
/// to spread through the cluster, and messages sent before would be lost.
async fn wait_for_interest(
    publisher: &natskit::Client,
    sub: &mut natskit::Subscriber,
    subject: &str,
) -> Result<(), CliError> {
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        publisher
            .publish(subject, "")
            .await
            .map_err(|e| CliError::msg(format!("publishing: {e}")))?;
        if let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(10), sub.next()).await {
            // Probes still on their way are empty, and the receiver skips them.
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(CliError::msg(
                "a probe message never reached the subscriber's server within 2s",
            ));
        }
    }
}

/// The percentile table: minimum, the usual percentiles, maximum.
fn percentiles(h: &Histogram<u64>) -> String {
    let mut text = String::from("Percentile  Latency\n");
    let d = |v: u64| short_duration(Duration::from_nanos(v));
    text.push_str(&format!("{:>10}  {}\n", "min", d(h.min())));
    for q in [10.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999, 100.0] {
        text.push_str(&format!(
            "{:>10}  {}\n",
            format!("{q}"),
            d(h.value_at_percentile(q))
        ));
    }
    text.push_str(&format!("{:>10}  {}\n", "mean", d(h.mean() as u64)));
    text
}
