//! Accounts, as nats-server's `accounts { }` block: each account is its own subject space, and
//! subjects cross from one to another only through an export and a matching import. A
//! stream import delivers the exporter's messages to the importer (under a prefix or another
//! subject); a service import sends the importer's requests to the exporter and routes the
//! answers back through a one-time reply subject (`_R_.<id>`).

use crate::error::ServerError;

/// The account of users outside every account, as nats-server's global account.
pub const GLOBAL_ACCOUNT: &str = "$G";

/// An account: a name, what it exports and what it imports. Users join it with
/// [`User::account`](crate::User::account); give it to
/// [`ServerBuilder::account`](crate::ServerBuilder::account).
///
/// ```
/// use natskit_server::{Account, Export, Import};
/// let a = Account::new("A").export(Export::stream("news.>"));
/// let b = Account::new("B").import(Import::stream("A", "news.>").prefix("from_a"));
/// assert_eq!(b.imports[0].account, "A");
/// # let _ = a;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Account {
    /// Its name, as users and imports name it.
    pub name: String,
    /// Subjects other accounts may import.
    pub exports: Vec<Export>,
    /// Subjects taken from other accounts.
    pub imports: Vec<Import>,
    /// Whether the account has JetStream, when the server has it (nats-server's
    /// `jetstream: enabled` in the account; the global account always has it).
    pub jetstream: bool,
}

impl Account {
    /// An account with no exports or imports.
    ///
    /// ```
    /// assert!(natskit_server::Account::new("A").exports.is_empty());
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        Account {
            name: name.into(),
            exports: Vec::new(),
            imports: Vec::new(),
            jetstream: false,
        }
    }

    /// Gives the account JetStream (when the server has it switched on).
    ///
    /// ```
    /// assert!(natskit_server::Account::new("A").with_jetstream().jetstream);
    /// ```
    pub fn with_jetstream(mut self) -> Self {
        self.jetstream = true;
        self
    }

    /// Adds an export.
    ///
    /// ```
    /// let a = natskit_server::Account::new("A").export(natskit_server::Export::service("svc"));
    /// assert_eq!(a.exports.len(), 1);
    /// ```
    pub fn export(mut self, export: Export) -> Self {
        self.exports.push(export);
        self
    }

    /// Adds an import.
    ///
    /// ```
    /// let b = natskit_server::Account::new("B").import(natskit_server::Import::service("A", "svc"));
    /// assert_eq!(b.imports.len(), 1);
    /// ```
    pub fn import(mut self, import: Import) -> Self {
        self.imports.push(import);
        self
    }
}

/// Whether an export or import is of messages (stream) or of requests (service).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Messages published in the exporting account reach subscribers in the importing one.
    Stream,
    /// Requests published in the importing account reach responders in the exporting one,
    /// and their answers come back.
    Service,
}

/// Subjects an account offers to others.
///
/// ```
/// let e = natskit_server::Export::stream("news.>").accounts(["B"]);
/// assert_eq!(e.accounts, ["B"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Export {
    /// Stream or service.
    pub kind: Kind,
    /// The subjects (wildcards allowed).
    pub subject: String,
    /// Accounts that may import it; empty: any.
    pub accounts: Vec<String>,
}

impl Export {
    /// A stream export, to any account.
    ///
    /// ```
    /// assert_eq!(natskit_server::Export::stream("a.>").subject, "a.>");
    /// ```
    pub fn stream(subject: impl Into<String>) -> Self {
        Export {
            kind: Kind::Stream,
            subject: subject.into(),
            accounts: Vec::new(),
        }
    }

    /// A service export, to any account.
    ///
    /// ```
    /// assert_eq!(natskit_server::Export::service("svc").kind, natskit_server::Kind::Service);
    /// ```
    pub fn service(subject: impl Into<String>) -> Self {
        Export {
            kind: Kind::Service,
            ..Export::stream(subject)
        }
    }

    /// Only these accounts may import it.
    ///
    /// ```
    /// assert!(!natskit_server::Export::service("s").accounts(["B"]).accounts.is_empty());
    /// ```
    pub fn accounts<S: Into<String>>(mut self, accounts: impl IntoIterator<Item = S>) -> Self {
        self.accounts = accounts.into_iter().map(Into::into).collect();
        self
    }
}

/// Subjects an account takes from another account's export.
///
/// ```
/// let i = natskit_server::Import::service("A", "svc").to("a.svc");
/// assert_eq!(i.to.as_deref(), Some("a.svc"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Import {
    /// Stream or service.
    pub kind: Kind,
    /// The exporting account.
    pub account: String,
    /// The subjects in the exporting account.
    pub subject: String,
    /// The subjects in the importing account instead (wildcards in the same places).
    pub to: Option<String>,
    /// A stream import's subjects in the importing account get this prefix (and a `.`).
    pub prefix: Option<String>,
}

impl Import {
    /// Messages on `subject` in `account`.
    ///
    /// ```
    /// assert_eq!(natskit_server::Import::stream("A", "x").kind, natskit_server::Kind::Stream);
    /// ```
    pub fn stream(account: impl Into<String>, subject: impl Into<String>) -> Self {
        Import {
            kind: Kind::Stream,
            account: account.into(),
            subject: subject.into(),
            to: None,
            prefix: None,
        }
    }

    /// Requests to `subject` answered in `account`.
    ///
    /// ```
    /// assert_eq!(natskit_server::Import::service("A", "x").kind, natskit_server::Kind::Service);
    /// ```
    pub fn service(account: impl Into<String>, subject: impl Into<String>) -> Self {
        Import {
            kind: Kind::Service,
            ..Import::stream(account, subject)
        }
    }

    /// The subject(s) in the importing account.
    ///
    /// ```
    /// assert_eq!(natskit_server::Import::stream("A", "x.*").to("y.*").to.unwrap(), "y.*");
    /// ```
    pub fn to(mut self, subject: impl Into<String>) -> Self {
        self.to = Some(subject.into());
        self
    }

    /// A prefix for a stream import's subjects in the importing account.
    ///
    /// ```
    /// assert_eq!(natskit_server::Import::stream("A", "x").prefix("a").prefix.unwrap(), "a");
    /// ```
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// The subjects the import covers in the importing account.
    pub(crate) fn local(&self) -> String {
        match (&self.to, &self.prefix) {
            (Some(to), _) => to.clone(),
            (None, Some(prefix)) => format!("{prefix}.{}", self.subject),
            (None, None) => self.subject.clone(),
        }
    }
}

/// Checks that accounts are unique, imports name exports that let them in, and the system
/// account exists.
pub(crate) fn check(accounts: &[Account], system: Option<&str>) -> Result<(), ServerError> {
    let bad = |reason: String| Err(ServerError::Accounts { reason });
    let find = |name: &str| accounts.iter().find(|a| a.name == name);
    for (i, a) in accounts.iter().enumerate() {
        if a.name == GLOBAL_ACCOUNT || accounts[..i].iter().any(|b| b.name == a.name) {
            return bad(format!("account {:?} is defined twice", a.name));
        }
        for s in a.exports.iter().map(|e| &e.subject) {
            if natskit_proto::subject::validate_subscribe(s).is_err() {
                return bad(format!(
                    "account {:?}: export {s:?} is not a valid subject",
                    a.name
                ));
            }
        }
        for im in &a.imports {
            let Some(exporter) = find(&im.account) else {
                return bad(format!(
                    "account {:?}: import from account {:?}, which is not defined",
                    a.name, im.account
                ));
            };
            let local = im.local();
            if natskit_proto::subject::validate_subscribe(&local).is_err()
                || natskit_proto::subject::validate_subscribe(&im.subject).is_err()
            {
                return bad(format!(
                    "account {:?}: import of {:?} as {local:?}: not a valid subject",
                    a.name, im.subject
                ));
            }
            if wildcards(&local) != wildcards(&im.subject) {
                return bad(format!(
                    "account {:?}: import of {:?} as {local:?}: the wildcards differ",
                    a.name, im.subject
                ));
            }
            let allowed = exporter.exports.iter().any(|e| {
                e.kind == im.kind
                    && natskit_proto::subject::matches(&e.subject, &im.subject)
                    && (e.accounts.is_empty() || e.accounts.contains(&a.name))
            });
            if !allowed {
                return bad(format!(
                    "account {:?}: account {:?} exports no {} {:?} to it",
                    a.name,
                    im.account,
                    if im.kind == Kind::Stream {
                        "stream"
                    } else {
                        "service"
                    },
                    im.subject
                ));
            }
        }
    }
    if let Some(system) = system {
        if find(system).is_none() {
            return bad(format!("system_account {system:?} is not defined"));
        }
    }
    Ok(())
}

/// Checks that every user's account is defined; `users` are (user name, account name) pairs.
pub(crate) fn check_users<'a>(
    users: impl IntoIterator<Item = (&'a str, &'a str)>,
    accounts: &[Account],
) -> Result<(), ServerError> {
    for (user, name) in users {
        if name != GLOBAL_ACCOUNT && !accounts.iter().any(|a| a.name == name) {
            return Err(ServerError::Accounts {
                reason: format!("user {user:?} is in account {name:?}, which is not defined"),
            });
        }
    }
    Ok(())
}

/// The wildcard tokens of `pattern`, in order.
fn wildcards(pattern: &str) -> Vec<&str> {
    pattern
        .split('.')
        .filter(|t| *t == "*" || *t == ">")
        .collect()
}

/// `subject`, which matches `from`, rewritten into `to` (same wildcards, in order): each
/// `*` of `to` takes the token the next `*` of `from` matched, `>` the rest.
pub(crate) fn transform(from: &str, to: &str, subject: &[u8]) -> Vec<u8> {
    let mut tokens = subject.split(|&b| b == b'.');
    let mut captured: Vec<&[u8]> = Vec::new();
    let mut tail: Vec<&[u8]> = Vec::new();
    for pattern in from.split('.') {
        match pattern {
            "*" => captured.extend(tokens.next()),
            ">" => tail.extend(tokens.by_ref()),
            _ => {
                tokens.next();
            }
        }
    }
    let mut stars = captured.into_iter();
    let mut out = Vec::with_capacity(subject.len() + to.len());
    for (i, token) in to.split('.').enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        match token {
            "*" => out.extend_from_slice(stars.next().unwrap_or_default()),
            ">" => out.extend_from_slice(&tail.join(&b'.')),
            _ => out.extend_from_slice(token.as_bytes()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_are_rewritten_wildcard_for_wildcard() {
        assert_eq!(
            transform("foo.>", "from_a.foo.>", b"foo.x.y"),
            b"from_a.foo.x.y"
        );
        assert_eq!(transform("svc", "local.svc", b"svc"), b"local.svc");
        assert_eq!(transform("local.svc", "svc", b"local.svc"), b"svc");
        assert_eq!(transform("a.*.b.*", "c.*.*", b"a.1.b.2"), b"c.1.2");
    }

    #[test]
    fn imports_must_match_an_export_that_lets_them_in() {
        let a = Account::new("A")
            .export(Export::stream("news.>"))
            .export(Export::service("svc").accounts(["C"]));
        let ok = Account::new("B").import(Import::stream("A", "news.sport").prefix("a"));
        assert!(check(&[a.clone(), ok], None).is_ok());
        for (b, want) in [
            (
                Import::stream("Z", "x"),
                "import from account \"Z\", which is not defined",
            ),
            (
                Import::stream("A", "other"),
                "account \"A\" exports no stream \"other\" to it",
            ),
            (
                Import::service("A", "svc"),
                "account \"A\" exports no service \"svc\" to it",
            ),
            (
                Import::stream("A", "news.*").to("x"),
                "the wildcards differ",
            ),
        ] {
            let err = check(&[a.clone(), Account::new("B").import(b)], None).unwrap_err();
            assert!(err.to_string().ends_with(want), "{err}");
        }
        let twice = check(&[a.clone(), a.clone()], None).unwrap_err();
        assert!(twice.to_string().contains("defined twice"));
        let sys = check(&[a], Some("SYS")).unwrap_err();
        assert!(sys
            .to_string()
            .contains("system_account \"SYS\" is not defined"));
    }
}
