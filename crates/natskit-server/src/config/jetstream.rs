//! The `jetstream` block (and the top-level `store_dir`): nats-server's JetStream settings.

use super::error::ConfigError;
use super::fields::{self, not_yet, unknown};
use super::value::{Value, ValueKind};
use super::ConfigWarning;
use crate::jetstream::options::JetStream;

/// `jetstream: true | false | enabled | disabled`, or a block of settings; None when it is
/// switched off.
pub(crate) fn parse(
    k: &str,
    v: &Value,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Option<JetStream>, ConfigError> {
    match &v.kind {
        ValueKind::Bool(on) => return Ok(on.then(JetStream::new)),
        ValueKind::String(s) => {
            return match s.to_ascii_lowercase().as_str() {
                "enabled" | "enable" | "true" | "on" => Ok(Some(JetStream::new())),
                "disabled" | "disable" | "false" | "off" => Ok(None),
                _ => Err(fields::invalid(k, v, "expected enabled or disabled")),
            }
        }
        _ => {}
    }
    let map = fields::map(k, v)?;
    let mut js = JetStream::new();
    let mut enabled = true;
    for entry in map.entries() {
        let kk = entry.key.to_ascii_lowercase();
        let v = &entry.value;
        match kk.as_str() {
            "store_dir" | "storedir" | "store" => js = js.store_dir(fields::string(&kk, v)?),
            "max_memory_store" | "max_mem_store" | "max_mem" | "max_memory" => {
                js = js.max_memory(fields::integer(&kk, v)?)
            }
            "max_file_store" | "max_file" => js = js.max_file(fields::integer(&kk, v)?),
            "sync_interval" | "sync" => {
                js = match &v.kind {
                    ValueKind::String(s) if s.eq_ignore_ascii_case("always") => js.sync_always(),
                    _ => js.sync_interval(fields::duration(&kk, v, warnings)?),
                }
            }
            "enabled" | "enable" => enabled = fields::boolean(&kk, v)?,
            "domain" => js = js.domain(fields::string(&kk, v)?),
            "unique_tag"
            | "max_outstanding_catchup"
            | "cipher"
            | "key"
            | "prev_key"
            | "extension_hint"
            | "limits"
            | "tpm" => return Err(not_yet(entry, "this JetStream setting")),
            _ => unknown(entry)?,
        }
    }
    Ok(enabled.then_some(js))
}
