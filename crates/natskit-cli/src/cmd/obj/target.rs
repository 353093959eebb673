//! Where `obj get` writes: standard output, or a file. A file is written under a temporary
//! name next to it and renamed into place only once the whole object was read and its digest
//! matched, so a failed or interrupted get leaves no partial file behind (and an existing
//! file stays as it was).

use std::path::{Path, PathBuf};

use tokio::fs::File;
use tokio::io::{AsyncWrite, AsyncWriteExt, Stdout};

use crate::error::CliError;

/// Where the object goes.
#[derive(Debug)]
pub(super) enum Target {
    /// Standard output (`--output -`).
    Stdout,
    /// A file.
    File(PathBuf),
}

impl Target {
    /// `--output` (`-` for standard output; an existing directory gets a file named after
    /// the object) or, without it, a file in the current directory named after the last part
    /// of the object's name (`reports/q1.pdf` goes to `q1.pdf`). An existing file is an error
    /// unless `force`.
    pub(super) fn choose(
        output: Option<&str>,
        name: &str,
        force: bool,
    ) -> Result<Target, CliError> {
        let path = match output {
            Some("-") => return Ok(Target::Stdout),
            Some(path) if Path::new(path).is_dir() => Path::new(path).join(file_name(name)?),
            Some(path) => PathBuf::from(path),
            None => PathBuf::from(file_name(name)?),
        };
        if !force && path.exists() {
            return Err(CliError::msg(format!(
                "{} exists; --force (-f) replaces it",
                path.display()
            )));
        }
        Ok(Target::File(path))
    }

    /// How the target is named in messages: `"out.bin"` or `standard output`.
    pub(super) fn describe(&self) -> String {
        match self {
            Target::Stdout => "standard output".into(),
            Target::File(path) => format!("{:?}", path.display().to_string()),
        }
    }

    /// Opens the target for writing: for a file, its temporary file.
    pub(super) async fn open(&self) -> Result<Writing, CliError> {
        match self {
            Target::Stdout => Ok(Writing::Stdout(tokio::io::stdout())),
            Target::File(path) => {
                let temp = temp_path(path);
                let file = tokio::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&temp)
                    .await
                    .map_err(|e| CliError::io(&format!("cannot create {}", temp.display()), e))?;
                Ok(Writing::File(Temp {
                    file,
                    temp: Some(temp),
                    path: path.clone(),
                }))
            }
        }
    }
}

/// The last part of an object's name, as a file name in the current directory.
fn file_name(name: &str) -> Result<String, CliError> {
    match name.rsplit('/').next() {
        Some(last) if !matches!(last, "" | "." | "..") => Ok(last.to_owned()),
        _ => Err(CliError::msg(format!(
            "object name {name:?} does not end in a file name; --output names the file"
        ))),
    }
}

/// `.<name>.<pid>.part` in the directory of `path`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "object".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.part", std::process::id()))
}

/// A target being written.
pub(super) enum Writing {
    /// Standard output.
    Stdout(Stdout),
    /// The temporary file of a file target.
    File(Temp),
}

/// A temporary file, removed when dropped unless renamed into place by
/// [`Writing::commit`].
pub(super) struct Temp {
    /// The open temporary file.
    file: File,
    /// Its path, until it is renamed.
    temp: Option<PathBuf>,
    /// Where it goes.
    path: PathBuf,
}

impl Writing {
    /// Writes all of `bytes`.
    pub(super) async fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.writer().write_all(bytes).await
    }

    /// The writer underneath.
    fn writer(&mut self) -> &mut (dyn AsyncWrite + Unpin + Send) {
        match self {
            Writing::Stdout(out) => out,
            Writing::File(temp) => &mut temp.file,
        }
    }

    /// Flushes; a file is synced to disk and renamed into place.
    pub(super) async fn commit(mut self) -> Result<(), CliError> {
        let what = |e| CliError::io("writing the object", e);
        self.writer().flush().await.map_err(what)?;
        if let Writing::File(temp) = &mut self {
            temp.file.sync_all().await.map_err(what)?;
            if let Some(from) = temp.temp.take() {
                if let Err(e) = tokio::fs::rename(&from, &temp.path).await {
                    temp.temp = Some(from);
                    return Err(CliError::io(
                        &format!("cannot move the object into {}", temp.path.display()),
                        e,
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_come_from_the_last_part_of_the_name() {
        assert_eq!(file_name("db.dump").unwrap(), "db.dump");
        assert_eq!(file_name("reports/2024/q1.pdf").unwrap(), "q1.pdf");
        for bad in ["dir/", "..", "a/.", ""] {
            assert!(file_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            temp_path(Path::new("/tmp/x/out.bin")),
            PathBuf::from(format!("/tmp/x/.out.bin.{}.part", std::process::id()))
        );
    }
}
