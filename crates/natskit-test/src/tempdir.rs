//! [`TempDir`]: a fresh temporary directory, removed with its contents on drop.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh directory under the system temp dir, named after a label, the process id, a counter
/// and the clock, so no two are the same; removed with its contents on drop, also when a test
/// panics. The servers of this harness keep their config files and logs in one; tests use it as
/// a scratch directory.
///
/// ```
/// let dir = natskit_test::TempDir::new("example").unwrap();
/// std::fs::write(dir.path().join("note.txt"), "hi").unwrap();
/// let path = dir.path().to_path_buf();
/// assert!(path.is_dir());
/// drop(dir);
/// assert!(!path.exists());
/// ```
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates a new, empty directory named `natskit-test-<label>-<pid>-<counter>-<nanos>`.
    ///
    /// # Errors
    /// The error creating the directory, for instance when the temp dir is not writable.
    ///
    /// ```
    /// let (a, b) = (natskit_test::TempDir::new("x").unwrap(), natskit_test::TempDir::new("x").unwrap());
    /// assert_ne!(a.path(), b.path());
    /// assert_eq!(std::fs::read_dir(a.path()).unwrap().count(), 0);
    /// ```
    pub fn new(label: &str) -> io::Result<TempDir> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let base = std::env::temp_dir();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let mut last = None;
        for _ in 0..16 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = base.join(format!(
                "natskit-test-{label}-{}-{n}-{nanos:x}",
                std::process::id()
            ));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(TempDir { path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("could not create a temp dir")))
    }

    /// The directory.
    ///
    /// ```
    /// let dir = natskit_test::TempDir::new("path").unwrap();
    /// assert!(dir.path().starts_with(std::env::temp_dir()));
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}
