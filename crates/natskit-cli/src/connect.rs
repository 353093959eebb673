//! [`ConnectArgs`]: the connection flags every connecting command shares, and
//! [`Connection`]: what they resolve to once the environment and a context are layered in.
//!
//! Each setting comes from the first of: the command-line flag, the environment variable,
//! the context (`--context`, `NATS_CONTEXT`, or the selected one), the default. Credentials
//! count as one setting (see [`Settings::over`]).

use std::path::Path;
use std::time::Duration;

use clap::Args;
use natskit::{Client, ConnectOptions};

use crate::context::Store;
use crate::duration::parse_duration;
use crate::error::{connect_error, CliError, Presented};
use crate::settings::{Kind, Settings, HEADING};

/// How long connecting may take when neither `--connect-timeout` nor `--timeout` says.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The connection name when none is given.
const DEFAULT_NAME: &str = "natskit-cli";

/// Where the server is, how to authenticate, and how long to wait.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// The server, credentials, TLS files and name.
    #[command(flatten)]
    pub settings: Settings,

    /// Use this saved context instead of the selected one (see `natskit context`)
    /// [env: NATS_CONTEXT]
    #[arg(long, global = true, value_name = "NAME", help_heading = HEADING)]
    pub context: Option<String>,

    /// Use no context at all: neither the selected one nor NATS_CONTEXT
    #[arg(long, global = true, conflicts_with = "context", help_heading = HEADING)]
    pub no_context: bool,

    /// Time allowed to connect and complete the handshake [default: --timeout, else 5s]
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        value_parser = parse_duration,
        help_heading = HEADING
    )]
    pub connect_timeout: Option<Duration>,

    /// How long to wait for answers (`500ms`, `2s`); each command has its own default (`req`
    /// and `bench req`: 5s, `micro`: 1s, `sub --match-replies --count`: 2s for the last ones,
    /// `bench sub --msgs`: 2s after the last message). Also bounds connecting, unless
    /// --connect-timeout is given. No `-t`: as in the `nats` CLI, `sub -t` is --timestamp.
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        value_parser = parse_duration,
        help_heading = HEADING
    )]
    pub timeout: Option<Duration>,
}

/// Where a setting came from, for the messages that name it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    /// The command line or the environment.
    Given,
    /// A context named by `--context` or `NATS_CONTEXT`.
    NamedContext(String),
    /// The selected context.
    SelectedContext(String),
    /// Nowhere: the default.
    Default,
}

/// The settings to connect with, resolved from flags, environment and context.
#[derive(Debug, Clone)]
pub struct Connection {
    /// The merged settings.
    settings: Settings,
    /// Where the server URL came from.
    server_origin: Origin,
    /// Where the credentials came from.
    credentials_origin: Origin,
    /// Time allowed to connect.
    connect_timeout: Duration,
}

impl ConnectArgs {
    /// `--timeout`, or the command's own default when it was not given.
    pub fn timeout_or(&self, default: Duration) -> Duration {
        self.timeout.unwrap_or(default)
    }

    /// Layers the flags over the environment and the context.
    pub fn resolve(&self) -> Result<Connection, CliError> {
        let env = Settings::from_env(|name| std::env::var(name).ok());
        env.check_one_kind(Kind::env, "in the environment")?;
        let (context, context_origin) = self.context()?;
        if let Origin::NamedContext(name) | Origin::SelectedContext(name) = &context_origin {
            context.check_one_kind(Kind::flag, &format!("in context {name:?}"))?;
        }
        let mut flags = self.settings.clone();
        // `--server ''` (say, from a script's empty variable) means no server given.
        flags.server = flags.server.filter(|urls| !urls.trim().is_empty());
        let origin = |given: bool, in_context: bool| match (given, in_context) {
            (true, _) => Origin::Given,
            (false, true) => context_origin.clone(),
            (false, false) => Origin::Default,
        };
        let server_origin = origin(
            flags.server.is_some() || env.server.is_some(),
            context.server.is_some(),
        );
        let credentials_origin = origin(
            !(flags.kinds().is_empty() && env.kinds().is_empty()),
            !context.kinds().is_empty(),
        );
        let settings = flags.over(env).over(context);
        settings.check_pairs()?;
        Ok(Connection {
            settings,
            server_origin,
            credentials_origin,
            connect_timeout: self
                .connect_timeout
                .or(self.timeout)
                .unwrap_or(CONNECT_TIMEOUT),
        })
    }

    /// Resolves the settings and connects.
    pub async fn connect(&self) -> Result<Client, CliError> {
        self.resolve()?.connect().await
    }

    /// The context's settings and where they came from: none with `--no-context`; else
    /// `--context`, else `NATS_CONTEXT`, else the selected context, else none (empty settings).
    fn context(&self) -> Result<(Settings, Origin), CliError> {
        if self.no_context {
            return Ok((Settings::default(), Origin::Default));
        }
        let named = self.context.clone().or_else(|| {
            std::env::var("NATS_CONTEXT")
                .ok()
                .filter(|name| !name.trim().is_empty())
        });
        if let Some(name) = named {
            let context = Store::from_env()?.load(&name)?;
            return Ok((context.settings, Origin::NamedContext(name)));
        }
        // No configuration folder means no contexts, not an error.
        let Ok(store) = Store::from_env() else {
            return Ok((Settings::default(), Origin::Default));
        };
        match store.selected()? {
            Some(name) => {
                let context = store.load(&name).map_err(|e| {
                    CliError::msg(format!(
                        "the selected context is unusable: {e}; 'natskit context select' another"
                    ))
                })?;
                Ok((context.settings, Origin::SelectedContext(name)))
            }
            None => Ok((Settings::default(), Origin::Default)),
        }
    }
}

impl Connection {
    /// The server URLs, comma-separated.
    pub fn urls(&self) -> &str {
        self.settings
            .server
            .as_deref()
            .unwrap_or(natskit::DEFAULT_URL)
    }

    /// Whether TLS is asked for (TLS files or `--tlsfirst`): addresses then cannot stand in
    /// for host names, whose certificates name the host.
    pub fn uses_tls(&self) -> bool {
        self.settings.uses_tls()
    }

    /// Whether the server was asked for (a flag, `NATS_URL`, or a context named with
    /// `--context`/`NATS_CONTEXT`) rather than the default or the selected context:
    /// `natskit demo` uses its embedded broker otherwise.
    pub fn server_named(&self) -> bool {
        matches!(self.server_origin, Origin::Given | Origin::NamedContext(_))
    }

    /// The client options these settings make, named `--name` (or `natskit-cli`).
    pub fn options(&self) -> Result<ConnectOptions, CliError> {
        let settings = &self.settings;
        let mut options = ConnectOptions::new()
            .name(settings.name.as_deref().unwrap_or(DEFAULT_NAME))
            .connection_timeout(self.connect_timeout);
        if let Some(user) = &settings.user {
            let password = settings.password.as_ref().map_or("", |p| p.expose());
            options = options.user_and_password(user, password);
        }
        if let Some(token) = &settings.token {
            options = options.token(token.expose());
        }
        if let Some(creds) = &settings.creds {
            options = options.credentials_file(creds);
        }
        if let Some(file) = &settings.nkey {
            options = options.nkey(read_seed(file)?);
        }
        if let (Some(jwt), Some(seed)) = (&settings.jwt, &settings.seed) {
            options = options.credentials(creds_text(jwt.trim(), seed.expose().trim()));
        }
        if let (Some(cert), Some(key)) = (&settings.tlscert, &settings.tlskey) {
            options = options.client_certificate(cert, key);
        }
        if let Some(ca) = &settings.tlsca {
            options = options.add_root_certificate(ca);
        }
        if settings.tlsfirst {
            options = options.tls_first();
        }
        // Giving TLS files or --tlsfirst means TLS is wanted: never fall back to plain text.
        Ok(options.require_tls(settings.uses_tls()))
    }

    /// Connects to the first of the servers that completes the handshake.
    pub async fn connect(&self) -> Result<Client, CliError> {
        self.connect_with(self.options()?).await
    }

    /// Like [`connect`](Self::connect), with the connection named `name` (for commands that
    /// open several, such as the demo's responders).
    pub async fn connect_as(&self, name: &str) -> Result<Client, CliError> {
        self.connect_with(self.options()?.name(name)).await
    }

    /// Connects with `options`; failures name the credentials that were presented.
    async fn connect_with(&self, options: ConnectOptions) -> Result<Client, CliError> {
        options
            .connect(self.urls())
            .await
            .map_err(|e| connect_error(&e, &self.presented()))
    }

    /// The credentials presented, in words that quote no secret: `user "alice"`,
    /// `the token from context "prod"`, `user "bob" in the URL`.
    fn presented(&self) -> Presented {
        let settings = &self.settings;
        let what = match settings.kinds().first() {
            Some(Kind::UserPassword) => match &settings.user {
                Some(user) => format!("user {user:?}"),
                None => "a password without a user".to_owned(),
            },
            Some(Kind::Token) => "the token".to_owned(),
            Some(Kind::Creds) => credentials_file("the credentials", settings.creds.as_deref()),
            Some(Kind::Nkey) => credentials_file("the NKey seed", settings.nkey.as_deref()),
            Some(Kind::Jwt) => "the user JWT and seed".to_owned(),
            None => return self.credentials_in_urls(),
        };
        Presented::Credentials(match &self.credentials_origin {
            Origin::NamedContext(name) | Origin::SelectedContext(name) => {
                format!("{what} from context {name:?}")
            }
            Origin::Given | Origin::Default => what,
        })
    }

    /// What the server URLs carry (`user "alice" in the URL`, `the token in the URL`), else
    /// nothing.
    fn credentials_in_urls(&self) -> Presented {
        let servers = natskit::ServerAddr::parse_list(self.urls()).unwrap_or_default();
        for server in servers {
            if let Some(user) = server.user() {
                return Presented::Credentials(format!("user {user:?} in the URL"));
            }
            if server.token().is_some() {
                return Presented::Credentials("the token in the URL".to_owned());
            }
        }
        Presented::Nothing
    }
}

/// `the credentials in /path/user.creds`.
fn credentials_file(what: &str, path: Option<&Path>) -> String {
    match path {
        Some(path) => format!("{what} in {}", path.display()),
        None => what.to_owned(),
    }
}

/// A `.creds` file's text holding `jwt` and `seed`, as nsc writes one: the client reads both
/// from it and signs the server's nonce with the seed.
fn creds_text(jwt: &str, seed: &str) -> String {
    format!(
        "-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n\
         -----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n"
    )
}

/// The NKey seed of `file`: its first line starting with `SU` (so a file with comments or a
/// decorated block works), else its whole trimmed text (the client rejects a malformed seed
/// without quoting it).
fn read_seed(file: &Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        CliError::msg(format!(
            "cannot read the NKey seed file {}: {e}",
            file.display()
        ))
    })?;
    let seed = text
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("SU"))
        .unwrap_or(text.trim());
    Ok(seed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_line_is_found() {
        let dir = natskit_test::TempDir::new("seed").unwrap();
        let file = dir.path().join("user.nk");
        std::fs::write(&file, "# my key\n  SUAAAA  \n").unwrap();
        assert_eq!(read_seed(&file).unwrap(), "SUAAAA");
        std::fs::write(&file, "garbage\n").unwrap();
        assert_eq!(read_seed(&file).unwrap(), "garbage");
        let missing = dir.path().join("missing.nk");
        let err = read_seed(&missing).unwrap_err().to_string();
        assert!(err.starts_with("cannot read the NKey seed file "), "{err}");
    }
}
