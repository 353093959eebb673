//! The JSON documents of the handshake: the server's `INFO` and the client's `CONNECT`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Largest payload a server accepts when its INFO does not say (nats-server's default, 1 MiB).
pub const DEFAULT_MAX_PAYLOAD: usize = 1024 * 1024;

fn default_max_payload() -> usize {
    DEFAULT_MAX_PAYLOAD
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What a server says about itself in `INFO`. Unknown fields are ignored and `{}` is accepted,
/// because servers add fields between versions.
///
/// ```
/// use natskit_proto::ServerInfo;
///
/// let info: ServerInfo = serde_json::from_str(r#"{"server_id":"N1","headers":true,"future_field":1}"#)?;
/// assert_eq!(info.server_id, "N1");
/// assert_eq!(info.max_payload, 1024 * 1024); // the default when absent
/// assert!(info.headers);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ServerInfo {
    /// Unique id of the server process.
    pub server_id: String,
    /// Configured name of the server.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub server_name: String,
    /// Server version, such as `2.9.10`.
    pub version: String,
    /// Go version the server was built with.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub go: String,
    /// Host the server listens on.
    pub host: String,
    /// Port the server listens on.
    pub port: u16,
    /// True when the server supports headers (HPUB / HMSG).
    pub headers: bool,
    /// Largest payload (headers included) the server accepts.
    #[serde(default = "default_max_payload")]
    pub max_payload: usize,
    /// Protocol level: 1 means the server may send INFO again at any time.
    pub proto: i32,
    /// Id the server gave this connection.
    #[serde(skip_serializing_if = "is_zero")]
    pub client_id: u64,
    /// True when the client must authenticate.
    #[serde(skip_serializing_if = "is_false")]
    pub auth_required: bool,
    /// True when the connection must be upgraded to TLS.
    #[serde(skip_serializing_if = "is_false")]
    pub tls_required: bool,
    /// True when the server verifies client certificates.
    #[serde(skip_serializing_if = "is_false")]
    pub tls_verify: bool,
    /// True when the server offers TLS without requiring it.
    #[serde(skip_serializing_if = "is_false")]
    pub tls_available: bool,
    /// Other servers of the cluster as `host:port`, without scheme.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connect_urls: Vec<String>,
    /// Websocket addresses of the cluster.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ws_connect_urls: Vec<String>,
    /// Lame duck mode: the server will soon evict its clients.
    #[serde(rename = "ldm", skip_serializing_if = "is_false")]
    pub lame_duck_mode: bool,
    /// Nonce to sign for NKey or JWT authentication.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub nonce: String,
    /// True when JetStream is enabled.
    #[serde(skip_serializing_if = "is_false")]
    pub jetstream: bool,
    /// Address the server advertises.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ip: String,
    /// Address of this client as the server sees it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub client_ip: String,
    /// Name of the cluster the server belongs to.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cluster: String,
    /// JetStream domain.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domain: String,
    /// Commit the server was built from.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub git_commit: String,
}

impl Default for ServerInfo {
    fn default() -> Self {
        ServerInfo {
            server_id: String::new(),
            server_name: String::new(),
            version: String::new(),
            go: String::new(),
            host: String::new(),
            port: 0,
            headers: false,
            max_payload: DEFAULT_MAX_PAYLOAD,
            proto: 0,
            client_id: 0,
            auth_required: false,
            tls_required: false,
            tls_verify: false,
            tls_available: false,
            connect_urls: Vec::new(),
            ws_connect_urls: Vec::new(),
            lame_duck_mode: false,
            nonce: String::new(),
            jetstream: false,
            ip: String::new(),
            client_ip: String::new(),
            cluster: String::new(),
            domain: String::new(),
            git_commit: String::new(),
        }
    }
}

fn default_true() -> bool {
    true
}

/// What a client says about itself in `CONNECT`.
///
/// `Debug` never shows the password, token or signature.
///
/// ```
/// use natskit_proto::ConnectInfo;
///
/// let mut connect = ConnectInfo::new("my-app");
/// connect.pass = Some("s3cret".into());
/// assert_eq!(connect.protocol, 1);
/// assert!(!format!("{connect:?}").contains("s3cret"));
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ConnectInfo {
    /// Ask the server to acknowledge every operation with `+OK`. Read as true when the JSON
    /// leaves it out, as nats-server reads it.
    #[serde(default = "default_true")]
    pub verbose: bool,
    /// Ask the server for strict checking (literal publish subjects, for one). Read as true
    /// when the JSON leaves it out, as nats-server reads it.
    #[serde(default = "default_true")]
    pub pedantic: bool,
    /// The client requires TLS.
    pub tls_required: bool,
    /// Token authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<String>,
    /// User name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass: Option<String>,
    /// Connection name shown in monitoring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Client implementation language.
    pub lang: String,
    /// Client version.
    pub version: String,
    /// Protocol level: 0 or 1 (1 lets the server send INFO updates). Signed, so a broker can
    /// answer a negative level with an error rather than fail to parse it.
    pub protocol: i32,
    /// Whether the server may deliver this connection's own publishes back to it.
    #[serde(default = "default_true")]
    pub echo: bool,
    /// Nonce signature (base64url, no padding).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sig: Option<String>,
    /// User JWT.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<String>,
    /// Public NKey.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nkey: Option<String>,
    /// Ask for a 503 status message when a request has no responders (needs `headers`).
    pub no_responders: bool,
    /// The client understands HMSG.
    pub headers: bool,
}

impl ConnectInfo {
    /// A CONNECT for natskit with protocol 1, echo on, headers and no-responders on.
    pub fn new(name: impl Into<String>) -> Self {
        ConnectInfo {
            name: Some(name.into()),
            lang: "rust".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            protocol: 1,
            echo: true,
            headers: true,
            no_responders: true,
            ..Self::default()
        }
    }
}

impl Default for ConnectInfo {
    fn default() -> Self {
        ConnectInfo {
            verbose: false,
            pedantic: false,
            tls_required: false,
            auth_token: None,
            user: None,
            pass: None,
            name: None,
            lang: String::new(),
            version: String::new(),
            protocol: 0,
            echo: true,
            sig: None,
            jwt: None,
            nkey: None,
            no_responders: false,
            headers: false,
        }
    }
}

impl fmt::Debug for ConnectInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |v: &Option<String>| v.as_ref().map(|_| "<redacted>");
        f.debug_struct("ConnectInfo")
            .field("verbose", &self.verbose)
            .field("pedantic", &self.pedantic)
            .field("tls_required", &self.tls_required)
            .field("auth_token", &redact(&self.auth_token))
            .field("user", &self.user)
            .field("pass", &redact(&self.pass))
            .field("name", &self.name)
            .field("lang", &self.lang)
            .field("version", &self.version)
            .field("protocol", &self.protocol)
            .field("echo", &self.echo)
            .field("sig", &redact(&self.sig))
            .field("jwt", &redact(&self.jwt))
            .field("nkey", &self.nkey)
            .field("no_responders", &self.no_responders)
            .field("headers", &self.headers)
            .finish()
    }
}
