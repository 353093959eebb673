//! The server pool: the configured servers plus those the cluster tells us about, and how many
//! times each was tried since it last worked.

use std::collections::HashSet;
use std::time::Duration;

use rand::seq::SliceRandom;

use crate::reconnect::ReconnectOptions;
use crate::server_addr::ServerAddr;

/// What makes two addresses the same server: host and port (not scheme or credentials).
fn endpoint(addr: &ServerAddr) -> (&str, u16) {
    (addr.host(), addr.port())
}

/// [`endpoint`], owned, to key a set.
fn owned_endpoint(addr: &ServerAddr) -> (String, u16) {
    (addr.host().to_owned(), addr.port())
}

/// One server of the pool.
#[derive(Debug, Clone)]
pub(crate) struct PoolEntry {
    pub(crate) addr: ServerAddr,
    /// Learned from an INFO's `connect_urls`, not configured.
    pub(crate) discovered: bool,
    /// Failed attempts since the last successful connection to it.
    pub(crate) failures: u32,
    /// The last authorization error it sent, to notice the same one twice.
    pub(crate) last_auth_error: Option<String>,
    /// Set after the same authorization error twice: not tried again.
    pub(crate) given_up: bool,
}

impl PoolEntry {
    fn new(addr: ServerAddr, discovered: bool) -> Self {
        PoolEntry {
            addr,
            discovered,
            failures: 0,
            last_auth_error: None,
            given_up: false,
        }
    }
}

/// The servers a client may connect to, in the order it tries them.
#[derive(Debug)]
pub(crate) struct ServerPool {
    entries: Vec<PoolEntry>,
    /// Index of the server in use, or last tried.
    current: usize,
}

impl ServerPool {
    /// The configured servers, shuffled unless `randomize` is false.
    pub(crate) fn new(mut servers: Vec<ServerAddr>, randomize: bool) -> Self {
        if randomize {
            servers.shuffle(&mut rand::rng());
        }
        let mut pool = ServerPool {
            entries: Vec::new(),
            current: 0,
        };
        for addr in servers {
            if !pool.contains(&addr) {
                pool.entries.push(PoolEntry::new(addr, false));
            }
        }
        pool
    }

    fn contains(&self, addr: &ServerAddr) -> bool {
        self.entries
            .iter()
            .any(|e| endpoint(&e.addr) == endpoint(addr))
    }

    /// Every server, in trying order.
    pub(crate) fn addresses(&self) -> Vec<ServerAddr> {
        self.entries.iter().map(|e| e.addr.clone()).collect()
    }

    /// The server in use (or last tried).
    pub(crate) fn current(&self) -> Option<&PoolEntry> {
        self.entries.get(self.current)
    }

    /// Marks the server at `index` as the one in use: its failures are forgotten.
    pub(crate) fn connected(&mut self, index: usize) {
        self.current = index;
        if let Some(entry) = self.entries.get_mut(index) {
            entry.failures = 0;
            entry.last_auth_error = None;
        }
    }

    /// Replaces the discovered servers with `urls` (`host:port` strings of an INFO's
    /// `connect_urls`), taking the scheme and credentials of `template`. Returns the servers
    /// newly added.
    pub(crate) fn update_discovered(
        &mut self,
        urls: &[String],
        template: &ServerAddr,
    ) -> Vec<ServerAddr> {
        // Sets keyed by host and port keep this linear in the number of URLs: a cluster (or a
        // hostile server) may announce tens of thousands, and again with every INFO.
        let mut announced: Vec<ServerAddr> = Vec::new();
        let mut seen = HashSet::new();
        for addr in urls.iter().filter_map(|url| template.with_host_port(url)) {
            if seen.insert(owned_endpoint(&addr)) {
                announced.push(addr);
            }
        }
        let current = self.entries.get(self.current).map(|e| e.addr.clone());
        // Forget discovered servers the cluster no longer announces (but never the one in use).
        self.entries.retain(|e| {
            !e.discovered
                || Some(&e.addr) == current.as_ref()
                || seen.contains(&owned_endpoint(&e.addr))
        });
        if let Some(current) = current {
            self.current = self
                .entries
                .iter()
                .position(|e| e.addr == current)
                .unwrap_or(0);
        }
        let known: HashSet<_> = self
            .entries
            .iter()
            .map(|e| owned_endpoint(&e.addr))
            .collect();
        let mut added = Vec::new();
        for addr in announced {
            if !known.contains(&owned_endpoint(&addr)) {
                self.entries.push(PoolEntry::new(addr.clone(), true));
                added.push(addr);
            }
        }
        added
    }

    /// The next server to try after the current one, skipping servers that used up their
    /// attempts or refused our credentials twice. `None` when no server is left.
    pub(crate) fn next_candidate(&mut self, options: &ReconnectOptions) -> Option<usize> {
        let n = self.entries.len();
        (1..=n)
            .map(|step| (self.current + step) % n)
            .find(|&i| {
                let e = &self.entries[i];
                !e.given_up && options.max_per_server.is_none_or(|max| e.failures < max)
            })
            .inspect(|&i| self.current = i)
    }

    /// Records a failed attempt on server `index`. For an authorization error, the same text
    /// twice in a row gives the server up.
    pub(crate) fn failed(&mut self, index: usize, auth_error: Option<&str>) {
        let Some(entry) = self.entries.get_mut(index) else {
            return;
        };
        entry.failures += 1;
        match auth_error {
            Some(text) => {
                if entry.last_auth_error.as_deref() == Some(text) {
                    entry.given_up = true;
                }
                entry.last_auth_error = Some(text.to_owned());
            }
            None => entry.last_auth_error = None,
        }
    }

    /// True when some server other than the current one may still be tried.
    pub(crate) fn has_other(&self, options: &ReconnectOptions) -> bool {
        self.entries.iter().enumerate().any(|(i, e)| {
            i != self.current
                && !e.given_up
                && options.max_per_server.is_none_or(|max| e.failures < max)
        })
    }

    /// The server at `index`.
    pub(crate) fn entry(&self, index: usize) -> Option<&PoolEntry> {
        self.entries.get(index)
    }
}

/// How long to wait before trying again a server that already failed `failures` times:
/// nothing for a server that has not failed yet, then the delay `options` gives for that many
/// failures.
pub(crate) fn delay_before(options: &ReconnectOptions, failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    options.delay.delay(failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(urls: &str) -> Vec<ServerAddr> {
        ServerAddr::parse_list(urls).expect("valid urls")
    }

    fn hosts(pool: &ServerPool) -> Vec<String> {
        pool.addresses()
            .iter()
            .map(|a| a.socket_address())
            .collect()
    }

    #[test]
    fn configured_servers_keep_their_order_without_randomizing_and_are_never_duplicated() {
        let pool = ServerPool::new(addrs("a:1,b:2,a:1,nats://b:2"), false);
        assert_eq!(hosts(&pool), ["a:1", "b:2"]);
    }

    #[test]
    fn randomizing_keeps_every_server() {
        let pool = ServerPool::new(addrs("a:1,b:2,c:3,d:4"), true);
        let mut all = hosts(&pool);
        all.sort();
        assert_eq!(all, ["a:1", "b:2", "c:3", "d:4"]);
    }

    #[test]
    fn discovered_servers_take_the_scheme_and_credentials_and_go_when_forgotten() {
        let mut pool = ServerPool::new(addrs("nats://alice:pw@a:1"), false);
        pool.connected(0);
        let template = pool.current().expect("current").addr.clone();
        let added = pool.update_discovered(&["a:1".into(), "b:2".into(), "c:3".into()], &template);
        assert_eq!(
            added.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["nats://alice:***@b:2", "nats://alice:***@c:3"]
        );
        assert_eq!(added[0].password(), Some("pw"));
        assert!(pool
            .update_discovered(&["b:2".into(), "c:3".into()], &template)
            .is_empty());
        assert_eq!(
            hosts(&pool),
            ["a:1", "b:2", "c:3"],
            "configured servers stay"
        );
        pool.update_discovered(&["b:2".into()], &template);
        assert_eq!(hosts(&pool), ["a:1", "b:2"]);
    }

    #[test]
    fn candidates_rotate_and_skip_servers_that_are_used_up() {
        let options = ReconnectOptions {
            max_per_server: Some(2),
            ..ReconnectOptions::default()
        };
        let mut pool = ServerPool::new(addrs("a:1,b:2"), false);
        pool.connected(0);
        assert_eq!(pool.next_candidate(&options), Some(1));
        pool.failed(1, None);
        assert_eq!(pool.next_candidate(&options), Some(0));
        pool.failed(0, None);
        pool.failed(0, None);
        assert_eq!(pool.next_candidate(&options), Some(1), "a:1 used up");
        pool.failed(1, None);
        assert_eq!(pool.next_candidate(&options), None);
    }

    #[test]
    fn the_same_authorization_error_twice_gives_a_server_up() {
        let options = ReconnectOptions::default();
        let mut pool = ServerPool::new(addrs("a:1"), false);
        pool.failed(0, Some("Authorization Violation"));
        assert_eq!(pool.next_candidate(&options), Some(0));
        pool.failed(0, Some("Authorization Violation"));
        assert_eq!(pool.next_candidate(&options), None);
        assert!(!pool.has_other(&options));
    }

    #[test]
    fn no_delay_before_the_first_attempt_on_a_server() {
        let options = ReconnectOptions::default();
        assert_eq!(delay_before(&options, 0), Duration::ZERO);
        assert!(delay_before(&options, 1) >= Duration::from_millis(50));
    }
}
