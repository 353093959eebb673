//! Operator mode settings: `operator` (a JWT file, or the JWT itself), `resolver: MEMORY` and
//! `resolver_preload { <account key>: <account JWT> }`, read as nats-server reads them. The
//! JWTs are decoded here (so a bad one is named with its position) and checked against each
//! other when the broker starts.

use super::error::ConfigError;
use super::fields;
use super::value::{Entry, ValueKind};
use crate::jwt::{self, AccountNats, OperatorNats};
use crate::operator::Operator;

/// What the operator-mode entries said, wherever in the file they were.
#[derive(Default)]
pub(crate) struct OperatorSettings<'t> {
    /// The operator JWT and its entry.
    operator: Option<(String, &'t Entry)>,
    /// The `resolver` entry (MEMORY).
    resolver: Option<&'t Entry>,
    preload: Vec<(String, String)>,
    preload_entry: Option<&'t Entry>,
}

/// The JWT of `operator`: the file's contents, or (as nats-server falls back to) the value
/// itself when no such file can be read and it starts like a JWT.
fn operator_jwt(k: &str, entry: &Entry) -> Result<String, ConfigError> {
    let v = &entry.value;
    let names = fields::strings(k, v)?;
    let [name] = names.as_slice() else {
        return Err(fields::invalid(
            k,
            v,
            "natskit server trusts one operator; more than one is not supported yet",
        ));
    };
    let text = match std::fs::read_to_string(name) {
        Ok(text) => text,
        Err(_) if name.starts_with("eyJ") => name.clone(),
        Err(e) => {
            return Err(fields::invalid(
                k,
                v,
                format!("error parsing operator JWT: {name}: {e}"),
            ))
        }
    };
    let token = jwt::undecorate(&text).to_owned();
    jwt::decode::<OperatorNats>(&token)
        .map_err(|e| fields::invalid(k, v, format!("error parsing operator JWT: {e}")))?;
    Ok(token)
}

impl<'t> OperatorSettings<'t> {
    /// Reads `entry` if it is an operator-mode setting (`k` its lower-cased key); false when
    /// it is not one.
    pub(crate) fn entry(&mut self, k: &str, entry: &'t Entry) -> Result<bool, ConfigError> {
        let v = &entry.value;
        match k {
            "operator" | "operators" | "roots" | "root" | "root_operators" | "root_operator" => {
                self.operator = Some((operator_jwt(k, entry)?, entry));
            }
            "resolver" | "account_resolver" | "accounts_resolver" => {
                let memory = match &v.kind {
                    ValueKind::String(s) => {
                        let s = s.trim().to_ascii_uppercase();
                        s == "MEM" || s == "MEMORY"
                    }
                    _ => false,
                };
                if !memory {
                    return Err(fields::not_yet(
                        entry,
                        "an account resolver other than MEMORY (URL, full or cache)",
                    ));
                }
                self.resolver = Some(entry);
            }
            "resolver_preload" => {
                let map = match &v.kind {
                    ValueKind::Map(map) => map,
                    _ => {
                        return Err(fields::invalid(
                            k,
                            v,
                            "preload should be a map of account_public_key:account_jwt",
                        ))
                    }
                };
                for item in map.entries() {
                    let ValueKind::String(token) = &item.value.kind else {
                        return Err(fields::invalid(
                            &item.key,
                            &item.value,
                            "preload map value should be a string JWT",
                        ));
                    };
                    jwt::decode::<AccountNats>(token).map_err(|e| {
                        fields::invalid(&item.key, &item.value, format!("invalid account JWT: {e}"))
                    })?;
                    self.preload.push((item.key.clone(), token.clone()));
                }
                self.preload_entry = Some(entry);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The operator mode the entries make, if any.
    pub(crate) fn finish(self) -> Result<Option<Operator>, ConfigError> {
        let Some((token, entry)) = self.operator else {
            if let Some(entry) = self.preload_entry.or(self.resolver) {
                return Err(fields::invalid(
                    &entry.key,
                    &entry.value,
                    "an account resolver is for operator mode: an operator is needed too",
                ));
            }
            return Ok(None);
        };
        if self.resolver.is_none() {
            return Err(fields::invalid(
                &entry.key,
                &entry.value,
                "operators require an account resolver to be configured",
            ));
        }
        let operator = self
            .preload
            .into_iter()
            .fold(Operator::new(token), |op, (key, jwt)| op.preload(key, jwt));
        Ok(Some(operator))
    }
}
