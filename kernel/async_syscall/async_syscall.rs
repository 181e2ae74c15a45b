// SPDX-License-Identifier: GPL-2.0

//! async_submit(2): run a list of system calls, chained and fed from each other.
//!
//! User space hands in an array of `struct async_syscall_entry`. The whole array is copied into a
//! kernel-owned [`Submission`] and checked before any entry runs; then the entries run and each
//! one completes by writing its result, then its status word, back into the user's array and
//! waking the futex waiters on that word.
//!
//! The crate is split one concept a file:
//!
//! - `defs`: the UAPI, wrapped for reading from user memory;
//! - `policy`: which system calls are refused;
//! - `entry`: one checked entry, its chain and its feeds;
//! - `outcome`: how a system call's return value becomes an entry's result;
//! - `submission`: the entries of one call, their execution and their write-back.

use kernel::{
    ffi::{c_long, c_uint, c_void},
    prelude::*,
    seccomp,
    uaccess::UserPtr,
};

mod defs;
mod entry;
mod outcome;
mod policy;
mod submission;

use submission::Submission;

/// Runs async_submit(2) for the current task and returns the number of entries it took.
fn submit(entries: UserPtr, nr_entries: u32, entry_size: usize, flags: u32) -> Result<u32> {
    if flags & !defs::SUBMIT_KNOWN_FLAGS != 0 {
        return Err(EINVAL);
    }
    if flags & defs::SUBMIT_BATCH == 0 {
        // Asynchronous execution is not implemented yet.
        return Err(EOPNOTSUPP);
    }
    // The entries would run without the task's seccomp filter.
    if seccomp::current_is_confined() {
        return Err(EPERM);
    }

    let mut submission = Submission::copy_from_user(entries, nr_entries, entry_size)?;
    submission.mark_pending()?;
    submission.run_batch()?;
    Ok(nr_entries)
}

/// The body of `SYSCALL_DEFINE4(async_submit)`.
///
/// # Safety
///
/// Must be called from the system call path of a user task, as the C entry point does; the
/// pointer is a user-space address and is never dereferenced directly.
#[export]
pub unsafe extern "C" fn async_syscall_submit(
    entries: *mut c_void,
    nr_entries: c_uint,
    entry_size: usize,
    flags: c_uint,
) -> c_long {
    match submit(UserPtr::from_ptr(entries), nr_entries, entry_size, flags) {
        // At most `ASYNC_SUBMIT_MAX_ENTRIES`, so it fits.
        Ok(taken) => taken as c_long,
        Err(err) => err.to_errno() as c_long,
    }
}
