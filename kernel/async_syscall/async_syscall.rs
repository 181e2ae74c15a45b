// SPDX-License-Identifier: GPL-2.0

//! async_submit(2): run a list of system calls, chained and fed from each other.
//!
//! User space hands in an array of `struct async_syscall_entry`. The whole array is copied into a
//! kernel-owned [`Submission`] and checked before any entry runs. Then either the calling thread
//! runs the entries (`ASYNC_SUBMIT_BATCH`), or the chains are queued on the process's worker pool
//! and the call returns. Each entry completes by writing its result, then its status word, back
//! into the user's array and waking the futex waiters on that word.
//!
//! The crate is split one concept a file:
//!
//! - `defs`: the UAPI, wrapped for reading from user memory;
//! - `policy`: which system calls are refused;
//! - `entry`: one checked entry, its chain and its feeds;
//! - `outcome`: how a system call's return value becomes an entry's result;
//! - `submission`: the entries of one call, their execution and their write-back;
//! - `pool`: the queued chains and the workers of a process;
//! - `worker`: the loop of one worker thread;
//! - `slot`: where a process keeps its pool.

use kernel::{
    ffi::{c_long, c_uint, c_void},
    prelude::*,
    seccomp,
    sync::Arc,
    uaccess::UserPtr,
};

mod defs;
mod entry;
mod outcome;
mod policy;
mod pool;
mod slot;
mod submission;
mod worker;

use pool::cred_key;
use slot::PoolSlot;
use submission::Submission;

/// Queues `submission` on the process's pool, starting the workers it needs.
fn queue(slot: &PoolSlot<'_>, max_workers: usize, submission: Submission) -> Result {
    let pool = slot.get_or_create()?;
    let key = cred_key(submission.cred());
    let to_start = pool.queue(Arc::new(submission, GFP_KERNEL)?, max_workers)?;

    let mut started = 0;
    while started < to_start && worker::start(pool.clone()).is_ok() {
        started += 1;
    }
    if started == to_start {
        return Ok(());
    }
    // No worker of the submitter's credentials is left to run what is queued: complete it as
    // cancelled, so that no waiter waits forever, and report the failure.
    let orphans = pool.not_started(key, to_start - started);
    if orphans.is_empty() {
        return Ok(());
    }
    for queued in orphans {
        queued.cancel();
    }
    Err(EAGAIN)
}

/// Runs async_submit(2) for the current task and returns the number of entries it took.
fn submit(
    slot: &PoolSlot<'_>,
    max_workers: usize,
    entries: UserPtr,
    nr_entries: u32,
    entry_size: usize,
    flags: u32,
) -> Result<u32> {
    if flags & !defs::SUBMIT_KNOWN_FLAGS != 0 {
        return Err(EINVAL);
    }
    // The entries would run without the task's seccomp filter.
    if seccomp::current_is_confined() {
        return Err(EPERM);
    }

    let submission = Submission::copy_from_user(entries, nr_entries, entry_size)?;
    submission.mark_pending()?;
    if flags & defs::SUBMIT_BATCH != 0 {
        submission.run_batch()?;
    } else {
        queue(slot, max_workers, submission)?;
    }
    Ok(nr_entries)
}

/// The body of `SYSCALL_DEFINE4(async_submit)`.
///
/// # Safety
///
/// Must be called from the system call path of a user task, as the C entry point does, with
/// `slot` the pool slot of the task's process. `max_workers` is the most workers the pool may
/// have (`kernel.async_syscall_max_workers`). `entries` is a user-space address and is never
/// dereferenced directly.
#[export]
pub unsafe extern "C" fn async_syscall_submit(
    slot: *mut *mut c_void,
    max_workers: c_uint,
    entries: *mut c_void,
    nr_entries: c_uint,
    entry_size: usize,
    flags: c_uint,
) -> c_long {
    // SAFETY: The C entry point passes the slot of the current process, which outlives the
    // call, and every access to it is atomic.
    let slot = unsafe { PoolSlot::from_raw(slot.cast()) };
    match submit(
        &slot,
        usize::try_from(max_workers).unwrap_or(usize::MAX),
        UserPtr::from_ptr(entries),
        nr_entries,
        entry_size,
        flags,
    ) {
        // At most `ASYNC_SUBMIT_MAX_ENTRIES`, so it fits.
        Ok(taken) => taken as c_long,
        Err(err) => err.to_errno() as c_long,
    }
}

/// Drops the reference to a process's pool that the C side took out of its slot.
///
/// # Safety
///
/// `pool` must have been taken out of a pool slot, as `async_syscall_exit_process()` does.
#[export]
pub unsafe extern "C" fn async_syscall_release(pool: *mut c_void) {
    // SAFETY: Guaranteed by the safety requirements.
    unsafe { slot::release(pool.cast()) }
}
