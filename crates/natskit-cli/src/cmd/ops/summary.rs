//! [`Summary`]: one server's figures, from a `$SYS.REQ.SERVER.PING` answer (`server` and
//! `statsz`) or from `/varz`, so `ping` and `list` print both sources alike.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

/// What `list` and `ping` show of a server.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The server's name.
    pub name: String,
    /// Its id (`N...`).
    pub id: String,
    /// The host it listens on.
    pub host: String,
    /// Its version.
    pub version: String,
    /// Whether JetStream is on.
    pub jetstream: bool,
    /// Clients connected now.
    pub connections: u64,
    /// Subscriptions held now.
    pub subscriptions: u64,
    /// Clients dropped for reading too slowly.
    pub slow_consumers: u64,
    /// Resident memory in bytes (0 when not told).
    pub memory: u64,
    /// CPU use in percent of one core.
    pub cpu: f64,
    /// Time from the question to the answer.
    #[serde(serialize_with = "as_seconds")]
    pub rtt: Duration,
}

fn as_seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn number(v: &Value, pointer: &str) -> u64 {
    v.pointer(pointer).and_then(Value::as_u64).unwrap_or(0)
}

impl Summary {
    /// From an answer to `$SYS.REQ.SERVER.PING`.
    pub fn from_statsz(v: &Value, rtt: Duration) -> Summary {
        Summary {
            name: text(v, "/server/name"),
            id: text(v, "/server/id"),
            host: text(v, "/server/host"),
            version: text(v, "/server/ver"),
            jetstream: v
                .pointer("/server/jetstream")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            connections: number(v, "/statsz/connections"),
            subscriptions: number(v, "/statsz/subscriptions"),
            slow_consumers: number(v, "/statsz/slow_consumers"),
            memory: number(v, "/statsz/mem"),
            cpu: v
                .pointer("/statsz/cpu")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
            rtt,
        }
    }

    /// From a `/varz` document (the monitoring port's, or the `data` of a `.VARZ` answer).
    pub fn from_varz(v: &Value, rtt: Duration) -> Summary {
        Summary {
            name: text(v, "/server_name"),
            id: text(v, "/server_id"),
            host: text(v, "/host"),
            version: text(v, "/version"),
            jetstream: v.pointer("/jetstream/config").is_some(),
            connections: number(v, "/connections"),
            subscriptions: number(v, "/subscriptions"),
            slow_consumers: number(v, "/slow_consumers"),
            memory: number(v, "/mem"),
            cpu: v.pointer("/cpu").and_then(Value::as_f64).unwrap_or(0.0),
            rtt,
        }
    }
}

/// Bytes as people read them: `512 B`, `12.3 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    // Precision lost in the conversion is far below what is printed.
    #[allow(clippy::cast_precision_loss)]
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_read_as_people_read_them() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MiB");
    }

    #[test]
    fn a_statsz_answer_and_a_varz_give_the_same_fields() {
        let statsz = serde_json::json!({
            "server": {"name": "n1", "id": "NID", "host": "0.0.0.0", "ver": "2.10.26", "jetstream": false},
            "statsz": {"connections": 3, "subscriptions": 7, "slow_consumers": 1, "mem": 100, "cpu": 1.5}
        });
        let varz = serde_json::json!({
            "server_name": "n1", "server_id": "NID", "host": "0.0.0.0", "version": "2.10.26",
            "connections": 3, "subscriptions": 7, "slow_consumers": 1, "mem": 100, "cpu": 1.5
        });
        let a = Summary::from_statsz(&statsz, Duration::ZERO);
        let b = Summary::from_varz(&varz, Duration::ZERO);
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::to_value(&b).unwrap()
        );
    }
}
