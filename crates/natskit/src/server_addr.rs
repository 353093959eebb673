//! Server addresses as users write them: `nats://host:port`, `host:port`, `host`, credentials in
//! the URL, `ws://host:port/path`, comma-separated lists.

use std::fmt;
use std::str::FromStr;

use crate::error::ConnectError;

/// Port a `nats://` or `tls://` URL without one gets.
pub const DEFAULT_PORT: u16 = 4222;
/// Port a `ws://` URL without one gets (HTTP's, as nats.go and nats.ws do).
pub const DEFAULT_WS_PORT: u16 = 80;
/// Port a `wss://` URL without one gets (HTTPS's).
pub const DEFAULT_WSS_PORT: u16 = 443;
/// Where the client connects when given no URL and `NATS_URL` is unset.
pub const DEFAULT_URL: &str = "nats://127.0.0.1:4222";

/// One server to connect to, with the credentials its URL carried.
///
/// `Debug` and `Display` never show the password or token.
///
/// ```
/// use natskit::ServerAddr;
///
/// let addr: ServerAddr = "nats://alice:s3cret@example.com".parse()?;
/// assert_eq!((addr.host(), addr.port()), ("example.com", 4222));
/// assert_eq!(addr.user(), Some("alice"));
/// assert_eq!(addr.to_string(), "nats://alice:***@example.com:4222");
///
/// let token: ServerAddr = "nats://t0ken@[::1]:5222".parse()?;
/// assert_eq!((token.host(), token.port(), token.token()), ("::1", 5222, Some("t0ken")));
///
/// // WebSocket URLs may carry a path (for a proxy in front of the server).
/// let ws: ServerAddr = "wss://example.com/nats".parse()?;
/// assert_eq!((ws.port(), ws.path(), ws.is_websocket()), (443, "/nats", true));
/// # Ok::<(), natskit::ConnectError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ServerAddr {
    scheme: &'static str,
    host: String,
    port: u16,
    user: Option<String>,
    pass: Option<String>,
    token: Option<String>,
    /// The HTTP path of a `ws://` or `wss://` URL (`/` when it has none); empty for the others.
    path: String,
    /// The name a TLS certificate is checked against when it is not `host`: a server announced
    /// by IP address inherits the host name of the server that announced it (as nats.go does),
    /// since cluster certificates name hosts, not the addresses nodes advertise.
    tls_name: Option<String>,
}

impl ServerAddr {
    /// Host name or IP address (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `nats`, `tls`, `ws` or `wss`.
    pub fn scheme(&self) -> &str {
        self.scheme
    }

    /// True for `ws://` and `wss://`: NATS inside WebSocket messages.
    pub fn is_websocket(&self) -> bool {
        matches!(self.scheme, "ws" | "wss")
    }

    /// The path the WebSocket upgrade asks for (`/` when the URL has none); empty for
    /// `nats://` and `tls://`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// User name from `user:pass@`.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// Password from `user:pass@`.
    pub fn password(&self) -> Option<&str> {
        self.pass.as_deref()
    }

    /// Token from `token@`.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// `host:port`, as a socket address string (IPv6 in brackets).
    pub fn socket_address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The name the server's TLS certificate must be valid for: the host, or for a server
    /// announced by IP address, the host name of the server that announced it.
    pub(crate) fn tls_name(&self) -> &str {
        self.tls_name.as_deref().unwrap_or(&self.host)
    }

    /// This server's scheme and credentials with the host and port of `host_port` (as a
    /// cluster announces its servers in INFO `connect_urls`); `None` if that does not parse.
    /// An announced IP address keeps this server's host name for TLS. The scheme is kept
    /// because nats-server announces, on a WebSocket connection, its WebSocket listeners; the
    /// path is not, as the announced address is the server's own, not a proxy's.
    pub(crate) fn with_host_port(&self, host_port: &str) -> Option<ServerAddr> {
        let announced: ServerAddr = if host_port.contains("://") {
            host_port.parse().ok()?
        } else {
            format!("{}://{host_port}", self.scheme).parse().ok()?
        };
        let is_ip = |host: &str| host.parse::<std::net::IpAddr>().is_ok();
        let ours = self.tls_name();
        let tls_name = (is_ip(&announced.host) && !is_ip(ours)).then(|| ours.to_owned());
        Some(ServerAddr {
            host: announced.host,
            port: announced.port,
            path: announced.path,
            tls_name,
            ..self.clone()
        })
    }

    /// Parses a comma-separated list of URLs.
    ///
    /// ```
    /// let servers = natskit::ServerAddr::parse_list("a:1, nats://b:2 ,c")?;
    /// assert_eq!(servers.iter().map(|s| s.socket_address()).collect::<Vec<_>>(), ["a:1", "b:2", "c:4222"]);
    /// # Ok::<(), natskit::ConnectError>(())
    /// ```
    pub fn parse_list(urls: &str) -> Result<Vec<ServerAddr>, ConnectError> {
        let servers = urls
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if servers.is_empty() {
            return Err(invalid(urls, "no server address given"));
        }
        Ok(servers)
    }
}

fn invalid(url: &str, reason: &'static str) -> ConnectError {
    ConnectError::InvalidUrl {
        url: redact_url(url),
        reason,
    }
}

/// The URL with anything between `//` and `@` hidden, for error messages.
fn redact_url(url: &str) -> String {
    match (url.find("//"), url.rfind('@')) {
        (Some(start), Some(at)) if at > start => format!("{}***{}", &url[..start + 2], &url[at..]),
        (None, Some(at)) => format!("***{}", &url[at..]),
        _ => url.to_owned(),
    }
}

impl FromStr for ServerAddr {
    type Err = ConnectError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let trimmed = url.trim();
        let (scheme, rest) = match trimmed.split_once("://") {
            Some((scheme, rest)) => {
                let scheme = match scheme.to_ascii_lowercase().as_str() {
                    "nats" => "nats",
                    "tls" => "tls",
                    "ws" => "ws",
                    "wss" => "wss",
                    _ => return Err(invalid(url, "the scheme must be nats, tls, ws or wss")),
                };
                (scheme, rest)
            }
            None => ("nats", trimmed),
        };
        let websocket = matches!(scheme, "ws" | "wss");
        let rest = if websocket {
            rest
        } else {
            rest.trim_end_matches('/')
        };
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, rest),
        };
        // Only WebSocket URLs have a path: the HTTP request names it.
        let (hostport, path) = match hostport.find('/').filter(|_| websocket) {
            Some(slash) => (&hostport[..slash], &hostport[slash..]),
            None if websocket => (hostport, "/"),
            None => (hostport, ""),
        };
        if path.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(invalid(
                url,
                "the path contains a space or control character",
            ));
        }
        let default_port = match scheme {
            "ws" => DEFAULT_WS_PORT,
            "wss" => DEFAULT_WSS_PORT,
            _ => DEFAULT_PORT,
        };
        let (host, port) = split_host_port(hostport, default_port)
            .ok_or_else(|| invalid(url, "the port must be a number from 1 to 65535"))?;
        if host.is_empty() {
            return Err(invalid(url, "the host is missing"));
        }
        if host.contains(['/', ' ', '@']) {
            return Err(invalid(
                url,
                "the host contains a character hosts cannot have",
            ));
        }
        let (user, pass, token) = match userinfo {
            None => (None, None, None),
            Some(info) => match info.split_once(':') {
                Some((user, pass)) => (Some(user.to_owned()), Some(pass.to_owned()), None),
                None => (None, None, Some(info.to_owned())),
            },
        };
        Ok(ServerAddr {
            scheme,
            host: host.to_owned(),
            port,
            user,
            pass,
            token,
            path: path.to_owned(),
            tls_name: None,
        })
    }
}

/// Splits `host`, `host:port`, `[v6]` or `[v6]:port` (`default` when no port is given);
/// `None` for a bad port.
fn split_host_port(hostport: &str, default: u16) -> Option<(&str, u16)> {
    if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((host, parse_port(port)?)),
            None if after.is_empty() => Some((host, default)),
            None => None,
        };
    }
    match hostport.rsplit_once(':') {
        // More than one colon and no brackets: a bare IPv6 address.
        Some((host, _)) if host.contains(':') => Some((hostport, default)),
        Some((host, port)) => Some((host, parse_port(port)?)),
        None => Some((hostport, default)),
    }
}

fn parse_port(port: &str) -> Option<u16> {
    port.parse().ok().filter(|&p| p != 0)
}

impl fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://", self.scheme)?;
        match (&self.user, &self.token) {
            (Some(user), _) => write!(f, "{user}:***@")?,
            (None, Some(_)) => write!(f, "***@")?,
            _ => {}
        }
        f.write_str(&self.socket_address())?;
        // The root path is left out, so `ws://h:1` reads as it was written.
        if self.path.len() > 1 {
            f.write_str(&self.path)?;
        }
        Ok(())
    }
}

impl fmt::Debug for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerAddr({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> ServerAddr {
        url.parse().expect("a valid URL")
    }

    #[test]
    fn websocket_urls_get_http_ports_and_keep_their_path() {
        let ws = parse("ws://example.com");
        assert_eq!((ws.port(), ws.path(), ws.is_websocket()), (80, "/", true));
        assert_eq!(ws.to_string(), "ws://example.com:80");
        let wss = parse("WSS://u:p@[::1]/nats/ws?x=1");
        assert_eq!((wss.scheme(), wss.host(), wss.port()), ("wss", "::1", 443));
        assert_eq!((wss.path(), wss.user()), ("/nats/ws?x=1", Some("u")));
        assert_eq!(wss.to_string(), "wss://u:***@[::1]:443/nats/ws?x=1");
        let nats = parse("nats://example.com/");
        assert_eq!(
            (nats.port(), nats.path(), nats.is_websocket()),
            (4222, "", false)
        );
    }

    #[test]
    fn only_websocket_urls_may_have_a_path() {
        assert!("nats://example.com/nats".parse::<ServerAddr>().is_err());
        assert!("ws://example.com/a b".parse::<ServerAddr>().is_err());
    }

    #[test]
    fn announced_servers_take_the_scheme_but_not_the_path() {
        let via_proxy = parse("ws://alice:pw@proxy.example.com:8080/nats");
        let announced = via_proxy.with_host_port("10.0.0.2:8443").expect("valid");
        assert_eq!(announced.to_string(), "ws://alice:***@10.0.0.2:8443");
        assert_eq!((announced.path(), announced.password()), ("/", Some("pw")));
        let tcp = parse("nats://a:4222")
            .with_host_port("b:4223")
            .expect("valid");
        assert_eq!(tcp.to_string(), "nats://b:4223");
    }
}
