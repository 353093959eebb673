//! The top-level settings of a nats-server configuration file, applied to a
//! [`ServerBuilder`]. Settings for features natskit server has are applied; ones it will never
//! have (clustering) and ones it does not have yet are named in an error; unknown keys are
//! errors, as nats-server makes them (except keys used as variables).

use super::error::{ConfigError, ConfigWarning};
use super::fields::{self, never, not_yet, unknown, warn};
use super::operator::OperatorSettings;
use super::value::{Entry, Map};
use super::{accounts, auth, tls};
use crate::auth::check_no_auth_user;
use crate::error::ServerError;
use crate::options::{Limits, ProcessOptions, User};
use crate::server::ServerBuilder;

/// Builds a broker's options from a parsed file.
pub(crate) fn apply(tree: &Map) -> Result<(ServerBuilder, Vec<ConfigWarning>), ConfigError> {
    let mut s = State::default();
    for entry in tree.entries() {
        s.entry(entry)?;
    }
    let operator = std::mem::take(&mut s.operator).finish()?;
    let mut builder = s.builder.limits(s.limits).process(s.process);
    if let Some(operator) = operator {
        builder = builder.operator(operator);
    }
    // After `authorization`, wherever it was: its users and the accounts' users together.
    for user in s.account_users {
        builder = builder.add_user(user);
    }
    if let Some(host) = s.host {
        builder = builder.host(host);
    }
    if let Some(http) = s.http {
        if let (Some(http_host), Some(entry)) = (http.host.as_deref(), http.named_by) {
            let host = builder.options().host.clone();
            if http_host != host {
                warn(
                    &mut s.warnings,
                    entry,
                    format!("monitoring listens on the client host {host}, not {http_host}"),
                );
            }
        }
        if let Some(port) = http.port {
            builder = builder.http_port(port);
        }
    }
    if let Some(entry) = s.no_auth_user {
        let options = builder.options();
        if let Err(ServerError::NoAuthUser { name, reason }) =
            check_no_auth_user(&options.auth, options.no_auth_user.as_deref())
        {
            return Err(fields::invalid(
                &entry.key,
                &entry.value,
                format!("{name:?} {reason}"),
            ));
        }
    }
    Ok((builder, s.warnings))
}

/// `http` or `http_port`.
struct Http<'t> {
    host: Option<String>,
    port: Option<u16>,
    /// The `http` entry that named a host.
    named_by: Option<&'t Entry>,
}

#[derive(Default)]
struct State<'t> {
    builder: ServerBuilder,
    limits: Limits,
    process: ProcessOptions,
    host: Option<String>,
    http: Option<Http<'t>>,
    /// The `no_auth_user` entry, checked once the users are known.
    no_auth_user: Option<&'t Entry>,
    /// The users of the `accounts` block.
    account_users: Vec<User>,
    /// `operator`, `resolver` and `resolver_preload`.
    operator: OperatorSettings<'t>,
    /// A top-level `store_dir` seen before the `jetstream` block.
    store_dir: Option<String>,
    warnings: Vec<ConfigWarning>,
}

impl<'t> State<'t> {
    fn entry(&mut self, entry: &'t Entry) -> Result<(), ConfigError> {
        let v = &entry.value;
        let key = entry.key.to_ascii_lowercase();
        let k = key.as_str();
        if self.operator.entry(k, entry)? {
            return Ok(());
        }
        let b = std::mem::take(&mut self.builder);
        self.builder = match k {
            "listen" => {
                let (host, port) = fields::listen(k, v)?;
                if host.is_some() {
                    self.host = host;
                }
                with_port(b, port)
            }
            "port" => with_port(b, fields::port(k, v)?),
            "host" | "net" => {
                self.host = Some(fields::string(k, v)?.to_owned());
                b
            }
            "server_name" => b.name(fields::string(k, v)?),
            "http" => {
                let (host, port) = fields::listen(k, v)?;
                let named_by = host.is_some().then_some(entry);
                self.http = Some(Http {
                    host,
                    port,
                    named_by,
                });
                b
            }
            "http_port" | "monitor_port" => {
                self.http = Some(Http {
                    host: None,
                    port: fields::port(k, v)?,
                    named_by: None,
                });
                b
            }
            "max_payload" => {
                if let Some(n) = fields::size(k, v, i32::MAX as i64)? {
                    self.limits.max_payload = n;
                }
                b
            }
            "max_control_line" => {
                if let Some(n) = fields::size(k, v, i32::MAX as i64)? {
                    self.limits.max_control_line = n;
                }
                b
            }
            "max_pending" => {
                if let Some(n) = fields::size(k, v, i64::MAX)? {
                    self.limits.max_pending = n;
                }
                b
            }
            "max_connections" | "max_conn" => {
                if let Some(n) = fields::size(k, v, i64::MAX)? {
                    self.limits.max_connections = n;
                }
                b
            }
            "max_subscriptions" | "max_subs" => {
                self.limits.max_subscriptions = fields::size(k, v, i64::MAX)?.unwrap_or(0);
                b
            }
            "ping_interval" => {
                let d = fields::duration(k, v, &mut self.warnings)?;
                if !d.is_zero() {
                    self.limits.ping_interval = d;
                }
                b
            }
            "ping_max" => {
                if let Some(n) = fields::size(k, v, u32::MAX as i64)? {
                    self.limits.max_pings_outstanding = n as u32;
                }
                b
            }
            "write_deadline" => {
                let d = fields::duration(k, v, &mut self.warnings)?;
                if !d.is_zero() {
                    self.limits.write_deadline = d;
                }
                b
            }
            "lame_duck_grace_period" => {
                let text = fields::string(k, v)?;
                let d = super::duration::parse_go_duration(text)
                    .map_err(|reason| fields::invalid(k, v, reason))?;
                b.lame_duck_grace(d)
            }
            "lame_duck_duration" => {
                let text = fields::string(k, v)?;
                let d = super::duration::parse_go_duration(text)
                    .map_err(|reason| fields::invalid(k, v, reason))?;
                // nats-server's floor, so evictions are not crammed into an instant.
                if d < std::time::Duration::from_secs(30) {
                    return Err(fields::invalid(
                        k,
                        v,
                        format!("invalid lame_duck_duration of {text}, minimum is 30 seconds"),
                    ));
                }
                b.lame_duck_duration(d)
            }
            "max_traced_msg_len" => {
                let n = fields::integer(k, v)?;
                b.max_traced_msg_len(usize::try_from(n).unwrap_or(0))
            }
            "debug" => {
                self.process.debug = fields::boolean(k, v)?;
                b
            }
            "trace" | "trace_verbose" => {
                // trace_verbose also traces the system account, which natskit server has not.
                let on = fields::boolean(k, v)?;
                if k == "trace" || on {
                    self.process.trace = on;
                }
                b
            }
            "logtime" => {
                self.process.logtime = fields::boolean(k, v)?;
                b
            }
            "logtime_utc" => {
                self.process.logtime_utc = fields::boolean(k, v)?;
                b
            }
            "logfile" | "log_file" => {
                self.process.log_file = Some(fields::string(k, v)?.into());
                b
            }
            "pidfile" | "pid_file" => {
                self.process.pid_file = Some(fields::string(k, v)?.into());
                b
            }
            "ports_file_dir" => {
                self.process.ports_file_dir = Some(fields::string(k, v)?.into());
                b
            }
            "tls" => tls::apply_client(b, k, v, &mut self.warnings)?,
            "authorization" => {
                let (b, timeout) = auth::apply(b, v)?;
                if let Some(t) = timeout {
                    self.limits.auth_timeout = t;
                }
                b
            }
            "websocket" | "ws" => match tls::websocket(k, v, &mut self.warnings)? {
                Some(ws) => b.websocket(ws),
                None => b,
            },
            "accounts" => {
                let (list, users) = accounts::parse(v)?;
                self.account_users = users;
                list.into_iter().fold(b, ServerBuilder::account)
            }
            "system_account" | "system" => b.system_account(fields::string(k, v)?),
            // There is no system account unless one is named.
            "no_system_account" | "no_system" | "no_sys_acc" => {
                fields::boolean(k, v)?;
                b
            }
            "jetstream" | "js" => match super::jetstream::parse(k, v, &mut self.warnings)? {
                Some(mut js) => {
                    if let Some(dir) = self.store_dir.take() {
                        js = js.store_dir(dir);
                    }
                    b.jetstream(js)
                }
                None => b,
            },
            "store_dir" | "storedir" => {
                let dir = fields::string(k, v)?.to_owned();
                match b.jetstream_options() {
                    Some(js) => b.jetstream(js.store_dir(dir)),
                    None => {
                        self.store_dir = Some(dir);
                        b
                    }
                }
            }
            "no_auth_user" => {
                self.no_auth_user = Some(entry);
                b.no_auth_user(fields::string(k, v)?)
            }
            _ => {
                unsupported(entry, k, &mut self.warnings)?;
                b
            }
        };
        Ok(())
    }
}

fn with_port(b: ServerBuilder, port: Option<u16>) -> ServerBuilder {
    match port {
        Some(p) => b.port(p),
        None => b,
    }
}

/// A key the match above does not apply: a clear error (or, for settings that change
/// nothing a client can see, a warning), or nats-server's "unknown field".
fn unsupported(
    entry: &Entry,
    k: &str,
    warnings: &mut Vec<ConfigWarning>,
) -> Result<(), ConfigError> {
    let never_feature = match k {
        "cluster" => Some("clustering (cluster)"),
        "gateway" => Some("gateways (superclusters)"),
        "leaf" | "leafnodes" => Some("leaf nodes"),
        "mqtt" => Some("MQTT"),
        _ => None,
    };
    if let Some(feature) = never_feature {
        return Err(never(entry, feature));
    }
    let not_yet_what = match k {
        "mappings" | "maps" => "subject mappings",
        "resolver_tls" | "resolver_pinned_accounts" | "trusted" | "trusted_keys" => {
            "this operator mode setting (natskit reads operator, resolver: MEMORY and resolver_preload)"
        }
        "default_js_domain" => "JetStream domains",
        "logfile_size_limit" | "log_size_limit" | "logfile_max_num" | "log_max_num" => {
            "log file rotation"
        }
        "syslog" | "remote_syslog" => "syslog",
        "https" | "https_port" | "http_base_path" => "this monitoring setting",
        "client_advertise"
        | "server_tags"
        | "ocsp"
        | "ocsp_cache"
        | "allow_non_tls"
        | "no_header_support"
        | "max_sub_tokens"
        | "max_subscription_tokens" => "this nats-server setting",
        _ => "",
    };
    if !not_yet_what.is_empty() {
        return Err(not_yet(entry, not_yet_what));
    }
    // Tuning and diagnostics that no client can tell apart.
    if matches!(
        k,
        "connect_error_reports"
            | "reconnect_error_reports"
            | "max_closed_clients"
            | "disable_sublist_cache"
            | "no_sublist_cache"
            | "no_fast_producer_stall"
            | "prof_port"
            | "prof_block_rate"
    ) {
        warn(
            warnings,
            entry,
            format!("{} is ignored by natskit server", entry.key),
        );
        return Ok(());
    }
    unknown(entry)
}
