//! `natskit server`'s options: a nats-server configuration file (`-c FILE`), if given, with
//! the flags given on the command line overriding its settings, as nats-server lets its flags
//! override its file. Built again from the same file and flags on each SIGHUP.

use std::path::PathBuf;

use natskit_server::config::ConfigWarning;
use natskit_server::{Auth, Permissions, ProcessOptions, Rule, Server, ServerBuilder, User};

use super::server::ServerArgs;
use super::server_log::LogSettings;
use crate::error::CliError;

/// The broker's options from the file (if `--config`) and the flags, and the file's
/// warnings. Auth flags (`--user`, `--token`/`--auth`, `--nkey`) replace the file's
/// `authorization`; any nats-server TLS flag (`--tls`, `--tlscert`, ...) replaces its `tls`,
/// as with nats-server.
pub(crate) fn builder(args: &ServerArgs) -> Result<(ServerBuilder, Vec<ConfigWarning>), CliError> {
    let (mut builder, warnings) = match &args.config {
        Some(path) => natskit_server::config::load(path)
            .map_err(|e| CliError::msg(format!("configuration: {e}")))?,
        None => (Server::builder(), Vec::new()),
    };
    if args.user.is_some() || args.token.is_some() || !args.nkeys.is_empty() {
        builder = builder.auth(Auth::None);
    }
    if let Some(host) = &args.host {
        builder = builder.host(host);
    }
    if let Some(port) = args.port {
        builder = builder.port(port);
    }
    if let Some(name) = &args.name {
        builder = builder.name(name);
    }
    if let Some(bytes) = args.max_payload {
        builder = builder.max_payload(bytes);
    }
    if let Some(grace) = args.lame_duck_grace {
        builder = builder.lame_duck_grace(grace);
    }
    if let Some(bytes) = args.max_traced_msg_len {
        builder = builder.max_traced_msg_len(bytes);
    }
    if let (Some(user), Some(pass)) = (&args.user, &args.pass) {
        let permissions = Permissions::default()
            .publish(Rule::allow(args.allow_pub.clone()).deny(args.deny_pub.clone()))
            .subscribe(Rule::allow(args.allow_sub.clone()).deny(args.deny_sub.clone()));
        builder = builder.add_user(User::new(user, pass).permissions(permissions));
    }
    if let Some(token) = &args.token {
        builder = builder.token(token);
    }
    for key in &args.nkeys {
        builder = builder.nkey_user(key);
    }
    builder = tls(builder, args)?;
    // -js switches JetStream on (its configuration block may already have); -sd moves its
    // store, and means nothing without it, as with nats-server.
    let jetstream = match builder.jetstream_options() {
        Some(js) => Some(js),
        None if args.jetstream => Some(natskit_server::JetStream::new()),
        None => None,
    };
    if let Some(mut js) = jetstream {
        if let Some(dir) = &args.store_dir {
            js = js.store_dir(dir);
        }
        builder = builder.jetstream(js);
    }
    if let Some(port) = args.http_port {
        builder = builder.http_port(port);
    }
    if let Some(ws) = super::server::websocket(args) {
        builder = builder.websocket(ws);
    }
    let process = process(args, builder.process_options());
    Ok((builder.process(process), warnings))
}

/// The TLS flags: nats-server's (`--tls`, `--tlscert`, `--tlskey`, `--tlsverify`,
/// `--tlscacert`) and natskit's (`--tls-cert`, `--tls-key`, `--tls-verify CA`,
/// `--tls-first`). Any of them replaces the file's `tls` block; `--tls=false` removes it.
fn tls(builder: ServerBuilder, args: &ServerArgs) -> Result<ServerBuilder, CliError> {
    if args.tls == Some(false) {
        return Ok(builder.no_tls());
    }
    let any = args.tls == Some(true)
        || args.tlsverify
        || args.tlscacert.is_some()
        || args.tls_cert.is_some()
        || args.tls_key.is_some()
        || args.tls_verify.is_some();
    if !any {
        return Ok(builder);
    }
    // nats-server's own words for a TLS flag without a certificate or key.
    let cert = args
        .tls_cert
        .clone()
        .ok_or_else(|| CliError::msg("TLS Server certificate must be present and valid"))?;
    let key = args
        .tls_key
        .clone()
        .ok_or_else(|| CliError::msg("TLS Server private key must be present and valid"))?;
    let mut builder = builder.no_tls().tls(cert, key);
    let ca: Option<PathBuf> = match (&args.tls_verify, args.tlsverify) {
        (Some(ca), _) => Some(ca.clone()),
        (None, true) => Some(args.tlscacert.clone().ok_or_else(|| {
            CliError::msg(
                "--tlsverify needs --tlscacert: natskit server does not verify clients against the system's CAs",
            )
        })?),
        (None, false) => None,
    };
    if let Some(ca) = ca {
        builder = builder.tls_verify_clients(ca);
    }
    if args.tls_first {
        builder = builder.tls_handshake_first();
    }
    Ok(builder)
}

/// The file's logging, pid and ports settings with the flags over them.
fn process(args: &ServerArgs, file: &ProcessOptions) -> ProcessOptions {
    let mut p = file.clone();
    p.debug |= args.debug;
    p.trace |= args.trace;
    p.logtime = args.logtime.unwrap_or(p.logtime);
    p.logtime_utc |= args.logtime_utc;
    if let Some(path) = &args.log {
        p.log_file = Some(path.clone());
    }
    if let Some(path) = &args.pid {
        p.pid_file = Some(path.clone());
    }
    if let Some(dir) = &args.ports_file_dir {
        p.ports_file_dir = Some(dir.clone());
    }
    p
}

/// How to log, from the process settings (and `--log-json`).
pub(crate) fn log_settings(args: &ServerArgs, p: &ProcessOptions) -> LogSettings {
    LogSettings {
        debug: p.debug,
        trace: p.trace,
        logtime: p.logtime,
        json: args.log_json,
        file: p.log_file.clone(),
    }
}
