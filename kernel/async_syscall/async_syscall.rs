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
//! - `identity`: what decides which workers may run a thread's entries;
//! - `policy`: which system calls run, and which are refused;
//! - `entry`: one checked entry, its chain and its feeds;
//! - `outcome`: how a system call's return value becomes an entry's result;
//! - `signal`: signals that an entry sends to the worker that runs it;
//! - `submission`: the entries of one call, their execution and their write-back;
//! - `status`: the status word of an entry: pending at submission, then completion;
//! - `pool`: the crews of workers of a process and the chains queued for them;
//! - `worker`: the loop of one worker thread;
//! - `slot`: where a process keeps its pool.

use kernel::{
    ffi::{c_long, c_uint, c_void},
    prelude::*,
    sync::Arc,
    syscall,
    time::Delta,
    uaccess::UserPtr,
};

mod defs;
mod entry;
mod identity;
mod outcome;
mod policy;
mod pool;
mod signal;
mod slot;
mod status;
mod submission;
mod worker;

use identity::Identity;
use policy::Mode;
use pool::Limits;
use slot::PoolSlot;
use submission::{BatchEnd, Submission};
use worker::Role;

/// Queues `submission`, made with `identity`, on the process's pool, and starts the workers it
/// needs.
///
/// On failure nothing of the submission stays queued, and nothing of it ran.
fn queue(
    slot: &PoolSlot<'_>,
    limits: &Limits,
    identity: Identity,
    submission: Submission,
) -> Result {
    let pool = slot.get_or_create()?;
    let submission = Arc::new(submission, GFP_KERNEL_ACCOUNT)?;
    let placed = pool.queue(identity, submission.clone(), limits)?;

    let runners = (0..placed.to_start).map(|_| Role::Runner);
    let roles = Iterator::chain(runners, placed.standby.then_some(Role::Standby));
    let to_start = placed.to_start + usize::from(placed.standby);
    let mut started = 0;
    let mut failure = None;
    for role in roles {
        match worker::start(pool.clone(), placed.crew.clone(), role) {
            Ok(()) => started += 1,
            Err(err) => {
                failure = Some(err);
                break;
            }
        }
    }
    let mut orphans = KVec::new();
    // The standby, if any, is started last: it failed if anything did.
    let taken = pool.settle(
        &placed.crew,
        Some(&submission),
        started,
        to_start - started,
        placed.standby && failure.is_some(),
        &mut orphans,
    );
    // Left with no worker: complete them, so that no waiter waits for ever.
    for queued in orphans {
        queued.cancel();
    }
    match failure {
        Some(err) if !taken => {
            if outcome::is_restart(err.to_errno() as isize) {
                // `copy_process()` refuses to clone a thread with a signal pending: let the
                // signal be handled and the call restart, as for fork().
                Err(err)
            } else {
                Err(EAGAIN)
            }
        }
        _ => Ok(()),
    }
}

/// What async_submit(2) did.
enum Submitted {
    /// It took this many entries.
    Taken(u32),
    /// Seccomp killed the calling thread at an entry of the batch.
    ExitThread,
}

/// Runs async_submit(2) for the current task.
fn submit(
    slot: &PoolSlot<'_>,
    limits: &Limits,
    entries: UserPtr,
    nr_entries: u32,
    entry_size: usize,
    flags: u32,
) -> Result<Submitted> {
    if flags & !defs::SUBMIT_KNOWN_FLAGS != 0 {
        return Err(EINVAL);
    }
    // A tracer's syscall stops or syscall user dispatch would see each entry as a direct call;
    // neither can be given an entry.
    if syscall::current_is_intercepted() {
        return Err(EPERM);
    }

    let mode = if flags & defs::SUBMIT_BATCH != 0 {
        Mode::Batch
    } else {
        Mode::Async
    };
    let submission = Submission::copy_from_user(entries, nr_entries, entry_size, mode)?;
    submission.mark_pending()?;
    match mode {
        Mode::Batch => match submission.run_batch()? {
            BatchEnd::Completed => Ok(Submitted::Taken(nr_entries)),
            // Fewer than `nr_entries`, so it fits.
            BatchEnd::Interrupted(done) => Ok(Submitted::Taken(done as u32)),
            BatchEnd::ExitThread => Ok(Submitted::ExitThread),
        },
        Mode::Async => {
            let identity = Identity::of_current(identity::current_words());
            queue(slot, limits, identity, submission)?;
            Ok(Submitted::Taken(nr_entries))
        }
    }
}

/// The body of `SYSCALL_DEFINE4(async_submit)`.
///
/// # Safety
///
/// Must be called from the system call path of a user task, as the C entry point does, with
/// `slot` the pool slot of the task's process. `max_workers`, `max_entries` and `spin_us` are
/// `kernel.async_syscall_max_workers`, `kernel.async_syscall_max_entries` and
/// `kernel.async_syscall_worker_spin_us`; `max_spinning` is how many workers of one identity may
/// spin at once. `entries` is a
/// user-space address and is never dereferenced directly. `exit_thread` must be valid for
/// writing: it is set when seccomp killed the calling thread at an entry of a batch, and the
/// caller must then end the thread with `do_exit(SIGSYS)`.
#[export]
pub unsafe extern "C" fn async_syscall_submit(
    slot: *mut *mut c_void,
    max_workers: c_uint,
    max_entries: c_uint,
    spin_us: c_uint,
    max_spinning: c_uint,
    entries: *mut c_void,
    nr_entries: c_uint,
    entry_size: usize,
    flags: c_uint,
    exit_thread: *mut bool,
) -> c_long {
    // SAFETY: The C entry point passes the slot of the current process, which outlives the
    // call, and every access to it is atomic.
    let slot = unsafe { PoolSlot::from_raw(slot.cast()) };
    let limits = Limits {
        max_workers: usize::try_from(max_workers).unwrap_or(usize::MAX),
        max_entries: usize::try_from(max_entries).unwrap_or(usize::MAX),
        spin: Delta::from_micros(i64::from(spin_us)),
        max_spinning: usize::try_from(max_spinning).unwrap_or(usize::MAX),
    };
    match submit(
        &slot,
        &limits,
        UserPtr::from_ptr(entries),
        nr_entries,
        entry_size,
        flags,
    ) {
        // At most `ASYNC_SUBMIT_MAX_ENTRIES`, so it fits.
        Ok(Submitted::Taken(taken)) => taken as c_long,
        Ok(Submitted::ExitThread) => {
            // SAFETY: The caller passes a pointer valid for writing.
            unsafe { exit_thread.write(true) };
            EINTR.to_errno() as c_long
        }
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
