//! NATS JWTs as nats-server reads them (jwt v2): `header.claims.signature`, each part
//! base64url without padding; the header `{"typ":"JWT","alg":"ed25519-nkey"}`; the signature
//! an Ed25519 signature of `header.claims` by the NKey named in the claims' `iss`. Decoding
//! checks the signature and the issuer's kind; what the claims grant is for
//! [`crate::operator`] to judge.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Longest JWT read, as nats-server's jwt library (1 MiB).
const MAX_TOKEN: usize = 1024 * 1024;

/// nats-server's "no limit" in JWT limits.
pub(crate) const NO_LIMIT: i64 = -1;

/// Why a JWT could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JwtError {
    /// Not three dot-separated parts, or too long.
    #[error("not a JWT: {0}")]
    Shape(&'static str),
    /// A part is not base64url or its JSON does not read.
    #[error("the JWT's {part} does not decode: {reason}")]
    Decode { part: &'static str, reason: String },
    /// The header is not `typ: JWT`, `alg: ed25519-nkey`.
    #[error("the JWT header is not a NATS JWT header: {0}")]
    Header(String),
    /// Claims of another kind than expected (an account JWT where an operator's is wanted).
    #[error("expected {expected} claims, found {found:?}")]
    Kind {
        expected: &'static str,
        found: String,
    },
    /// A JWT of the first format, which nats-server 2.10 still reads and natskit does not.
    #[error("JWT version {0} is not supported (only version 2)")]
    Version(i64),
    /// The issuer is not the kind of key that may sign these claims.
    #[error("{kind} JWTs are signed by {expected} keys, not {issuer:?}")]
    Issuer {
        kind: &'static str,
        expected: &'static str,
        issuer: String,
    },
    /// The signature is not the issuer's.
    #[error("the JWT's signature is not its issuer's")]
    Signature,
}

/// What every NATS JWT holds, with its kind-specific part in `nats`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Claims<N> {
    /// The public key that signed it.
    #[serde(default)]
    pub(crate) iss: String,
    /// The public key it is about.
    #[serde(default)]
    pub(crate) sub: String,
    /// Issued at (Unix seconds).
    #[serde(default)]
    pub(crate) iat: i64,
    /// Expires at (Unix seconds; 0: never).
    #[serde(default)]
    pub(crate) exp: i64,
    /// Not valid before (Unix seconds; 0: always).
    #[serde(default)]
    pub(crate) nbf: i64,
    pub(crate) nats: N,
}

impl<N> Claims<N> {
    /// Whether it is within its `nbf` and `exp` at `now` (Unix seconds), as nats-server
    /// checks: expired once `now` is past `exp`.
    pub(crate) fn valid_at(&self, now: i64) -> Result<(), &'static str> {
        if self.exp > 0 && now > self.exp {
            return Err("claim is expired");
        }
        if self.nbf > 0 && self.nbf > now {
            return Err("claim is not yet valid");
        }
        Ok(())
    }
}

/// A kind of claims: its `nats.type` and the key kind that signs it.
pub(crate) trait Kind: DeserializeOwned {
    /// `nats.type`.
    const TYPE: &'static str;
    /// The first letter of the keys that may issue it (`O` operator, `A` account).
    const ISSUER_PREFIX: char;
    /// The issuer kind, for errors.
    const ISSUER: &'static str;
}

/// A subject list with allow and deny patterns.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct JwtRule {
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) allow: Vec<String>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) deny: Vec<String>,
}

/// `resp`: a responder may answer `max` times within `ttl` (nanoseconds).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct JwtResponses {
    #[serde(default)]
    pub(crate) max: i64,
    #[serde(default)]
    pub(crate) ttl: i64,
}

/// Publish and subscribe permissions and `allow_responses`, as user JWTs (and account
/// `default_permissions`) carry them.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct JwtPermissions {
    #[serde(default, rename = "pub")]
    pub(crate) publish: JwtRule,
    #[serde(default, rename = "sub")]
    pub(crate) subscribe: JwtRule,
    #[serde(default)]
    pub(crate) resp: Option<JwtResponses>,
}

/// A user's permissions and limits (the user part of a user JWT, and a scoped signing key's
/// template). Limits absent from the JSON are 0, as nats-server reads them; nsc writes -1
/// ([`NO_LIMIT`]) for none.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct UserLimits {
    #[serde(flatten)]
    pub(crate) permissions: JwtPermissions,
    #[serde(default)]
    pub(crate) subs: i64,
    #[serde(default)]
    pub(crate) data: i64,
    #[serde(default)]
    pub(crate) payload: i64,
    #[serde(default)]
    pub(crate) bearer_token: bool,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) src: Vec<String>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) times: Vec<serde_json::Value>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) allowed_connection_types: Vec<String>,
}

/// The `nats` part of an operator JWT.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct OperatorNats {
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) signing_keys: Vec<String>,
    #[serde(default)]
    pub(crate) system_account: String,
    #[serde(default)]
    pub(crate) strict_signing_key_usage: bool,
}

impl Kind for OperatorNats {
    const TYPE: &'static str = "operator";
    const ISSUER_PREFIX: char = 'O';
    const ISSUER: &'static str = "operator";
}

/// An account's limits (`nats.limits`); absent ones are 0.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct AccountLimits {
    #[serde(default)]
    pub(crate) subs: i64,
    #[serde(default)]
    pub(crate) data: i64,
    #[serde(default)]
    pub(crate) payload: i64,
    #[serde(default)]
    pub(crate) imports: i64,
    #[serde(default)]
    pub(crate) exports: i64,
    #[serde(default)]
    pub(crate) wildcards: bool,
    #[serde(default)]
    pub(crate) conn: i64,
    #[serde(default)]
    pub(crate) leaf: i64,
    #[serde(default)]
    pub(crate) disallow_bearer: bool,
}

/// An account signing key: a bare key, or a scoped one whose users get `template`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub(crate) enum SigningKey {
    Plain(String),
    Scoped {
        kind: String,
        key: String,
        #[serde(default)]
        template: Box<UserLimits>,
    },
}

/// A stream or service, offered to other accounts (`nats.exports`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct JwtExport {
    #[serde(default)]
    pub(crate) subject: String,
    #[serde(default, rename = "type")]
    pub(crate) kind: String,
    /// Importers need an activation token (not read by natskit: such exports are skipped).
    #[serde(default)]
    pub(crate) token_req: bool,
}

/// A stream or service taken from another account (`nats.imports`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct JwtImport {
    #[serde(default)]
    pub(crate) subject: String,
    #[serde(default)]
    pub(crate) account: String,
    #[serde(default)]
    pub(crate) to: String,
    #[serde(default)]
    pub(crate) local_subject: String,
    #[serde(default, rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) token: String,
}

/// The `nats` part of an account JWT.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct AccountNats {
    #[serde(default)]
    pub(crate) limits: AccountLimits,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) signing_keys: Vec<SigningKey>,
    /// User public key (or `*`) to Unix time: users issued at or before it are revoked.
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) revocations: HashMap<String, i64>,
    #[serde(default)]
    pub(crate) default_permissions: JwtPermissions,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) imports: Vec<JwtImport>,
    #[serde(default, deserialize_with = "null_is_empty")]
    pub(crate) exports: Vec<JwtExport>,
}

impl Kind for AccountNats {
    const TYPE: &'static str = "account";
    const ISSUER_PREFIX: char = 'O';
    const ISSUER: &'static str = "operator";
}

/// The `nats` part of a user JWT.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct UserNats {
    #[serde(flatten)]
    pub(crate) limits: UserLimits,
    /// The account, when a signing key of it (not the account key) signed the user.
    #[serde(default)]
    pub(crate) issuer_account: String,
}

impl Kind for UserNats {
    const TYPE: &'static str = "user";
    const ISSUER_PREFIX: char = 'A';
    const ISSUER: &'static str = "account";
}

/// `null` read as the type's empty value (Go writes `null` for a nil list or map).
fn null_is_empty<'de, D, T>(de: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(de)?.unwrap_or_default())
}

/// The header, the type and the version, read before the claims themselves.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    typ: String,
    #[serde(default)]
    alg: String,
}

#[derive(Deserialize)]
struct Identity {
    #[serde(default)]
    nats: IdentityNats,
    /// Version 1 JWTs put the type at the top.
    #[serde(default, rename = "type")]
    v1_type: String,
}

#[derive(Deserialize, Default)]
struct IdentityNats {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    version: i64,
}

fn part(part: &'static str, text: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD.decode(text).map_err(|e| JwtError::Decode {
        part,
        reason: e.to_string(),
    })
}

fn json<T: DeserializeOwned>(part: &'static str, bytes: &[u8]) -> Result<T, JwtError> {
    serde_json::from_slice(bytes).map_err(|e| JwtError::Decode {
        part,
        reason: e.to_string(),
    })
}

/// Decodes `token` as claims of kind `N`, checking its header, kind, version, issuer kind and
/// signature (not its times: see [`Claims::valid_at`]).
pub(crate) fn decode<N: Kind>(token: &str) -> Result<Claims<N>, JwtError> {
    let token = token.trim();
    if token.len() > MAX_TOKEN {
        return Err(JwtError::Shape("longer than 1 MiB"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(body_b64), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Shape("expected 3 parts separated by dots"));
    };
    let h: Header = json("header", &part("header", header)?)?;
    let alg = h.alg.to_ascii_lowercase();
    if !h.typ.eq_ignore_ascii_case("JWT") || (alg != "ed25519-nkey" && alg != "ed25519") {
        return Err(JwtError::Header(format!(
            "typ {:?}, alg {:?}",
            h.typ, h.alg
        )));
    }
    let body = part("claims", body_b64)?;
    let id: Identity = json("claims", &body)?;
    if !id.v1_type.is_empty() || id.nats.version < 2 {
        return Err(JwtError::Version(if id.v1_type.is_empty() {
            id.nats.version
        } else {
            1
        }));
    }
    if id.nats.version > 2 {
        return Err(JwtError::Version(id.nats.version));
    }
    if id.nats.kind != N::TYPE {
        return Err(JwtError::Kind {
            expected: N::TYPE,
            found: id.nats.kind,
        });
    }
    let claims: Claims<N> = json("claims", &body)?;
    let sig = part("signature", sig)?;
    let signed = &token[..header.len() + 1 + body_b64.len()];
    let issuer = nkeys::KeyPair::from_public_key(&claims.iss).map_err(|_| JwtError::Signature)?;
    issuer
        .verify(signed.as_bytes(), &sig)
        .map_err(|_| JwtError::Signature)?;
    if !claims.iss.starts_with(N::ISSUER_PREFIX) {
        return Err(JwtError::Issuer {
            kind: N::TYPE,
            expected: N::ISSUER,
            issuer: claims.iss,
        });
    }
    Ok(claims)
}

/// The JWT in a file's text: the line after a `-----BEGIN ... JWT-----` line when the file is
/// decorated as nsc writes them, else the whole text trimmed.
pub(crate) fn undecorate(text: &str) -> &str {
    let mut lines = text.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if line.starts_with("-----BEGIN") && line.ends_with("JWT-----") {
            return lines.find(|l| !l.is_empty()).unwrap_or_default();
        }
    }
    text.trim()
}

/// Whether `sig` (base64url without padding, or standard base64, as nats-server accepts) is
/// `key`'s Ed25519 signature of `nonce` (never for an empty nonce).
pub(crate) fn verify_signature(key: &str, nonce: &str, sig: &str) -> bool {
    use base64::engine::general_purpose::STANDARD;
    if nonce.is_empty() {
        return false;
    }
    let Ok(sig) = URL_SAFE_NO_PAD
        .decode(sig)
        .or_else(|_| STANDARD.decode(sig))
    else {
        return false;
    };
    nkeys::KeyPair::from_public_key(key).is_ok_and(|k| k.verify(nonce.as_bytes(), &sig).is_ok())
}

/// Seconds since the Unix epoch now.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sign(issuer: &nkeys::KeyPair, claims: serde_json::Value) -> String {
        let head = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT","alg":"ed25519-nkey"}"#);
        let body = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{head}.{body}");
        let sig = issuer.sign(input.as_bytes()).unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    #[test]
    fn a_signed_account_jwt_decodes_and_a_tampered_one_does_not() {
        let op = nkeys::KeyPair::new_operator();
        let acc = nkeys::KeyPair::new_account();
        let token = sign(
            &op,
            json!({"iss": op.public_key(), "sub": acc.public_key(), "iat": 5, "exp": 10,
                "nats": {"type": "account", "version": 2, "limits": {"conn": 3},
                    "signing_keys": ["AKEY", {"kind": "user_scope", "key": "ASCOPED", "template": {"pub": {"allow": ["a"]}}}],
                    "revocations": {"UX": 7}}}),
        );
        let claims = decode::<AccountNats>(&token).unwrap();
        assert_eq!(claims.sub, acc.public_key());
        assert_eq!(claims.nats.limits.conn, 3);
        assert_eq!(claims.nats.limits.subs, 0);
        assert_eq!(claims.nats.revocations["UX"], 7);
        assert!(
            matches!(&claims.nats.signing_keys[1], SigningKey::Scoped { key, .. } if key == "ASCOPED")
        );
        assert_eq!(claims.valid_at(10), Ok(()));
        assert_eq!(claims.valid_at(11), Err("claim is expired"));
        // Another kind, another signer, another byte.
        assert!(matches!(
            decode::<UserNats>(&token),
            Err(JwtError::Kind { .. })
        ));
        let forged = sign(
            &acc,
            json!({"iss": op.public_key(), "sub": "A", "nats": {"type": "account", "version": 2}}),
        );
        assert_eq!(
            decode::<AccountNats>(&forged).unwrap_err(),
            JwtError::Signature
        );
        let by_account = sign(
            &acc,
            json!({"iss": acc.public_key(), "sub": "A", "nats": {"type": "account", "version": 2}}),
        );
        assert!(matches!(
            decode::<AccountNats>(&by_account),
            Err(JwtError::Issuer { .. })
        ));
        let mut tampered = token.clone();
        tampered.insert(token.len() - 3, 'A');
        assert!(decode::<AccountNats>(&tampered).is_err());
        assert!(matches!(
            decode::<AccountNats>("a.b"),
            Err(JwtError::Shape(_))
        ));
        let v1 = sign(
            &op,
            json!({"iss": op.public_key(), "sub": "A", "type": "account"}),
        );
        assert_eq!(
            decode::<AccountNats>(&v1).unwrap_err(),
            JwtError::Version(1)
        );
    }

    #[test]
    fn decorated_files_give_their_jwt() {
        let text = "-----BEGIN NATS OPERATOR JWT-----\neyJabc\n------END NATS OPERATOR JWT------\n";
        assert_eq!(undecorate(text), "eyJabc");
        assert_eq!(undecorate("  eyJabc \n"), "eyJabc");
    }
}
