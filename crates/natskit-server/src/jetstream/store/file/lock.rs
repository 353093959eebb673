//! One owner per store directory: an exclusive lock on a `LOCK` file held for the owner's life,
//! and a `VERSION` marker so a directory written by another format version is refused.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::super::StoreError;
use super::segment::sync_dir;

/// The lock file's name.
const LOCK_FILE: &str = "LOCK";
/// The version marker's name.
const VERSION_FILE: &str = "VERSION";
/// What the version marker holds in directories this natskit writes.
const VERSION_MARKER: &str = "natskit-jetstream-store 1\n";

/// A store directory held exclusively until this is dropped. The engine takes one for the whole
/// JetStream store directory at start; each file store also takes one for its own message files.
#[derive(Debug)]
pub(crate) struct StoreDirLock {
    /// The open lock file: the operating system drops the lock when it closes.
    _file: File,
    /// The directory held.
    root: PathBuf,
}

impl StoreDirLock {
    /// Creates `root` if need be, locks it, and checks (or writes) its version marker. Fails
    /// with [`StoreError::Locked`] when another holder has it, in this process or another, and
    /// with [`StoreError::Version`] when another format version wrote it.
    pub(crate) fn acquire(root: &Path) -> Result<StoreDirLock, StoreError> {
        fs::create_dir_all(root)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(root.join(LOCK_FILE))?;
        // Called through the trait: std's File::try_lock is newer than our rust-version.
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                // The holder wrote its process id; without it the message still stands.
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => String::new(),
                    pid => format!(" (process {pid})"),
                };
                return Err(StoreError::Locked(format!(
                    "the store directory {} is in use by another server{holder}: one store \
                     directory serves one server at a time",
                    root.display()
                )));
            }
            Err(fs4::TryLockError::Error(error)) => return Err(error.into()),
        }
        check_version(root)?;
        // Who holds it, for the next one's error message.
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        write!(file, "{}", std::process::id())?;
        Ok(StoreDirLock {
            _file: file,
            root: root.to_path_buf(),
        })
    }

    /// The directory held.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Whether `name` is one of the files this lock keeps in its directory.
    pub(crate) fn owns(name: &str) -> bool {
        name == LOCK_FILE || name == VERSION_FILE
    }
}

/// Refuses a marker of another version; writes ours into a directory that has none.
fn check_version(root: &Path) -> Result<(), StoreError> {
    let path = root.join(VERSION_FILE);
    match fs::read(&path) {
        Ok(found) if found == VERSION_MARKER.as_bytes() => Ok(()),
        Ok(found) => Err(StoreError::Version(format!(
            "the store directory {} was written by another version (its VERSION file says {:?}, \
             this natskit writes {:?}): open it with the version that wrote it, or use another \
             directory",
            root.display(),
            String::from_utf8_lossy(&found).trim(),
            VERSION_MARKER.trim()
        ))),
        Err(error) if error.kind() == ErrorKind::NotFound => {
            // Written whole or not at all: a torn marker would refuse the directory later.
            let temporary = root.join("VERSION.tmp");
            let mut file = File::create(&temporary)?;
            file.write_all(VERSION_MARKER.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temporary, &path)?;
            sync_dir(root)?;
            Ok(())
        }
        Err(error) => Err(error.into()),
    }
}
