// SPDX-License-Identifier: GPL-2.0

//! Which system calls async_submit(2) refuses to run.
//!
//! An entry runs with a register frame built for it, not with the user registers of the thread
//! that runs it, and that thread returns to async_submit(2) afterwards. A system call is refused
//! when that cannot work or is not safe:
//!
//! - it never returns to its caller: `exit`, `exit_group`, and `execve`/`execveat` on success;
//! - it creates a thread or a process from the caller's user registers: `fork`, `vfork`,
//!   `clone`, `clone3`;
//! - it reads or replaces the calling thread's user registers, signal frame or restart state:
//!   `rt_sigreturn`, `restart_syscall`, `iopl`, `uretprobe`, `uprobe`;
//! - it sets per-thread user state that belongs to the thread that asked, not to whichever thread
//!   runs the entry: `arch_prctl` (FS/GS base, xstate permissions), `sigaltstack`,
//!   `set_robust_list`, `rseq`, `set_tid_address`;
//! - it changes the seccomp state under which the remaining entries are checked: `seccomp`;
//! - it gives the running thread its own files, fs or namespaces, which a worker would then keep
//!   for the entries it runs later: `unshare`, `setns`;
//! - it recurses: `async_submit`.
//!
//! The list is the 64-bit x86 one; an architecture that selects `ARCH_HAS_SYSCALL_INVOKE` must
//! add its own.

use kernel::uapi;

/// The refused system call numbers.
const REFUSED: [u32; 22] = [
    uapi::__NR_rt_sigreturn,
    uapi::__NR_clone,
    uapi::__NR_fork,
    uapi::__NR_vfork,
    uapi::__NR_execve,
    uapi::__NR_exit,
    uapi::__NR_sigaltstack,
    uapi::__NR_arch_prctl,
    uapi::__NR_iopl,
    uapi::__NR_set_tid_address,
    uapi::__NR_restart_syscall,
    uapi::__NR_exit_group,
    uapi::__NR_unshare,
    uapi::__NR_set_robust_list,
    uapi::__NR_setns,
    uapi::__NR_seccomp,
    uapi::__NR_execveat,
    uapi::__NR_rseq,
    uapi::__NR_uretprobe,
    uapi::__NR_uprobe,
    uapi::__NR_clone3,
    uapi::__NR_async_submit,
];

/// Returns whether async_submit(2) refuses to run system call `nr`.
pub(crate) fn is_refused(nr: u32) -> bool {
    REFUSED.contains(&nr)
}
