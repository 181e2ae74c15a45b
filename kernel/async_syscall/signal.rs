// SPDX-License-Identifier: GPL-2.0

//! Signals that an entry sends to the worker that runs it.
//!
//! Some system calls signal the calling thread itself: `SIGPIPE` for a write to a pipe with no
//! reader, `SIGXFSZ` past the file size limit. On a worker, which blocks every signal but `SIGKILL`
//! and `SIGSTOP`, such a signal would stay queued for ever. After each entry the worker sends
//! them on to its process, as the submitting thread would have received them.

extern "C" {
    /// `async_syscall_forward_signals()` in `syscall.c`.
    fn async_syscall_forward_signals();
}

/// Sends the signals queued on the current worker on to its process.
pub(crate) fn forward_to_process() {
    // SAFETY: The C function acts on the current task only, which is a worker: it takes the
    // task's own siglock and checks that it is a user worker.
    unsafe { async_syscall_forward_signals() }
}
