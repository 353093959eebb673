//! Per-user publish and subscribe permissions, with nats-server's semantics: a subject is
//! permitted when it matches an `allow` pattern (or no `allow` list is given) and no `deny`
//! pattern. Subscription subjects are matched as they are written, so `orders.>` passes an
//! `orders.*` allow list, as with nats-server. Subjects are bytes (they need not be UTF-8),
//! matched token by token as nats-server does.

use std::time::Duration;

use natskit_proto::subject::matches_bytes;

/// What one user may publish to and subscribe to.
///
/// ```
/// use natskit_server::{Permissions, Rule, Server, User};
///
/// let alice = User::new("alice", "s3cret").permissions(
///     Permissions::default()
///         .publish(Rule::allow(["orders.>", "_INBOX.>"]).deny(["orders.secret"]))
///         .subscribe(Rule::allow(["orders.*", "_INBOX.>"])),
/// );
/// let builder = Server::builder().add_user(alice);
/// # let _ = builder;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    /// Subjects the user may publish to.
    pub publish: Rule,
    /// Subjects the user may subscribe to (and receive on).
    pub subscribe: Rule,
    /// nats-server's `allow_responses`: the user may also publish to the reply subject of a
    /// message it received, within limits. With it, an empty `publish.allow` list permits no
    /// other subject (as with nats-server, which turns off the blanket allow).
    pub responses: Option<Responses>,
}

/// How a user may answer the requests it receives ([`Permissions::responses`]).
///
/// ```
/// use std::time::Duration;
/// let r = natskit_server::Responses::default();
/// assert_eq!((r.max, r.expires), (1, Some(Duration::from_secs(120))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Responses {
    /// Messages it may publish to one reply subject; 0 for any number.
    pub max: u64,
    /// How long after the request it may answer; `None` for ever.
    pub expires: Option<Duration>,
}

/// nats-server's defaults: one response within two minutes.
impl Default for Responses {
    fn default() -> Self {
        Responses {
            max: 1,
            expires: Some(Duration::from_secs(120)),
        }
    }
}

impl Permissions {
    /// Sets the publish rule.
    ///
    /// ```
    /// use natskit_server::{Permissions, Rule};
    /// let p = Permissions::default().publish(Rule::allow(["a.>"]));
    /// assert!(!p.publish.permits("b"));
    /// ```
    pub fn publish(mut self, rule: Rule) -> Self {
        self.publish = rule;
        self
    }

    /// Sets the subscribe rule.
    ///
    /// ```
    /// use natskit_server::{Permissions, Rule};
    /// let p = Permissions::default().subscribe(Rule::default().deny(["private.>"]));
    /// assert!(!p.subscribe.permits("private.x"));
    /// ```
    pub fn subscribe(mut self, rule: Rule) -> Self {
        self.subscribe = rule;
        self
    }

    /// Lets the user answer the requests it receives ([`Responses`]).
    ///
    /// ```
    /// use natskit_server::{Permissions, Responses};
    /// let p = Permissions::default().responses(Responses::default());
    /// assert!(!p.permits_publish("_INBOX.abc"));
    /// ```
    pub fn responses(mut self, responses: Responses) -> Self {
        self.responses = Some(responses);
        self
    }

    /// Whether the publish rule alone permits `subject` (not counting responses the user
    /// may owe).
    ///
    /// ```
    /// use natskit_server::{Permissions, Rule};
    /// assert!(Permissions::default().permits_publish("any"));
    /// assert!(!Permissions::default().publish(Rule::allow(["a"])).permits_publish("b"));
    /// ```
    pub fn permits_publish(&self, subject: impl AsRef<[u8]>) -> bool {
        !(self.responses.is_some() && self.publish.allow.is_empty())
            && self.publish.permits(subject)
    }
}

/// Allow and deny lists of subject patterns (`*` and `>` wildcards). The default permits
/// everything.
///
/// ```
/// use natskit_server::Rule;
///
/// let rule = Rule::allow(["orders.>"]).deny(["orders.secret"]);
/// assert!(rule.permits("orders.new"));
/// assert!(!rule.permits("orders.secret"));
/// assert!(!rule.permits("billing"));
/// assert!(Rule::default().permits("anything"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    /// Patterns one of which a subject must match; empty: any subject.
    pub allow: Vec<String>,
    /// Patterns no subject may match.
    pub deny: Vec<String>,
}

impl Rule {
    /// A rule that permits only subjects matching one of `patterns`.
    ///
    /// ```
    /// assert!(natskit_server::Rule::allow(["a.*"]).permits("a.b"));
    /// ```
    pub fn allow<S: Into<String>>(patterns: impl IntoIterator<Item = S>) -> Self {
        Rule {
            allow: patterns.into_iter().map(Into::into).collect(),
            deny: Vec::new(),
        }
    }

    /// Also refuses subjects matching one of `patterns`.
    ///
    /// ```
    /// assert!(!natskit_server::Rule::default().deny(["a.*"]).permits("a.b"));
    /// ```
    pub fn deny<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        self.deny.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// Whether `subject` (text or bytes, which need not be UTF-8) is permitted.
    ///
    /// ```
    /// assert!(natskit_server::Rule::allow(["orders.*"]).permits("orders.>"));
    /// assert!(natskit_server::Rule::allow(["orders.*"]).permits(b"orders.\xff"));
    /// ```
    pub fn permits(&self, subject: impl AsRef<[u8]>) -> bool {
        let subject = subject.as_ref();
        let allowed =
            self.allow.is_empty() || self.allow.iter().any(|p| pattern_matches(p, subject));
        allowed && !self.denies(subject)
    }

    /// Whether a `deny` pattern matches `subject`: a message on it is not delivered to a
    /// wildcard subscription that was itself permitted.
    ///
    /// ```
    /// assert!(natskit_server::Rule::default().deny(["a.b"]).denies("a.b"));
    /// ```
    pub fn denies(&self, subject: impl AsRef<[u8]>) -> bool {
        let subject = subject.as_ref();
        self.deny.iter().any(|p| pattern_matches(p, subject))
    }
}

/// Whether `pattern` matches `subject` as nats-server's permission check has it: a subject
/// with an empty token (`a..b`, `a.`) matches no pattern, so an `allow` rule refuses it.
fn pattern_matches(pattern: &str, subject: &[u8]) -> bool {
    !subject.split(|&b| b == b'.').any(<[u8]>::is_empty)
        && matches_bytes(pattern.as_bytes(), subject)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_and_deny_combine_as_in_nats_server() {
        let rule = Rule::allow(["orders.*", "_INBOX.>"]).deny(["orders.private"]);
        assert!(rule.permits("orders.new"));
        assert!(rule.permits("_INBOX.abc.1"));
        assert!(!rule.permits("orders.private"));
        assert!(!rule.permits("orders.a.b"));
        assert!(!rule.permits("other"));
        // Wildcard subjects are matched as written: `>` is one token here.
        assert!(rule.permits("orders.>"));
        assert!(rule.permits("orders.*"));
        let deny_only = Rule::default().deny(["secret.>"]);
        assert!(deny_only.permits("public"));
        assert!(!deny_only.permits("secret.x"));
        assert!(deny_only.denies("secret.x.y"));
    }

    #[test]
    fn a_subject_with_an_empty_token_matches_no_pattern_as_in_nats_server() {
        let rule = Rule::allow(["allowed.>"]);
        assert!(!rule.permits("allowed..x"));
        assert!(!rule.permits("allowed.x."));
        assert!(Rule::default().permits("a..b"));
    }

    #[test]
    fn subjects_that_are_not_utf8_are_matched_as_bytes() {
        let rule = Rule::allow(["a.*"]).deny(["a.b"]);
        assert!(rule.permits(b"a.\xff"));
        assert!(!rule.permits(b"\xff.a"));
        assert!(!rule.permits(b"a.\xff.c"));
        assert!(rule.denies(b"a.b"));
    }
}
