//! `accounts { NAME { users, exports, imports } }` and `system_account`, as nats-server
//! reads them: each account's users join it; exports are `{stream: SUBJECT}` or
//! `{service: SUBJECT}` (with `accounts: [...]` to restrict them); imports are
//! `{stream: {account, subject}, prefix | to}` or `{service: {account, subject}, to}`.

use std::sync::Arc;

use super::auth::{parse_users, permissions};
use super::error::ConfigError;
use super::fields::{self, not_yet, unknown};
use super::value::{Value, ValueKind};
use crate::accounts::{Account, Export, Import};
use crate::options::User;

/// The accounts of the block and their users (each user knowing its account).
pub(crate) fn parse(v: &Value) -> Result<(Vec<Account>, Vec<User>), ConfigError> {
    let block = fields::map("accounts", v)?;
    let mut accounts = Vec::new();
    let mut users = Vec::new();
    for entry in block.entries() {
        let mut account = Account::new(entry.key.clone());
        let mut members = Vec::new();
        let mut defaults = None;
        // nats-server takes `A: {}` and also a bare `A` with nothing in it.
        if let ValueKind::Map(body) = &entry.value.kind {
            for e in body.entries() {
                let k = e.key.to_ascii_lowercase();
                let v = &e.value;
                match k.as_str() {
                    "users" => members = parse_users(v)?,
                    "exports" => account.exports = list(&k, v, export)?,
                    "imports" => account.imports = list(&k, v, import)?,
                    "default_permissions" => defaults = Some(Arc::new(permissions(v)?)),
                    "jetstream" | "js" => account.jetstream = jetstream_enabled(&k, v)?,
                    "mappings" | "maps" => return Err(not_yet(e, "subject mappings")),
                    "limits" => return Err(not_yet(e, "account limits")),
                    _ => unknown(e)?,
                }
            }
        } else if !matches!(&entry.value.kind, ValueKind::String(s) if s.is_empty()) {
            return Err(fields::wrong(&entry.key, "a map", &entry.value));
        }
        for mut user in members {
            if user.permissions.is_none() {
                user.permissions = defaults.clone();
            }
            users.push(user.account(account.name.clone()));
        }
        accounts.push(account);
    }
    Ok((accounts, users))
}

/// An array of maps, each read by `item`.
fn list<T>(
    k: &str,
    v: &Value,
    item: fn(&Value) -> Result<T, ConfigError>,
) -> Result<Vec<T>, ConfigError> {
    let ValueKind::Array(items) = &v.kind else {
        return Err(fields::wrong(k, "an array", v));
    };
    items.iter().map(item).collect()
}

/// `{stream: SUBJECT}` or `{service: SUBJECT}`, with `accounts`.
fn export(v: &Value) -> Result<Export, ConfigError> {
    let block = fields::map("exports entry", v)?;
    let mut export = None;
    let mut accounts = Vec::new();
    for e in block.entries() {
        let k = e.key.to_ascii_lowercase();
        match k.as_str() {
            "stream" => export = Some(Export::stream(fields::string(&k, &e.value)?)),
            "service" => export = Some(Export::service(fields::string(&k, &e.value)?)),
            "accounts" => accounts = fields::strings(&k, &e.value)?,
            "response"
            | "response_type"
            | "threshold"
            | "response_threshold"
            | "latency"
            | "account_token_position"
            | "advertise"
            | "allow_trace" => return Err(not_yet(e, "this export setting")),
            _ => unknown(e)?,
        }
    }
    let export = export.ok_or_else(|| {
        fields::invalid("exports entry", v, "an export needs a stream or a service")
    })?;
    Ok(export.accounts(accounts))
}

/// `{stream: {account, subject}, prefix | to}` or `{service: {account, subject}, to}`.
fn import(v: &Value) -> Result<Import, ConfigError> {
    let block = fields::map("imports entry", v)?;
    let mut import = None;
    let (mut to, mut prefix) = (None, None);
    for e in block.entries() {
        let k = e.key.to_ascii_lowercase();
        let v = &e.value;
        match k.as_str() {
            "stream" => {
                let (account, subject) = source(&k, v)?;
                import = Some(Import::stream(account, subject));
            }
            "service" => {
                let (account, subject) = source(&k, v)?;
                import = Some(Import::service(account, subject));
            }
            "to" => to = Some(fields::string(&k, v)?.to_owned()),
            "prefix" => prefix = Some(fields::string(&k, v)?.to_owned()),
            "share" | "allow_trace" => return Err(not_yet(e, "this import setting")),
            _ => unknown(e)?,
        }
    }
    let mut import = import.ok_or_else(|| {
        fields::invalid("imports entry", v, "an import needs a stream or a service")
    })?;
    if prefix.is_some() && import.kind == crate::accounts::Kind::Service {
        return Err(fields::invalid(
            "prefix",
            v,
            "a service import takes `to`, not `prefix`",
        ));
    }
    import.to = to;
    import.prefix = prefix;
    Ok(import)
}

/// `{account: NAME, subject: SUBJECT}`.
fn source(k: &str, v: &Value) -> Result<(String, String), ConfigError> {
    let block = fields::map(k, v)?;
    let (mut account, mut subject) = (None, None);
    for e in block.entries() {
        let kk = e.key.to_ascii_lowercase();
        match kk.as_str() {
            "account" => account = Some(fields::string(&kk, &e.value)?.to_owned()),
            "subject" => subject = Some(fields::string(&kk, &e.value)?.to_owned()),
            _ => unknown(e)?,
        }
    }
    match (account, subject) {
        (Some(a), Some(s)) => Ok((a, s)),
        _ => Err(fields::invalid(k, v, "needs an account and a subject")),
    }
}

/// An account's `jetstream`: `enabled` / `disabled`, a boolean, or a block of limits (taken
/// as enabled; the limits themselves are not applied).
fn jetstream_enabled(k: &str, v: &Value) -> Result<bool, ConfigError> {
    match &v.kind {
        ValueKind::Bool(on) => Ok(*on),
        ValueKind::String(s) => match s.to_ascii_lowercase().as_str() {
            "enabled" | "enable" | "true" | "on" => Ok(true),
            "disabled" | "disable" | "false" | "off" => Ok(false),
            _ => Err(fields::invalid(k, v, "expected enabled or disabled")),
        },
        ValueKind::Map(_) => Ok(true),
        _ => Err(fields::wrong(k, "enabled, disabled or a block", v)),
    }
}
