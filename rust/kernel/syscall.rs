// SPDX-License-Identifier: GPL-2.0

//! System calls run by number from kernel code.
//!
//! C header: [`arch/x86/include/asm/syscall.h`](srctree/arch/x86/include/asm/syscall.h)

/// Number of entries in the native system call table.
///
/// Valid system call numbers are below this value.
pub const NR_SYSCALLS: u32 = bindings::NR_SYSCALLS;

/// The six arguments of a system call, in the order of its argument registers.
pub type Args = [usize; 6];

/// Runs system call `nr` with `args` for the current task and returns its return value.
///
/// The system call sees a register frame built for it, not the task's user registers, and runs
/// with the current task's credentials, files, memory and seccomp state. A number out of range
/// returns `-ENOSYS`, as from user space. The return value is the raw one: it may be one of the
/// kernel-internal restart codes (`-ERESTARTSYS` and friends) that must never reach user space.
///
/// # Safety
///
/// - The current task must be a user task (not a kernel thread) in process context, with no
///   locks held, as on entry from user space.
/// - `nr` must not be a system call that never returns (such as `exit`), that replaces or acts on
///   the calling thread's user register state, signal frame or thread-local user state (such as
///   `rt_sigreturn`, `clone`, `execve` or `arch_prctl`), or that would run this function again.
pub unsafe fn invoke(nr: u32, args: &Args) -> isize {
    // SAFETY: `args` points to six valid `usize`s, which is what `arch_syscall_invoke` reads.
    // The caller guarantees that the current task may run `nr` from here; the function bounds
    // `nr` itself.
    unsafe { bindings::arch_syscall_invoke(nr, args.as_ptr()) }
}
