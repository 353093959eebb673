//! `natskit server --signal COMMAND[=PID]`: nats-server's way to signal a running server
//! (`nats-server --signal ldm=PID`), and the pid and ports files that help find one.

use std::path::Path;

use crate::error::CliError;

/// The signal each of nats-server's commands sends.
#[cfg(unix)]
fn signal_of(command: &str) -> Option<rustix::process::Signal> {
    use rustix::process::Signal;
    Some(match command {
        "stop" => Signal::KILL,
        "quit" => Signal::INT,
        "reopen" => Signal::USR1,
        "reload" => Signal::HUP,
        "ldm" => Signal::USR2,
        "term" => Signal::TERM,
        _ => return None,
    })
}

/// Signals are Unix's.
#[cfg(not(unix))]
pub(crate) fn send(_spec: &str) -> Result<(), CliError> {
    Err(CliError::msg("--signal needs a Unix system"))
}

/// Sends `spec` (`ldm`, `reload=1234`, `term=/run/nats.pid`) as nats-server does: the PID
/// given, or read from the file named, or else the one `natskit server` running.
#[cfg(unix)]
pub(crate) fn send(spec: &str) -> Result<(), CliError> {
    let mut parts = spec.split('=');
    let command = parts.next().unwrap_or_default();
    let pid_expr = parts.next();
    if let Some(extra) = parts.next() {
        return Err(CliError::msg(format!(
            "invalid signal parameters: [{extra}]"
        )));
    }
    let signal =
        signal_of(command).ok_or_else(|| CliError::msg(format!("unknown signal {command:?}")))?;
    let pid = match pid_expr {
        // As nats-server: a file that can be read is a pid file.
        Some(expr) => {
            let text = std::fs::read_to_string(expr).unwrap_or_else(|_| expr.to_owned());
            text.trim()
                .parse::<i32>()
                .map_err(|_| CliError::msg(format!("invalid pid: {}", text.trim())))?
        }
        None => only_server()?,
    };
    let target = rustix::process::Pid::from_raw(pid)
        .ok_or_else(|| CliError::msg(format!("invalid pid: {pid}")))?;
    rustix::process::kill_process(target, signal)
        .map_err(|e| CliError::msg(format!("signal {command:?} {pid}: {e}")))
}

/// The PID of the one `natskit server` running (other than this process), found with
/// pgrep as nats-server finds its own.
#[cfg(unix)]
fn only_server() -> Result<i32, CliError> {
    let output = std::process::Command::new("pgrep")
        .args(["-f", "natskit server"])
        .output()
        .map_err(|_| CliError::msg("unable to resolve pid, try providing one"))?;
    let me = std::process::id() as i32;
    let pids: Vec<i32> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .filter(|&p| p != me)
        .collect();
    match pids.as_slice() {
        [] => Err(CliError::msg("no natskit server processes running")),
        [pid] => Ok(*pid),
        many => Err(CliError::msg(format!(
            "multiple natskit server processes running: {}",
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Writes the process id to `path`, as nats-server's `-P` does.
pub(crate) fn write_pid_file(path: &Path) -> Result<(), CliError> {
    std::fs::write(path, std::process::id().to_string())
        .map_err(|e| CliError::msg(format!("could not write pidfile: {}: {e}", path.display())))
}

/// nats-server's ports file: `<program>_<pid>.ports` in `dir`, a JSON object with the
/// listeners' URLs. Returns its path, to remove at shutdown.
pub(crate) fn write_ports_file(
    dir: &Path,
    nats: &str,
    monitoring: Option<String>,
    websocket: Option<String>,
) -> Result<std::path::PathBuf, CliError> {
    let program = std::env::args_os()
        .next()
        .and_then(|p| {
            Path::new(&p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "natskit".into());
    let path = dir.join(format!("{program}_{}.ports", std::process::id()));
    let mut ports = serde_json::Map::new();
    ports.insert("nats".into(), serde_json::json!([nats]));
    if let Some(url) = monitoring {
        ports.insert("monitoring".into(), serde_json::json!([url]));
    }
    if let Some(url) = websocket {
        ports.insert("websocket".into(), serde_json::json!([url]));
    }
    std::fs::write(&path, serde_json::Value::Object(ports).to_string()).map_err(|e| {
        CliError::msg(format!(
            "Error writing ports file ({}): {e}",
            path.display()
        ))
    })?;
    Ok(path)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn nats_servers_commands_and_their_signals() {
        use rustix::process::Signal;
        assert_eq!(signal_of("ldm"), Some(Signal::USR2));
        assert_eq!(signal_of("reload"), Some(Signal::HUP));
        assert_eq!(signal_of("reopen"), Some(Signal::USR1));
        assert_eq!(signal_of("term"), Some(Signal::TERM));
        assert_eq!(signal_of("quit"), Some(Signal::INT));
        assert_eq!(signal_of("stop"), Some(Signal::KILL));
        assert_eq!(signal_of("hup"), None);
        assert!(send("bogus=1")
            .unwrap_err()
            .to_string()
            .contains("unknown signal"));
        assert!(send("ldm=1=2")
            .unwrap_err()
            .to_string()
            .contains("invalid signal parameters"));
        assert!(send("ldm=notapid")
            .unwrap_err()
            .to_string()
            .contains("invalid pid"));
    }
}
