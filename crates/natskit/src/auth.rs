//! Credentials and how they answer the server: user/password and token, NKey seeds, user JWTs
//! with a signer, `.creds` files, and a callback that answers the server's nonce itself.
//!
//! Nothing secret reaches `Debug`, `Display` or an error message: every type holding a
//! password, token, seed or signature has a `Debug` that redacts it.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use natskit_proto::ConnectInfo;

use crate::error::ConnectError;
use crate::seed::Seed;
use crate::server_addr::ServerAddr;

/// What a signer or an auth callback returns when it cannot do its job; its text ends up in
/// [`ConnectError::Credentials`], so it should not contain secrets.
pub type AuthCallbackError = Box<dyn std::error::Error + Send + Sync>;

type Signer = Arc<dyn Fn(&[u8]) -> Result<Vec<u8>, AuthCallbackError> + Send + Sync>;
type Answering = Pin<Box<dyn Future<Output = Result<Auth, AuthCallbackError>> + Send>>;
type Callback = Arc<dyn Fn(Vec<u8>) -> Answering + Send + Sync>;

/// The credentials a connection presents, as an
/// [`auth_callback`](crate::ConnectOptions::auth_callback) returns them. `Debug` shows which
/// fields are set, never their secret values.
///
/// ```
/// use natskit::Auth;
///
/// let auth = Auth::new().user_and_password("alice", "s3cret");
/// assert!(!format!("{auth:?}").contains("s3cret"));
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Auth {
    user: Option<String>,
    pass: Option<String>,
    token: Option<String>,
    jwt: Option<String>,
    nkey: Option<String>,
    signature: Option<Vec<u8>>,
}

impl Auth {
    /// No credentials.
    ///
    /// ```
    /// assert_eq!(natskit::Auth::new(), natskit::Auth::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// User and password.
    ///
    /// ```
    /// let auth = natskit::Auth::new().user_and_password("alice", "s3cret");
    /// # let _ = auth;
    /// ```
    pub fn user_and_password(
        mut self,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.user = Some(user.into());
        self.pass = Some(password.into());
        self
    }

    /// An authentication token.
    ///
    /// ```
    /// let auth = natskit::Auth::new().token("t0ken");
    /// # let _ = auth;
    /// ```
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// A user JWT; the server checks [`signature`](Auth::signature) against its subject key.
    ///
    /// ```
    /// let auth = natskit::Auth::new().jwt("eyJ0eXAiOiJKV1Qi...").signature(vec![0; 64]);
    /// # let _ = auth;
    /// ```
    pub fn jwt(mut self, jwt: impl Into<String>) -> Self {
        self.jwt = Some(jwt.into());
        self
    }

    /// A public NKey (`U...`); the server checks [`signature`](Auth::signature) against it.
    ///
    /// ```
    /// let auth = natskit::Auth::new().nkey("UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4");
    /// # let _ = auth;
    /// ```
    pub fn nkey(mut self, public_key: impl Into<String>) -> Self {
        self.nkey = Some(public_key.into());
        self
    }

    /// The raw Ed25519 signature of the server's nonce (encoded for the wire by natskit).
    ///
    /// ```
    /// let kp = nkeys::KeyPair::new_user();
    /// let nonce = b"server-nonce";
    /// let auth = natskit::Auth::new().nkey(kp.public_key()).signature(kp.sign(nonce).unwrap());
    /// # let _ = auth;
    /// ```
    pub fn signature(mut self, signature: Vec<u8>) -> Self {
        self.signature = Some(signature);
        self
    }

    /// Fills the credential fields of `connect`.
    fn apply(self, connect: &mut ConnectInfo) {
        connect.user = self.user;
        connect.pass = self.pass;
        connect.auth_token = self.token;
        connect.jwt = self.jwt;
        connect.nkey = self.nkey;
        connect.sig = self.signature.map(|sig| URL_SAFE_NO_PAD.encode(sig));
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("user", &self.user)
            .field("pass", &redacted(&self.pass))
            .field("token", &redacted(&self.token))
            .field("jwt", &redacted(&self.jwt))
            .field("nkey", &self.nkey)
            .field("signature", &redacted(&self.signature))
            .finish()
    }
}

fn redacted<T>(value: &Option<T>) -> Option<&'static str> {
    value.as_ref().map(|_| "<redacted>")
}

/// Where `.creds` text comes from: read again at every connect, so rotated files are used.
#[derive(Clone)]
pub(crate) enum CredsSource {
    File(PathBuf),
    Text(String),
}

/// Credentials given in the options (URL credentials take effect when user, password and
/// token are absent here).
#[derive(Clone, Default)]
pub(crate) struct AuthOptions {
    pub(crate) user: Option<String>,
    pub(crate) pass: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) nkey_seed: Option<String>,
    pub(crate) jwt: Option<(String, Signer)>,
    pub(crate) creds: Option<CredsSource>,
    pub(crate) callback: Option<Callback>,
}

impl AuthOptions {
    pub(crate) fn set_jwt<F>(&mut self, jwt: String, sign: F)
    where
        F: Fn(&[u8]) -> Result<Vec<u8>, AuthCallbackError> + Send + Sync + 'static,
    {
        self.jwt = Some((jwt, Arc::new(sign)));
    }

    pub(crate) fn set_callback<F, Fut>(&mut self, callback: F)
    where
        F: Fn(Vec<u8>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Auth, AuthCallbackError>> + Send + 'static,
    {
        self.callback = Some(Arc::new(move |nonce| Box::pin(callback(nonce))));
    }

    /// Fills the credentials of `connect` for a server that sent `nonce`. A callback, when
    /// set, decides alone; otherwise option credentials win over URL credentials.
    pub(crate) async fn fill(
        &self,
        addr: &ServerAddr,
        nonce: &str,
        connect: &mut ConnectInfo,
    ) -> Result<(), ConnectError> {
        if let Some(callback) = &self.callback {
            let auth = callback(nonce.as_bytes().to_vec())
                .await
                .map_err(|e| credentials(format!("the auth callback failed: {e}")))?;
            auth.apply(connect);
            return Ok(());
        }
        let owned = |s: Option<&str>| s.map(str::to_owned);
        let mut auth = Auth {
            user: self.user.clone().or_else(|| owned(addr.user())),
            pass: self.pass.clone().or_else(|| owned(addr.password())),
            token: self.token.clone().or_else(|| owned(addr.token())),
            ..Auth::default()
        };
        if let Some(source) = &self.creds {
            let (jwt, seed) = read_creds(source)?;
            auth.signature = Some(sign_with_seed(&seed, nonce)?.1);
            auth.jwt = Some(jwt);
        } else if let Some((jwt, signer)) = &self.jwt {
            auth.signature = Some(sign_nonce(nonce, |n| signer(n))?);
            auth.jwt = Some(jwt.clone());
        } else if let Some(seed) = &self.nkey_seed {
            let (key, signature) = sign_with_seed(seed, nonce)?;
            auth.signature = Some(signature);
            auth.nkey = Some(key);
        }
        auth.apply(connect);
        Ok(())
    }
}

impl fmt::Debug for AuthOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let creds = self.creds.as_ref().map(|source| match source {
            CredsSource::File(path) => format!("file {}", path.display()),
            CredsSource::Text(_) => "<redacted>".to_owned(),
        });
        f.debug_struct("AuthOptions")
            .field("user", &self.user)
            .field("pass", &redacted(&self.pass))
            .field("token", &redacted(&self.token))
            .field("nkey_seed", &redacted(&self.nkey_seed))
            .field("jwt", &redacted(&self.jwt))
            .field("creds", &creds)
            .field("callback", &self.callback.as_ref().map(|_| ".."))
            .finish()
    }
}

fn credentials(reason: String) -> ConnectError {
    ConnectError::Credentials { reason }
}

/// The public key of `seed` and its signature of `nonce`.
fn sign_with_seed(seed: &str, nonce: &str) -> Result<(String, Vec<u8>), ConnectError> {
    let key = Seed::parse(seed)?;
    let signature = sign_nonce(nonce, |n| key.sign(n))?;
    Ok((key.public_key(), signature))
}

fn sign_nonce(
    nonce: &str,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, AuthCallbackError>,
) -> Result<Vec<u8>, ConnectError> {
    // Servers send a nonce only when NKey or JWT users are configured.
    if nonce.is_empty() {
        return Err(credentials(
            "the server sent no nonce to sign: it does not accept NKey or JWT authentication"
                .into(),
        ));
    }
    sign(nonce.as_bytes())
        .map_err(|e| credentials(format!("signing the server's nonce failed: {e}")))
}

/// The user JWT and the seed of a `.creds` file.
fn read_creds(source: &CredsSource) -> Result<(String, String), ConnectError> {
    // Text given in the options is borrowed, not copied at every connect.
    let (text, origin): (Cow<'_, str>, _) = match source {
        CredsSource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                credentials(format!(
                    "cannot read credentials file {}: {e}",
                    path.display()
                ))
            })?;
            (text.into(), format!("credentials file {}", path.display()))
        }
        CredsSource::Text(text) => (text.into(), "the credentials".to_owned()),
    };
    let missing = |what| credentials(format!("{origin} has no {what} block"));
    let jwt = creds_block(&text, "JWT").ok_or_else(|| missing("user JWT"))?;
    let seed = creds_block(&text, "SEED").ok_or_else(|| missing("NKey seed"))?;
    Ok((jwt.to_owned(), seed.to_owned()))
}

/// The first non-empty line after a `-----BEGIN ... <label> ...-----` line.
fn creds_block<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    let mut lines = text.lines().map(str::trim);
    lines.find(|line| line.starts_with("---") && line.contains("BEGIN") && line.contains(label))?;
    lines
        .find(|line| !line.is_empty())
        .filter(|line| !line.starts_with("---"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn creds_blocks_are_found_by_label() {
        let text = "-----BEGIN NATS USER JWT-----\neyJhbGci.x.y\n------END NATS USER JWT------\n\n\
                    ***** IMPORTANT *****\n\n-----BEGIN USER NKEY SEED-----\nSUAB\n------END USER NKEY SEED------\n";
        assert_eq!(creds_block(text, "JWT"), Some("eyJhbGci.x.y"));
        assert_eq!(creds_block(text, "SEED"), Some("SUAB"));
        assert_eq!(
            creds_block("-----BEGIN USER NKEY SEED-----\n------END", "SEED"),
            None
        );
    }
}
