//! An operator, an account and a user, with JWTs signed as nsc signs them, for the `--creds`
//! tests: nats-server in operator mode with a memory resolver trusts them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use nkeys::KeyPair;
use serde_json::{json, Value};

/// The identities and the JWTs binding them.
pub struct Operator {
    operator_jwt: String,
    account_public: String,
    account_jwt: String,
    user_jwt: String,
    /// The user's NKey seed (the secret half of the `.creds` file).
    pub user_seed: String,
}

impl Operator {
    /// A new operator with one account and one user, all unlimited.
    pub fn new() -> Operator {
        let operator = KeyPair::new_operator();
        let account = KeyPair::new_account();
        let user = KeyPair::new_user();
        let unlimited = json!({
            "subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
            "wildcards": true, "conn": -1, "leaf": -1
        });
        Operator {
            operator_jwt: sign(
                &operator,
                &operator.public_key(),
                json!({"type": "operator", "version": 2}),
            ),
            account_public: account.public_key(),
            account_jwt: sign(
                &operator,
                &account.public_key(),
                json!({"limits": unlimited, "default_permissions": {"pub": {}, "sub": {}}, "type": "account", "version": 2}),
            ),
            user_jwt: sign(
                &account,
                &user.public_key(),
                json!({"pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1, "type": "user", "version": 2}),
            ),
            user_seed: user.seed().expect("a user seed"),
        }
    }

    /// nats-server configuration trusting the operator, with the account preloaded.
    pub fn server_config(&self) -> String {
        format!(
            "operator: {}\nresolver: MEMORY\nresolver_preload: {{\n  {}: {}\n}}\n",
            self.operator_jwt, self.account_public, self.account_jwt
        )
    }

    /// The user's `.creds` file text, with `seed` as its seed (the user's own, or another to
    /// make credentials the server refuses).
    pub fn creds_with_seed(&self, seed: &str) -> String {
        format!(
            "-----BEGIN NATS USER JWT-----\n{}\n------END NATS USER JWT------\n\n\
             -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n",
            self.user_jwt
        )
    }
}

/// `header.claims.signature`, each base64url without padding, signed by `issuer`.
fn sign(issuer: &KeyPair, subject: &str, nats: Value) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let issued = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs();
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let header = json!({"typ": "JWT", "alg": "ed25519-nkey"});
    let claims = json!({
        "jti": format!("NATSKITCLI{id}X{issued}"), "iat": issued, "iss": issuer.public_key(),
        "name": subject, "sub": subject, "nats": nats
    });
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = issuer.sign(signed.as_bytes()).expect("signing");
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}
