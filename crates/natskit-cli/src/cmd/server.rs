//! `natskit server`: run the embedded broker (natskit-server) until Ctrl-C or SIGTERM, with
//! nats-server's command line, signals and log lines (issue 19). The parts: `server_flags`
//! (nats-server's flag syntax), `server_config` (file and flags into options),
//! `server_log` (the log), `server_signal` (`--signal`, pid and ports files); this module
//! has the flags and the signal loop.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use natskit_server::WebSocket;

use super::server_config;
use super::server_log::{Logger, TARGET as LOG};
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

nats-server's command line works too (Go's syntax: one dash or two, -p -1 for a free port):
  natskit server -c nats.conf -DV -l nats.log -P nats.pid
  natskit server -user app -pass s3cret -tls -tlscert c.pem -tlskey k.pem
  natskit server --signal ldm=nats.pid             # lame duck mode (SIGUSR2); also reload (SIGHUP)

Signals: SIGUSR2 lame duck mode, SIGHUP reloads -c FILE, SIGUSR1 reopens the -l file,
SIGINT/SIGTERM stop. These flags configure the broker; clients connect with the connection
flags of the other commands (natskit pub --help).";

/// Arguments of `natskit server`. nats-server's spellings of the same flags work too (Go's
/// `-user`, `-p -1`, `-DV`, `-sl ldm=PID`, ...; see `server_flags`).
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
pub struct ServerArgs {
    /// Instead of running the broker: ask running servers (ping, info, list, check).
    #[command(subcommand)]
    pub action: Option<super::ops::ServerAction>,

    /// A nats-server configuration file (its format and settings); flags given as well
    /// override it. SIGHUP reads it again.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Check the configuration file (-c) and exit, as nats-server -t.
    #[arg(short = 't', requires = "config")]
    pub test_config: bool,

    /// Address to listen on (`0.0.0.0` for every interface) [default: 127.0.0.1]
    /// (nats-server: -a, --addr, --net).
    #[arg(short = 'a', long = "addr", visible_alias = "net", value_name = "HOST")]
    pub host: Option<String>,

    /// Client port; 0 or -1 picks a free one (the URL printed tells which) [default: 4222].
    #[arg(short, long, value_parser = parse_port, allow_negative_numbers = true)]
    pub port: Option<u16>,

    /// The server name announced in INFO [default: the server id] (nats-server: -n, --name,
    /// --server_name).
    #[arg(
        short = 'n',
        long = "name",
        visible_alias = "server_name",
        value_name = "NAME"
    )]
    pub name: Option<String>,

    /// Clients must authenticate as this user (with --pass).
    #[arg(long, requires = "pass", conflicts_with = "token")]
    pub user: Option<String>,

    /// The password of --user.
    #[arg(long, requires = "user")]
    pub pass: Option<String>,

    /// Clients must send this token (nats-server: --auth).
    #[arg(long, visible_alias = "auth")]
    pub token: Option<String>,

    /// Clients may authenticate as this NKey user (a public key `U...`); repeat for more.
    /// Combines with --user, not with --token.
    #[arg(long = "nkey", value_name = "PUBLIC_KEY", conflicts_with = "token")]
    pub nkeys: Vec<String>,

    /// Serve TLS with this certificate (PEM; needs --tls-key) (nats-server: --tlscert).
    #[arg(
        long,
        visible_alias = "tlscert",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The private key of --tls-cert (PEM) (nats-server: --tlskey).
    #[arg(
        long,
        visible_alias = "tlskey",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Require client certificates signed by this CA (PEM; needs --tls-cert).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_verify: Option<PathBuf>,

    /// nats-server's --tls: serve TLS with --tlscert and --tlskey; `--tls=false` turns off
    /// the configuration file's TLS.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub tls: Option<bool>,

    /// nats-server's --tlsverify: require client certificates signed by --tlscacert.
    #[arg(long)]
    pub tlsverify: bool,

    /// nats-server's --tlscacert: the CA (PEM) client certificates must chain to, with
    /// --tlsverify.
    #[arg(long, value_name = "FILE")]
    pub tlscacert: Option<PathBuf>,

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

    /// Serve /varz, /connz and /subsz on this port; 0 or -1: a free one (nats-server: -m,
    /// --http_port).
    #[arg(short = 'm', long, visible_alias = "http_port", value_name = "PORT", value_parser = parse_port, allow_negative_numbers = true)]
    pub http_port: Option<u16>,

    /// How long clients get after the lame-duck notice: on shutdown (default: none) and in
    /// lame duck mode (SIGUSR2; default 10s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub lame_duck_grace: Option<Duration>,

    /// Debug lines: connections opened and closed, signals (nats-server: -D, --debug).
    #[arg(short = 'D', long)]
    pub debug: bool,

    /// Trace lines: every protocol operation clients send and are sent (nats-server: -V,
    /// --trace; -DV is both).
    #[arg(short = 'V', long)]
    pub trace: bool,

    /// Date and time at the start of each log line (nats-server: -T; `--logtime=false`
    /// leaves them out) [default: true].
    #[arg(short = 'T', long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub logtime: Option<bool>,

    /// Log times are UTC (they always are: natskit reads no time-zone database).
    #[arg(long = "logtime_utc", hide = true)]
    pub logtime_utc: bool,

    /// Log to this file instead of standard error; SIGUSR1 reopens it, for log rotation
    /// (nats-server: -l, --log).
    #[arg(short = 'l', long = "log", value_name = "FILE")]
    pub log: Option<PathBuf>,

    /// Log lines as JSON objects (time, level, pid, msg), one per line.
    #[arg(long)]
    pub log_json: bool,

    /// Longest payload a trace line shows, then `...` (nats-server: --max_traced_msg_len)
    /// [default: all of it].
    #[arg(long = "max_traced_msg_len", value_name = "BYTES")]
    pub max_traced_msg_len: Option<usize>,

    /// Write the process id to this file (nats-server: -P, --pid).
    #[arg(short = 'P', long = "pid", value_name = "FILE")]
    pub pid: Option<PathBuf>,

    /// Write `natskit_<PID>.ports` (the listeners' URLs, as JSON) into this directory once
    /// they are up (nats-server: --ports_file_dir).
    #[arg(long = "ports_file_dir", value_name = "DIR")]
    pub ports_file_dir: Option<PathBuf>,

    /// Send a signal to a running natskit server and exit: ldm (lame duck mode), reload,
    /// reopen (the log file), term, quit or stop; `=PID` or `=PIDFILE` names the process
    /// [default: the one natskit server running] (nats-server: -sl, --signal).
    #[arg(long, value_name = "SIGNAL[=PID]")]
    pub signal: Option<String>,

    /// Switch JetStream on: streams, consumers, KV and object stores (nats-server: -js).
    #[arg(long)]
    pub jetstream: bool,

    /// Where JetStream keeps file streams [default: nats under the temporary directory]
    /// (nats-server: -sd, --store_dir).
    #[arg(
        long = "store-dir",
        visible_alias = "store_dir",
        value_name = "DIR",
        overrides_with = "store_dir"
    )]
    pub store_dir: Option<PathBuf>,

    /// Print the version and exit (nats-server: -v).
    #[arg(short = 'v', long = "version")]
    pub version: bool,

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

/// A port as nats-server takes it: -1 (or 0) for a free one.
fn parse_port(text: &str) -> Result<u16, String> {
    match text.trim() {
        "-1" => Ok(0),
        t => t
            .parse()
            .map_err(|_| format!("{text:?} is not a port (0 to 65535, or -1 for a free one)")),
    }
}

/// The WebSocket listener the flags ask for, if any.
pub(crate) fn websocket(args: &ServerArgs) -> Option<WebSocket> {
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
/// standard error), then serves until SIGINT or SIGTERM and shuts down gracefully; SIGUSR2
/// is lame duck mode, SIGHUP reloads the configuration file, SIGUSR1 reopens the log file
/// (as with nats-server).
pub async fn run(mut args: ServerArgs) -> Result<(), CliError> {
    if let Some(action) = args.action.take() {
        return super::ops::run(action).await;
    }
    if args.version {
        let _ = crate::output::print(
            format!(
                "natskit server: v{} (nats-server protocol {})\n",
                env!("CARGO_PKG_VERSION"),
                NATS_SERVER_VERSION
            )
            .as_bytes(),
        );
        return Ok(());
    }
    if let Some(spec) = &args.signal {
        return super::server_signal::send(spec);
    }
    let (builder, warnings) = server_config::builder(&args)?;
    if args.test_config {
        let path = args.config.as_deref().unwrap_or(std::path::Path::new(""));
        for warning in &warnings {
            note!("warning: {warning}");
        }
        note!(
            "natskit server: configuration file {} is valid",
            path.display()
        );
        return Ok(());
    }
    let process = builder.process_options().clone();
    let logger = Logger::install(server_config::log_settings(&args, &process))?;
    for warning in &warnings {
        tracing::warn!(target: LOG, "{warning}");
    }
    if args.store_dir.is_some() && !args.jetstream && builder.jetstream_options().is_none() {
        tracing::warn!(
            target: LOG,
            "--store-dir is unused without --jetstream (as with nats-server without -js)"
        );
    }
    if let Some(path) = &args.config {
        tracing::info!(target: LOG, "Using configuration file: {}", path.display());
    }
    // Listening before the broker starts: a signal sent once it is ready must not find the
    // default action (which ends the process) in place.
    let mut signals = Signals::new()?;
    if let Some(path) = &process.pid_file {
        super::server_signal::write_pid_file(path)?;
    }
    let server = builder
        .start()
        .await
        .map_err(|e| CliError::msg(e.to_string()))?;
    let ports_file = match &process.ports_file_dir {
        Some(dir) => Some(super::server_signal::write_ports_file(
            dir,
            &server.client_url(),
            server.http_addr().map(|a| format!("http://{a}")),
            server.websocket_url(),
        )?),
        None => None,
    };
    // The URL is for scripts; the broker serves on when nobody reads it (stdout closed).
    let _ = crate::output::print(format!("{}\n", server.client_url()).as_bytes());
    if let Some(http) = server.http_addr() {
        note!("Monitoring on http://{http}/varz");
    }
    if let Some(url) = server.websocket_url() {
        note!("WebSocket clients on {url}");
    }
    note!("Serving on {}; Ctrl-C stops", server.client_url());
    serve(&server, &args, &logger, &mut signals).await;
    note!("Shutting down");
    server.shutdown().await;
    if let Some(path) = ports_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// The nats-server version whose protocol the broker speaks (what its INFO says).
const NATS_SERVER_VERSION: &str = "2.9.10";

/// Serves until SIGINT, SIGTERM or the end of lame duck mode, acting on the other signals
/// meanwhile.
async fn serve(
    server: &natskit_server::Server,
    args: &ServerArgs,
    logger: &Logger,
    signals: &mut Signals,
) {
    let mut lame_duck: Option<
        std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>,
    > = None;
    loop {
        let in_lame_duck = lame_duck.is_some();
        let signal = tokio::select! {
            signal = signals.next() => signal,
            () = async { lame_duck.as_mut().expect("checked").await }, if in_lame_duck => return,
        };
        tracing::debug!(target: LOG, "Trapped {:?} signal", signal.name());
        match signal {
            Signal::Interrupt => return,
            // As nats-server: lame duck mode, once begun, runs to its end.
            Signal::Terminate if !in_lame_duck => return,
            Signal::Terminate => {}
            Signal::Hangup => reload(server, args, logger),
            Signal::User1 => {
                if let Err(e) = logger.reopen() {
                    tracing::error!(target: LOG, "{e}");
                }
            }
            Signal::User2 if !in_lame_duck => lame_duck = Some(Box::pin(server.lame_duck())),
            Signal::User2 => {}
        }
    }
}

/// SIGHUP: the configuration file and the flags read again and applied; a failure is
/// logged and changes nothing, as with nats-server.
fn reload(server: &natskit_server::Server, args: &ServerArgs, logger: &Logger) {
    if args.config.is_none() {
        tracing::error!(
            target: LOG,
            "Failed to reload server configuration: can only reload config when a file is provided using -c or --config"
        );
        return;
    }
    let applied = server_config::builder(args).and_then(|(builder, warnings)| {
        let process = builder.process_options().clone();
        server
            .reload(builder)
            .map_err(|e| CliError::msg(e.to_string()))?;
        for warning in &warnings {
            tracing::warn!(target: LOG, "{warning}");
        }
        logger.apply(server_config::log_settings(args, &process))?;
        if let Some(path) = &process.pid_file {
            super::server_signal::write_pid_file(path)?;
        }
        Ok(())
    });
    if let Err(e) = applied {
        tracing::error!(target: LOG, "Failed to reload server configuration: {e}");
    }
}

/// A signal `natskit server` acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    /// SIGINT: stop now (gracefully).
    Interrupt,
    /// SIGTERM: stop now (gracefully), unless in lame duck mode.
    Terminate,
    /// SIGHUP: reload the configuration.
    Hangup,
    /// SIGUSR1: reopen the log file.
    User1,
    /// SIGUSR2: lame duck mode.
    User2,
}

impl Signal {
    /// Its name as Go's `os.Signal` prints it (nats-server's "Trapped" line).
    fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupt",
            Signal::Terminate => "terminated",
            Signal::Hangup => "hangup",
            Signal::User1 => "user defined signal 1",
            Signal::User2 => "user defined signal 2",
        }
    }
}

/// The signals `natskit server` acts on, listened to from before the broker starts.
struct Signals {
    #[cfg(unix)]
    unix: UnixSignals,
}

#[cfg(unix)]
struct UnixSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
    user1: tokio::signal::unix::Signal,
    user2: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Result<Signals, CliError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = |kind: SignalKind| {
                signal(kind).map_err(|e| CliError::msg(format!("cannot listen for signals: {e}")))
            };
            Ok(Signals {
                unix: UnixSignals {
                    interrupt: listen(SignalKind::interrupt())?,
                    terminate: listen(SignalKind::terminate())?,
                    hangup: listen(SignalKind::hangup())?,
                    user1: listen(SignalKind::user_defined1())?,
                    user2: listen(SignalKind::user_defined2())?,
                },
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The next signal.
    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        {
            let u = &mut self.unix;
            tokio::select! {
                _ = u.interrupt.recv() => Signal::Interrupt,
                _ = u.terminate.recv() => Signal::Terminate,
                _ = u.hangup.recv() => Signal::Hangup,
                _ = u.user1.recv() => Signal::User1,
                _ = u.user2.recv() => Signal::User2,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            Signal::Interrupt
        }
    }
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
