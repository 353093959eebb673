//! [`Settings`]: where and how to connect. The same fields come from three places (the
//! command line, the environment, a saved context), and [`Settings::over`] layers them.

use std::fmt;
use std::path::PathBuf;

use clap::Args;
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::secret::{redact_urls, Secret, MASK};

/// Where `--help` lists these flags.
pub const HEADING: &str = "Connection";

/// The server, credentials, TLS files and connection name: as flags (shared by every
/// connecting command and by `natskit context add`), as environment variables, or as the
/// contents of a context file.
#[derive(Clone, Default, PartialEq, Eq, Args, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Server URLs (nats://, tls://, ws:// or wss://), comma-separated; the first that answers
    /// is used
    /// [default: nats://127.0.0.1:4222] [env: NATS_URL]
    #[arg(
        help_heading = HEADING,
        short,
        long,
        global = true,
        value_name = "URLS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,

    /// User name to authenticate as (with --password) [env: NATS_USER]
    #[arg(help_heading = HEADING, long, global = true, value_name = "USER")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,

    /// Password of --user [env: NATS_PASSWORD]
    #[arg(
        help_heading = HEADING,
        long,
        global = true,
        value_name = "PASSWORD"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,

    /// Authentication token [env: NATS_TOKEN]
    #[arg(
        help_heading = HEADING,
        long,
        global = true,
        value_name = "TOKEN",
        conflicts_with_all = ["user", "password"]
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,

    /// User credentials file (a user JWT and its NKey seed, as nsc writes) [env: NATS_CREDS]
    #[arg(
        help_heading = HEADING,
        long,
        global = true,
        value_name = "FILE",
        conflicts_with_all = ["user", "password", "token"]
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creds: Option<PathBuf>,

    /// File holding a user NKey seed (`SU...`) [env: NATS_NKEY]
    #[arg(
        help_heading = HEADING,
        long,
        global = true,
        value_name = "FILE",
        conflicts_with_all = ["user", "password", "token", "creds"]
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey: Option<PathBuf>,

    /// User JWT (the token itself, as `nats --jwt` takes it; with --seed) [env: NATS_JWT]
    #[arg(
        help_heading = HEADING,
        long,
        global = true,
        value_name = "JWT",
        conflicts_with_all = ["user", "password", "token", "creds", "nkey"]
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,

    /// User NKey seed (`SU...`) that signs for --jwt [env: NATS_SEED]
    #[arg(
        help_heading = HEADING,
        long,
        global = true,
        value_name = "SEED",
        conflicts_with_all = ["user", "password", "token", "creds", "nkey"]
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<Secret>,

    /// Client certificate for mutual TLS (PEM, with --tlskey) [env: NATS_CERT]
    #[arg(help_heading = HEADING, long, global = true, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlscert: Option<PathBuf>,

    /// Private key of --tlscert (PEM) [env: NATS_KEY]
    #[arg(help_heading = HEADING, long, global = true, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlskey: Option<PathBuf>,

    /// CA certificates to trust for the server's certificate (PEM); any TLS flag makes TLS
    /// required [env: NATS_CA]
    #[arg(help_heading = HEADING, long, global = true, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tlsca: Option<PathBuf>,

    /// Start TLS before the server's greeting, for servers set to `handshake_first`
    /// (implies TLS)
    #[arg(help_heading = HEADING, long, global = true, alias = "tls-first")]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub tlsfirst: bool,

    /// Connection name the server shows (in /connz, say) [default: natskit-cli]
    // Not `name`: `natskit micro ls NAME` has a positional of that id.
    #[arg(
        help_heading = HEADING,
        id = "connection_name",
        long = "name",
        global = true,
        value_name = "NAME"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Written out by hand for `server`: a password or token inside a URL stays out of `{:?}` as
/// the [`Secret`] fields do.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("server", &self.server.as_deref().map(redact_urls))
            .field("user", &self.user)
            .field("password", &self.password)
            .field("token", &self.token)
            .field("creds", &self.creds)
            .field("nkey", &self.nkey)
            .field("jwt", &self.jwt.as_ref().map(|_| MASK))
            .field("seed", &self.seed)
            .field("tlscert", &self.tlscert)
            .field("tlskey", &self.tlskey)
            .field("tlsca", &self.tlsca)
            .field("tlsfirst", &self.tlsfirst)
            .field("name", &self.name)
            .finish()
    }
}

/// A kind of credentials; one kind is used per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `--user` and `--password`.
    UserPassword,
    /// `--token`.
    Token,
    /// `--creds`.
    Creds,
    /// `--nkey`.
    Nkey,
    /// `--jwt` and `--seed`.
    Jwt,
}

impl Kind {
    /// The flags that give it.
    pub fn flag(self) -> &'static str {
        match self {
            Kind::UserPassword => "--user/--password",
            Kind::Token => "--token",
            Kind::Creds => "--creds",
            Kind::Nkey => "--nkey",
            Kind::Jwt => "--jwt/--seed",
        }
    }

    /// The environment variables that give it.
    pub fn env(self) -> &'static str {
        match self {
            Kind::UserPassword => "NATS_USER/NATS_PASSWORD",
            Kind::Token => "NATS_TOKEN",
            Kind::Creds => "NATS_CREDS",
            Kind::Nkey => "NATS_NKEY",
            Kind::Jwt => "NATS_JWT/NATS_SEED",
        }
    }
}

impl Settings {
    /// The settings the environment gives, read through `var` (blank values count as unset,
    /// as `NATS_URL=` does).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Settings {
        let text = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let path = |name: &str| text(name).map(PathBuf::from);
        Settings {
            server: text("NATS_URL"),
            user: text("NATS_USER"),
            password: text("NATS_PASSWORD").map(Secret::from),
            token: text("NATS_TOKEN").map(Secret::from),
            creds: path("NATS_CREDS"),
            nkey: path("NATS_NKEY"),
            jwt: text("NATS_JWT"),
            seed: text("NATS_SEED").map(Secret::from),
            tlscert: path("NATS_CERT"),
            tlskey: path("NATS_KEY"),
            tlsca: path("NATS_CA"),
            tlsfirst: false,
            name: None,
        }
    }

    /// The kinds of credentials these settings hold (more than one is a conflict).
    pub fn kinds(&self) -> Vec<Kind> {
        [
            (
                self.user.is_some() || self.password.is_some(),
                Kind::UserPassword,
            ),
            (self.token.is_some(), Kind::Token),
            (self.creds.is_some(), Kind::Creds),
            (self.nkey.is_some(), Kind::Nkey),
            (self.jwt.is_some() || self.seed.is_some(), Kind::Jwt),
        ]
        .into_iter()
        .filter_map(|(present, kind)| present.then_some(kind))
        .collect()
    }

    /// Fails when one layer holds two kinds of credentials; `name` gives a kind's name in
    /// that layer ([`Kind::flag`] or [`Kind::env`]) and `place` the layer ("in the
    /// environment").
    pub fn check_one_kind(
        &self,
        name: fn(Kind) -> &'static str,
        place: &str,
    ) -> Result<(), CliError> {
        match self.kinds()[..] {
            [] | [_] => Ok(()),
            ref kinds => {
                let names: Vec<_> = kinds.iter().map(|kind| name(*kind)).collect();
                Err(CliError::msg(format!(
                    "conflicting credentials {place}: {}; give one kind",
                    names.join(" and ")
                )))
            }
        }
    }

    /// Fails when half of a pair is missing once the layers are merged.
    pub fn check_pairs(&self) -> Result<(), CliError> {
        if self.password.is_some() && self.user.is_none() {
            return Err(CliError::msg("--password needs --user (or NATS_USER)"));
        }
        match (&self.jwt, &self.seed) {
            (Some(_), None) => return Err(CliError::msg("--jwt needs --seed (or NATS_SEED)")),
            (None, Some(_)) => return Err(CliError::msg("--seed needs --jwt (or NATS_JWT)")),
            _ => {}
        }
        match (&self.tlscert, &self.tlskey) {
            (Some(_), None) => Err(CliError::msg("--tlscert needs --tlskey (or NATS_KEY)")),
            (None, Some(_)) => Err(CliError::msg("--tlskey needs --tlscert (or NATS_CERT)")),
            _ => Ok(()),
        }
    }

    /// Whether any TLS file or --tlsfirst is given (TLS is then required).
    pub fn uses_tls(&self) -> bool {
        self.tlscert.is_some() || self.tlskey.is_some() || self.tlsca.is_some() || self.tlsfirst
    }

    /// `self` over `lower`: each setting comes from `self` when it has it, else from
    /// `lower`. Credentials are one setting: the first layer holding any supplies them all,
    /// so a `--token` is never sent alongside a context's password. The one completion across
    /// layers is of a pair: `--user` with `NATS_PASSWORD`, `--jwt` with `NATS_SEED`, or
    /// `--tlscert` with `NATS_KEY`.
    pub fn over(mut self, lower: Settings) -> Settings {
        match self.kinds()[..] {
            [] => {
                self.user = lower.user;
                self.password = lower.password;
                self.token = lower.token;
                self.creds = lower.creds;
                self.nkey = lower.nkey;
                self.jwt = lower.jwt;
                self.seed = lower.seed;
            }
            [Kind::UserPassword] => {
                self.user = self.user.or(lower.user);
                self.password = self.password.or(lower.password);
            }
            [Kind::Jwt] => {
                self.jwt = self.jwt.or(lower.jwt);
                self.seed = self.seed.or(lower.seed);
            }
            _ => {}
        }
        if self.tlscert.is_some() || self.tlskey.is_some() {
            self.tlscert = self.tlscert.or(lower.tlscert);
            self.tlskey = self.tlskey.or(lower.tlskey);
        } else {
            self.tlscert = lower.tlscert;
            self.tlskey = lower.tlskey;
        }
        Settings {
            server: self.server.or(lower.server),
            tlsca: self.tlsca.or(lower.tlsca),
            // A switch: set in any layer, it is on.
            tlsfirst: self.tlsfirst || lower.tlsfirst,
            name: self.name.or(lower.name),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> Option<Secret> {
        Some(Secret::from(text.to_owned()))
    }

    #[test]
    fn blank_environment_values_are_unset() {
        let env = Settings::from_env(|name| match name {
            "NATS_URL" => Some(" ".into()),
            "NATS_USER" => Some("alice".into()),
            "NATS_CA" => Some("/etc/ca.pem".into()),
            _ => None,
        });
        assert_eq!(env.server, None);
        assert_eq!(env.user.as_deref(), Some("alice"));
        assert_eq!(env.tlsca, Some(PathBuf::from("/etc/ca.pem")));
    }

    #[test]
    fn each_setting_from_the_highest_layer_that_has_it() {
        let flags = Settings {
            server: Some("nats://flag".into()),
            ..Settings::default()
        };
        let context = Settings {
            server: Some("nats://context".into()),
            name: Some("ctx".into()),
            tlsca: Some("ca.pem".into()),
            ..Settings::default()
        };
        let merged = flags.over(context);
        assert_eq!(merged.server.as_deref(), Some("nats://flag"));
        assert_eq!(merged.name.as_deref(), Some("ctx"));
        assert_eq!(merged.tlsca, Some(PathBuf::from("ca.pem")));
    }

    #[test]
    fn credentials_come_whole_from_one_layer() {
        let flags = Settings {
            token: secret("t"),
            ..Settings::default()
        };
        let context = Settings {
            user: Some("bob".into()),
            password: secret("pw"),
            ..Settings::default()
        };
        let merged = flags.over(context.clone());
        assert_eq!(merged.kinds(), [Kind::Token]);
        assert_eq!(merged.user, None);

        // Nothing above: the context's credentials.
        let merged = Settings::default().over(context);
        assert_eq!(merged.kinds(), [Kind::UserPassword]);
        assert_eq!(merged.password, secret("pw"));
    }

    #[test]
    fn a_user_is_completed_with_a_lower_password() {
        let flags = Settings {
            user: Some("alice".into()),
            ..Settings::default()
        };
        let env = Settings {
            password: secret("from-env"),
            ..Settings::default()
        };
        let merged = flags.over(env);
        assert_eq!(merged.user.as_deref(), Some("alice"));
        assert_eq!(merged.password, secret("from-env"));
    }

    #[test]
    fn conflicts_and_half_pairs_are_reported() {
        let env = Settings {
            token: secret("t"),
            creds: Some("a.creds".into()),
            ..Settings::default()
        };
        let err = env
            .check_one_kind(Kind::env, "in the environment")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "conflicting credentials in the environment: NATS_TOKEN and NATS_CREDS; give one kind"
        );
        let half = Settings {
            tlscert: Some("c.pem".into()),
            ..Settings::default()
        };
        assert!(half
            .check_pairs()
            .unwrap_err()
            .to_string()
            .contains("--tlskey"));
        let password_only = Settings {
            password: secret("pw"),
            ..Settings::default()
        };
        assert!(password_only.check_pairs().is_err());
    }

    #[test]
    fn debug_shows_no_secret() {
        let settings = Settings {
            server: Some("nats://alice:url-pw@a:4222".into()),
            password: secret("flag-pw"),
            token: secret("flag-token"),
            ..Settings::default()
        };
        let shown = format!("{settings:?}");
        assert!(shown.contains("nats://alice:***@a:4222"), "{shown}");
        for secret in ["url-pw", "flag-pw", "flag-token"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn only_given_fields_are_stored() {
        let settings = Settings {
            server: Some("nats://a:4222".into()),
            password: secret("pw"),
            ..Settings::default()
        };
        let json = serde_json::to_string(&settings).unwrap();
        assert_eq!(json, r#"{"server":"nats://a:4222","password":"pw"}"#);
        assert_eq!(serde_json::from_str::<Settings>(&json).unwrap(), settings);
    }
}
