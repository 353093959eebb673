//! An operator, an account and a user made at test time, with their JWTs signed as nsc signs
//! them, for nats-server in operator mode with a memory resolver; and `.creds` text as nsc writes
//! it. No keys are kept anywhere: each [`Operator::new`] makes fresh ones.
//!
//! ```
//! let operator = natskit_test::jwt::Operator::new();
//! let server = natskit_test::NatsServer::builder()
//!     .with_config(operator.server_config())
//!     .start()
//!     .unwrap();
//! assert!(operator.creds().contains("BEGIN NATS USER JWT"));
//! # drop(server);
//! ```

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use nkeys::KeyPair;
use serde_json::{json, Value};

/// The three identities and the JWTs binding them (every limit unlimited).
#[derive(Debug, Clone)]
pub struct Operator {
    /// The operator's self-signed JWT.
    pub operator_jwt: String,
    /// The account's public key (`A...`).
    pub account_public: String,
    /// The account's JWT, signed by the operator.
    pub account_jwt: String,
    /// The user's JWT, signed by the account.
    pub user_jwt: String,
    /// The user's NKey seed (`SU...`): the secret half of the `.creds` file.
    pub user_seed: String,
}

impl Operator {
    /// A new operator with one account and one user.
    ///
    /// # Panics
    /// When nkeys cannot make or use a key: a broken test machine.
    ///
    /// ```
    /// let operator = natskit_test::jwt::Operator::new();
    /// assert!(operator.user_seed.starts_with("SU"));
    /// ```
    pub fn new() -> Operator {
        let operator = KeyPair::new_operator();
        let account = KeyPair::new_account();
        let user = KeyPair::new_user();
        let no_limit = json!({
            "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
            "wildcards": true, "conn": -1, "leaf": -1
        });
        Operator {
            operator_jwt: encode(
                &operator,
                &operator.public_key(),
                "op",
                json!({"type": "operator", "version": 2}),
            ),
            account_public: account.public_key(),
            account_jwt: encode(
                &operator,
                &account.public_key(),
                "acc",
                json!({"limits": no_limit, "default_permissions": {"pub": {}, "sub": {}}, "type": "account", "version": 2}),
            ),
            user_jwt: encode(
                &account,
                &user.public_key(),
                "user",
                json!({"pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1, "type": "user", "version": 2}),
            ),
            user_seed: user.seed().expect("a user seed"),
        }
    }

    /// nats-server configuration trusting this operator, with the account preloaded.
    ///
    /// ```
    /// let operator = natskit_test::jwt::Operator::new();
    /// assert!(operator.server_config().contains("resolver: MEMORY"));
    /// ```
    pub fn server_config(&self) -> String {
        format!(
            "operator: {}\nresolver: MEMORY\nresolver_preload: {{\n  {}: {}\n}}\n",
            self.operator_jwt, self.account_public, self.account_jwt
        )
    }

    /// The user's `.creds` file text.
    ///
    /// ```
    /// let operator = natskit_test::jwt::Operator::new();
    /// assert!(operator.creds().contains(&operator.user_seed));
    /// ```
    pub fn creds(&self) -> String {
        creds(&self.user_jwt, &self.user_seed)
    }
}

impl Default for Operator {
    fn default() -> Self {
        Operator::new()
    }
}

/// A `.creds` file's text as nsc writes it, for any JWT and seed (mismatched ones too).
///
/// ```
/// let text = natskit_test::jwt::creds("eyJ0", "SUAB");
/// assert!(text.contains("-----BEGIN USER NKEY SEED-----\nSUAB\n"));
/// ```
pub fn creds(jwt: &str, seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
         ************************* IMPORTANT *************************\n\
         NKEY Seed printed below can be used to sign and prove identity.\n\
         NKEYs are sensitive and should be treated as secrets.\n\n\
         -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n\n\
         *************************************************************\n"
    )
}

/// header.claims.signature, each base64url without padding, signed by `issuer`.
fn encode(issuer: &KeyPair, subject: &str, name: &str, nats: Value) -> String {
    sign(issuer, json!({"name": name, "sub": subject, "nats": nats}))
}

/// Signs `claims` (a JSON object with `sub` and `nats`, say) as a NATS JWT by `issuer`, as nsc
/// would: `iss` is the issuer's public key, and `jti` and `iat` (now) are filled in unless
/// given. For tests that shape their JWTs: limits, revocations, expiry, signing keys.
///
/// # Panics
/// When `claims` is not a JSON object, or nkeys cannot sign with `issuer`.
///
/// ```
/// let account = nkeys::KeyPair::new_account();
/// let user = nkeys::KeyPair::new_user();
/// let jwt = natskit_test::jwt::sign(
///     &account,
///     serde_json::json!({"sub": user.public_key(), "exp": 1, "nats": {"type": "user", "version": 2}}),
/// );
/// assert_eq!(jwt.split('.').count(), 3);
/// ```
pub fn sign(issuer: &KeyPair, mut claims: Value) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let iat = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let object = claims.as_object_mut().expect("claims are a JSON object");
    object.insert("iss".into(), json!(issuer.public_key()));
    object.entry("iat").or_insert(json!(iat));
    // Unique per JWT, as nsc's hash of the claims is.
    let jti = format!(
        "NATSKITTEST{}X{iat}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    object.entry("jti").or_insert(json!(jti));
    let header = json!({"typ": "JWT", "alg": "ed25519-nkey"});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = issuer
        .sign(signing_input.as_bytes())
        .expect("an operator or account key signs");
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}
