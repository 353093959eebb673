//! What Linux's /proc says about a process: resident memory, CPU time and system calls.

use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Resident set size (`VmRSS` of `/proc/<pid>/status`) in KiB.
pub fn rss_kib(pid: u32) -> std::io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no VmRSS in /proc/{pid}/status")))
}

/// CPU time (user + system) the process used so far; fields 14 and 15 of `/proc/<pid>/stat`.
pub fn cpu_time(pid: u32) -> std::io::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces: count after the last ')'.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| std::io::Error::other("unexpected /proc/<pid>/stat"))?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // after_name starts at field 3 (state), so field n is fields[n - 3].
    let ticks = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    match (ticks(14), ticks(15)) {
        (Some(user), Some(system)) => Ok(Duration::from_secs_f64(
            (user + system) as f64 / clock_ticks() as f64,
        )),
        _ => Err(std::io::Error::other("unexpected /proc/<pid>/stat")),
    }
}

/// Read and write system calls the process made so far (`syscr` and `syscw` of
/// `/proc/<pid>/io`: every call of the read and write families, sockets included).
pub fn io_calls(pid: u32) -> std::io::Result<(u64, u64)> {
    let io = std::fs::read_to_string(format!("/proc/{pid}/io"))?;
    let field = |name: &str| {
        io.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("no {name} in /proc/{pid}/io")))
    };
    Ok((field("syscr:")?, field("syscw:")?))
}

/// Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, almost always 100).
fn clock_ticks() -> u64 {
    static TICKS: OnceLock<u64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// CPU use of some processes over a stretch of wall time, as percent of one core.
pub struct CpuMeter {
    pids: Vec<u32>,
    start: Vec<Duration>,
    wall: Instant,
}

impl CpuMeter {
    /// Starts measuring the processes `pids`.
    pub fn start(pids: &[u32]) -> Self {
        CpuMeter {
            pids: pids.to_vec(),
            start: pids
                .iter()
                .map(|&p| cpu_time(p).unwrap_or_default())
                .collect(),
            wall: Instant::now(),
        }
    }

    /// Starts again from now, for the same processes.
    pub fn restart(&mut self) {
        *self = CpuMeter::start(&self.pids);
    }

    /// `cpu <name> N%, ...` since [`CpuMeter::start`], one name per process.
    pub fn summary(&self, names: &[&str]) -> String {
        let parts: Vec<String> = names
            .iter()
            .zip(self.percent())
            .map(|(name, percent)| format!("{name} {percent:.0}%"))
            .collect();
        format!("cpu {}", parts.join(", "))
    }

    /// Percent of one core each process used since [`CpuMeter::start`], in the order given.
    pub fn percent(&self) -> Vec<f64> {
        let wall = self.wall.elapsed().as_secs_f64();
        self.pids
            .iter()
            .zip(&self.start)
            .map(|(&p, &before)| {
                let used = cpu_time(p).unwrap_or_default().saturating_sub(before);
                100.0 * used.as_secs_f64() / wall
            })
            .collect()
    }
}

/// Read and write system calls of some processes over a stretch of work.
pub struct IoMeter {
    pids: Vec<u32>,
    start: Vec<(u64, u64)>,
}

impl IoMeter {
    /// Starts counting the calls of the processes `pids`.
    pub fn start(pids: &[u32]) -> Self {
        IoMeter {
            pids: pids.to_vec(),
            start: pids
                .iter()
                .map(|&p| io_calls(p).unwrap_or_default())
                .collect(),
        }
    }

    /// Starts counting again from now, for the same processes.
    pub fn restart(&mut self) {
        *self = IoMeter::start(&self.pids);
    }

    /// Reads and writes each process made since [`IoMeter::start`], in the order given.
    pub fn calls(&self) -> Vec<(u64, u64)> {
        self.pids
            .iter()
            .zip(&self.start)
            .map(|(&p, &(reads, writes))| {
                let (r, w) = io_calls(p).unwrap_or_default();
                (r.saturating_sub(reads), w.saturating_sub(writes))
            })
            .collect()
    }
}

/// The CPU `--server-cpu` asks the servers under test to run on, if it was given.
static SERVER_CPU: OnceLock<usize> = OnceLock::new();

/// Sets the CPU [`pin_server`] pins servers to (`--server-cpu`). A second call is ignored.
pub fn set_server_cpu(cpu: usize) {
    let _ = SERVER_CPU.set(cpu);
}

/// Pins every thread of the server process `pid` to the CPU `--server-cpu` named, with
/// util-linux's `taskset`; does nothing without `--server-cpu`.
///
/// Why: on the shared 2-vCPU machines the server's speed depends on which vCPU it lands on (one
/// has run a publishing nats-server at 11.3-11.6 M msgs/s, the other at 6.6-7.8 M, the client
/// pinned to the other one), so unpinned runs are bimodal whatever the client. Pinned, every
/// client meets the same server. The clients themselves stay free to use both CPUs.
pub fn pin_server(pid: u32) -> Result<(), String> {
    let Some(cpu) = SERVER_CPU.get() else {
        return Ok(());
    };
    let status = Command::new("taskset")
        .args(["--all-tasks", "--pid", "--cpu-list"])
        .arg(cpu.to_string())
        .arg(pid.to_string())
        .stdout(std::process::Stdio::null())
        .status()
        .map_err(|e| format!("taskset (util-linux) to pin the server to CPU {cpu}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "taskset could not pin the server (pid {pid}) to CPU {cpu}: {status}"
        ))
    }
}
