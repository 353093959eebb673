//! The `nats` CLI's context files (`$XDG_CONFIG_HOME/nats/context/NAME.json`, else
//! `~/.config/nats/context/`), read for `natskit context import`: each key natskit has is
//! taken; every other key that holds a value is named as skipped, never dropped unsaid.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::context::Context;
use crate::error::CliError;
use crate::secret::Secret;
use crate::settings::Settings;

/// A `nats` CLI context as natskit's, and the keys left out (each with why).
#[derive(Debug)]
pub struct Imported {
    /// What natskit keeps.
    pub context: Context,
    /// `key (why)` for each key with a value that natskit does not take.
    pub skipped: Vec<String>,
}

/// The folder of the `nats` CLI's contexts.
pub fn folder() -> Result<PathBuf, CliError> {
    let var = |name| std::env::var_os(name).map(PathBuf::from);
    let config = match (var("XDG_CONFIG_HOME"), var("HOME")) {
        (Some(xdg), _) if xdg.is_absolute() => xdg,
        (_, Some(home)) if home.is_absolute() => home.join(".config"),
        _ => {
            return Err(CliError::msg(
                "cannot find the nats CLI's contexts: set XDG_CONFIG_HOME or HOME",
            ))
        }
    };
    Ok(config.join("nats").join("context"))
}

/// The names of the contexts in `folder`, sorted.
pub fn names(folder: &Path) -> Result<Vec<String>, CliError> {
    let entries = std::fs::read_dir(folder).map_err(|e| {
        CliError::msg(format!(
            "cannot list the nats CLI's contexts in {}: {e}",
            folder.display()
        ))
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|file| file.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

/// Reads the `nats` CLI's context in `file`.
pub fn read(file: &Path) -> Result<Imported, CliError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        CliError::msg(format!(
            "cannot read the nats CLI context {}: {e}",
            file.display()
        ))
    })?;
    let document: Value = serde_json::from_str(&text).map_err(|e| {
        CliError::msg(format!(
            "the nats CLI context {} is not valid JSON: {e}",
            file.display()
        ))
    })?;
    let Value::Object(fields) = document else {
        return Err(CliError::msg(format!(
            "the nats CLI context {} is not a JSON object",
            file.display()
        )));
    };
    convert(&fields).map_err(|why| {
        CliError::msg(format!(
            "cannot import the nats CLI context {}: {why}",
            file.display()
        ))
    })
}

/// The `nats` CLI's keys natskit takes, and the keys it ignores as no setting at all.
fn convert(fields: &Map<String, Value>) -> Result<Imported, String> {
    let mut context = Context::default();
    let mut skipped = Vec::new();
    let s = &mut context.settings;
    for (key, value) in fields {
        if is_empty(value) || key == "name" {
            continue;
        }
        let text = || {
            value
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{key:?} is not text"))
        };
        // A reference to a secret store (op://, env://, ...) is for the nats CLI to resolve.
        let literal = |skipped: &mut Vec<String>| -> Result<Option<String>, String> {
            let text = text()?;
            match scheme(&text) {
                Some(scheme) => {
                    skipped.push(format!(
                        "{key} (a {scheme} reference natskit cannot resolve)"
                    ));
                    Ok(None)
                }
                None => Ok(Some(text)),
            }
        };
        let path = |skipped: &mut Vec<String>| -> Result<Option<PathBuf>, String> {
            let text = text()?;
            let text = text.strip_prefix("file://").unwrap_or(&text);
            match scheme(text) {
                Some(scheme) => {
                    skipped.push(format!(
                        "{key} (a {scheme} reference natskit cannot resolve)"
                    ));
                    Ok(None)
                }
                None => Ok(Some(expand(text))),
            }
        };
        match key.as_str() {
            "description" => context.description = Some(text()?),
            "url" => s.server = Some(text()?),
            "user" => s.user = literal(&mut skipped)?,
            "password" => s.password = literal(&mut skipped)?.map(Secret::from),
            "token" => s.token = literal(&mut skipped)?.map(Secret::from),
            "user_jwt" => s.jwt = literal(&mut skipped)?,
            "user_seed" => s.seed = literal(&mut skipped)?.map(Secret::from),
            "creds" => s.creds = path(&mut skipped)?,
            "nkey" => s.nkey = path(&mut skipped)?,
            "cert" => s.tlscert = path(&mut skipped)?,
            "key" => s.tlskey = path(&mut skipped)?,
            "ca" => s.tlsca = path(&mut skipped)?,
            "tls_first" => {
                s.tlsfirst = value
                    .as_bool()
                    .ok_or("\"tls_first\" is not true or false")?
            }
            _ => skipped.push(format!("{key} (natskit has no such setting)")),
        }
    }
    keep_one_kind(s, &mut skipped);
    skipped.sort();
    Ok(Imported { context, skipped })
}

/// Keeps the credentials the `nats` CLI would use (user, creds, nkey, JWT, token: the first
/// given) and names the others as skipped. A JWT without its seed (a bearer JWT) is skipped
/// too: natskit signs with the seed.
fn keep_one_kind(s: &mut Settings, skipped: &mut Vec<String>) {
    if s.jwt.is_some() && s.seed.is_none() {
        s.jwt = None;
        skipped.push("user_jwt (natskit needs user_seed with it)".to_owned());
    }
    let given = [
        ("user", s.user.is_some() || s.password.is_some()),
        ("creds", s.creds.is_some()),
        ("nkey", s.nkey.is_some()),
        ("user_jwt", s.jwt.is_some()),
        ("token", s.token.is_some()),
    ];
    let mut given = given
        .iter()
        .filter(|(_, present)| *present)
        .map(|(key, _)| *key);
    let Some(winner) = given.next() else {
        return;
    };
    for loser in given {
        let mut losers = vec![loser];
        match loser {
            "creds" => s.creds = None,
            "nkey" => s.nkey = None,
            "user_jwt" => {
                s.jwt = None;
                s.seed = None;
                losers.push("user_seed");
            }
            _ => s.token = None,
        }
        for key in losers {
            skipped.push(format!("{key} (the nats CLI uses {winner} over it)"));
        }
    }
}

/// Whether `value` holds nothing: `""`, `false`, `null`, `[]`, `{}` (the `nats` CLI writes
/// every key, most of them empty).
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(on) => !on,
        Value::String(text) => text.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        Value::Number(_) => false,
    }
}

/// The scheme of a secret-store reference (`op://`, `env://`, `nsc://`, `data:`), if `text`
/// is one.
fn scheme(text: &str) -> Option<&str> {
    if text.starts_with("data:") {
        return Some("data:");
    }
    let (scheme, _) = text.split_once("://")?;
    let plain = !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric());
    plain.then_some(scheme).map(|_| &text[..scheme.len() + 3])
}

/// A path with a leading `~` as the home folder, made absolute (contexts are used from any
/// folder).
fn expand(path: &str) -> PathBuf {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let path = match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    };
    std::path::absolute(&path).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn convert_json(value: Value) -> Imported {
        convert(value.as_object().unwrap()).unwrap()
    }

    #[test]
    fn empty_keys_are_nothing_and_others_are_named() {
        let imported = convert_json(json!({
            "description": "", "url": "nats://a:4222", "socks_proxy": "", "token": "",
            "user": "alice", "password": "pw", "jetstream_domain": "hub", "tls_first": false,
            "windows_ca_certs_match": null, "inbox_prefix": "_MINE"
        }));
        let s = &imported.context.settings;
        assert_eq!(s.server.as_deref(), Some("nats://a:4222"));
        assert_eq!(s.user.as_deref(), Some("alice"));
        assert_eq!(s.password.as_ref().map(Secret::expose), Some("pw"));
        assert_eq!(
            imported.skipped,
            [
                "inbox_prefix (natskit has no such setting)",
                "jetstream_domain (natskit has no such setting)"
            ]
        );
    }

    #[test]
    fn credentials_as_the_nats_cli_picks_them() {
        let imported = convert_json(json!({
            "user": "foo", "password": "foo", "token": "foo", "creds": "/a.creds"
        }));
        let s = &imported.context.settings;
        assert!(s.user.is_some() && s.token.is_none() && s.creds.is_none());
        assert_eq!(
            imported.skipped,
            [
                "creds (the nats CLI uses user over it)",
                "token (the nats CLI uses user over it)"
            ]
        );
        let imported = convert_json(json!({
            "token": "op://vault/nats/token", "nkey": "file:///keys/u.nk", "user_jwt": "eyJ"
        }));
        let s = &imported.context.settings;
        assert_eq!(s.nkey, Some(PathBuf::from("/keys/u.nk")));
        assert!(s.token.is_none() && s.jwt.is_none());
        assert_eq!(
            imported.skipped,
            [
                "token (a op:// reference natskit cannot resolve)",
                "user_jwt (natskit needs user_seed with it)"
            ]
        );
    }

    #[test]
    fn wrong_types_are_errors() {
        let err = convert(json!({"url": 5}).as_object().unwrap()).unwrap_err();
        assert_eq!(err, "\"url\" is not text");
        let err = convert(json!({"tls_first": "yes"}).as_object().unwrap()).unwrap_err();
        assert_eq!(err, "\"tls_first\" is not true or false");
    }
}
