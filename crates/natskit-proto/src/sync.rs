//! Locking that outlives a panic elsewhere.
//!
//! A `std` mutex is poisoned when a thread panics while holding it, and every later `lock`
//! returns an error. The client, the broker, the service framework, the test harness and the
//! command-line tool only ever change locked data in steps that are complete or absent, so the
//! data is consistent after such a panic and the right answer is to carry on with it. [`lock`]
//! is the one place that says so. It lives in the protocol crate because it needs nothing beyond
//! `std` and every crate of the workspace that locks can reach it there.
//!
//! ```
//! use std::sync::Mutex;
//! use natskit_proto::sync::lock;
//!
//! let counter = Mutex::new(0);
//! *lock(&counter) += 1;
//! assert_eq!(*lock(&counter), 1);
//! ```

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, taking the data even if a thread panicked while it held the lock.
///
/// Use it only where every change made under the lock leaves the data consistent at any point a
/// panic could interrupt it (a single assignment, a push, a swap).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use natskit_proto::sync::lock;
///
/// let shared = Arc::new(Mutex::new(vec![1]));
/// let other = Arc::clone(&shared);
/// let _ = std::thread::spawn(move || {
///     let _held = other.lock();
///     panic!("a panic while the lock is held poisons it");
/// })
/// .join();
/// assert!(shared.is_poisoned());
/// lock(&shared).push(2);
/// assert_eq!(*lock(&shared), [1, 2]);
/// ```
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_poisoned_mutex_still_gives_its_data() {
        let shared = Arc::new(Mutex::new(String::from("kept")));
        let other = Arc::clone(&shared);
        let joined = std::thread::spawn(move || {
            let _held = other.lock();
            panic!("poison");
        })
        .join();
        assert!(joined.is_err());
        assert!(shared.is_poisoned());
        assert_eq!(*lock(&shared), "kept");
    }
}
