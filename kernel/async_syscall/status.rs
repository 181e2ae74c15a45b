// SPDX-License-Identifier: GPL-2.0

//! The status word of an entry: marking it pending at submission, and completing the entry.
//!
//! Both are done by the C side (`syscall.c`), where the architecture's atomic operation on a
//! user word and `put_user()` are inline: an entry costs one call to each, whatever the
//! architecture. See the protocol in `Documentation/userspace-api/async_submit.rst`
//! ("Completion and waiting").

use kernel::{error::to_result, prelude::*, uaccess::UserPtr};

extern "C" {
    /// `async_syscall_mark_pending()` in `syscall.c`.
    fn async_syscall_mark_pending(
        entries: *mut kernel::ffi::c_void,
        nr: kernel::ffi::c_uint,
        entry_size: usize,
    ) -> kernel::ffi::c_int;
    /// `async_syscall_complete()` in `syscall.c`.
    fn async_syscall_complete(entry: *mut kernel::ffi::c_void, result: i64) -> kernel::ffi::c_int;
}

/// Makes the status words of the `nr` entries of the user's array at `entries`, `entry_size`
/// bytes apart, pending, keeping the waiters bit where a thread set it.
///
/// Fails with `EFAULT` if a word cannot be written.
pub(crate) fn mark_pending(entries: UserPtr, nr: u32, entry_size: usize) -> Result {
    // SAFETY: The C function only accesses user memory, through the user-access functions,
    // which check the addresses and handle faults.
    to_result(unsafe { async_syscall_mark_pending(entries.as_mut_ptr(), nr, entry_size) })
}

/// Completes the entry at `entry` in the user's array with `result`: writes the result, then the
/// status, then wakes the waiters on the status word if a thread said it sleeps there.
///
/// Fails with `EFAULT` if the entry cannot be written.
pub(crate) fn complete(entry: UserPtr, result: isize) -> Result {
    // SAFETY: As for `mark_pending()`. A result is a register value: the cast keeps its bits.
    to_result(unsafe { async_syscall_complete(entry.as_mut_ptr(), result as i64) })
}
