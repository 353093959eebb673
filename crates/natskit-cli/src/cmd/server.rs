//! `natskit server`: run the embedded broker (natskit-server) until Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use natskit_server::{Permissions, Rule, User, WebSocket};

use crate::duration::parse_duration;
use crate::error::CliError;

/// The help's examples.
const EXAMPLES: &str = "\
Examples:
  natskit server                                   # 127.0.0.1:4222 until Ctrl-C or SIGTERM
  natskit server -a 0.0.0.0 -p 4333 -m 8222        # every interface; /varz on port 8222
  natskit server -p 0                              # a free port: the URL printed says which
  natskit server --user app --pass s3cret          # clients: natskit sub x --user app --password s3cret
  natskit server --token t0ken                     # clients: natskit sub x --token t0ken
  natskit server --tls-cert server.pem --tls-key server-key.pem --tls-verify ca.pem
  natskit server --ws-port 8080 --ws-no-tls        # also WebSocket clients on ws://127.0.0.1:8080
  natskit server --ws-port 8443 --ws-cert c.pem --ws-key k.pem --ws-compression \
                 --ws-allowed-origin https://example.com
  natskit server -c nats.conf -p 4333              # nats-server's file format; flags override it
  natskit server ping --user sys --password sys    # ask running servers instead: ping, info,
  natskit server info --monitor http://127.0.0.1:8222   # list, check (see their --help)

These flags configure the broker; clients connect with the connection flags of the other
commands (natskit pub --help).";

/// Arguments of `natskit server`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
pub struct ServerArgs {
    /// Instead of running the broker: ask running servers (ping, info, list, check).
    #[command(subcommand)]
    pub action: Option<super::ops::ServerAction>,

    /// A nats-server configuration file (its format and settings); flags given as well
    /// override it.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Address to listen on (`0.0.0.0` for every interface) [default: 127.0.0.1].
    #[arg(short = 'a', long = "addr", value_name = "HOST")]
    pub host: Option<String>,

    /// Client port; 0 picks a free one (the URL printed tells which) [default: 4222].
    #[arg(short, long)]
    pub port: Option<u16>,

    /// Clients must authenticate as this user (with --pass).
    #[arg(long, requires = "pass", conflicts_with = "token")]
    pub user: Option<String>,

    /// The password of --user.
    #[arg(long, requires = "user")]
    pub pass: Option<String>,

    /// Clients must send this token.
    #[arg(long)]
    pub token: Option<String>,

    /// Clients may authenticate as this NKey user (a public key `U...`); repeat for more.
    /// Combines with --user, not with --token.
    #[arg(long = "nkey", value_name = "PUBLIC_KEY", conflicts_with = "token")]
    pub nkeys: Vec<String>,

    /// Serve TLS with this certificate (PEM; needs --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Require client certificates signed by this CA (PEM; needs --tls-cert).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_verify: Option<PathBuf>,

    /// TLS handshake first, INFO after it (nats-server 2.10's handshake_first; clients must
    /// opt in, e.g. natskit's `ConnectOptions::tls_first`). Needs --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_first: bool,

    /// --user may publish only to subjects matching this pattern; repeat for more.
    #[arg(long, value_name = "SUBJECT", requires = "user")]
    pub allow_pub: Vec<String>,

    /// --user may not publish to subjects matching this pattern; repeat for more.
    #[arg(long, value_name = "SUBJECT", requires = "user")]
    pub deny_pub: Vec<String>,

    /// --user may subscribe only to subjects matching this pattern; repeat for more.
    #[arg(long, value_name = "SUBJECT", requires = "user")]
    pub allow_sub: Vec<String>,

    /// --user may not subscribe to (or receive on) subjects matching this pattern; repeat for
    /// more.
    #[arg(long, value_name = "SUBJECT", requires = "user")]
    pub deny_sub: Vec<String>,

    /// Largest message a client may publish, in bytes [default: 1048576].
    #[arg(long, value_name = "BYTES")]
    pub max_payload: Option<usize>,

    /// Serve /varz, /connz and /subsz on this port.
    #[arg(short = 'm', long, value_name = "PORT")]
    pub http_port: Option<u16>,

    /// How long clients get after the lame-duck notice on shutdown (default: none).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub lame_duck_grace: Option<Duration>,

    /// Also listen for WebSocket clients on this port (0: a free one), as nats-server's
    /// `websocket { port }`; needs --ws-no-tls or --ws-cert/--ws-key.
    #[arg(long, value_name = "PORT")]
    pub ws_port: Option<u16>,

    /// Address of the WebSocket listener (default: --addr).
    #[arg(long, value_name = "HOST", requires = "ws_port")]
    pub ws_host: Option<String>,

    /// Serve plain ws:// (`no_tls: true`).
    #[arg(long, requires = "ws_port", conflicts_with = "ws_cert")]
    pub ws_no_tls: bool,

    /// Certificate chain (PEM) of the WebSocket listener: serve wss://.
    #[arg(long, value_name = "FILE", requires_all = ["ws_port", "ws_key"])]
    pub ws_cert: Option<PathBuf>,

    /// Private key (PEM) of the WebSocket listener.
    #[arg(long, value_name = "FILE", requires = "ws_cert")]
    pub ws_key: Option<PathBuf>,

    /// Agree permessage-deflate with WebSocket clients that offer it (`compression: true`).
    #[arg(long, requires = "ws_port")]
    pub ws_compression: bool,

    /// Refuse WebSocket requests whose Origin is not the host they were sent to.
    #[arg(long, requires = "ws_port")]
    pub ws_same_origin: bool,

    /// Refuse WebSocket requests whose Origin is not one of these (repeat the flag).
    #[arg(long, value_name = "URL", requires = "ws_port")]
    pub ws_allowed_origin: Vec<String>,

    /// How long a WebSocket connection has for its TLS and HTTP handshake (default 2s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "ws_port")]
    pub ws_handshake_timeout: Option<Duration>,
}

/// The WebSocket listener the flags ask for, if any.
fn websocket(args: &ServerArgs) -> Option<WebSocket> {
    let mut ws = WebSocket::port(args.ws_port?)
        .compression(args.ws_compression)
        .same_origin(args.ws_same_origin)
        .allowed_origins(args.ws_allowed_origin.clone());
    if let Some(host) = &args.ws_host {
        ws = ws.host(host);
    }
    if args.ws_no_tls {
        ws = ws.no_tls();
    }
    if let (Some(cert), Some(key)) = (&args.ws_cert, &args.ws_key) {
        ws = ws.tls(cert, key);
    }
    if let Some(timeout) = args.ws_handshake_timeout {
        ws = ws.handshake_timeout(timeout);
    }
    Some(ws)
}

/// Starts the broker, prints its client URL on standard output (and the monitoring URL on
/// standard error), then serves until Ctrl-C or SIGTERM and shuts down gracefully.
pub async fn run(mut args: ServerArgs) -> Result<(), CliError> {
    if let Some(action) = args.action.take() {
        return super::ops::run(action).await;
    }
    let mut builder = super::server_config::base(&args)?;
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
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        builder = builder.tls(cert, key);
    }
    if let Some(ca) = &args.tls_verify {
        builder = builder.tls_verify_clients(ca);
    }
    if args.tls_first {
        builder = builder.tls_handshake_first();
    }
    if let Some(port) = args.http_port {
        builder = builder.http_port(port);
    }
    if let Some(ws) = websocket(&args) {
        builder = builder.websocket(ws);
    }
    let server = builder
        .start()
        .await
        .map_err(|e| CliError::msg(e.to_string()))?;
    // The URL is for scripts; the broker serves on when nobody reads it (stdout closed).
    let _ = crate::output::print(format!("{}\n", server.client_url()).as_bytes());
    if let Some(http) = server.http_addr() {
        note!("Monitoring on http://{http}/varz");
    }
    if let Some(url) = server.websocket_url() {
        note!("WebSocket clients on {url}");
    }
    note!("Serving on {}; Ctrl-C stops", server.client_url());
    stop_signal().await;
    note!("Shutting down");
    server.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix (what process managers and test harnesses send).
pub(crate) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
