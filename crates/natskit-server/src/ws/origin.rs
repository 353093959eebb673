//! The `Origin` check of nats-server's `same_origin` and `allowed_origins`: a request without
//! an origin passes (a program that is no browser can claim any origin anyway); one with an
//! origin must match the request's host (same origin) and/or be in the list (scheme, host and
//! port, the port defaulting to 80 or 443 by scheme).

/// One allowed origin, as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Allowed {
    scheme: String,
    host: String,
    port: String,
}

/// The origin rules of a WebSocket listener.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Origins {
    same_origin: bool,
    allowed: Vec<Allowed>,
}

/// `scheme://host[:port][/...]` split into its lowercased scheme, lowercased host and port
/// (defaulted); `None` when it is no absolute URL.
fn split_url(url: &str) -> Option<(String, String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains(' ') {
        return None;
    }
    let (host, port) = host_and_port(scheme == "https", authority)?;
    Some((scheme, host, port))
}

/// `host[:port]` with the port defaulted by `tls`; the host lowercased.
fn host_and_port(tls: bool, hostport: &str) -> Option<(String, String)> {
    let default = if tls { "443" } else { "80" };
    let (host, port) = if let Some(rest) = hostport.strip_prefix('[') {
        // [v6]:port
        let (host, after) = rest.split_once(']')?;
        match after.strip_prefix(':') {
            Some(port) => (host, port),
            None if after.is_empty() => (host, default),
            None => return None,
        }
    } else {
        match hostport.rsplit_once(':') {
            Some((host, _)) if host.contains(':') => return None,
            Some((host, port)) => (host, port),
            None => (hostport, default),
        }
    };
    Some((host.to_ascii_lowercase(), port.to_owned()))
}

impl Origins {
    /// Rules from the options; an allowed origin that is no URL is an error naming it.
    pub(crate) fn new(same_origin: bool, allowed: &[String]) -> Result<Origins, String> {
        let allowed = allowed
            .iter()
            .map(|origin| {
                let (scheme, host, port) = split_url(origin)
                    .ok_or_else(|| format!("unable to parse allowed origin {origin:?}"))?;
                Ok(Allowed { scheme, host, port })
            })
            .collect::<Result<_, String>>()?;
        Ok(Origins {
            same_origin,
            allowed,
        })
    }

    /// Checks the request's `origin` (empty: none sent) against the rules; `host` is the
    /// request's `Host`, `tls` whether the listener serves TLS. The error is nats-server's
    /// text.
    pub(crate) fn check(&self, origin: &str, host: &str, tls: bool) -> Result<(), String> {
        if (!self.same_origin && self.allowed.is_empty()) || origin.is_empty() {
            return Ok(());
        }
        let (scheme, origin_host, origin_port) =
            split_url(origin).ok_or_else(|| format!("parse {origin:?}: invalid URI"))?;
        if self.same_origin {
            let (host, port) =
                host_and_port(tls, host).ok_or_else(|| format!("invalid host {host:?}"))?;
            if host != origin_host || port != origin_port {
                return Err("not same origin".into());
            }
        }
        if !self.allowed.is_empty() {
            // nats-server keys its list by host: the last entry for a host wins.
            let entry = self.allowed.iter().rev().find(|a| a.host == origin_host);
            if !entry.is_some_and(|a| a.scheme == scheme && a.port == origin_port) {
                return Err("not in the allowed list".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_rules_or_origin_everything_passes() {
        assert!(Origins::default()
            .check("http://evil.com", "x", false)
            .is_ok());
        let strict = Origins::new(true, &["http://example.com:8080".into()]).unwrap();
        assert!(strict.check("", "x", false).is_ok());
    }

    #[test]
    fn same_origin_compares_host_and_port_with_defaults() {
        let same = Origins::new(true, &[]).unwrap();
        assert!(same
            .check("http://Example.com", "example.COM:80", false)
            .is_ok());
        assert!(same
            .check("https://example.com", "example.com", true)
            .is_ok());
        assert!(same
            .check("http://example.com:81", "example.com", false)
            .is_err());
        assert!(same.check("http://[::1]:4", "[::1]:4", false).is_ok());
        assert!(same.check("not a url", "x", false).is_err());
    }

    #[test]
    fn allowed_origins_compare_scheme_host_and_port() {
        let list = Origins::new(false, &["http://example.com:8080".into()]).unwrap();
        assert!(list
            .check("http://EXAMPLE.com:8080", "other", false)
            .is_ok());
        assert!(list
            .check("https://example.com:8080", "other", false)
            .is_err());
        assert!(list.check("http://example.com", "other", false).is_err());
        assert!(list.check("http://evil.com:8080", "other", false).is_err());
        assert!(Origins::new(false, &["example.com".into()]).is_err());
    }
}
