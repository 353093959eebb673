//! Reading one setting's value as the type it takes, with errors that name the setting and
//! point at the value.

use std::time::Duration;

use super::duration::parse_go_duration;
use super::error::{ConfigError, ConfigWarning, Problem};
use super::value::{Entry, Map, Value, ValueKind};

pub(crate) fn wrong(setting: &str, expected: &'static str, v: &Value) -> ConfigError {
    ConfigError::at(
        &v.position,
        Problem::WrongType {
            setting: setting.into(),
            expected,
            found: v.kind.describe(),
        },
    )
}

pub(crate) fn invalid(setting: &str, v: &Value, reason: impl Into<String>) -> ConfigError {
    ConfigError::at(
        &v.position,
        Problem::Invalid {
            setting: setting.into(),
            reason: reason.into(),
        },
    )
}

pub(crate) fn string<'v>(setting: &str, v: &'v Value) -> Result<&'v str, ConfigError> {
    match &v.kind {
        ValueKind::String(s) => Ok(s),
        _ => Err(wrong(setting, "a string", v)),
    }
}

pub(crate) fn integer(setting: &str, v: &Value) -> Result<i64, ConfigError> {
    match v.kind {
        ValueKind::Integer(n) => Ok(n),
        _ => Err(wrong(setting, "an integer", v)),
    }
}

pub(crate) fn boolean(setting: &str, v: &Value) -> Result<bool, ConfigError> {
    match v.kind {
        ValueKind::Bool(b) => Ok(b),
        _ => Err(wrong(setting, "true or false", v)),
    }
}

pub(crate) fn map<'v>(setting: &str, v: &'v Value) -> Result<&'v Map, ConfigError> {
    match &v.kind {
        ValueKind::Map(m) => Ok(m),
        _ => Err(wrong(setting, "a map ({ ... })", v)),
    }
}

/// A string, or an array of strings.
pub(crate) fn strings(setting: &str, v: &Value) -> Result<Vec<String>, ConfigError> {
    match &v.kind {
        ValueKind::String(s) => Ok(vec![s.clone()]),
        ValueKind::Array(items) => items
            .iter()
            .map(|item| string(setting, item).map(str::to_owned))
            .collect(),
        _ => Err(wrong(setting, "a string or an array of strings", v)),
    }
}

/// A size or count where nats-server takes 0 as "the default": `None` then.
pub(crate) fn size(setting: &str, v: &Value, max: i64) -> Result<Option<usize>, ConfigError> {
    let n = integer(setting, v)?;
    if n < 0 {
        return Err(invalid(setting, v, "must not be negative"));
    }
    if n > max {
        return Err(invalid(
            setting,
            v,
            format!("{n} is too big (at most {max})"),
        ));
    }
    Ok((n > 0).then_some(n as usize))
}

/// A port as nats-server reads it: -1 a free one (`Some(0)`), 0 the default (`None`).
pub(crate) fn port(setting: &str, v: &Value) -> Result<Option<u16>, ConfigError> {
    match integer(setting, v)? {
        -1 => Ok(Some(0)),
        0 => Ok(None),
        n => u16::try_from(n).map(Some).map_err(|_| {
            invalid(
                setting,
                v,
                format!("{n} is not a port (1 to 65535, or -1 for any free one)"),
            )
        }),
    }
}

/// `host:port` or a port, as nats-server's `listen`: (host, port).
pub(crate) fn listen(
    setting: &str,
    v: &Value,
) -> Result<(Option<String>, Option<u16>), ConfigError> {
    if let ValueKind::Integer(_) = v.kind {
        return Ok((None, port(setting, v)?));
    }
    let text = string(setting, v)?;
    let bad = || {
        invalid(
            setting,
            v,
            format!("could not parse address string {text:?} (host:port)"),
        )
    };
    let (host, port_text) = text.rsplit_once(':').ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port: i64 = port_text.parse().map_err(|_| bad())?;
    let port = Value {
        kind: ValueKind::Integer(port),
        position: v.position.clone(),
    };
    let host = (!host.is_empty()).then(|| host.to_owned());
    Ok((host, self::port(setting, &port)?))
}

/// A duration: a Go duration string, or (as older nats-server files have it) a number of
/// seconds, which nats-server accepts with a warning.
pub(crate) fn duration(
    setting: &str,
    v: &Value,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Duration, ConfigError> {
    match &v.kind {
        ValueKind::String(s) => parse_go_duration(s).map_err(|reason| invalid(setting, v, reason)),
        ValueKind::Integer(n) if *n >= 0 => {
            warnings.push(ConfigWarning {
                at: v.position.clone(),
                message: format!("{setting} should be converted to a duration (like \"{n}s\"); read as {n} seconds"),
            });
            Ok(Duration::from_secs(*n as u64))
        }
        ValueKind::Integer(_) => Err(invalid(setting, v, "must not be negative")),
        _ => Err(wrong(setting, "a duration (like \"2s\")", v)),
    }
}

/// Seconds as an integer or a float (`authorization { timeout }`).
pub(crate) fn seconds(setting: &str, v: &Value) -> Result<Duration, ConfigError> {
    let secs = match v.kind {
        ValueKind::Integer(n) => n as f64,
        ValueKind::Float(x) => x,
        _ => return Err(wrong(setting, "a number of seconds", v)),
    };
    Duration::try_from_secs_f64(secs)
        .map_err(|_| invalid(setting, v, "must be a non-negative number of seconds"))
}

/// An entry nats-server does not know: an error, unless it was used as a variable.
pub(crate) fn unknown(entry: &Entry) -> Result<(), ConfigError> {
    if entry.used_as_variable {
        return Ok(());
    }
    Err(ConfigError::at(
        &entry.key_position,
        Problem::UnknownField(entry.key.clone()),
    ))
}

/// A nats-server setting natskit server does not have yet.
pub(crate) fn not_yet(entry: &Entry, what: &'static str) -> ConfigError {
    ConfigError::at(
        &entry.key_position,
        Problem::NotYetSupported {
            setting: entry.key.clone(),
            what,
        },
    )
}

/// A nats-server setting for a feature natskit server will not have.
pub(crate) fn never(entry: &Entry, feature: &'static str) -> ConfigError {
    ConfigError::at(
        &entry.key_position,
        Problem::NeverSupported {
            setting: entry.key.clone(),
            feature,
        },
    )
}

/// A warning about `entry`.
pub(crate) fn warn(warnings: &mut Vec<ConfigWarning>, entry: &Entry, message: String) {
    warnings.push(ConfigWarning {
        at: entry.key_position.clone(),
        message,
    });
}
