// SPDX-License-Identifier: GPL-2.0

//! Futex words in user memory.
//!
//! C header: [`include/linux/futex.h`](srctree/include/linux/futex.h)

use crate::{
    error::{code::EINVAL, to_result, Error, Result},
    sync::barrier::{smp_mb, Write},
    uaccess::UserPtr,
};

/// Stores `value` into the user `u32` at `addr` and wakes the process-private waiters on it.
///
/// The store is a single aligned `put_user()` ordered after every store the caller made before
/// this call (`smp_wmb()`): a waiter that loads the word with acquire semantics and sees `value`
/// also sees those stores, on every architecture. The wake is `FUTEX_WAKE` with
/// `FUTEX_PRIVATE_FLAG`: it reaches the waiters of the current task's address space, which must
/// be the one `addr` belongs to.
///
/// Returns [`EINVAL`] if `addr` is not aligned to four bytes, and `EFAULT` if it cannot be written.
pub fn store_and_wake_private(addr: UserPtr, value: u32) -> Result {
    let uaddr = addr.as_mut_ptr().cast::<u32>();
    if !uaddr.is_aligned() {
        return Err(EINVAL);
    }
    // Publish: the caller's earlier stores (a result, say) become visible before the word.
    smp_mb(Write);
    // SAFETY: `put_user()` checks `uaddr` with `access_ok()` and handles faults; any value of
    // the user `u32` is valid.
    to_result(unsafe { bindings::put_user_u32(value, uaddr) })?;

    // The futex op and `INT_MAX` (wake everyone) fit their C types.
    let op = (bindings::FUTEX_WAKE | bindings::FUTEX_PRIVATE_FLAG) as i32;
    let all = i32::MAX as u32;
    // SAFETY: `FUTEX_WAKE` reads neither the timeout nor the second address, so null pointers are
    // fine there; `uaddr` is only hashed and checked by the futex code, never trusted.
    let ret = unsafe {
        bindings::do_futex(
            uaddr,
            op,
            all,
            core::ptr::null_mut(),
            core::ptr::null_mut(),
            0,
            0,
        )
    };
    if ret < 0 {
        // A negative return of `do_futex()` is an errno, which fits in an `i32`.
        return Err(Error::from_errno(ret as i32));
    }
    Ok(())
}
