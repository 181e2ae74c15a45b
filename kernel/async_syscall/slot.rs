// SPDX-License-Identifier: GPL-2.0

//! The pool slot of a process: where its worker pool hangs off `struct signal_struct`.
//!
//! The slot is a pointer-sized word that the C side keeps in the process's `signal_struct`
//! (`async_syscall`) and passes to async_submit(2). It is null until the first asynchronous
//! submission, then holds one reference to the process's [`Pool`]. The C side takes the pointer
//! out of the slot and drops that reference through [`release`] when the last thread of the
//! process exits and when the process execs, once no other thread of it is left.

use core::{
    ptr,
    sync::atomic::{AtomicPtr, Ordering},
};
use kernel::{
    prelude::*,
    sync::{Arc, ArcBorrow},
};

use crate::pool::Pool;

/// The pool slot of the current process.
///
/// # Invariants
///
/// The word is null or holds a pointer from `Arc::<Pool>::into_raw` that owns one reference,
/// and it is only cleared when no thread of the process but the one clearing it is left.
pub(crate) struct PoolSlot<'a>(&'a AtomicPtr<Pool>);

impl<'a> PoolSlot<'a> {
    /// Wraps the slot word at `word`.
    ///
    /// # Safety
    ///
    /// `word` must be the slot of the current process, valid for `'a`, and accessed only
    /// atomically while `'a` lasts.
    pub(crate) unsafe fn from_raw(word: *mut *mut Pool) -> Self {
        // INVARIANT: The C side zeroes the slot of a new process and only this module and
        // `release` store to it.
        // SAFETY: By the safety requirements, `word` is valid, aligned and accessed atomically.
        Self(unsafe { AtomicPtr::from_ptr(word) })
    }

    /// Returns the process's pool, creating it on first use.
    pub(crate) fn get_or_create(&self) -> Result<Arc<Pool>> {
        let current = self.0.load(Ordering::Acquire);
        if !current.is_null() {
            return Ok(Self::borrow(current).into());
        }
        let pool = Pool::new()?;
        let raw = Arc::into_raw(pool.clone()).cast_mut();
        match self
            .0
            .compare_exchange(ptr::null_mut(), raw, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(pool),
            Err(installed) => {
                // SAFETY: `raw` came from `Arc::into_raw` above and was not installed.
                drop(unsafe { Arc::from_raw(raw) });
                Ok(Self::borrow(installed).into())
            }
        }
    }

    /// Borrows the pool that the slot holds.
    fn borrow(pool: *mut Pool) -> ArcBorrow<'a, Pool> {
        // SAFETY: By the type invariants, a non-null slot holds a reference to the pool, and
        // it is only dropped when no other thread of the process is left; the current thread is
        // in async_submit(2) for all of `'a`.
        unsafe { ArcBorrow::from_raw(pool) }
    }
}

/// Drops the slot's reference to `pool`, taken out of the slot by the C side.
///
/// # Safety
///
/// `pool` must be a pointer taken out of a pool slot, which owns one reference.
pub(crate) unsafe fn release(pool: *mut Pool) {
    // SAFETY: By the safety requirements, `pool` came from `Arc::into_raw` and owns a reference.
    drop(unsafe { Arc::from_raw(pool) });
}
