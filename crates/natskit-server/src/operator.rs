//! Operator (JWT) mode, as nats-server's `operator` with `resolver: MEMORY` and
//! `resolver_preload`: an operator JWT names the keys trusted to sign accounts; each
//! preloaded account JWT becomes an account (named by its public key) with its limits,
//! signing keys and revocations; clients log in with a user JWT signed by an account (or one
//! of its signing keys) and prove they hold the user's seed by signing the INFO nonce.
//! [`Operator`] is the setting; [`Trust`] is what a running broker checks CONNECTs with.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use natskit_proto::ConnectInfo;

use crate::accounts::{Account, Export, Import, Kind as ExportKind};
use crate::error::ServerError;
use crate::jwt::{
    self, AccountNats, Claims, JwtPermissions, OperatorNats, SigningKey, UserLimits, UserNats,
    NO_LIMIT,
};
use crate::permissions::{Permissions, Responses, Rule};

/// Operator mode: the operator's JWT and the account JWTs the broker knows (nats-server's
/// `operator`, `resolver: MEMORY` and `resolver_preload`). Give it to
/// [`ServerBuilder::operator`](crate::ServerBuilder::operator); clients then log in with user
/// JWTs (a `.creds` file). The JWTs are checked when the broker starts. `Debug` shows how
/// many accounts there are, not the JWTs.
///
/// ```
/// let op = natskit_server::Operator::new("eyJ...operator").preload("ACCOUNTKEY", "eyJ...account");
/// assert_eq!(format!("{op:?}"), "Operator { accounts: 1 }");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Operator {
    pub(crate) jwt: String,
    pub(crate) preload: Vec<(String, String)>,
}

impl Operator {
    /// Trusts the operator whose JWT this is.
    ///
    /// ```
    /// let op = natskit_server::Operator::new("eyJ...");
    /// # let _ = op;
    /// ```
    pub fn new(operator_jwt: impl Into<String>) -> Self {
        Operator {
            jwt: operator_jwt.into(),
            preload: Vec::new(),
        }
    }

    /// Adds an account: its public key (`A...`) and its JWT, signed by the operator or one
    /// of its signing keys.
    ///
    /// ```
    /// let op = natskit_server::Operator::new("eyJ...").preload("AABC", "eyJ...");
    /// # let _ = op;
    /// ```
    pub fn preload(mut self, account: impl Into<String>, account_jwt: impl Into<String>) -> Self {
        self.preload.push((account.into(), account_jwt.into()));
        self
    }
}

impl fmt::Debug for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Operator {{ accounts: {} }}", self.preload.len())
    }
}

/// One preloaded account.
#[derive(Debug)]
struct Known {
    claims: Claims<AccountNats>,
    /// Signed by a trusted operator key (users of an account that is not are refused).
    trusted: bool,
    /// Keys that may sign its users: its own (no scope), plain signing keys and scoped ones
    /// (with the template their users get).
    signers: HashMap<String, Option<UserLimits>>,
    default_permissions: Option<Arc<Permissions>>,
}

/// The operator, its trusted keys and the accounts, decoded and checked at start.
#[derive(Debug)]
pub(crate) struct Trust {
    accounts: HashMap<String, Known>,
    /// The account whose key the system account is, if any.
    pub(crate) system_account: Option<String>,
}

/// A user the trust admitted, with what applies to its connection.
#[derive(Debug, Clone)]
pub(crate) struct JwtLogin {
    /// The user's public key.
    pub(crate) user: String,
    /// The account's public key (the account's name).
    pub(crate) account: String,
    pub(crate) permissions: Option<Arc<Permissions>>,
    /// Largest message the connection may publish (`None`: the server's limit only).
    pub(crate) max_payload: Option<usize>,
    /// Most subscriptions (`None`: the server's limit only).
    pub(crate) max_subscriptions: Option<usize>,
    /// Most connections of the account at once (`None`: any number).
    pub(crate) max_account_connections: Option<usize>,
    /// When the user's JWT expires (Unix seconds; 0: never).
    pub(crate) user_expires: i64,
    /// When the account's JWT expires (Unix seconds; 0: never).
    pub(crate) account_expires: i64,
}

/// Where a connection came from, as a user JWT may restrict it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin {
    pub(crate) ip: Option<IpAddr>,
    pub(crate) websocket: bool,
}

impl Trust {
    /// Decodes and checks `operator` as nats-server does at start, with the configuration's
    /// `system_account`; `has_accounts` and `has_users`: whether accounts or users are
    /// configured too (operator mode allows neither).
    pub(crate) fn load(
        operator: &Operator,
        system_account: Option<&str>,
        has_accounts: bool,
        has_users: bool,
    ) -> Result<Trust, ServerError> {
        let bad = |reason: String| ServerError::Operator { reason };
        if has_accounts {
            return Err(bad(
                "operators do not allow Accounts to be configured directly".into(),
            ));
        }
        if has_users {
            return Err(bad(
                "operators do not allow users to be configured directly".into(),
            ));
        }
        let op = jwt::decode::<OperatorNats>(jwt::undecorate(&operator.jwt))
            .map_err(|e| bad(format!("error parsing operator JWT: {e}")))?;
        let mut trusted_keys = op.nats.signing_keys.clone();
        if !op.nats.strict_signing_key_usage {
            trusted_keys.push(op.sub.clone());
        }
        for key in &trusted_keys {
            if !key.starts_with('O') || nkeys::KeyPair::from_public_key(key).is_err() {
                return Err(bad(format!(
                    "trusted Keys {key:?} are required to be a valid public operator nkey"
                )));
            }
        }
        let system = match (system_account, op.nats.system_account.as_str()) {
            (Some(config), from_jwt) if !from_jwt.is_empty() && config != from_jwt => {
                return Err(bad(
                    "system_account in config and operator JWT must be identical".into(),
                ))
            }
            (Some(config), _) => Some(config.to_owned()),
            (None, "") => None,
            (None, from_jwt) => Some(from_jwt.to_owned()),
        };
        let mut accounts = HashMap::new();
        for (key, token) in &operator.preload {
            let claims = jwt::decode::<AccountNats>(token)
                .map_err(|e| bad(format!("preload account error for {key:?}: {e}")))?;
            if !key.starts_with('A') || nkeys::KeyPair::from_public_key(key).is_err() {
                return Err(bad(format!(
                    "preload account {key:?}: not a valid public account nkey"
                )));
            }
            if &claims.sub != key {
                return Err(bad(format!(
                    "preload account {key:?}: its JWT is about account {:?}",
                    claims.sub
                )));
            }
            let trusted = trusted_keys.contains(&claims.iss);
            if !trusted {
                tracing::warn!("Account [{key}] is not signed by a trusted operator key: its users will be refused");
            }
            if let Err(issue) = claims.valid_at(jwt::now()) {
                tracing::warn!("Account [{key}] has validation issues:");
                tracing::warn!("  - {issue}");
            }
            let mut signers = HashMap::from([(key.clone(), None)]);
            for signer in &claims.nats.signing_keys {
                match signer {
                    SigningKey::Plain(k) => signers.insert(k.clone(), None),
                    SigningKey::Scoped {
                        key: k, template, ..
                    } => signers.insert(k.clone(), Some(UserLimits::clone(template))),
                };
            }
            let default_permissions = permissions(&claims.nats.default_permissions).map(Arc::new);
            accounts.insert(
                key.clone(),
                Known {
                    claims,
                    trusted,
                    signers,
                    default_permissions,
                },
            );
        }
        if let Some(name) = &system {
            let usable = accounts
                .get(name)
                .is_some_and(|a| a.trusted && a.claims.valid_at(jwt::now()).is_ok());
            if !usable {
                return Err(bad(format!(
                    "Can't set system account: account {name:?} is not a preloaded account signed by the operator"
                )));
            }
        }
        Ok(Trust {
            accounts,
            system_account: system,
        })
    }

    /// The accounts, for the broker's subject spaces: named by their public keys, with the
    /// exports and imports of their JWTs that natskit can carry out (public exports, and
    /// imports of them); the others are left out with a warning, as nats-server leaves out
    /// an import it cannot make.
    pub(crate) fn accounts(&self) -> Vec<Account> {
        let mut names: Vec<&String> = self.accounts.keys().collect();
        names.sort();
        let exports_of = |name: &str| -> Vec<Export> {
            let Some(known) = self.accounts.get(name) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for e in &known.claims.nats.exports {
                let kind = match e.kind.as_str() {
                    "stream" => ExportKind::Stream,
                    "service" => ExportKind::Service,
                    _ => continue,
                };
                if e.token_req {
                    tracing::warn!("Account [{name}]: export {:?} needs activation tokens, which natskit does not read: left out", e.subject);
                    continue;
                }
                if natskit_proto::subject::validate_subscribe(&e.subject).is_ok() {
                    out.push(Export {
                        kind,
                        subject: e.subject.clone(),
                        accounts: Vec::new(),
                    });
                }
            }
            out
        };
        let mut list: Vec<Account> = names
            .iter()
            .map(|&name| {
                let mut account = Account::new(name.clone());
                account.exports = exports_of(name);
                account
            })
            .collect();
        for account in &mut list {
            let known = &self.accounts[&account.name];
            for i in &known.claims.nats.imports {
                let Some(import) = import(i) else { continue };
                // Checked alone against its exporter: an import that would fail the start
                // check is one nats-server would not make either.
                let mut exporter = Account::new(import.account.clone());
                exporter.exports = exports_of(&import.account);
                let importer = Account::new(account.name.clone()).import(import.clone());
                let fits = self.accounts.contains_key(&import.account)
                    && import.account != account.name
                    && crate::accounts::check(&[exporter, importer], None).is_ok();
                if fits {
                    account.imports.push(import);
                } else {
                    tracing::warn!(
                        "Account [{}]: import of {:?} from account [{}] left out: no export natskit can match",
                        account.name, i.subject, i.account
                    );
                }
            }
        }
        list
    }

    /// Checks a CONNECT's user JWT and nonce signature as nats-server does, at `now` (Unix
    /// seconds); the reason of a refusal is for the debug log only (the client is told
    /// `Authorization Violation`).
    pub(crate) fn authorize(
        &self,
        connect: &ConnectInfo,
        nonce: &str,
        now: i64,
        origin: Origin,
    ) -> Result<JwtLogin, String> {
        let token = connect
            .jwt
            .as_deref()
            .ok_or("Authentication requires a user JWT")?;
        let user =
            jwt::decode::<UserNats>(token).map_err(|e| format!("User JWT not valid: {e}"))?;
        user.valid_at(now)
            .map_err(|e| format!("User JWT no longer valid: {e}"))?;
        let account_key = if user.nats.issuer_account.is_empty() {
            &user.iss
        } else {
            &user.nats.issuer_account
        };
        let account = self
            .accounts
            .get(account_key)
            .ok_or_else(|| format!("Account JWT lookup error: account {account_key} not found"))?;
        if !account.trusted {
            return Err("Account JWT not signed by trusted operator".into());
        }
        account
            .claims
            .valid_at(now)
            .map_err(|e| format!("Account JWT not valid: {e}"))?;
        let limits = match account.signers.get(&user.iss) {
            None => return Err("User JWT issuer is not known".into()),
            Some(None) => &user.nats.limits,
            Some(Some(template)) => {
                if user.nats.limits != UserLimits::default() {
                    return Err(
                        "User JWT is not valid: scoped users require no permissions or limits set"
                            .into(),
                    );
                }
                template
            }
        };
        if limits.bearer_token && account.claims.nats.limits.disallow_bearer {
            return Err("Account does not allow bearer tokens".into());
        }
        if !limits.allowed_connection_types.is_empty() {
            let kind = if origin.websocket {
                "WEBSOCKET"
            } else {
                "STANDARD"
            };
            if !limits
                .allowed_connection_types
                .iter()
                .any(|t| t.eq_ignore_ascii_case(kind))
            {
                return Err("Connection type not allowed".into());
            }
        }
        if !limits.bearer_token {
            let sig = connect.sig.as_deref().ok_or("Signature missing")?;
            if !jwt::verify_signature(&user.sub, nonce, sig) {
                return Err("Signature not verified".into());
            }
        }
        if revoked(&account.claims.nats.revocations, &user.sub, user.iat) {
            return Err("User authentication revoked".into());
        }
        if !limits.src.is_empty()
            && !origin
                .ip
                .is_some_and(|ip| limits.src.iter().any(|c| in_cidr(c, ip)))
        {
            return Err("Bad src Ip".into());
        }
        if !limits.times.is_empty() {
            return Err("User JWT limits connect times, which natskit does not read".into());
        }
        let permissions = permissions(&limits.permissions)
            .map(Arc::new)
            .or_else(|| account.default_permissions.clone());
        let account_limits = &account.claims.nats.limits;
        Ok(JwtLogin {
            user: user.sub.clone(),
            account: account_key.clone(),
            permissions,
            max_payload: min_limit(limits.payload, account_limits.payload),
            max_subscriptions: min_limit(limits.subs, account_limits.subs),
            max_account_connections: limit(account_limits.conn),
            user_expires: user.exp,
            account_expires: account.claims.exp,
        })
    }
}

/// Revoked when the revocations name the user (or `*`) at or after it was issued.
fn revoked(revocations: &HashMap<String, i64>, user: &str, issued_at: i64) -> bool {
    [user, "*"]
        .iter()
        .any(|k| revocations.get(*k).is_some_and(|&at| at >= issued_at))
}

/// A JWT limit: -1 none, else that many (negative others too: none).
fn limit(value: i64) -> Option<usize> {
    (value != NO_LIMIT)
        .then(|| usize::try_from(value).ok())
        .flatten()
}

/// The smaller of two JWT limits, either of which may be none.
fn min_limit(a: i64, b: i64) -> Option<usize> {
    match (limit(a), limit(b)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Permissions from a JWT, as nats-server builds them: `None` when it sets none.
fn permissions(p: &JwtPermissions) -> Option<Permissions> {
    let rule = |r: &jwt::JwtRule| Rule {
        allow: r.allow.clone(),
        deny: r.deny.clone(),
    };
    let publish_set = !p.publish.allow.is_empty() || !p.publish.deny.is_empty();
    let subscribe_set = !p.subscribe.allow.is_empty() || !p.subscribe.deny.is_empty();
    if !publish_set && !subscribe_set && p.resp.is_none() {
        return None;
    }
    let mut out = Permissions::default()
        .publish(rule(&p.publish))
        .subscribe(rule(&p.subscribe));
    if let Some(resp) = p.resp {
        // 0 is nats-server's default; a negative value, no limit.
        let mut r = Responses::default();
        match resp.max {
            0 => {}
            n if n < 0 => r.max = 0,
            n => r.max = n.unsigned_abs(),
        }
        match resp.ttl {
            0 => {}
            n if n < 0 => r.expires = None,
            n => r.expires = Some(Duration::from_nanos(n.unsigned_abs())),
        }
        out = out.responses(r);
    }
    Some(out)
}

/// Whether `ip` is in `cidr` (`10.0.0.0/8`, `::1/128`); a malformed one matches nothing.
fn in_cidr(cidr: &str, ip: IpAddr) -> bool {
    let Some((net, bits)) = cidr.trim().split_once('/') else {
        return false;
    };
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    let (net, ip, width) = match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => (u128::from(u32::from(n)), u128::from(u32::from(i)), 32),
        (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
        _ => return false,
    };
    if bits > width {
        return false;
    }
    let shift = width - bits;
    shift >= 128 || (net >> shift) == (ip >> shift)
}

/// A JWT import as an [`Import`], as nats-server reads its fields: a stream's `to` is a
/// prefix and its `local_subject` the subject here; a service's `local_subject` (else its
/// `subject`) is the subject here, its `subject` (else `to`) the one in the exporter.
fn import(i: &jwt::JwtImport) -> Option<Import> {
    if !i.token.is_empty() {
        return None;
    }
    match i.kind.as_str() {
        "stream" => {
            let mut import = Import::stream(i.account.clone(), i.subject.clone());
            if !i.local_subject.is_empty() {
                import = import.to(i.local_subject.clone());
            } else if !i.to.is_empty() {
                import = import.prefix(i.to.clone());
            }
            Some(import)
        }
        "service" => {
            let (local, remote) = if !i.local_subject.is_empty() {
                (i.local_subject.clone(), i.subject.clone())
            } else if !i.to.is_empty() {
                (i.subject.clone(), i.to.clone())
            } else {
                (i.subject.clone(), i.subject.clone())
            };
            Some(Import::service(i.account.clone(), remote).to(local))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revocations_cover_users_issued_at_or_before() {
        let r = HashMap::from([("U1".to_owned(), 100), ("*".to_owned(), 50)]);
        assert!(revoked(&r, "U1", 100));
        assert!(!revoked(&r, "U1", 101));
        assert!(revoked(&r, "U2", 50));
        assert!(!revoked(&r, "U2", 51));
        assert!(!revoked(&HashMap::new(), "U1", 0));
    }

    #[test]
    fn limits_read_as_nats_server_reads_them() {
        assert_eq!(min_limit(-1, -1), None);
        assert_eq!(min_limit(-1, 5), Some(5));
        assert_eq!(min_limit(3, 5), Some(3));
        assert_eq!(min_limit(0, -1), Some(0));
        assert!(in_cidr("127.0.0.0/8", "127.0.0.1".parse().unwrap()));
        assert!(!in_cidr("10.0.0.0/8", "127.0.0.1".parse().unwrap()));
        assert!(in_cidr("0.0.0.0/0", "127.0.0.1".parse().unwrap()));
        assert!(in_cidr("::1/128", "::1".parse().unwrap()));
        assert!(!in_cidr("nonsense", "::1".parse().unwrap()));
    }

    #[test]
    fn permissions_from_a_jwt() {
        assert_eq!(permissions(&JwtPermissions::default()), None);
        let p: JwtPermissions =
            serde_json::from_str(r#"{"pub":{"allow":["a.>"]},"resp":{"max":0,"ttl":0}}"#).unwrap();
        let p = permissions(&p).unwrap();
        assert!(p.publish.permits("a.b") && !p.publish.permits("b"));
        assert_eq!(p.responses, Some(Responses::default()));
    }
}
