// SPDX-License-Identifier: GPL-2.0

//! User workers: kernel-mode threads of a user process.
//!
//! A user worker is a thread of the process that creates it: it shares the creator's memory,
//! files, fs context, signal handlers and thread group, and starts with the creator's
//! credentials, namespaces, cgroup and seccomp state. It never enters user mode. Only `SIGKILL`
//! and `SIGSTOP` reach it; it handles them itself with [`handle_signals`], and runs the task work
//! that a user thread would run on its way back to user space with [`run_task_work`].
//!
//! C header: [`include/linux/sched/task.h`](srctree/include/linux/sched/task.h)

use crate::{
    error::from_err_ptr,
    ffi::{c_int, c_void},
    prelude::*,
    str::CStr,
};
use core::mem::MaybeUninit;

/// Clone flags of a user worker: a thread of the creator's process that shares all its state.
const WORKER_CLONE_FLAGS: u64 = (bindings::CLONE_VM
    | bindings::CLONE_FS
    | bindings::CLONE_FILES
    | bindings::CLONE_SIGHAND
    | bindings::CLONE_THREAD
    | bindings::CLONE_IO
    | bindings::CLONE_UNTRACED) as u64;

/// Starts a user worker of the current process, named `name`, that runs `f` and then exits.
///
/// The current task must be a user thread (not a kernel thread) of the process that is to own
/// the worker; the worker is a copy of it. `f` runs in process context with no locks held; when
/// it returns, the worker exits. It must return when [`handle_signals`] reports a fatal signal.
pub fn spawn<F>(name: &CStr, f: F) -> Result
where
    F: FnOnce() + Send + 'static,
{
    let f = KBox::into_raw(KBox::new(f, GFP_KERNEL)?);

    // SAFETY: All-zero is a valid `kernel_clone_args`: integers, null pointers and no function.
    let mut args: bindings::kernel_clone_args = unsafe { MaybeUninit::zeroed().assume_init() };
    args.flags = WORKER_CLONE_FLAGS;
    args.name = name.as_char_ptr();
    args.set_user_worker(1);
    args.fn_ = Some(worker_fn::<F>);
    args.fn_arg = f.cast();

    // SAFETY: `args` is valid for the call and asks for a thread of the current process.
    // `copy_process()` copies `name` into the new task. `NUMA_NO_NODE` lets it pick the node.
    let task = unsafe {
        bindings::copy_process(core::ptr::null_mut(), 0, bindings::NUMA_NO_NODE, &mut args)
    };
    match from_err_ptr(task) {
        Ok(task) => {
            // SAFETY: `task` was just created by `copy_process()` and not started yet; starting
            // it hands `f` over to `worker_fn`.
            unsafe { bindings::wake_up_new_task(task) };
            Ok(())
        }
        Err(err) => {
            // SAFETY: The task was not created, so `f` is still ours: it came from
            // `KBox::into_raw` above and nothing else took it.
            drop(unsafe { KBox::from_raw(f) });
            Err(err)
        }
    }
}

/// The function a user worker runs: `f`, then exit.
///
/// # Safety
///
/// `arg` must come from `KBox::<F>::into_raw`, and ownership of it passes to this function.
unsafe extern "C" fn worker_fn<F: FnOnce()>(arg: *mut c_void) -> c_int {
    // SAFETY: By the function's safety requirement, `arg` is an owned `KBox<F>`.
    let f = KBox::into_inner(unsafe { KBox::from_raw(arg.cast::<F>()) });
    f();
    // A user worker has no user context to return to: it must exit instead of returning.
    // SAFETY: Everything `f` owned has been dropped when it returned; nothing of this frame is
    // left to drop.
    unsafe { bindings::do_exit(0) }
}

/// Handles the pending signals of the current user worker, and returns whether it must exit.
///
/// A fatal signal (`SIGKILL`, `exit_group`, `execve` of another thread) returns `true`: the
/// worker must then clean up and return from its function. `SIGSTOP` stops the worker here until
/// the process continues.
pub fn handle_signals() -> bool {
    // SAFETY: `signal_pending()` only reads the current task's flags.
    if unsafe { bindings::signal_pending(bindings::get_current()) } == 0 {
        return false;
    }
    let mut ksig = MaybeUninit::<bindings::ksignal>::zeroed();
    // SAFETY: `ksig` is valid for writes. A user worker blocks every signal but `SIGKILL` and
    // `SIGSTOP`, so `get_signal()` either stops the task and returns `false`, or returns `true`
    // for a fatal signal without exiting on the worker's behalf.
    unsafe { bindings::get_signal(ksig.as_mut_ptr()) }
}

/// Runs the current task's pending task work, such as the final `fput()` of a closed file.
///
/// A user thread runs it on its way back to user space; a user worker never goes there, so it
/// calls this after each piece of work. A user thread that runs several pieces of work within
/// one system call may call it between them, as io_uring does. It also clears the notification
/// (`TIF_NOTIFY_SIGNAL`) that asked for the work to run, which otherwise reads as a pending
/// signal.
pub fn run_task_work() {
    // SAFETY: `clear_notify_signal()` clears a flag of the current task; the work it announced
    // runs next.
    unsafe { bindings::clear_notify_signal() };
    // SAFETY: `task_work_run()` runs the current task's own work items in process context.
    unsafe { bindings::task_work_run() }
}

/// Restores the signal mask of the current user worker after a piece of work.
///
/// System calls such as `ppoll()`, `pselect6()` and `epoll_pwait()` install a temporary signal
/// mask and leave the old one for the return to user space to restore, which a user worker never
/// reaches. This restores the mask that blocks every signal but `SIGKILL` and `SIGSTOP`, so that
/// a signal with a handler never stays deliverable to the worker: such a signal pending for the
/// process is handed back to a thread that can take it.
pub fn restore_sigmask() {
    // SAFETY: `restore_saved_sigmask()` acts on the current task only; for a user worker the
    // saved mask is the one `copy_process()` gave it, since nothing else changes a worker's mask.
    unsafe { bindings::restore_saved_sigmask() }
}
