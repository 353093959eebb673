//! Checking a CONNECT's credentials against the configured [`Auth`].

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use natskit_proto::ConnectInfo;

use crate::cert::CertIdentity;
use crate::error::ServerError;
use crate::options::{Auth, User};

/// Random bytes in a nonce, as nats-server (`nonceRawLen`).
const NONCE_BYTES: usize = 11;

/// A fresh nonce for INFO: random bytes in base64url without padding, as nats-server makes it.
pub(crate) fn nonce() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; NONCE_BYTES]>())
}

/// Fails when a configured NKey user's key is not a public user key.
pub(crate) fn check_nkeys(auth: &Auth) -> Result<(), ServerError> {
    let Auth::Users(users) = auth else {
        return Ok(());
    };
    for key in users.iter().filter_map(|u| u.nkey.as_deref()) {
        let invalid = |reason: String| ServerError::InvalidNKey {
            public_key: key.to_owned(),
            reason,
        };
        if !key.starts_with('U') {
            return Err(invalid("a user key starts with U".into()));
        }
        nkeys::KeyPair::from_public_key(key).map_err(|e| invalid(e.to_string()))?;
    }
    Ok(())
}

/// Fails when `no_auth_user` names no configured user, with nats-server's words.
pub(crate) fn check_no_auth_user(
    auth: &Auth,
    no_auth_user: Option<&str>,
) -> Result<(), ServerError> {
    let Some(name) = no_auth_user else {
        return Ok(());
    };
    let reason = match auth {
        Auth::Users(users) if users.iter().any(|u| u.name == name) => return Ok(()),
        Auth::Users(_) => "not present as user or nkey in authorization block",
        _ => "present, but users/nkeys are not defined",
    };
    Err(ServerError::NoAuthUser {
        name: name.to_owned(),
        reason,
    })
}

/// The `no_auth_user` a CONNECT without credentials (no user, password, token or NKey) is
/// taken as, as nats-server does; an NKey user taken so needs no signature.
pub(crate) fn no_auth_user<'a>(
    auth: &'a Auth,
    no_auth_user: Option<&str>,
    connect: &ConnectInfo,
) -> Option<&'a User> {
    let name = no_auth_user?;
    let Auth::Users(users) = auth else {
        return None;
    };
    let anonymous = connect.user.is_none()
        && connect.pass.is_none()
        && connect.auth_token.is_none()
        && connect.nkey.is_none();
    anonymous.then(|| users.iter().find(|u| u.name == name))?
}

/// Whether users come from client certificates (nats-server's `verify_and_map`), and the
/// certificate's names when they do.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CertMap<'c> {
    /// Users log in with their names and passwords.
    Off,
    /// A client without an NKey is the user its certificate names (`None`: it has none).
    On(Option<&'c CertIdentity>),
}

/// True when `connect` may use the broker; the user it authenticated as, if any. `nonce` is
/// the one this connection's INFO carried (empty when no NKey user is configured). With
/// `map` on, a client without an NKey is the user its certificate names, as nats-server
/// finds it: the certificate's e-mail addresses, DNS names and URIs tried as user names, then
/// its subject as a distinguished name; the user's password (usually none) is still
/// compared with the CONNECT's.
pub(crate) fn authorize_with_cert<'a>(
    auth: &'a Auth,
    connect: &ConnectInfo,
    nonce: &str,
    map: CertMap<'_>,
) -> Result<Option<&'a User>, ()> {
    match auth {
        Auth::None => Ok(None),
        Auth::Token(token) => match &connect.auth_token {
            Some(given) if matches_secret(given, token) => Ok(None),
            _ => Err(()),
        },
        // As nats-server: a CONNECT with an nkey is checked against the NKey users only.
        Auth::Users(users) => match &connect.nkey {
            Some(key) => {
                let user = users
                    .iter()
                    .find(|u| u.nkey.as_ref() == Some(key))
                    .ok_or(())?;
                verify(key, nonce, connect.sig.as_deref().unwrap_or_default())?;
                Ok(Some(user))
            }
            None if matches!(map, CertMap::On(_)) => {
                let CertMap::On(Some(id)) = map else {
                    return Err(());
                };
                let password_users = || users.iter().filter(|u| u.nkey.is_none());
                let user = id
                    .names()
                    .find_map(|name| password_users().find(|u| u.name == name))
                    .or_else(|| password_users().find(|u| id.subject_is(&u.name)))
                    .ok_or(())?;
                let given = connect.pass.as_deref().unwrap_or_default();
                matches_secret(given, &user.password)
                    .then_some(Some(user))
                    .ok_or(())
            }
            None => {
                let (Some(name), Some(pass)) = (&connect.user, &connect.pass) else {
                    return Err(());
                };
                users
                    .iter()
                    .find(|u| u.nkey.is_none() && &u.name == name)
                    .filter(|u| matches_secret(pass, &u.password))
                    .map(Some)
                    .ok_or(())
            }
        },
    }
}

/// Checks `sig` is `key`'s signature of `nonce` (see [`crate::jwt::verify_signature`]).
fn verify(key: &str, nonce: &str, sig: &str) -> Result<(), ()> {
    crate::jwt::verify_signature(key, nonce, sig)
        .then_some(())
        .ok_or(())
}

/// Whether `secret` (a password or token) is a bcrypt hash, as nats-server tells one:
/// `$2a$`, `$2b$`, `$2x$` or `$2y$`, then a two-digit cost and `$`.
pub(crate) fn is_bcrypt(secret: &str) -> bool {
    let b = secret.as_bytes();
    b.len() >= 7
        && b.starts_with(b"$2")
        && matches!(b[2], b'a' | b'b' | b'x' | b'y')
        && b[3] == b'$'
        && b[4].is_ascii_digit()
        && b[5].is_ascii_digit()
        && b[6] == b'$'
}

/// Whether the client's `given` secret is the configured `expected` one: a bcrypt hash is
/// checked with bcrypt, anything else compared as it is.
fn matches_secret(given: &str, expected: &str) -> bool {
    if is_bcrypt(expected) {
        return bcrypt::verify(given, expected).unwrap_or(false);
    }
    same(given, expected)
}

/// Compares secrets in time that depends on their lengths only, not on where they differ.
fn same(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorize<'a>(
        auth: &'a Auth,
        connect: &ConnectInfo,
        nonce: &str,
    ) -> Result<Option<&'a User>, ()> {
        authorize_with_cert(auth, connect, nonce, CertMap::Off)
    }

    #[test]
    fn users_come_from_certificates_when_mapped() {
        let users = Auth::Users(vec![
            User::new("alice@natskit.test", ""),
            User::new("CN=bob,O=natskit", ""),
            User::new("carol.natskit.test", "pc"),
        ]);
        let id = |emails: &[&str], dns: &[&str], subject: &[(&str, &str)]| CertIdentity {
            emails: emails.iter().map(|s| s.to_string()).collect(),
            dns: dns.iter().map(|s| s.to_string()).collect(),
            uris: Vec::new(),
            subject: subject
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let nobody = connect(None, None, None);
        let name = |r: Result<Option<&User>, ()>| r.map(|u| u.map(|u| u.name.clone()));
        let alice = id(&["alice@natskit.test"], &[], &[("CN", "x")]);
        assert_eq!(
            name(authorize_with_cert(
                &users,
                &nobody,
                "n",
                CertMap::On(Some(&alice))
            )),
            Ok(Some("alice@natskit.test".into()))
        );
        let bob = id(
            &[],
            &["bob.natskit.test"],
            &[("O", "natskit"), ("CN", "bob")],
        );
        assert_eq!(
            name(authorize_with_cert(
                &users,
                &nobody,
                "n",
                CertMap::On(Some(&bob))
            )),
            Ok(Some("CN=bob,O=natskit".into()))
        );
        // A mapped user with a password still needs it.
        let carol = id(&[], &["carol.natskit.test"], &[]);
        assert!(authorize_with_cert(&users, &nobody, "n", CertMap::On(Some(&carol))).is_err());
        let with_pass = connect(None, Some("pc"), None);
        assert!(authorize_with_cert(&users, &with_pass, "n", CertMap::On(Some(&carol))).is_ok());
        // No certificate, or one naming nobody; a user name in CONNECT does not help.
        assert!(authorize_with_cert(&users, &nobody, "n", CertMap::On(None)).is_err());
        let stranger = id(&[], &["x.test"], &[("CN", "x")]);
        let named = connect(Some("alice@natskit.test"), Some(""), None);
        assert!(authorize_with_cert(&users, &named, "n", CertMap::On(Some(&stranger))).is_err());
    }

    fn connect(user: Option<&str>, pass: Option<&str>, token: Option<&str>) -> ConnectInfo {
        let mut c = ConnectInfo::new("t");
        c.user = user.map(Into::into);
        c.pass = pass.map(Into::into);
        c.auth_token = token.map(Into::into);
        c
    }

    #[test]
    fn bcrypt_hashes_are_recognised_and_checked() {
        // Cost 4 keeps the test quick; the salt is fixed so the hash needs no randomness.
        let hash = bcrypt::hash_with_salt("s3cret", 4, [7; 16])
            .unwrap()
            .format_for_version(bcrypt::Version::TwoA);
        assert!(is_bcrypt(&hash));
        assert!(!is_bcrypt("$2a$x4$abc"));
        assert!(!is_bcrypt("$2c$04$abc"));
        assert!(!is_bcrypt("plain"));
        let token = Auth::Token(hash.clone());
        assert!(authorize(&token, &connect(None, None, Some("s3cret")), "n").is_ok());
        assert!(authorize(&token, &connect(None, None, Some(&hash)), "n").is_err());
        let users = Auth::Users(vec![User::new("a", hash)]);
        assert!(authorize(&users, &connect(Some("a"), Some("s3cret"), None), "n").is_ok());
        assert!(authorize(&users, &connect(Some("a"), Some("wrong"), None), "n").is_err());
    }

    #[test]
    fn tokens_and_users_are_checked() {
        let token = Auth::Token("s3cret".into());
        assert!(authorize(&token, &connect(None, None, Some("s3cret")), "n").is_ok());
        assert!(authorize(&token, &connect(None, None, Some("s3creT")), "n").is_err());
        assert!(authorize(&token, &connect(None, None, None), "n").is_err());
        let users = Auth::Users(vec![User::new("a", "pa"), User::new("b", "pb")]);
        assert_eq!(
            authorize(&users, &connect(Some("b"), Some("pb"), None), "n")
                .map(|u| u.map(|u| &u.name)),
            Ok(Some(&"b".to_owned()))
        );
        assert!(authorize(&users, &connect(Some("b"), Some("pa"), None), "n").is_err());
        assert!(authorize(&users, &connect(Some("c"), Some("pc"), None), "n").is_err());
        assert!(authorize(&users, &connect(None, None, None), "").is_err());
        assert!(authorize(&Auth::None, &connect(None, None, None), "n").is_ok());
    }

    #[test]
    fn a_client_without_credentials_is_the_no_auth_user() {
        let key = nkeys::KeyPair::new_user().public_key();
        let users = Auth::Users(vec![User::new("guest", "pg"), User::nkey(key.clone())]);
        let anonymous = connect(None, None, None);
        let name = |u: Option<&User>| u.map(|u| u.name.clone());
        assert_eq!(
            name(no_auth_user(&users, Some("guest"), &anonymous)),
            Some("guest".into())
        );
        assert_eq!(
            name(no_auth_user(&users, Some(&key), &anonymous)),
            Some(key.clone())
        );
        assert_eq!(name(no_auth_user(&users, None, &anonymous)), None);
        // Any credential, even a wrong one, is checked as such.
        for given in [
            connect(Some("guest"), None, None),
            connect(None, Some("x"), None),
            connect(None, None, Some("t")),
        ] {
            assert!(no_auth_user(&users, Some("guest"), &given).is_none());
        }
        assert!(check_no_auth_user(&users, Some("guest")).is_ok());
        assert_eq!(
            check_no_auth_user(&users, Some("nobody"))
                .unwrap_err()
                .to_string(),
            "no_auth_user: \"nobody\" not present as user or nkey in authorization block"
        );
        assert_eq!(
            check_no_auth_user(&Auth::Token("t".into()), Some("guest"))
                .unwrap_err()
                .to_string(),
            "no_auth_user: \"guest\" present, but users/nkeys are not defined"
        );
    }

    #[test]
    fn nkey_users_sign_the_nonce() {
        let key = nkeys::KeyPair::new_user();
        let other = nkeys::KeyPair::new_user();
        let users = Auth::Users(vec![User::new("a", "pa"), User::nkey(key.public_key())]);
        let nonce = nonce();
        assert_eq!(nonce.len(), 15);
        let signed = |kp: &nkeys::KeyPair, sig: Option<String>| {
            let mut c = connect(None, None, None);
            c.nkey = Some(kp.public_key());
            c.sig = sig;
            c
        };
        let sig = key.sign(nonce.as_bytes()).unwrap();
        let good = signed(&key, Some(URL_SAFE_NO_PAD.encode(&sig)));
        assert_eq!(
            authorize(&users, &good, &nonce).map(|u| u.map(|u| u.name.clone())),
            Ok(Some(key.public_key()))
        );
        let std_b64 = signed(
            &key,
            Some(base64::engine::general_purpose::STANDARD.encode(&sig)),
        );
        assert!(authorize(&users, &std_b64, &nonce).is_ok());
        assert!(authorize(&users, &good, "another nonce").is_err());
        assert!(authorize(&users, &good, "").is_err());
        assert!(authorize(&users, &signed(&key, None), &nonce).is_err());
        let forged = other.sign(nonce.as_bytes()).unwrap();
        assert!(authorize(
            &users,
            &signed(&key, Some(URL_SAFE_NO_PAD.encode(&forged))),
            &nonce
        )
        .is_err());
        let stranger = URL_SAFE_NO_PAD.encode(&forged);
        assert!(authorize(&users, &signed(&other, Some(stranger)), &nonce).is_err());
        // A password user still gets in; nobody logs in as the NKey user with a password.
        assert!(authorize(&users, &connect(Some("a"), Some("pa"), None), &nonce).is_ok());
        assert!(authorize(
            &users,
            &connect(Some(&key.public_key()), Some(""), None),
            &nonce
        )
        .is_err());
    }

    #[test]
    fn nkey_users_are_checked_at_start() {
        let good = nkeys::KeyPair::new_user().public_key();
        assert!(check_nkeys(&Auth::Users(vec![User::nkey(good)])).is_ok());
        let account = nkeys::KeyPair::new_account().public_key();
        assert!(check_nkeys(&Auth::Users(vec![User::nkey(account)])).is_err());
        assert!(check_nkeys(&Auth::Users(vec![User::nkey("UNOTAKEY")])).is_err());
    }
}
