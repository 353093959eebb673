//! Checking a CONNECT's credentials against the configured [`Auth`].

use natskit_proto::ConnectInfo;

use crate::{Auth, User};

/// True when `connect` may use the broker; the user name it authenticated as, if any.
pub(crate) fn authorize<'a>(auth: &'a Auth, connect: &ConnectInfo) -> Result<Option<&'a User>, ()> {
    match auth {
        Auth::None => Ok(None),
        Auth::Token(token) => match &connect.auth_token {
            Some(given) if same(given, token) => Ok(None),
            _ => Err(()),
        },
        Auth::Users(users) => {
            let (Some(name), Some(pass)) = (&connect.user, &connect.pass) else {
                return Err(());
            };
            users
                .iter()
                .find(|u| &u.name == name)
                .filter(|u| same(pass, &u.password))
                .map(Some)
                .ok_or(())
        }
    }
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

    fn connect(user: Option<&str>, pass: Option<&str>, token: Option<&str>) -> ConnectInfo {
        let mut c = ConnectInfo::new("t");
        c.user = user.map(Into::into);
        c.pass = pass.map(Into::into);
        c.auth_token = token.map(Into::into);
        c
    }

    #[test]
    fn tokens_and_users_are_checked() {
        let token = Auth::Token("s3cret".into());
        assert!(authorize(&token, &connect(None, None, Some("s3cret"))).is_ok());
        assert!(authorize(&token, &connect(None, None, Some("s3creT"))).is_err());
        assert!(authorize(&token, &connect(None, None, None)).is_err());
        let users = Auth::Users(vec![User::new("a", "pa"), User::new("b", "pb")]);
        assert_eq!(
            authorize(&users, &connect(Some("b"), Some("pb"), None)).map(|u| u.map(|u| &u.name)),
            Ok(Some(&"b".to_owned()))
        );
        assert!(authorize(&users, &connect(Some("b"), Some("pa"), None)).is_err());
        assert!(authorize(&users, &connect(Some("c"), Some("pc"), None)).is_err());
        assert!(authorize(&users, &connect(None, None, None)).is_err());
        assert!(authorize(&Auth::None, &connect(None, None, None)).is_ok());
    }
}
