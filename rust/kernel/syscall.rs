// SPDX-License-Identifier: GPL-2.0

//! System calls made by kernel code on behalf of a user thread.
//!
//! C header: [`include/linux/syscall_invoke.h`](srctree/include/linux/syscall_invoke.h)

use crate::{bindings, task::Task};
use core::mem::MaybeUninit;

/// Number of entries in the native system call table.
///
/// Valid system call numbers are below this value.
pub const NR_SYSCALLS: u32 = bindings::NR_SYSCALLS;

/// The six arguments of a system call, in the order of its argument registers.
pub type Args = [usize; 6];

/// Where a system call was made: the user register frame of a system call in progress.
///
/// The calls made with [`call`] from a site look, to seccomp filters, audit and tracing, as if
/// they had been made from the same user instruction, with the same stack and code segment.
pub struct Site(bindings::pt_regs);

impl Site {
    /// The site of the system call the current task is making.
    ///
    /// Only meaningful while the current task is in a system call from user space.
    pub fn current() -> Self {
        let mut site = MaybeUninit::<bindings::pt_regs>::uninit();
        // SAFETY: `site` is valid for writing a `struct pt_regs`, which the function fills in
        // whole from the current task's user frame, which every user task has.
        unsafe { bindings::syscall_site_current(site.as_mut_ptr()) };
        // SAFETY: Initialised by the call above.
        Self(unsafe { site.assume_init() })
    }
}

/// How a call made with [`call`] ended.
#[must_use]
pub enum End {
    /// The call ran, or a gate (seccomp) decided its result: the value, which may be one of the
    /// kernel-internal restart codes (`-ERESTARTSYS` and friends) that never reach user space.
    Done(isize),
    /// The call did not run: seccomp killed the current task, whose fatal signal is pending. A
    /// user worker must let `get_signal()` take it before it exits, or a core dump is lost.
    Killed,
    /// The call did not run: seccomp killed the calling thread itself (`SECCOMP_RET_KILL_THREAD`).
    /// Unwind to the system call that made it, which must end the thread with
    /// `do_exit(SIGSYS)`.
    ExitThread,
    /// The call was not made: it is for the current task, which a ptrace tracer
    /// (`PTRACE_SYSCALL`, `PTRACE_SYSEMU`) or syscall user dispatch would intercept as a direct
    /// call, and they cannot see this one.
    Intercepted,
}

/// Makes system call `nr` with `args` as if `caller` had made it directly from `site`.
///
/// The call passes the gates of the system call entry path: seccomp (judged by `caller`'s
/// filters, including filters it installed after the current task was cloned from it), the
/// `sys_enter`/`sys_exit` tracepoints and audit, with a register frame that is `site`'s but for
/// the number, the arguments and the result. A number out of range returns `-ENOSYS`, as from
/// user space. Ptrace and syscall user dispatch do not see the call: a call for the current task
/// itself is not made when [`current_is_intercepted`] is `true` ([`End::Intercepted`]), and a
/// worker must not be handed calls for a task for which it is. Then the task work that the way
/// back to user space would run is run (the final `fput()` of a file the call closed, say), and
/// a pending `TIF_NOTIFY_SIGNAL` cleared, before the result is returned.
///
/// # Safety
///
/// - The current task must be a user task (not a kernel thread) in process context, with no
///   locks held and an unused audit context (see `audit_syscall_nest()`), as on entry from user
///   space.
/// - `caller` must be the current task, or the thread of its process that the current task, a
///   user worker, was cloned from to make calls on its behalf; `site` must have been taken from
///   a system call of `caller`.
/// - `nr` must not be a system call that never returns (such as `exit`), that replaces or acts on
///   the calling thread's user register state, signal frame or thread-local user state (such as
///   `rt_sigreturn`, `clone`, `execve` or `arch_prctl`), or that would run this function again.
#[inline]
pub unsafe fn call(site: &Site, caller: &Task, nr: u32, args: &Args) -> End {
    let mut end = 0;
    // SAFETY: `site` is a whole frame and `args` points to six valid `usize`s, which is what the
    // function reads; `caller` is a valid task and `end` is valid for writing. The caller
    // guarantees that the current task may make `nr` from here for `caller`; the function
    // bounds `nr` itself.
    let result = unsafe {
        bindings::syscall_call(
            &site.0,
            caller.as_ptr(),
            nr as usize,
            args.as_ptr(),
            &mut end,
        )
    };
    match end as u32 {
        bindings::SYSCALL_CALL_KILLED => End::Killed,
        bindings::SYSCALL_CALL_EXIT_THREAD => End::ExitThread,
        bindings::SYSCALL_CALL_INTERCEPTED => End::Intercepted,
        _ => End::Done(result),
    }
}

/// Returns whether a system call made directly by the current task would stop for a ptrace
/// tracer (`PTRACE_SYSCALL`, `PTRACE_SYSEMU`) or be dispatched to user space (syscall user
/// dispatch) before it runs.
#[inline]
pub fn current_is_intercepted() -> bool {
    // SAFETY: The function only reads the current task's system call work flags.
    unsafe { bindings::syscall_entry_intercepted() }
}
