// SPDX-License-Identifier: GPL-2.0

//! How a system call's return value becomes an entry's result.

use kernel::prelude::*;

/// Largest errno a system call returns, as `MAX_ERRNO` in `include/linux/err.h`.
const MAX_ERRNO: isize = 4095;

/// Returns whether `result` is a failure: a value in `-MAX_ERRNO..=-1`, as `IS_ERR_VALUE()`.
///
/// Other negative values are successful results of some system calls (an `lseek` offset, say).
pub(crate) fn is_failure(result: isize) -> bool {
    (-MAX_ERRNO..0).contains(&result)
}

/// The kernel-internal restart codes, which a system call returns when a signal interrupted it.
const RESTART_CODES: [Error; 4] = [
    ERESTARTSYS,
    ERESTARTNOINTR,
    ERESTARTNOHAND,
    ERESTART_RESTARTBLOCK,
];

/// Returns whether `result` is a kernel-internal restart code.
pub(crate) fn is_restart(result: isize) -> bool {
    RESTART_CODES
        .iter()
        .any(|code| code.to_errno() as isize == result)
}

/// Returns whether `result` asks for a restart through `restart_syscall()`.
pub(crate) fn is_restart_block(result: isize) -> bool {
    result == ERESTART_RESTARTBLOCK.to_errno() as isize
}

/// Maps the kernel-internal restart codes to `-EINTR`.
///
/// A system call interrupted by a signal may return a restart code that tells the system call
/// exit path to restart it. An entry has no such path back into itself, so the interruption is
/// reported as it is when no restart is possible.
pub(crate) fn user_visible(result: isize) -> isize {
    if is_restart(result) {
        EINTR.to_errno() as isize
    } else {
        result
    }
}

/// The result of an entry that did not run because a feed source failed.
pub(crate) fn cancelled() -> isize {
    ECANCELED.to_errno() as isize
}

/// The result of an entry that the policy refuses with the arguments its feeds gave it.
pub(crate) fn refused() -> isize {
    EOPNOTSUPP.to_errno() as isize
}

/// The error with which a batch whose first entry was interrupted by a signal fails.
///
/// It is the restart code the entry returned, so that the system call exit path restarts the
/// whole batch after the signal, or fails it with `EINTR`, as it would have done for that entry
/// alone. `-ERESTART_RESTARTBLOCK` would restart the entry's own restart block in place of the
/// batch: it becomes `-ERESTARTNOHAND`, which restarts the batch unless a handler ran. Any other
/// value (a fatal signal) is `EINTR`.
pub(crate) fn batch_restart(code: isize) -> Error {
    if is_restart_block(code) {
        return ERESTARTNOHAND;
    }
    RESTART_CODES
        .iter()
        .copied()
        .find(|restart| restart.to_errno() as isize == code)
        .unwrap_or(EINTR)
}

/// The result of an entry that did not run because a ptrace tracer or syscall user dispatch
/// would have intercepted it as a direct call.
pub(crate) fn intercepted() -> isize {
    EPERM.to_errno() as isize
}

#[kunit_tests(async_syscall_outcome)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_the_errno_range() {
        assert!(is_failure(-1));
        assert!(is_failure(-MAX_ERRNO));
        assert!(!is_failure(0));
        assert!(!is_failure(3));
        assert!(!is_failure(-MAX_ERRNO - 1));
        assert!(is_failure(cancelled()));
    }

    #[test]
    fn restart_codes_never_leak() {
        for code in [
            ERESTARTSYS,
            ERESTARTNOINTR,
            ERESTARTNOHAND,
            ERESTART_RESTARTBLOCK,
        ] {
            assert_eq!(
                user_visible(code.to_errno() as isize),
                EINTR.to_errno() as isize
            );
        }
        assert_eq!(user_visible(-2), -2);
        assert_eq!(user_visible(42), 42);
    }

    #[test]
    fn batch_restarts_the_whole_call() {
        for code in [ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND] {
            assert_eq!(batch_restart(code.to_errno() as isize), code);
        }
        let block = ERESTART_RESTARTBLOCK.to_errno() as isize;
        assert_eq!(batch_restart(block), ERESTARTNOHAND);
        assert_eq!(batch_restart(0), EINTR);
    }
}
