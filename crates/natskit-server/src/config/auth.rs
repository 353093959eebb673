//! `authorization { ... }`: a user and password, a token, or a list of users (with
//! passwords or NKeys) with their permissions, as nats-server reads the block.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::duration::parse_go_duration;
use super::error::ConfigError;
use super::fields::{self, not_yet, unknown};
use super::value::{Entry, Value, ValueKind};
use crate::options::{Auth, User};
use crate::permissions::{Permissions, Responses, Rule};
use crate::server::ServerBuilder;

/// Applies the block; returns the builder and the `timeout` if one is set.
pub(crate) fn apply(
    builder: ServerBuilder,
    v: &Value,
) -> Result<(ServerBuilder, Option<Duration>), ConfigError> {
    let block = fields::map("authorization", v)?;
    let mut user = None;
    let mut password = None;
    let mut token = None;
    let mut timeout = None;
    let mut users: Option<Vec<User>> = None;
    let mut defaults = None;
    for entry in block.entries() {
        let k = entry.key.to_ascii_lowercase();
        let v = &entry.value;
        match k.as_str() {
            "user" | "username" => user = Some(fields::string(&k, v)?.to_owned()),
            "pass" | "password" => password = Some(secret(entry, &k)?),
            "token" => token = Some(secret(entry, &k)?),
            "timeout" => timeout = Some(fields::seconds(&k, v)?),
            "users" => users = Some(parse_users(v)?),
            "default_permission" | "default_permissions" | "permissions" => {
                defaults = Some(Arc::new(permissions(v)?))
            }
            "auth_callout" | "auth_hook" => return Err(not_yet(entry, "auth callout")),
            _ => unknown(entry)?,
        }
    }
    let conflict = |reason: &str| Err(fields::invalid("authorization", v, reason));
    if (user.is_some() || password.is_some()) && token.is_some() {
        return conflict("cannot have a user/password and a token");
    }
    let auth = match (users, token, user) {
        (Some(_), _, Some(_)) => {
            return conflict("cannot have a single user/password and a users array")
        }
        (Some(_), Some(_), _) => return conflict("cannot have a token and a users array"),
        (Some(mut users), None, None) => {
            // As nats-server: users without permissions of their own get the defaults.
            for u in &mut users {
                if u.permissions.is_none() {
                    u.permissions = defaults.clone();
                }
            }
            Auth::Users(users)
        }
        (None, Some(token), None) => Auth::Token(token),
        (None, None, Some(name)) => {
            Auth::Users(vec![User::new(name, password.unwrap_or_default())])
        }
        (None, None, None) => Auth::None,
        (None, Some(_), Some(_)) => return conflict("cannot have a user/password and a token"),
    };
    Ok((builder.auth(auth), timeout))
}

/// A password or token, plain or a bcrypt hash (checked as one at CONNECT).
fn secret(entry: &Entry, k: &str) -> Result<String, ConfigError> {
    Ok(fields::string(k, &entry.value)?.to_owned())
}

/// `users [ {user, password, permissions}, {nkey, permissions} ]`.
pub(crate) fn parse_users(v: &Value) -> Result<Vec<User>, ConfigError> {
    let ValueKind::Array(items) = &v.kind else {
        return Err(fields::wrong("users", "an array of users", v));
    };
    let mut seen = HashSet::new();
    let mut users = Vec::new();
    for item in items {
        let map = fields::map("users entry", item)?;
        let (mut name, mut password, mut nkey, mut perms) = (None, None, None, None);
        for entry in map.entries() {
            let k = entry.key.to_ascii_lowercase();
            let v = &entry.value;
            match k.as_str() {
                "nkey" => nkey = Some(fields::string(&k, v)?.to_owned()),
                "user" | "username" => name = Some(fields::string(&k, v)?.to_owned()),
                "pass" | "password" => password = Some(secret(entry, &k)?),
                "permission" | "permissions" | "authorization" => perms = Some(permissions(v)?),
                "allowed_connection_types" | "connection_types" | "clients" => {
                    return Err(not_yet(entry, "allowed_connection_types"))
                }
                _ => unknown(entry)?,
            }
        }
        let mut user = match (nkey, name) {
            (Some(key), None) if password.is_none() => {
                let valid = nkeys::KeyPair::from_public_key(&key)
                    .is_ok_and(|k| key.starts_with('U') && k.public_key() == key);
                if !valid {
                    return Err(fields::invalid(
                        "nkey",
                        item,
                        "not a valid public NKey of a user (U...)",
                    ));
                }
                User::nkey(key)
            }
            (Some(_), _) => {
                return Err(fields::invalid(
                    "users entry",
                    item,
                    "NKey users do not take user names or passwords",
                ))
            }
            (None, Some(name)) => User::new(name, password.unwrap_or_default()),
            (None, None) => {
                return Err(fields::invalid(
                    "users entry",
                    item,
                    "a user entry needs a user or an nkey",
                ))
            }
        };
        if !seen.insert(user.name.clone()) {
            return Err(fields::invalid(
                "users entry",
                item,
                format!("duplicate user {:?}", user.name),
            ));
        }
        user.permissions = perms.map(Arc::new);
        users.push(user);
    }
    Ok(users)
}

/// `permissions { publish, subscribe, allow_responses }`.
pub(crate) fn permissions(v: &Value) -> Result<Permissions, ConfigError> {
    let block = fields::map("permissions", v)?;
    let mut p = Permissions::default();
    for entry in block.entries() {
        let k = entry.key.to_ascii_lowercase();
        match k.as_str() {
            "pub" | "publish" | "import" => p.publish = rule(&k, &entry.value)?,
            "sub" | "subscribe" | "export" => p.subscribe = rule(&k, &entry.value)?,
            "publish_allow_responses" | "allow_responses" => {
                p.responses = responses(&k, &entry.value)?
            }
            _ => unknown(entry)?,
        }
    }
    Ok(p)
}

/// `allow_responses: true`, or `{ max, expires }` with nats-server's readings: 0 keeps the
/// default, a negative value means no limit.
fn responses(k: &str, v: &Value) -> Result<Option<Responses>, ConfigError> {
    let block = match &v.kind {
        ValueKind::Bool(on) => return Ok(on.then(Responses::default)),
        ValueKind::Map(block) => block,
        _ => return Err(fields::wrong(k, "a boolean or a map", v)),
    };
    let mut r = Responses::default();
    for entry in block.entries() {
        let kk = entry.key.to_ascii_lowercase();
        let v = &entry.value;
        match kk.as_str() {
            "max" | "max_msgs" | "max_messages" | "max_responses" => {
                match fields::integer(&kk, v)? {
                    0 => {}
                    n if n < 0 => r.max = 0,
                    n => r.max = n.unsigned_abs(),
                }
            }
            "expires" | "expiration" | "ttl" => {
                let text = fields::string(&kk, v)?;
                if let Some(positive) = text.strip_prefix('-') {
                    parse_go_duration(positive).map_err(|e| fields::invalid(&kk, v, e))?;
                    r.expires = None;
                } else {
                    let ttl = parse_go_duration(text).map_err(|e| fields::invalid(&kk, v, e))?;
                    if !ttl.is_zero() {
                        r.expires = Some(ttl);
                    }
                }
            }
            _ => unknown(entry)?,
        }
    }
    Ok(Some(r))
}

/// A subject, a list of subjects (the allow list), or `{ allow, deny }`.
fn rule(k: &str, v: &Value) -> Result<Rule, ConfigError> {
    let mut rule = Rule::default();
    match &v.kind {
        ValueKind::Map(block) => {
            for entry in block.entries() {
                let kk = entry.key.to_ascii_lowercase();
                let subjects = subjects(&kk, &entry.value)?;
                match kk.as_str() {
                    "allow" => rule.allow = subjects,
                    "deny" => rule.deny = subjects,
                    _ => unknown(entry)?,
                }
            }
        }
        _ => rule.allow = subjects(k, v)?,
    }
    Ok(rule)
}

/// Subject patterns, checked as nats-server checks them.
fn subjects(k: &str, v: &Value) -> Result<Vec<String>, ConfigError> {
    let subjects = fields::strings(k, v)?;
    for s in &subjects {
        if s.split_whitespace().count() == 2 {
            return Err(fields::invalid(
                k,
                v,
                format!("{s:?}: permissions for a queue group are not supported yet"),
            ));
        }
        if natskit_proto::subject::validate_subscribe(s).is_err() {
            return Err(fields::invalid(
                k,
                v,
                format!("subject {s:?} is not a valid subject"),
            ));
        }
    }
    Ok(subjects)
}
