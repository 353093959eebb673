//! The crate's lock helper, in a module of its own so that every module can use it without
//! importing a module that might import it back. A leaf: it imports nothing from the crate.

use std::sync::{Mutex, MutexGuard};

/// Locks a mutex, taking the data even if a panicking thread held it: every update here is a
/// single step, so the data is consistent either way.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
