//! `tls { ... }` for clients and `websocket { ... }` (with its own `tls`), as nats-server
//! reads them.

use std::path::PathBuf;

use super::error::{ConfigError, ConfigWarning};
use super::fields::{self, not_yet, unknown, warn};
use super::value::{Value, ValueKind};
use crate::options::WebSocket;
use crate::server::ServerBuilder;
use crate::tls::TlsFiles;

/// The top-level `tls` block.
pub(crate) fn apply_client(
    builder: ServerBuilder,
    k: &str,
    v: &Value,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<ServerBuilder, ConfigError> {
    let files = block(k, v, warnings, true)?;
    let (Some(cert), Some(key)) = (files.cert, files.key) else {
        return Err(fields::invalid(k, v, "needs cert_file and key_file"));
    };
    let mut builder = builder.tls(cert, key);
    if let Some(ca) = files.client_ca {
        builder = match files.map_users {
            true => builder.tls_verify_and_map(ca),
            false => builder.tls_verify_clients(ca),
        };
    }
    if files.handshake_first {
        builder = builder.tls_handshake_first();
    }
    Ok(builder)
}

/// A `tls` block's files. `client_ca` is set only when `verify` is: nats-server uses
/// `ca_file` for nothing else on a server's listener.
fn block(
    k: &str,
    v: &Value,
    warnings: &mut Vec<ConfigWarning>,
    handshake_first_allowed: bool,
) -> Result<TlsFiles, ConfigError> {
    let map = fields::map(k, v)?;
    let mut files = TlsFiles::default();
    let mut ca = None;
    let mut verify = false;
    for entry in map.entries() {
        let kk = entry.key.to_ascii_lowercase();
        let v = &entry.value;
        let path = |v| fields::string(&kk, v).map(PathBuf::from);
        match kk.as_str() {
            "cert_file" => files.cert = Some(path(v)?),
            "key_file" => files.key = Some(path(v)?),
            "ca_file" => ca = Some(path(v)?),
            "verify" => verify = fields::boolean(&kk, v)?,
            "verify_and_map" => {
                if fields::boolean(&kk, v)? {
                    if !handshake_first_allowed {
                        return Err(not_yet(entry, "verify_and_map on the WebSocket listener"));
                    }
                    // As nats-server: it turns verify on too.
                    verify = true;
                    files.map_users = true;
                }
            }
            "timeout" => {
                match &v.kind {
                    ValueKind::Integer(_) | ValueKind::Float(_) => {
                        fields::seconds(&kk, v)?;
                    }
                    _ => {
                        fields::duration(&kk, v, warnings)?;
                    }
                }
                warn(warnings, entry, "tls.timeout is ignored: natskit server bounds the TLS handshake by the authorization timeout".into());
            }
            "handshake_first" | "first" | "immediate" if handshake_first_allowed => {
                files.handshake_first = match &v.kind {
                    ValueKind::Bool(b) => *b,
                    ValueKind::String(s)
                        if matches!(s.to_ascii_lowercase().as_str(), "true" | "on") =>
                    {
                        true
                    }
                    ValueKind::String(s)
                        if matches!(s.to_ascii_lowercase().as_str(), "false" | "off") =>
                    {
                        false
                    }
                    ValueKind::String(_) => {
                        return Err(not_yet(entry, "handshake_first with a fallback delay"))
                    }
                    _ => return Err(fields::wrong(&kk, "true or false", v)),
                }
            }
            "insecure"
            | "cipher_suites"
            | "curve_preferences"
            | "pinned_certs"
            | "cert_store"
            | "cert_match_by"
            | "cert_match"
            | "ca_certs_match"
            | "cert_match_skip_invalid"
            | "verify_cert_and_check_known_urls"
            | "connection_rate_limit"
            | "ocsp_peer"
            | "min_version" => return Err(not_yet(entry, "this TLS setting")),
            _ => unknown(entry)?,
        }
    }
    if verify {
        match ca {
            Some(ca) => files.client_ca = Some(ca),
            None => {
                return Err(fields::invalid(
                    k,
                    v,
                    "verify needs ca_file (natskit server does not verify clients against the system's CAs)",
                ))
            }
        }
    }
    Ok(files)
}

/// The `websocket` block.
pub(crate) fn websocket(
    k: &str,
    v: &Value,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<Option<WebSocket>, ConfigError> {
    let map = fields::map(k, v)?;
    let mut ws = WebSocket::port(0);
    let mut port = None;
    for entry in map.entries() {
        let kk = entry.key.to_ascii_lowercase();
        let v = &entry.value;
        match kk.as_str() {
            "listen" => {
                let (host, p) = fields::listen(&kk, v)?;
                ws.host = host.or(ws.host);
                port = p.or(port);
            }
            "port" => port = fields::port(&kk, v)?,
            "host" | "net" => ws.host = Some(fields::string(&kk, v)?.to_owned()),
            "no_tls" => ws.no_tls = fields::boolean(&kk, v)?,
            "tls" => {
                let files = block(&kk, v, warnings, false)?;
                if files.cert.is_none() || files.key.is_none() {
                    return Err(fields::invalid(&kk, v, "needs cert_file and key_file"));
                }
                ws.tls = files;
            }
            "same_origin" => ws.same_origin = fields::boolean(&kk, v)?,
            "allowed_origins" | "allowed_origin" | "allow_origins" | "allow_origin" | "origins"
            | "origin" => ws.allowed_origins = fields::strings(&kk, v)?,
            "handshake_timeout" => {
                let d = fields::duration(&kk, v, warnings)?;
                if !d.is_zero() {
                    ws.handshake_timeout = d;
                }
            }
            "compress" | "compression" => ws.compression = fields::boolean(&kk, v)?,
            "advertise" | "authorization" | "authentication" | "jwt_cookie" | "no_auth_user" => {
                return Err(not_yet(entry, "this WebSocket setting"))
            }
            _ => unknown(entry)?,
        }
    }
    // As nats-server: a block without a port starts no WebSocket listener.
    match port {
        Some(p) => {
            ws.port = p;
            Ok(Some(ws))
        }
        None => {
            warnings.push(ConfigWarning {
                at: v.position.clone(),
                message: format!("{k} has no port: no WebSocket listener (as nats-server)"),
            });
            Ok(None)
        }
    }
}
