//! `/metrics`: the broker's counters in the Prometheus text exposition format (version
//! 0.0.4), each family with its `# HELP` and `# TYPE` lines and a `natskit_server_` name, so a
//! Prometheus server can scrape the monitoring port without an exporter beside it.

use std::fmt::Write as _;
use std::time::SystemTime;

use crate::state::{State, VERSION};
use crate::stats::Statistics;

/// The content type Prometheus expects of the text format.
pub(super) const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether a family goes up and down (`gauge`) or only up (`counter`).
#[derive(Clone, Copy)]
enum Kind {
    Gauge,
    Counter,
}

/// The page: one family per figure of [`Statistics`], plus the uptime and an info series.
pub(super) fn metrics(state: &State) -> String {
    let stats = Statistics::of(state);
    let uptime = SystemTime::now()
        .duration_since(state.started)
        .unwrap_or_default()
        .as_secs_f64();
    let families: [(&str, Kind, &str, f64); 9] = [
        (
            "connections",
            Kind::Gauge,
            "Clients connected now.",
            stats.connections as f64,
        ),
        (
            "connections_total",
            Kind::Counter,
            "Clients connected since the start.",
            stats.total_connections as f64,
        ),
        (
            "subscriptions",
            Kind::Gauge,
            "Subscriptions held now.",
            stats.subscriptions as f64,
        ),
        (
            "in_messages_total",
            Kind::Counter,
            "Messages received from clients.",
            stats.in_msgs as f64,
        ),
        (
            "in_bytes_total",
            Kind::Counter,
            "Bytes of messages (headers and payloads) received from clients.",
            stats.in_bytes as f64,
        ),
        (
            "out_messages_total",
            Kind::Counter,
            "Messages delivered to clients.",
            stats.out_msgs as f64,
        ),
        (
            "out_bytes_total",
            Kind::Counter,
            "Bytes of messages delivered to clients.",
            stats.out_bytes as f64,
        ),
        (
            "slow_consumers_total",
            Kind::Counter,
            "Clients disconnected because they did not read fast enough.",
            stats.slow_consumers as f64,
        ),
        (
            "uptime_seconds",
            Kind::Gauge,
            "Seconds since the broker started.",
            uptime,
        ),
    ];
    let mut out = String::with_capacity(2048);
    for (name, kind, help, value) in families {
        family(&mut out, name, kind, help, "", value);
    }
    // The usual `_info` idiom: the value is 1, the facts are labels.
    let labels = format!(
        "{{version=\"{}\",server_id=\"{}\",server_name=\"{}\"}}",
        escape(VERSION),
        escape(&state.server_id),
        escape(state.server_name())
    );
    family(
        &mut out,
        "info",
        Kind::Gauge,
        "The broker's version, id and name as labels; always 1.",
        &labels,
        1.0,
    );
    out
}

/// Appends one family: `# HELP`, `# TYPE` and its one sample.
fn family(out: &mut String, name: &str, kind: Kind, help: &str, labels: &str, value: f64) {
    let kind = match kind {
        Kind::Gauge => "gauge",
        Kind::Counter => "counter",
    };
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "# HELP natskit_server_{name} {help}\n# TYPE natskit_server_{name} {kind}\n\
         natskit_server_{name}{labels} {value}\n"
    );
}

/// A label value as the text format wants it: backslash, double quote and newline escaped.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn label_values_escape_what_the_format_reserves() {
        assert_eq!(escape(r#"a"b\c"#), r#"a\"b\\c"#);
        assert_eq!(escape("two\nlines"), "two\\nlines");
    }
}
