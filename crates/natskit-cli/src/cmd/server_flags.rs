//! nats-server's command line for `natskit server`: Go's flag syntax rewritten into the
//! form clap parses, before clap sees it.
//!
//! nats-server reads its flags with Go's `flag` package: one dash or two (`-user` is
//! `--user`), a value after `=` or as the next argument (which is taken whatever it looks
//! like, so `-p -1` is port -1), booleans as `-tls` or `-tls=false`, and flags of several
//! letters (`-DV`, `-sd`, `-js`, `-ms`, `-sl`). Every flag of nats-server's usage text is
//! known here: the ones natskit server has become its own flags (`-DV` is `--debug --trace`,
//! `-sl` is `--signal`, `-user` is `--user`), the ones it has not are refused with one clear
//! error. Arguments that are no nats-server flag, natskit's own flags (`--tls-cert`,
//! `--ws-port`, ...) and their values, pass unchanged; so does everything after `--`.

use std::ffi::OsString;

/// What a nats-server flag becomes.
#[derive(Debug, Clone, Copy)]
enum Go {
    /// A flag that takes a value: natskit's long name for it.
    Value(&'static str),
    /// A boolean flag: natskit's flags for true (`-DV`: two), and for `=false` the flag to
    /// give instead (`None`: the flag is dropped, false being the default).
    Bool(&'static [&'static str], Option<&'static str>),
    /// A flag natskit server refuses: why.
    Refused(&'static str),
}

const CLUSTER: &str =
    "natskit server is a single broker and has no clustering; run nats-server for that";

/// nats-server 2.10's flags (server/opts.go, ConfigureOptions), by name without dashes.
fn go_flag(name: &str) -> Option<Go> {
    use Go::*;
    Some(match name {
        "h" | "help" => Bool(&["--help"], None),
        "v" | "version" => Bool(&["--version"], None),
        "p" | "port" => Value("--port"),
        "n" | "name" | "server_name" => Value("--name"),
        "a" | "addr" | "net" => Value("--addr"),
        "D" | "debug" => Bool(&["--debug"], None),
        "V" | "trace" | "VV" => Bool(&["--trace"], None),
        "DV" | "DVV" => Bool(&["--debug", "--trace"], None),
        "T" | "logtime" => Bool(&["--logtime=true"], Some("--logtime=false")),
        "logtime_utc" => Bool(&["--logtime_utc"], None),
        "user" => Value("--user"),
        "pass" => Value("--pass"),
        "auth" => Value("--auth"),
        "m" | "http_port" => Value("--http-port"),
        "c" | "config" => Value("--config"),
        "t" => Bool(&["-t"], None),
        "sl" | "signal" => Value("--signal"),
        "P" | "pid" => Value("--pid"),
        "ports_file_dir" => Value("--ports_file_dir"),
        "l" | "log" => Value("--log"),
        "max_traced_msg_len" => Value("--max_traced_msg_len"),
        "tls" => Bool(&["--tls"], Some("--tls=false")),
        "tlsverify" => Bool(&["--tlsverify"], None),
        "tlscert" => Value("--tlscert"),
        "tlskey" => Value("--tlskey"),
        "tlscacert" => Value("--tlscacert"),
        "js" | "jetstream" => Bool(&["--jetstream"], None),
        "sd" | "store_dir" => Value("--store_dir"),
        "ms" | "https_port" => Refused("natskit server does not serve monitoring over HTTPS yet"),
        "s" | "syslog" | "r" | "remote_syslog" => {
            Refused("natskit server does not log to syslog yet; use -l FILE")
        }
        "log_size_limit" => Refused("natskit server does not rotate log files yet"),
        "profile" => Refused("natskit server has no Go profiling port"),
        "client_advertise" => Refused("natskit server does not advertise client URLs yet"),
        "help_tls" => Refused("natskit server has no TLS help text; see --help"),
        "routes" | "cluster" | "cluster_listen" | "cluster_advertise" | "no_advertise"
        | "connect_retries" | "cluster_name" => Refused(CLUSTER),
        _ => return None,
    })
}

/// What natskit's `server` command has of its own.
#[derive(Debug, Default)]
pub(crate) struct Own {
    /// Its flags that take a value, as written (`--tls-cert`, `-p`).
    pub(crate) value_flags: Vec<String>,
    /// Its subcommands' names.
    pub(crate) subcommands: Vec<String>,
}

/// Go's `strconv.ParseBool`.
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// The command line with `natskit server`'s nats-server flags rewritten (other commands'
/// untouched); `Err`: the one-line message for a flag natskit server refuses or a bad value.
///
/// `own`: what natskit's own `server` command has (asked for only when the command is
/// `server`): its flags that take a value (`--tls-cert`, `-p`, ...), whose values pass as
/// they are, and its subcommands (`ping`, `info`, ...), whose arguments are natskit's alone.
pub(crate) fn normalize(
    args: Vec<OsString>,
    own: impl FnOnce() -> Own,
) -> Result<Vec<OsString>, String> {
    if args.get(1).and_then(|a| a.to_str()) != Some("server") {
        return Ok(args);
    }
    let Own {
        value_flags: own_values,
        subcommands,
    } = own();
    if let Some(first) = args.get(2).and_then(|a| a.to_str()) {
        if subcommands.iter().any(|s| s == first) {
            return Ok(args);
        }
    }
    let mut out: Vec<OsString> = args[..2].to_vec();
    let mut rest = args.into_iter().skip(2);
    while let Some(arg) = rest.next() {
        let Some(text) = arg.to_str().map(str::to_owned) else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            out.push(arg);
            out.extend(rest);
            break;
        }
        let Some(flag) = text.strip_prefix("--").or_else(|| text.strip_prefix('-')) else {
            out.push(arg);
            continue;
        };
        if flag.is_empty() {
            out.push(arg);
            continue;
        }
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (flag, None),
        };
        match go_flag(name) {
            Some(Go::Value(long)) => {
                let value = match value {
                    Some(v) => OsString::from(v),
                    None => rest
                        .next()
                        .ok_or_else(|| format!("flag needs an argument: -{name}"))?,
                };
                let mut joined = OsString::from(format!("{long}="));
                joined.push(value);
                out.push(joined);
            }
            Some(Go::Bool(on, off)) => {
                let on_off = match &value {
                    None => true,
                    Some(v) => go_bool(v).ok_or_else(|| {
                        format!("invalid boolean value {v:?} for -{name}: parse error")
                    })?,
                };
                if on_off {
                    out.extend(on.iter().map(OsString::from));
                } else if let Some(off) = off {
                    out.push(off.into());
                }
            }
            Some(Go::Refused(why)) => return Err(format!("-{name}: {why}")),
            None => {
                // natskit's own flag: its value, if it takes one, passes untouched.
                let takes_value = value.is_none() && own_values.contains(&text);
                out.push(arg);
                if takes_value {
                    out.extend(rest.next());
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Result<Vec<String>, String> {
        let mut all = vec!["natskit", "server"];
        all.extend_from_slice(args);
        let own = ["--tls-cert".to_owned(), "--ws-port".to_owned()];
        let own = || Own {
            value_flags: own.to_vec(),
            subcommands: vec!["ping".into()],
        };
        normalize(all.iter().map(OsString::from).collect(), own).map(|v| {
            v.into_iter()
                .skip(2)
                .map(|a| a.into_string().expect("UTF-8"))
                .collect()
        })
    }

    #[test]
    fn go_spellings_become_natskits() {
        assert_eq!(
            norm(&["-user", "u", "--pass=p", "-p", "-1", "-DV", "-sd", "/tmp/js"]).unwrap(),
            [
                "--user=u",
                "--pass=p",
                "--port=-1",
                "--debug",
                "--trace",
                "--store_dir=/tmp/js"
            ]
        );
        assert_eq!(
            norm(&[
                "-a",
                "127.0.0.1",
                "-m",
                "8222",
                "-c",
                "n.conf",
                "-l",
                "x.log",
                "-P",
                "x.pid"
            ])
            .unwrap(),
            [
                "--addr=127.0.0.1",
                "--http-port=8222",
                "--config=n.conf",
                "--log=x.log",
                "--pid=x.pid"
            ]
        );
        assert_eq!(
            norm(&["--ports_file_dir", "/tmp", "-sl", "ldm=42", "-VV", "-t"]).unwrap(),
            ["--ports_file_dir=/tmp", "--signal=ldm=42", "--trace", "-t"]
        );
        assert_eq!(
            norm(&[
                "-tls",
                "-tlscert",
                "c.pem",
                "-tlskey=k.pem",
                "-tlsverify",
                "-tlscacert",
                "ca.pem"
            ])
            .unwrap(),
            [
                "--tls",
                "--tlscert=c.pem",
                "--tlskey=k.pem",
                "--tlsverify",
                "--tlscacert=ca.pem"
            ]
        );
    }

    #[test]
    fn booleans_take_gos_values() {
        assert_eq!(norm(&["-D=true", "-V=false"]).unwrap(), ["--debug"]);
        assert_eq!(norm(&["-T=false"]).unwrap(), ["--logtime=false"]);
        assert_eq!(norm(&["-tls=false"]).unwrap(), ["--tls=false"]);
        assert!(norm(&["-D=maybe"])
            .unwrap_err()
            .contains("invalid boolean value"));
    }

    #[test]
    fn natskits_own_flags_and_values_pass_unchanged() {
        assert_eq!(
            norm(&[
                "--tls-cert",
                "-D",
                "--ws-port",
                "8080",
                "--ws-no-tls",
                "--",
                "-user"
            ])
            .unwrap(),
            [
                "--tls-cert",
                "-D",
                "--ws-port",
                "8080",
                "--ws-no-tls",
                "--",
                "-user"
            ]
        );
        // Not `server`: nothing is touched.
        let other: Vec<OsString> = ["natskit", "pub", "-user", "x"]
            .iter()
            .map(OsString::from)
            .collect();
        assert_eq!(normalize(other.clone(), Own::default).unwrap(), other);
        // A subcommand of `server`: its arguments are natskit's.
        assert_eq!(
            norm(&["ping", "-s", "nats://x"]).unwrap(),
            ["ping", "-s", "nats://x"]
        );
    }

    #[test]
    fn flags_natskit_server_has_not_are_one_clear_error() {
        assert!(norm(&["--cluster", "nats://0.0.0.0:6222"])
            .unwrap_err()
            .contains("clustering"));
        assert!(norm(&["-ms", "8443"]).unwrap_err().contains("HTTPS"));
        assert_eq!(
            norm(&["-user"]).unwrap_err(),
            "flag needs an argument: -user"
        );
    }
}
