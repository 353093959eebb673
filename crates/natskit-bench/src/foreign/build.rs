//! Building the nats.c and nats.go contender programs into the target directory, from the
//! sources under `crates/natskit-bench/contenders/` (embedded in this binary, so a bench built
//! at any commit builds its own). A program is built again only when its source changed.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Kind;

/// Where Debian's golang-github-nats-io-go-nats-dev puts nats.go's source (a GOPATH tree).
const GOPATH: &str = "/usr/share/gocode";

const NATS_C_SOURCE: &str = include_str!("../../contenders/natsc.c");
const NATS_GO_SOURCE: &str = include_str!("../../contenders/natsgo.go");

/// `target/<profile>/contenders`, beside the running binary (tests run from `deps/`).
pub fn out_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("where is natskit-bench? {e}"))?;
    let mut dir = exe.parent().unwrap_or(Path::new(".")).to_path_buf();
    if dir.file_name().is_some_and(|name| name == "deps") {
        dir.pop();
    }
    Ok(dir.join("contenders"))
}

/// Builds the program of `kind` (unless it is built from the same source already) and returns
/// its path, or says why it cannot be built.
pub fn build(kind: Kind) -> Result<PathBuf, String> {
    let dir = out_dir()?.join(kind.program());
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (source_name, source) = match kind {
        Kind::NatsC => ("natsc.c", NATS_C_SOURCE),
        Kind::NatsGo => ("main.go", NATS_GO_SOURCE),
    };
    let source_path = dir.join(source_name);
    let program = dir.join(kind.program());
    let unchanged = std::fs::read_to_string(&source_path).is_ok_and(|old| old == source);
    if unchanged && program.is_file() {
        return Ok(program);
    }
    std::fs::write(&source_path, source).map_err(|e| format!("{}: {e}", source_path.display()))?;
    // Built under another name and renamed, so a failed or interrupted build leaves no program.
    let partial = dir.join(format!("{}.partial", kind.program()));
    let mut command = match kind {
        Kind::NatsC => c_command(&source_path, &partial),
        Kind::NatsGo => go_command(&dir, &source_path, &partial)?,
    };
    let output = command.output().map_err(|e| {
        format!(
            "cannot run {:?}: {e}; {}",
            command.get_program(),
            kind.install_hint()
        )
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first: Vec<&str> = stderr.lines().take(5).collect();
        return Err(format!(
            "{:?} failed ({}): {}; {}",
            command.get_program(),
            output.status,
            first.join(" / "),
            kind.install_hint()
        ));
    }
    std::fs::rename(&partial, &program).map_err(|e| format!("{}: {e}", program.display()))?;
    Ok(program)
}

/// The system C compiler against Debian's libnats-dev.
fn c_command(source: &Path, program: &Path) -> Command {
    let mut command = Command::new("cc");
    command
        .args(["-O2", "-o"])
        .arg(program)
        .arg(source)
        .args(["-lnats", "-lpthread"]);
    command
}

/// Go in GOPATH mode over Debian's packaged sources: no modules, no proxy, nothing fetched.
fn go_command(dir: &Path, source: &Path, program: &Path) -> Result<Command, String> {
    let package = Path::new(GOPATH).join("src/github.com/nats-io/nats.go");
    if !package.is_dir() {
        return Err(format!(
            "nats.go's source is not at {}; {}",
            package.display(),
            Kind::NatsGo.install_hint()
        ));
    }
    let mut command = Command::new("go");
    command
        .arg("build")
        .arg("-o")
        .arg(program)
        .arg(source)
        .current_dir(dir)
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOFLAGS", "")
        .env("GOPROXY", "off")
        .env("GOCACHE", dir.join("go-cache"));
    Ok(command)
}
