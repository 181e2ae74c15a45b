// SPDX-License-Identifier: GPL-2.0

//! Secure computing mode.
//!
//! C header: [`include/linux/seccomp.h`](srctree/include/linux/seccomp.h)

use crate::task::Task;

/// Returns whether the current task runs under seccomp, in strict or in filter mode.
///
/// Code that runs system calls on a task's behalf without going through the system call entry
/// path bypasses its seccomp filter, and must refuse to do so when this returns `true`.
pub fn current_is_confined() -> bool {
    // SAFETY: `current_raw()` returns the current task, which stays valid while it runs this
    // code. The mode is only written by the task itself or by a `TSYNC` filter install under
    // its sighand lock; a racy read sees the old or the new mode.
    let mode = unsafe { bindings::task_seccomp_mode(Task::current_raw()) };
    mode != bindings::SECCOMP_MODE_DISABLED as i32
}
