// SPDX-License-Identifier: GPL-2.0

//! Signals that an entry sends to the worker that runs it.
//!
//! Some system calls signal the calling thread itself: `SIGPIPE` for a write to a pipe with no
//! reader, `SIGXFSZ` past the file size limit. On a worker, which blocks every signal but `SIGKILL`
//! and `SIGSTOP`, such a signal would stay queued for ever. After each entry the worker sends
//! them on to its process, as the submitting thread would have received them.
//!
//! Seccomp may also kill the process at an entry a worker runs, with a `SIGSYS` forced on the
//! worker: the worker takes it, which dumps core, and then ends the process, since a user worker
//! taking a fatal signal does not.

extern "C" {
    /// `async_syscall_forward_signals()` in `syscall.c`.
    fn async_syscall_forward_signals();
    /// `async_syscall_end_process()` in `syscall.c`.
    fn async_syscall_end_process();
}

/// Sends the signals queued on the current worker on to its process.
pub(crate) fn forward_to_process() {
    // SAFETY: The C function acts on the current task only, which is a worker: it takes the
    // task's own siglock and checks that it is a user worker.
    unsafe { async_syscall_forward_signals() }
}

/// Ends the current worker's process, once the worker has taken a fatal signal, unless it is
/// already ending: with the exit code of a `SIGSYS` death, as a direct call killed by seccomp.
///
/// The worker itself still exits on its own, after its cleanup.
pub(crate) fn end_process() {
    // SAFETY: The C function acts on the current task's process under its siglock, and checks
    // that the current task is a user worker.
    unsafe { async_syscall_end_process() }
}
