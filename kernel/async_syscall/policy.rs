// SPDX-License-Identifier: GPL-2.0

//! Which system calls async_submit(2) runs, and with which arguments.
//!
//! An entry runs in the submitting thread ([`Mode::Batch`]) or on a worker thread of the process,
//! cloned from the submitting thread ([`Mode::Async`]). A worker shares the submitter's memory, fd
//! table, fs context (root, cwd, umask), signal handlers, namespaces, credentials, cgroup and
//! seccomp filter, but it is another thread: what a system call does to *the calling thread* it
//! would do to the worker, where it would not reach the submitter and would stay for the entries
//! the worker runs later. The contract is that an entry behaves exactly as if the submitting
//! thread had made its call, or is refused with `EOPNOTSUPP` before anything runs. [`CLASSES`]
//! therefore puts every number of the x86_64 table in one of three classes:
//!
//! - runs: the call acts on what the threads of the process share, or only reports which thread or
//!   CPU runs the entry (`gettid` gives a worker's id in asynchronous mode, as `getcpu`,
//!   `getrusage(RUSAGE_THREAD)` and the calling thread's CPU clock describe the worker);
//! - refused, whatever the arguments: the call never returns (`exit`, `execve`), creates a task
//!   from the caller's user registers (`clone`), uses the caller's user registers, signal frame or
//!   restart state (`rt_sigreturn`, `restart_syscall`, `uprobe`), sets the calling thread's own
//!   user state (`arch_prctl`, `sigaltstack`, `rseq`, `pkey_alloc`), its signal mask or pending
//!   signals (`rt_sigprocmask`, `rt_sigsuspend`), its credentials, namespaces, keyrings or
//!   confinement (`setresuid`, `setns`, `keyctl`, `seccomp`), makes it a tracer (`ptrace`) or the
//!   owner of an io_uring task context, sets its memory policy, may end it (`reboot`), or recurses
//!   (`async_submit`);
//! - checked: refused for some arguments only, by a [`Check`] of the six arguments and the mode:
//!   a pid of 0 that names the calling thread (`sched_setaffinity`), a `prctl()` option that is not
//!   one of those on process-wide state or on state a worker shares, `CLOSE_RANGE_UNSHARE`, a
//!   KVM or KCOV ioctl, an execute-only `mmap()`/`mprotect()` (it sets the caller's PKRU).
//!
//! A refusal does not depend on the mode, so that whether a submission is accepted seldom does,
//! except for the calls that would make a worker the owner of what the submitter should own: a PI
//! futex, `SEM_UNDO` adjustments (workers are not cloned with `CLONE_SYSVSEM`), children waited for
//! with `__WNOTHREAD`, a timer on the calling thread's CPU clock, a binder thread, the `SIGIO`
//! ownership of a file (leases, dnotify, `O_ASYNC`). They are refused in asynchronous mode only;
//! in batch mode the submitting thread makes them itself.
//!
//! `ppoll`, `pselect6`, `epoll_pwait`, `epoll_pwait2` and `io_pgetevents` run with the signal mask
//! they are given: a worker puts its own mask back after the entry.
//!
//! Arguments are checked as the system call sees them: an `int` argument is the low 32 bits of its
//! register, as `SYSCALL_DEFINE` casts it, so `prctl((1 << 32) | PR_SET_NAME, ...)` is refused.
//!
//! A number that no line of [`CLASSES`] names, such as one added to the system call table later,
//! is refused until it is classified. The numbers from `uprobe` + 1 to `pidfd_send_signal` - 1
//! name no system call; they run, and return `-ENOSYS` as they would from user space, like the
//! named entries that have no entry point (`uselib`, `vserver`, ...).
//!
//! No number can catch what is done through a file: a write under `/proc/thread-self/` acts on
//! the thread that runs the entry. Nor is it worth refusing the signals a thread may queue only
//! to itself (`rt_sigqueueinfo()` and friends with an `si_code` reserved to the kernel): on a
//! worker they fail with `EPERM`.
//!
//! The table is the 64-bit x86 one; an architecture that selects `ARCH_HAS_SYSCALL_INVOKE` must
//! provide its own.

use kernel::{
    ioctl,
    prelude::*,
    syscall::{
        self,
        Args, //
    },
    uapi, //
};

use Class::{
    Checked,
    Refused,
    Runs, //
};

/// Where an entry runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// In the submitting thread (`ASYNC_SUBMIT_BATCH`).
    Batch,
    /// On a worker thread of the process, cloned from the submitting thread.
    Async,
}

/// How [`CLASSES`] classifies a system call.
#[derive(Clone, Copy)]
enum Class {
    /// Runs as it would for the submitting thread.
    Runs,
    /// Refused whatever its arguments, for the reason given.
    Refused(&'static str),
    /// Refused, for the reason [`Check::reason`] gives, when the check refuses its arguments.
    Checked(Check),
}

// Reasons shared by several lines of the table.
const NEW_TASK: &str = "creates a task from the calling thread's user registers";
const UPROBE: &str = "rewrites the calling thread's user registers";
const TLS: &str = "the calling thread's TLS descriptors (no entry point on x86_64)";
const CREDENTIALS: &str = "changes the calling thread's credentials";
const CONFINES: &str = "confines the calling thread";
const KEYRINGS: &str = "can install keyrings in the calling thread's credentials";
const IO_URING: &str = "binds io_uring task context to the calling thread";

/// The class of every system call of the x86_64 table, in the order of the table.
///
/// Each number is listed once; [`verdicts`] fails the build otherwise.
const CLASSES: [(u32, Class); 387] = [
    (uapi::__NR_read, Runs),
    (uapi::__NR_write, Runs),
    (uapi::__NR_open, Runs),
    (uapi::__NR_close, Runs),
    (uapi::__NR_stat, Runs),
    (uapi::__NR_fstat, Runs),
    (uapi::__NR_lstat, Runs),
    (uapi::__NR_poll, Runs),
    (uapi::__NR_lseek, Runs),
    (uapi::__NR_mmap, Checked(Check::ExecOnlyMmap)),
    (uapi::__NR_mprotect, Checked(Check::ExecOnlyMprotect)),
    (uapi::__NR_munmap, Runs),
    (uapi::__NR_brk, Runs),
    (uapi::__NR_rt_sigaction, Runs), // Handlers are per process.
    (
        uapi::__NR_rt_sigprocmask,
        Refused("changes the calling thread's signal mask"),
    ),
    (
        uapi::__NR_rt_sigreturn,
        Refused("loads the user registers from the calling thread's signal frame"),
    ),
    (uapi::__NR_ioctl, Checked(Check::Ioctl)),
    (uapi::__NR_pread64, Runs),
    (uapi::__NR_pwrite64, Runs),
    (uapi::__NR_readv, Runs),
    (uapi::__NR_writev, Runs),
    (uapi::__NR_access, Runs),
    (uapi::__NR_pipe, Runs),
    (uapi::__NR_select, Runs),
    (uapi::__NR_sched_yield, Runs),
    (uapi::__NR_mremap, Runs),
    (uapi::__NR_msync, Runs),
    (uapi::__NR_mincore, Runs),
    (uapi::__NR_madvise, Runs),
    (uapi::__NR_shmget, Runs),
    (uapi::__NR_shmat, Runs),
    (uapi::__NR_shmctl, Runs),
    (uapi::__NR_dup, Runs),
    (uapi::__NR_dup2, Runs),
    (
        uapi::__NR_pause,
        Refused("waits for a signal handled by the calling thread"),
    ),
    (uapi::__NR_nanosleep, Runs),
    (uapi::__NR_getitimer, Runs),
    (uapi::__NR_alarm, Runs),     // Interval timers are per process.
    (uapi::__NR_setitimer, Runs), // Interval timers are per process.
    (uapi::__NR_getpid, Runs),
    (uapi::__NR_sendfile, Runs),
    (uapi::__NR_socket, Runs),
    (uapi::__NR_connect, Runs),
    (uapi::__NR_accept, Runs),
    (uapi::__NR_sendto, Runs),
    (uapi::__NR_recvfrom, Runs),
    (uapi::__NR_sendmsg, Runs),
    (uapi::__NR_recvmsg, Runs),
    (uapi::__NR_shutdown, Runs),
    (uapi::__NR_bind, Runs),
    (uapi::__NR_listen, Runs),
    (uapi::__NR_getsockname, Runs),
    (uapi::__NR_getpeername, Runs),
    (uapi::__NR_socketpair, Runs),
    (uapi::__NR_setsockopt, Runs),
    (uapi::__NR_getsockopt, Runs),
    (uapi::__NR_clone, Refused(NEW_TASK)),
    (uapi::__NR_fork, Refused(NEW_TASK)),
    (uapi::__NR_vfork, Refused(NEW_TASK)),
    (
        uapi::__NR_execve,
        Refused("replaces the program: returns only on failure"),
    ),
    (
        uapi::__NR_exit,
        Refused("never returns: ends the calling thread"),
    ),
    (uapi::__NR_wait4, Checked(Check::Wait4NoThread)),
    (uapi::__NR_kill, Runs), // Signals to a process or a thread id.
    (uapi::__NR_uname, Runs),
    (uapi::__NR_semget, Runs),
    (uapi::__NR_semop, Checked(Check::SemUndo)),
    (uapi::__NR_semctl, Runs),
    (uapi::__NR_shmdt, Runs),
    (uapi::__NR_msgget, Runs),
    (uapi::__NR_msgsnd, Runs),
    (uapi::__NR_msgrcv, Runs),
    (uapi::__NR_msgctl, Runs),
    (uapi::__NR_fcntl, Checked(Check::Fcntl)),
    (uapi::__NR_flock, Runs),
    (uapi::__NR_fsync, Runs),
    (uapi::__NR_fdatasync, Runs),
    (uapi::__NR_truncate, Runs),
    (uapi::__NR_ftruncate, Runs),
    (uapi::__NR_getdents, Runs),
    (uapi::__NR_getcwd, Runs),
    (uapi::__NR_chdir, Runs),  // The fs context is shared.
    (uapi::__NR_fchdir, Runs), // The fs context is shared.
    (uapi::__NR_rename, Runs),
    (uapi::__NR_mkdir, Runs),
    (uapi::__NR_rmdir, Runs),
    (uapi::__NR_creat, Runs),
    (uapi::__NR_link, Runs),
    (uapi::__NR_unlink, Runs),
    (uapi::__NR_symlink, Runs),
    (uapi::__NR_readlink, Runs),
    (uapi::__NR_chmod, Runs),
    (uapi::__NR_fchmod, Runs),
    (uapi::__NR_chown, Runs),
    (uapi::__NR_fchown, Runs),
    (uapi::__NR_lchown, Runs),
    (uapi::__NR_umask, Runs), // The fs context is shared.
    (uapi::__NR_gettimeofday, Runs),
    (uapi::__NR_getrlimit, Runs),
    (uapi::__NR_getrusage, Runs), // RUSAGE_THREAD: the thread that runs the entry.
    (uapi::__NR_sysinfo, Runs),
    (uapi::__NR_times, Runs),
    (
        uapi::__NR_ptrace,
        Refused("makes the calling thread a tracer or a tracee"),
    ),
    (uapi::__NR_getuid, Runs),
    (uapi::__NR_syslog, Runs),
    (uapi::__NR_getgid, Runs),
    (uapi::__NR_setuid, Refused(CREDENTIALS)),
    (uapi::__NR_setgid, Refused(CREDENTIALS)),
    (uapi::__NR_geteuid, Runs),
    (uapi::__NR_getegid, Runs),
    (uapi::__NR_setpgid, Runs), // Acts on the thread group leader.
    (uapi::__NR_getppid, Runs),
    (uapi::__NR_getpgrp, Runs),
    (uapi::__NR_setsid, Runs), // Acts on the thread group leader.
    (uapi::__NR_setreuid, Refused(CREDENTIALS)),
    (uapi::__NR_setregid, Refused(CREDENTIALS)),
    (uapi::__NR_getgroups, Runs),
    (uapi::__NR_setgroups, Refused(CREDENTIALS)),
    (uapi::__NR_setresuid, Refused(CREDENTIALS)),
    (uapi::__NR_getresuid, Runs),
    (uapi::__NR_setresgid, Refused(CREDENTIALS)),
    (uapi::__NR_getresgid, Runs),
    (uapi::__NR_getpgid, Runs),
    (uapi::__NR_setfsuid, Refused(CREDENTIALS)),
    (uapi::__NR_setfsgid, Refused(CREDENTIALS)),
    (uapi::__NR_getsid, Runs),
    (uapi::__NR_capget, Runs),
    (uapi::__NR_capset, Refused(CREDENTIALS)),
    (
        uapi::__NR_rt_sigpending,
        Refused("reads the signals pending for the calling thread"),
    ),
    (
        uapi::__NR_rt_sigtimedwait,
        Refused("takes signals pending for the calling thread"),
    ),
    (uapi::__NR_rt_sigqueueinfo, Runs),
    (
        uapi::__NR_rt_sigsuspend,
        Refused("waits with a temporary signal mask for the calling thread"),
    ),
    (
        uapi::__NR_sigaltstack,
        Refused("sets the calling thread's alternate signal stack"),
    ),
    (uapi::__NR_utime, Runs),
    (uapi::__NR_mknod, Runs),
    (uapi::__NR_uselib, Runs), // No entry point: -ENOSYS.
    (
        uapi::__NR_personality,
        Refused("sets the calling thread's personality"),
    ),
    (uapi::__NR_ustat, Runs),
    (uapi::__NR_statfs, Runs),
    (uapi::__NR_fstatfs, Runs),
    (uapi::__NR_sysfs, Runs),
    (uapi::__NR_getpriority, Runs), // Worker and submitter share it.
    (uapi::__NR_setpriority, Checked(Check::SetPriority)),
    (uapi::__NR_sched_setparam, Checked(Check::CallingThread)),
    (uapi::__NR_sched_getparam, Runs), // Worker and submitter share it.
    (uapi::__NR_sched_setscheduler, Checked(Check::CallingThread)),
    (uapi::__NR_sched_getscheduler, Runs), // Worker and submitter share it.
    (uapi::__NR_sched_get_priority_max, Runs),
    (uapi::__NR_sched_get_priority_min, Runs),
    (uapi::__NR_sched_rr_get_interval, Runs),
    (uapi::__NR_mlock, Runs),
    (uapi::__NR_munlock, Runs),
    (uapi::__NR_mlockall, Runs),
    (uapi::__NR_munlockall, Runs),
    (uapi::__NR_vhangup, Runs),
    (uapi::__NR_modify_ldt, Runs), // The LDT is per mm.
    (uapi::__NR_pivot_root, Runs), // The fs context is shared.
    (uapi::__NR__sysctl, Runs),    // No entry point: -ENOSYS.
    (uapi::__NR_prctl, Checked(Check::Prctl)),
    (
        uapi::__NR_arch_prctl,
        Refused("the calling thread's FS/GS base, CPUID faulting, xstate, shadow stack"),
    ),
    (uapi::__NR_adjtimex, Runs),
    (uapi::__NR_setrlimit, Runs), // Limits are per process.
    (uapi::__NR_chroot, Runs),    // The fs context is shared.
    (uapi::__NR_sync, Runs),
    (uapi::__NR_acct, Runs),
    (uapi::__NR_settimeofday, Runs),
    (uapi::__NR_mount, Runs),
    (uapi::__NR_umount2, Runs),
    (uapi::__NR_swapon, Runs),
    (uapi::__NR_swapoff, Runs),
    (
        uapi::__NR_reboot,
        Refused("may end the calling thread with do_exit() (halt, child pid namespace)"),
    ),
    (uapi::__NR_sethostname, Runs),
    (uapi::__NR_setdomainname, Runs),
    (
        uapi::__NR_iopl,
        Refused("sets the calling thread's I/O privilege level"),
    ),
    (
        uapi::__NR_ioperm,
        Refused("sets the calling thread's I/O port bitmap"),
    ),
    (uapi::__NR_create_module, Runs), // No entry point: -ENOSYS.
    (uapi::__NR_init_module, Runs),
    (uapi::__NR_delete_module, Runs),
    (uapi::__NR_get_kernel_syms, Runs), // No entry point: -ENOSYS.
    (uapi::__NR_query_module, Runs),    // No entry point: -ENOSYS.
    (uapi::__NR_quotactl, Runs),
    (uapi::__NR_nfsservctl, Runs),  // No entry point: -ENOSYS.
    (uapi::__NR_getpmsg, Runs),     // No entry point: -ENOSYS.
    (uapi::__NR_putpmsg, Runs),     // No entry point: -ENOSYS.
    (uapi::__NR_afs_syscall, Runs), // No entry point: -ENOSYS.
    (uapi::__NR_tuxcall, Runs),     // No entry point: -ENOSYS.
    (uapi::__NR_security, Runs),    // No entry point: -ENOSYS.
    (uapi::__NR_gettid, Runs),      // The thread that runs the entry.
    (uapi::__NR_readahead, Runs),
    (uapi::__NR_setxattr, Runs),
    (uapi::__NR_lsetxattr, Runs),
    (uapi::__NR_fsetxattr, Runs),
    (uapi::__NR_getxattr, Runs),
    (uapi::__NR_lgetxattr, Runs),
    (uapi::__NR_fgetxattr, Runs),
    (uapi::__NR_listxattr, Runs),
    (uapi::__NR_llistxattr, Runs),
    (uapi::__NR_flistxattr, Runs),
    (uapi::__NR_removexattr, Runs),
    (uapi::__NR_lremovexattr, Runs),
    (uapi::__NR_fremovexattr, Runs),
    (uapi::__NR_tkill, Runs),
    (uapi::__NR_time, Runs),
    (uapi::__NR_futex, Checked(Check::FutexPi)),
    (uapi::__NR_sched_setaffinity, Checked(Check::CallingThread)),
    (uapi::__NR_sched_getaffinity, Runs), // Worker and submitter share it.
    (uapi::__NR_set_thread_area, Refused(TLS)),
    (uapi::__NR_io_setup, Runs),
    (uapi::__NR_io_destroy, Runs),
    (uapi::__NR_io_getevents, Runs),
    (uapi::__NR_io_submit, Runs),
    (uapi::__NR_io_cancel, Runs),
    (uapi::__NR_get_thread_area, Refused(TLS)),
    (uapi::__NR_lookup_dcookie, Runs), // No entry point: -ENOSYS.
    (uapi::__NR_epoll_create, Runs),
    (uapi::__NR_epoll_ctl_old, Runs),  // No entry point: -ENOSYS.
    (uapi::__NR_epoll_wait_old, Runs), // No entry point: -ENOSYS.
    (uapi::__NR_remap_file_pages, Runs),
    (uapi::__NR_getdents64, Runs),
    (
        uapi::__NR_set_tid_address,
        Refused("sets the calling thread's clear_child_tid address"),
    ),
    (
        uapi::__NR_restart_syscall,
        Refused("resumes the calling thread's interrupted system call"),
    ),
    (uapi::__NR_semtimedop, Checked(Check::SemUndo)),
    (uapi::__NR_fadvise64, Runs),
    (uapi::__NR_timer_create, Checked(Check::ThreadCpuTimer)),
    (uapi::__NR_timer_settime, Runs),
    (uapi::__NR_timer_gettime, Runs),
    (uapi::__NR_timer_getoverrun, Runs),
    (uapi::__NR_timer_delete, Runs),
    (uapi::__NR_clock_settime, Runs),
    (uapi::__NR_clock_gettime, Runs), // Thread CPU clock: the thread that runs the entry.
    (uapi::__NR_clock_getres, Runs),
    (uapi::__NR_clock_nanosleep, Runs),
    (
        uapi::__NR_exit_group,
        Refused("never returns: ends the process"),
    ),
    (uapi::__NR_epoll_wait, Runs),
    (uapi::__NR_epoll_ctl, Runs),
    (uapi::__NR_tgkill, Runs),
    (uapi::__NR_utimes, Runs),
    (uapi::__NR_vserver, Runs), // No entry point: -ENOSYS.
    (uapi::__NR_mbind, Runs),
    (
        uapi::__NR_set_mempolicy,
        Refused("sets the calling thread's memory policy"),
    ),
    (uapi::__NR_get_mempolicy, Runs), // Worker and submitter share it.
    (uapi::__NR_mq_open, Runs),
    (uapi::__NR_mq_unlink, Runs),
    (uapi::__NR_mq_timedsend, Runs),
    (uapi::__NR_mq_timedreceive, Runs),
    (uapi::__NR_mq_notify, Runs),
    (uapi::__NR_mq_getsetattr, Runs),
    (uapi::__NR_kexec_load, Runs),
    (uapi::__NR_waitid, Checked(Check::WaitidNoThread)),
    (uapi::__NR_add_key, Refused(KEYRINGS)),
    (uapi::__NR_request_key, Refused(KEYRINGS)),
    (uapi::__NR_keyctl, Refused(KEYRINGS)),
    (uapi::__NR_ioprio_set, Checked(Check::IoprioSet)),
    (uapi::__NR_ioprio_get, Runs), // Worker and submitter share it.
    (uapi::__NR_inotify_init, Runs),
    (uapi::__NR_inotify_add_watch, Runs),
    (uapi::__NR_inotify_rm_watch, Runs),
    (uapi::__NR_migrate_pages, Runs),
    (uapi::__NR_openat, Runs),
    (uapi::__NR_mkdirat, Runs),
    (uapi::__NR_mknodat, Runs),
    (uapi::__NR_fchownat, Runs),
    (uapi::__NR_futimesat, Runs),
    (uapi::__NR_newfstatat, Runs),
    (uapi::__NR_unlinkat, Runs),
    (uapi::__NR_renameat, Runs),
    (uapi::__NR_linkat, Runs),
    (uapi::__NR_symlinkat, Runs),
    (uapi::__NR_readlinkat, Runs),
    (uapi::__NR_fchmodat, Runs),
    (uapi::__NR_faccessat, Runs),
    (uapi::__NR_pselect6, Runs), // A worker puts its mask back.
    (uapi::__NR_ppoll, Runs),    // A worker puts its mask back.
    (
        uapi::__NR_unshare,
        Refused("gives the calling thread its own files, fs context or namespaces"),
    ),
    (
        uapi::__NR_set_robust_list,
        Refused("sets the calling thread's robust futex list"),
    ),
    (uapi::__NR_get_robust_list, Checked(Check::CallingThread)),
    (uapi::__NR_splice, Runs),
    (uapi::__NR_tee, Runs),
    (uapi::__NR_sync_file_range, Runs),
    (uapi::__NR_vmsplice, Runs),
    (uapi::__NR_move_pages, Runs),
    (uapi::__NR_utimensat, Runs),
    (uapi::__NR_epoll_pwait, Runs), // A worker puts its mask back.
    (uapi::__NR_signalfd, Runs),
    (uapi::__NR_timerfd_create, Runs),
    (uapi::__NR_eventfd, Runs),
    (uapi::__NR_fallocate, Runs),
    (uapi::__NR_timerfd_settime, Runs),
    (uapi::__NR_timerfd_gettime, Runs),
    (uapi::__NR_accept4, Runs),
    (uapi::__NR_signalfd4, Runs),
    (uapi::__NR_eventfd2, Runs),
    (uapi::__NR_epoll_create1, Runs),
    (uapi::__NR_dup3, Runs),
    (uapi::__NR_pipe2, Runs),
    (uapi::__NR_inotify_init1, Runs),
    (uapi::__NR_preadv, Runs),
    (uapi::__NR_pwritev, Runs),
    (uapi::__NR_rt_tgsigqueueinfo, Runs),
    (uapi::__NR_perf_event_open, Checked(Check::PerfEventOpen)),
    (uapi::__NR_recvmmsg, Runs),
    (uapi::__NR_fanotify_init, Runs),
    (uapi::__NR_fanotify_mark, Runs),
    (uapi::__NR_prlimit64, Runs), // Limits are per process.
    (uapi::__NR_name_to_handle_at, Runs),
    (uapi::__NR_open_by_handle_at, Runs),
    (uapi::__NR_clock_adjtime, Runs),
    (uapi::__NR_syncfs, Runs),
    (uapi::__NR_sendmmsg, Runs),
    (
        uapi::__NR_setns,
        Refused("moves the calling thread into other namespaces"),
    ),
    (uapi::__NR_getcpu, Runs), // The CPU that runs the entry.
    (uapi::__NR_process_vm_readv, Runs),
    (uapi::__NR_process_vm_writev, Runs),
    (uapi::__NR_kcmp, Runs),
    (uapi::__NR_finit_module, Runs),
    (uapi::__NR_sched_setattr, Checked(Check::CallingThread)),
    (uapi::__NR_sched_getattr, Runs), // Worker and submitter share it.
    (uapi::__NR_renameat2, Runs),
    (uapi::__NR_seccomp, Refused(CONFINES)),
    (uapi::__NR_getrandom, Runs),
    (uapi::__NR_memfd_create, Runs),
    (uapi::__NR_kexec_file_load, Runs),
    (uapi::__NR_bpf, Runs),
    (
        uapi::__NR_execveat,
        Refused("replaces the program: returns only on failure"),
    ),
    (uapi::__NR_userfaultfd, Runs),
    (uapi::__NR_membarrier, Runs),
    (uapi::__NR_mlock2, Runs),
    (uapi::__NR_copy_file_range, Runs),
    (uapi::__NR_preadv2, Runs),
    (uapi::__NR_pwritev2, Runs),
    (uapi::__NR_pkey_mprotect, Checked(Check::ExecOnlyPkey)),
    (
        uapi::__NR_pkey_alloc,
        Refused("sets the new key's rights in the calling thread's PKRU"),
    ),
    (uapi::__NR_pkey_free, Runs),
    (uapi::__NR_statx, Runs),
    (uapi::__NR_io_pgetevents, Runs), // A worker puts its mask back.
    (
        uapi::__NR_rseq,
        Refused("registers restartable sequences for the calling thread"),
    ),
    (uapi::__NR_uretprobe, Refused(UPROBE)),
    (uapi::__NR_uprobe, Refused(UPROBE)),
    // No system call from here to `pidfd_send_signal`: see `NO_SYSCALL_FIRST`.
    (uapi::__NR_pidfd_send_signal, Runs),
    (uapi::__NR_io_uring_setup, Refused(IO_URING)),
    (uapi::__NR_io_uring_enter, Refused(IO_URING)),
    (uapi::__NR_io_uring_register, Refused(IO_URING)),
    (uapi::__NR_open_tree, Runs),
    (uapi::__NR_move_mount, Runs),
    (uapi::__NR_fsopen, Runs),
    (uapi::__NR_fsconfig, Runs),
    (uapi::__NR_fsmount, Runs),
    (uapi::__NR_fspick, Runs),
    (uapi::__NR_pidfd_open, Runs),
    (uapi::__NR_clone3, Refused(NEW_TASK)),
    (uapi::__NR_close_range, Checked(Check::CloseRangeUnshare)),
    (uapi::__NR_openat2, Runs),
    (uapi::__NR_pidfd_getfd, Runs),
    (uapi::__NR_faccessat2, Runs),
    (uapi::__NR_process_madvise, Runs),
    (uapi::__NR_epoll_pwait2, Runs), // A worker puts its mask back.
    (uapi::__NR_mount_setattr, Runs),
    (uapi::__NR_quotactl_fd, Runs),
    (uapi::__NR_landlock_create_ruleset, Runs),
    (uapi::__NR_landlock_add_rule, Runs),
    (uapi::__NR_landlock_restrict_self, Refused(CONFINES)),
    (uapi::__NR_memfd_secret, Runs),
    (uapi::__NR_process_mrelease, Runs),
    (uapi::__NR_futex_waitv, Runs),
    (uapi::__NR_set_mempolicy_home_node, Runs),
    (uapi::__NR_cachestat, Runs),
    (uapi::__NR_fchmodat2, Runs),
    (uapi::__NR_map_shadow_stack, Runs),
    (uapi::__NR_futex_wake, Runs),
    (uapi::__NR_futex_wait, Runs),
    (uapi::__NR_futex_requeue, Runs),
    (uapi::__NR_statmount, Runs),
    (uapi::__NR_listmount, Runs),
    (uapi::__NR_lsm_get_self_attr, Runs),
    (
        uapi::__NR_lsm_set_self_attr,
        Refused("sets the calling thread's LSM attributes"),
    ),
    (uapi::__NR_lsm_list_modules, Runs),
    (uapi::__NR_mseal, Runs),
    (uapi::__NR_setxattrat, Runs),
    (uapi::__NR_getxattrat, Runs),
    (uapi::__NR_listxattrat, Runs),
    (uapi::__NR_removexattrat, Runs),
    (uapi::__NR_open_tree_attr, Runs),
    (uapi::__NR_file_getattr, Runs),
    (uapi::__NR_file_setattr, Runs),
    (uapi::__NR_listns, Runs),
    (
        uapi::__NR_rseq_slice_yield,
        Refused("ends the calling thread's rseq time slice extension"),
    ),
    (uapi::__NR_fchroot, Runs), // The fs context is shared.
    (uapi::__NR_async_submit, Refused("recursion")),
];

/// The first number between `uprobe` and `pidfd_send_signal`, which name no system call.
///
/// From 424 on, the numbers of the 64-bit x86 table are those of the other architectures; the
/// table skips the numbers between. They run: `sys_ni_syscall()` returns `-ENOSYS` for them, as it
/// does when user space calls one.
const NO_SYSCALL_FIRST: u32 = uapi::__NR_uprobe + 1;

/// The last number that names no system call before `pidfd_send_signal`.
const NO_SYSCALL_LAST: u32 = uapi::__NR_pidfd_send_signal - 1;

/// A test of the arguments of a system call, and of the mode, that refuses some of them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Check {
    /// `mmap()` with `PROT_EXEC` alone: the execute-only protection key is set up in the calling
    /// thread's PKRU (`execute_only_pkey()`).
    ExecOnlyMmap,
    /// `mprotect()` with `PROT_EXEC` alone, as for [`Check::ExecOnlyMmap`].
    ExecOnlyMprotect,
    /// `pkey_mprotect()` with `PROT_EXEC` alone and no key (-1), as for [`Check::ExecOnlyMmap`].
    ExecOnlyPkey,
    /// `ioctl()`: KVM commands (a user worker skips FPU switching, so `KVM_RUN` on one would run
    /// the guest with another task's FPU registers; the whole `KVMIO` type is refused, Nitro
    /// Enclaves' commands with it) and KCOV's enable and disable (coverage is collected for the
    /// calling thread, which alone may disable it); in asynchronous mode, binder commands (binder
    /// keeps a thread of its own for each calling thread, and a reply must come from the thread
    /// that took the transaction) and `FIOASYNC` (as for [`Check::Fcntl`]).
    Ioctl,
    /// `fcntl()` in asynchronous mode with `F_SETLEASE`, `F_SETDELEG`, `F_NOTIFY`, or `F_SETFL`
    /// with `O_ASYNC`: with no owner set yet, they make the calling thread the owner that `SIGIO`
    /// goes to (`task_pid(current)`), and none goes once the worker has exited.
    Fcntl,
    /// `wait4()` with `__WNOTHREAD` in asynchronous mode: only the worker's children.
    Wait4NoThread,
    /// `waitid()` with `__WNOTHREAD` in asynchronous mode: only the worker's children.
    WaitidNoThread,
    /// `semop()` and `semtimedop()` in asynchronous mode: a worker has an undo list of its own (it
    /// is not cloned with `CLONE_SYSVSEM`), so its `SEM_UNDO` adjustments would be undone when it
    /// exits. The check cannot see the flags, which are in user memory.
    SemUndo,
    /// `prctl()`: any option but those that act on process-wide state or only read state a worker
    /// shares with the submitter (see [`prctl_runs`]).
    Prctl,
    /// `futex()` with a PI operation in asynchronous mode: the worker would own the lock.
    FutexPi,
    /// A first argument that is a pid of 0, the calling thread: `sched_setparam()`,
    /// `sched_setscheduler()`, `sched_setaffinity()`, `sched_setattr()`, `get_robust_list()`.
    CallingThread,
    /// `setpriority(PRIO_PROCESS, 0, ...)`: the calling thread's nice value.
    SetPriority,
    /// `ioprio_set(IOPRIO_WHO_PROCESS, 0, ...)`: the calling thread's I/O priority.
    IoprioSet,
    /// `perf_event_open()` with pid 0 (and no `PERF_FLAG_PID_CGROUP`): counts the calling thread.
    PerfEventOpen,
    /// `timer_create()` on the calling thread's CPU clock in asynchronous mode: it would time the
    /// worker.
    ThreadCpuTimer,
    /// `close_range()` with `CLOSE_RANGE_UNSHARE`: gives the calling thread an fd table of its own.
    CloseRangeUnshare,
}

// UAPI values that the checks read, from headers that the UAPI bindings do not include.

/// `PROT_EXEC` of `include/uapi/asm-generic/mman-common.h`.
const PROT_EXEC: usize = 0x4;
/// `PROT_GROWSDOWN | PROT_GROWSUP` of `include/uapi/asm-generic/mman-common.h`.
const PROT_GROWS: usize = 0x0100_0000 | 0x0200_0000;

/// `KVMIO` of `include/uapi/linux/kvm.h`.
const KVMIO: u32 = 0xAE;
/// `KCOV_ENABLE` of `include/uapi/linux/kcov.h`.
const KCOV_ENABLE: u32 = ioctl::_IO('c' as u32, 100);
/// `KCOV_DISABLE` of `include/uapi/linux/kcov.h`.
const KCOV_DISABLE: u32 = ioctl::_IO('c' as u32, 101);
/// `KCOV_REMOTE_ENABLE` of `include/uapi/linux/kcov.h`: `struct kcov_remote_arg` is 24 bytes
/// (three `__u32` and an aligned `__u64`, then the flexible array).
const KCOV_REMOTE_ENABLE: u32 = ioctl::_IOW::<[u64; 3]>('c' as u32, 102);

/// `FIOASYNC` of `include/uapi/asm-generic/ioctls.h`.
const FIOASYNC: u32 = 0x5452;

/// `F_SETFL` of `include/uapi/asm-generic/fcntl.h`.
const F_SETFL: u32 = 4;
/// `O_ASYNC` (`FASYNC`) of `include/uapi/asm-generic/fcntl.h`.
const O_ASYNC: u32 = 1 << 13;
/// `F_SETLEASE` of `include/uapi/linux/fcntl.h`.
const F_SETLEASE: u32 = 1024;
/// `F_NOTIFY` of `include/uapi/linux/fcntl.h`.
const F_NOTIFY: u32 = 1024 + 2;
/// `F_SETDELEG` of `include/uapi/linux/fcntl.h`.
const F_SETDELEG: u32 = 1024 + 16;

/// `__WNOTHREAD` of `include/uapi/linux/wait.h`.
const WNOTHREAD: i32 = 0x2000_0000;

/// `PRIO_PROCESS` of `include/uapi/linux/resource.h`.
const PRIO_PROCESS: i32 = 0;
/// `IOPRIO_WHO_PROCESS` of `include/uapi/linux/ioprio.h`.
const IOPRIO_WHO_PROCESS: i32 = 1;
/// `PERF_FLAG_PID_CGROUP` of `include/uapi/linux/perf_event.h`.
const PERF_FLAG_PID_CGROUP: usize = 1 << 2;

/// `CLOCK_THREAD_CPUTIME_ID` of `include/uapi/linux/time.h`.
const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
/// `CPUCLOCK_PERTHREAD_MASK` of `include/linux/posix-timers_types.h` (the encoding of dynamic CPU
/// clock ids, which `clock_getcpuclockid()` builds in user space).
const CPUCLOCK_PERTHREAD_MASK: i32 = 4;

/// `CLOSE_RANGE_UNSHARE` of `include/uapi/linux/close_range.h`.
const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;

// `include/uapi/linux/futex.h`.
const FUTEX_LOCK_PI: u32 = 6;
const FUTEX_UNLOCK_PI: u32 = 7;
const FUTEX_TRYLOCK_PI: u32 = 8;
const FUTEX_WAIT_REQUEUE_PI: u32 = 11;
const FUTEX_CMP_REQUEUE_PI: u32 = 12;
const FUTEX_LOCK_PI2: u32 = 13;
const FUTEX_PRIVATE_FLAG: u32 = 128;
const FUTEX_CLOCK_REALTIME: u32 = 256;
const FUTEX_ROBUST_UNLOCK: u32 = 512;
const FUTEX_ROBUST_LIST32: u32 = 1024;
/// The operation without its flags, as `do_futex()` takes it.
const FUTEX_CMD_MASK: u32 =
    !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME | FUTEX_ROBUST_UNLOCK | FUTEX_ROBUST_LIST32);

// `include/uapi/linux/prctl.h`: the options that run.
const PR_GET_DUMPABLE: u32 = 3;
const PR_SET_DUMPABLE: u32 = 4;
const PR_GET_KEEPCAPS: u32 = 7;
const PR_GET_SECCOMP: u32 = 21;
const PR_CAPBSET_READ: u32 = 23;
const PR_GET_SECUREBITS: u32 = 27;
const PR_SET_MM: u32 = 35;
const PR_SET_CHILD_SUBREAPER: u32 = 36;
const PR_GET_CHILD_SUBREAPER: u32 = 37;
const PR_GET_NO_NEW_PRIVS: u32 = 39;
const PR_SET_THP_DISABLE: u32 = 41;
const PR_GET_THP_DISABLE: u32 = 42;
const PR_SET_MDWE: u32 = 65;
const PR_GET_MDWE: u32 = 66;
const PR_SET_MEMORY_MERGE: u32 = 67;
const PR_GET_MEMORY_MERGE: u32 = 68;
const PR_TIMER_CREATE_RESTORE_IDS: u32 = 77;
const PR_FUTEX_HASH: u32 = 78;
const PR_GET_AUXV: u32 = 0x4155_5856;
const PR_SET_VMA: u32 = 0x5356_4d41;
const PR_SET_PTRACER: u32 = 0x5961_6d61;

/// The value a system call sees in an argument it declares `int` (or `pid_t`, `clockid_t`): the
/// low 32 bits of the register, as `SYSCALL_DEFINE` casts them.
const fn int_arg(arg: usize) -> i32 {
    arg as i32
}

/// The value a system call sees in an argument it declares `unsigned int`.
const fn uint_arg(arg: usize) -> u32 {
    arg as u32
}

/// Whether `prctl()` option `option` runs.
///
/// The options that run act on process-wide state (the mm, the signal struct, the group leader)
/// or only read state that a worker shares with the submitter (its credentials, `no_new_privs`,
/// seccomp mode). Every other option is refused, among them those that set or read the calling
/// thread's own state: `PR_SET_NAME`, `PR_SET_PDEATHSIG`, `PR_SET_TIMERSLACK`, `PR_SET_TSC`,
/// `PR_SET_SECCOMP`, `PR_SET_NO_NEW_PRIVS`, `PR_SET_KEEPCAPS`, `PR_SET_SECUREBITS`,
/// `PR_CAPBSET_DROP`, `PR_CAP_AMBIENT`, `PR_SET_SYSCALL_USER_DISPATCH`, `PR_SET_IO_FLUSHER`,
/// `PR_SET_SPECULATION_CTRL`, `PR_TASK_PERF_EVENTS_*`, `PR_MCE_KILL`, `PR_SCHED_CORE`, the shadow
/// stack and rseq options, and options this table does not know.
const fn prctl_runs(option: u32) -> bool {
    matches!(
        option,
        PR_GET_DUMPABLE
            | PR_SET_DUMPABLE
            | PR_GET_KEEPCAPS
            | PR_GET_SECCOMP
            | PR_CAPBSET_READ
            | PR_GET_SECUREBITS
            | PR_SET_MM
            | PR_SET_CHILD_SUBREAPER
            | PR_GET_CHILD_SUBREAPER
            | PR_GET_NO_NEW_PRIVS
            | PR_SET_THP_DISABLE
            | PR_GET_THP_DISABLE
            | PR_SET_MDWE
            | PR_GET_MDWE
            | PR_SET_MEMORY_MERGE
            | PR_GET_MEMORY_MERGE
            | PR_TIMER_CREATE_RESTORE_IDS
            | PR_FUTEX_HASH
            | PR_GET_AUXV
            | PR_SET_VMA
            | PR_SET_PTRACER
    )
}

/// Whether `futex()` operation `op` is a PI one, whose caller owns the lock or waits to own it.
const fn futex_is_pi(op: u32) -> bool {
    matches!(
        op & FUTEX_CMD_MASK,
        FUTEX_LOCK_PI
            | FUTEX_LOCK_PI2
            | FUTEX_TRYLOCK_PI
            | FUTEX_UNLOCK_PI
            | FUTEX_WAIT_REQUEUE_PI
            | FUTEX_CMP_REQUEUE_PI
    )
}

/// Whether `ioctl()` command `cmd` is refused; `async_mode` if the entry runs on a worker.
const fn ioctl_refuses(cmd: u32, async_mode: bool) -> bool {
    if ioctl::_IOC_TYPE(cmd) == KVMIO {
        return true;
    }
    match cmd {
        KCOV_ENABLE | KCOV_DISABLE | KCOV_REMOTE_ENABLE => true,
        uapi::BINDER_WRITE_READ
        | uapi::BINDER_SET_IDLE_TIMEOUT
        | uapi::BINDER_SET_MAX_THREADS
        | uapi::BINDER_SET_IDLE_PRIORITY
        | uapi::BINDER_SET_CONTEXT_MGR
        | uapi::BINDER_THREAD_EXIT
        | uapi::BINDER_VERSION
        | uapi::BINDER_GET_NODE_DEBUG_INFO
        | uapi::BINDER_GET_NODE_INFO_FOR_REF
        | uapi::BINDER_SET_CONTEXT_MGR_EXT
        | uapi::BINDER_FREEZE
        | uapi::BINDER_GET_FROZEN_INFO
        | uapi::BINDER_ENABLE_ONEWAY_SPAM_DETECTION
        | uapi::BINDER_GET_EXTENDED_ERROR
        | FIOASYNC => async_mode,
        _ => false,
    }
}

/// Whether `fcntl()` command `cmd` with argument `arg` (an `int` for `F_SETFL`) may make the
/// calling thread the owner of the file, to which `SIGIO` goes.
const fn fcntl_sets_owner(cmd: u32, arg: u32) -> bool {
    match cmd {
        F_SETLEASE | F_SETDELEG | F_NOTIFY => true,
        F_SETFL => (arg & O_ASYNC) != 0,
        _ => false,
    }
}

/// Whether `clock` is the calling thread's CPU-time clock: `CLOCK_THREAD_CPUTIME_ID`, or the
/// dynamic per-thread CPU clock of thread id 0 (`MAKE_THREAD_CPUCLOCK(0, ...)`).
const fn is_calling_thread_cpu_clock(clock: i32) -> bool {
    clock == CLOCK_THREAD_CPUTIME_ID
        || (clock < 0 && (clock & CPUCLOCK_PERTHREAD_MASK) != 0 && (clock >> 3) == -1)
}

impl Check {
    /// Why the arguments that the check refuses are refused.
    const fn reason(self) -> &'static str {
        match self {
            Check::ExecOnlyMmap | Check::ExecOnlyMprotect | Check::ExecOnlyPkey => {
                "PROT_EXEC alone sets up a key in the calling thread's PKRU"
            }
            Check::Ioctl => "KVM and KCOV commands; binder and FIOASYNC on a worker",
            Check::Fcntl => "leases, dnotify and O_ASYNC on a worker: SIGIO would go to it",
            Check::Wait4NoThread | Check::WaitidNoThread => {
                "__WNOTHREAD on a worker waits for the worker's children only"
            }
            Check::SemUndo => "SEM_UNDO adjustments on a worker would be the worker's",
            Check::Prctl => "options that act on the calling thread",
            Check::FutexPi => "PI operations on a worker: the worker would own the lock",
            Check::CallingThread => "pid 0: the calling thread's scheduling or robust list",
            Check::SetPriority => "PRIO_PROCESS, who 0: the calling thread's nice value",
            Check::IoprioSet => "IOPRIO_WHO_PROCESS, who 0: the calling thread's I/O priority",
            Check::PerfEventOpen => "pid 0: counts the calling thread",
            Check::ThreadCpuTimer => "a timer on the calling thread's CPU clock, on a worker",
            Check::CloseRangeUnshare => "CLOSE_RANGE_UNSHARE: the calling thread's own fd table",
        }
    }

    /// Whether the check refuses `args` for an entry that runs in `mode`.
    const fn refuses(self, args: &Args, mode: Mode) -> bool {
        let async_mode = matches!(mode, Mode::Async);
        match self {
            Check::ExecOnlyMmap => args[2] == PROT_EXEC,
            Check::ExecOnlyMprotect => (args[2] & !PROT_GROWS) == PROT_EXEC,
            Check::ExecOnlyPkey => (args[2] & !PROT_GROWS) == PROT_EXEC && int_arg(args[3]) == -1,
            Check::Ioctl => ioctl_refuses(uint_arg(args[1]), async_mode),
            Check::Fcntl => async_mode && fcntl_sets_owner(uint_arg(args[1]), uint_arg(args[2])),
            Check::Wait4NoThread => async_mode && (int_arg(args[2]) & WNOTHREAD) != 0,
            Check::WaitidNoThread => async_mode && (int_arg(args[3]) & WNOTHREAD) != 0,
            Check::SemUndo => async_mode,
            Check::Prctl => !prctl_runs(uint_arg(args[0])),
            Check::FutexPi => async_mode && futex_is_pi(uint_arg(args[1])),
            Check::CallingThread => int_arg(args[0]) == 0,
            Check::SetPriority => int_arg(args[0]) == PRIO_PROCESS && int_arg(args[1]) == 0,
            Check::IoprioSet => int_arg(args[0]) == IOPRIO_WHO_PROCESS && int_arg(args[1]) == 0,
            Check::PerfEventOpen => int_arg(args[1]) == 0 && (args[4] & PERF_FLAG_PID_CGROUP) == 0,
            Check::ThreadCpuTimer => async_mode && is_calling_thread_cpu_clock(int_arg(args[0])),
            Check::CloseRangeUnshare => (uint_arg(args[2]) & CLOSE_RANGE_UNSHARE) != 0,
        }
    }
}

/// What the lookup table keeps of a class (the reasons stay in [`CLASSES`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Verdict {
    /// No line of [`CLASSES`] names the number: refused.
    Unclassified,
    /// [`Class::Runs`].
    Runs,
    /// [`Class::Refused`].
    Refused,
    /// [`Class::Checked`].
    Checked(Check),
}

impl Class {
    /// The verdict for a number of this class. Fails the build for a refusal without a reason.
    const fn verdict(self) -> Verdict {
        match self {
            Class::Runs => Verdict::Runs,
            Class::Refused(reason) => {
                assert!(!reason.is_empty(), "a refused system call needs a reason");
                Verdict::Refused
            }
            Class::Checked(check) => {
                assert!(
                    !check.reason().is_empty(),
                    "a checked system call needs a reason"
                );
                Verdict::Checked(check)
            }
        }
    }
}

/// The number of entries of the native system call table.
const NR: usize = syscall::NR_SYSCALLS as usize;

/// The length of [`VERDICTS`]: a power of two above [`NR`], so that its last entry is
/// [`Verdict::Unclassified`].
const TABLE_LEN: usize = (NR + 1).next_power_of_two();

/// Builds [`VERDICTS`] from [`CLASSES`] and the numbers that name no system call.
///
/// Fails the build if a number is listed twice or lies beyond the system call table.
const fn verdicts() -> [Verdict; TABLE_LEN] {
    let mut verdicts = [Verdict::Unclassified; TABLE_LEN];
    let mut i = 0;
    while i < CLASSES.len() {
        let (nr, class) = CLASSES[i];
        let index = nr as usize;
        assert!(index < NR, "a number beyond the system call table");
        assert!(
            matches!(verdicts[index], Verdict::Unclassified),
            "a system call listed twice"
        );
        verdicts[index] = class.verdict();
        i += 1;
    }
    let mut nr = NO_SYSCALL_FIRST;
    while nr <= NO_SYSCALL_LAST {
        let index = nr as usize;
        assert!(
            matches!(verdicts[index], Verdict::Unclassified),
            "a system call among the unused numbers"
        );
        verdicts[index] = Verdict::Runs;
        nr += 1;
    }
    verdicts
}

/// The verdict for each number; [`Verdict::Unclassified`] from [`NR`] on.
static VERDICTS: [Verdict; TABLE_LEN] = verdicts();

/// Looks up the verdict for `nr`, in constant time.
fn verdict(nr: u32) -> Verdict {
    // Clamped rather than compared and rejected: there is no branch to mispredict into a read
    // past the table, which `array_index_nospec()` prevents for the system call table itself. The
    // last entry is `Unclassified`, the verdict for every number from `NR` on.
    VERDICTS[(nr as usize).min(TABLE_LEN - 1)]
}

/// Checks system call `nr` with arguments `args` for an entry that runs in `mode`.
///
/// Returns `EOPNOTSUPP` if it is refused. `nr` is below [`syscall::NR_SYSCALLS`] (the caller
/// checked); a number at or above it is refused too.
pub(crate) fn check(nr: u32, args: &Args, mode: Mode) -> Result {
    match verdict(nr) {
        Verdict::Runs => Ok(()),
        Verdict::Checked(check) if !check.refuses(args, mode) => Ok(()),
        Verdict::Checked(_) | Verdict::Refused | Verdict::Unclassified => Err(EOPNOTSUPP),
    }
}

/// Returns whether system call `nr` is refused whatever its arguments (used at submission).
pub(crate) fn is_refused(nr: u32) -> bool {
    matches!(verdict(nr), Verdict::Refused | Verdict::Unclassified)
}

/// Returns whether the verdict for system call `nr` depends on its arguments or on the mode.
///
/// An entry with feeds gets some arguments only when it runs: it must then be checked again.
pub(crate) fn depends_on_args(nr: u32) -> bool {
    matches!(verdict(nr), Verdict::Checked(_))
}

#[kunit_tests(async_syscall_policy)]
mod tests {
    use super::*;

    const NO_ARGS: Args = [0; 6];

    /// The six arguments: `first`, then zeros.
    fn six(first: &[usize]) -> Args {
        let mut all = NO_ARGS;
        for (slot, arg) in all.iter_mut().zip(first) {
            *slot = *arg;
        }
        all
    }

    /// Whether an entry for `nr` with `args` runs in `mode`.
    fn runs(nr: u32, args: &[usize], mode: Mode) -> bool {
        check(nr, &six(args), mode).is_ok()
    }

    /// Whether an entry for `nr` with `args` runs in both modes.
    fn runs_in_both(nr: u32, args: &[usize]) -> bool {
        runs(nr, args, Mode::Batch) && runs(nr, args, Mode::Async)
    }

    /// Whether an entry for `nr` with `args` is refused in both modes.
    fn refused_in_both(nr: u32, args: &[usize]) -> bool {
        !runs(nr, args, Mode::Batch) && !runs(nr, args, Mode::Async)
    }

    #[test]
    fn every_number_is_classified() {
        for nr in 0..syscall::NR_SYSCALLS {
            assert!(verdict(nr) != Verdict::Unclassified);
        }
    }

    #[test]
    fn no_number_is_listed_twice() {
        let classes: &'static [(u32, Class)] = &CLASSES;
        let mut seen = [false; NR];
        for &(nr, class) in classes {
            let index = nr as usize;
            assert!(index < NR);
            assert!(!seen[index]);
            seen[index] = true;
            assert_eq!(verdict(nr), class.verdict());
        }
        for nr in NO_SYSCALL_FIRST..=NO_SYSCALL_LAST {
            let index = nr as usize;
            assert!(!seen[index]);
            seen[index] = true;
        }
        assert!(seen.iter().all(|&listed| listed));
    }

    #[test]
    fn every_refusal_has_a_reason() {
        let classes: &'static [(u32, Class)] = &CLASSES;
        for &(_, class) in classes {
            match class {
                Runs => {}
                Refused(reason) => assert!(!reason.is_empty()),
                Checked(check) => assert!(!check.reason().is_empty()),
            }
        }
    }

    #[test]
    fn numbers_past_the_table_are_refused() {
        for nr in [
            syscall::NR_SYSCALLS,
            syscall::NR_SYSCALLS + 1,
            512,
            u32::MAX,
        ] {
            assert!(is_refused(nr));
            assert!(!depends_on_args(nr));
            assert_eq!(check(nr, &NO_ARGS, Mode::Batch), Err(EOPNOTSUPP));
            assert_eq!(check(nr, &NO_ARGS, Mode::Async), Err(EOPNOTSUPP));
        }
    }

    #[test]
    fn plain_calls_run_and_refused_calls_do_not() {
        for nr in [
            uapi::__NR_getpid,
            uapi::__NR_gettid,
            uapi::__NR_read,
            uapi::__NR_openat,
            uapi::__NR_rt_sigaction,
            uapi::__NR_fchroot,
            uapi::__NR_uselib,
            NO_SYSCALL_FIRST,
            NO_SYSCALL_LAST,
        ] {
            assert!(!is_refused(nr));
            assert!(!depends_on_args(nr));
            assert!(runs_in_both(nr, &[1, 2, 3, 4, 5, 6]));
        }
        for nr in [
            uapi::__NR_clone3,
            uapi::__NR_exit_group,
            uapi::__NR_rt_sigprocmask,
            uapi::__NR_setresuid,
            uapi::__NR_io_uring_enter,
            uapi::__NR_async_submit,
        ] {
            assert!(is_refused(nr));
            assert!(refused_in_both(nr, &[]));
        }
    }

    #[test]
    fn prctl_runs_only_process_wide_options() {
        const PR_SET_NAME: usize = 15;
        const PR_SET_NO_NEW_PRIVS: usize = 38;
        let prctl = uapi::__NR_prctl;
        assert!(!is_refused(prctl));
        assert!(depends_on_args(prctl));
        assert!(runs_in_both(prctl, &[PR_GET_DUMPABLE as usize]));
        assert!(runs_in_both(prctl, &[PR_SET_VMA as usize, 0, 0, 4096]));
        assert!(refused_in_both(prctl, &[PR_SET_NAME, 0x1000]));
        assert!(refused_in_both(prctl, &[PR_SET_NO_NEW_PRIVS, 1]));
        // The option is an `int`: the high half of the register does not count.
        assert!(refused_in_both(prctl, &[(1 << 32) | PR_SET_NAME]));
        assert!(runs_in_both(prctl, &[(1 << 32) | PR_GET_DUMPABLE as usize]));
    }

    #[test]
    fn close_range_refuses_unshare() {
        let close_range = uapi::__NR_close_range;
        assert!(refused_in_both(
            close_range,
            &[3, 10, CLOSE_RANGE_UNSHARE as usize]
        ));
        assert!(runs_in_both(close_range, &[3, 10, 0]));
        // CLOSE_RANGE_CLOEXEC.
        assert!(runs_in_both(close_range, &[3, 10, 1 << 2]));
    }

    #[test]
    fn futex_pi_is_refused_on_workers_only() {
        const FUTEX_WAIT: usize = 0;
        let futex = uapi::__NR_futex;
        for op in [
            FUTEX_LOCK_PI,
            FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG,
            FUTEX_UNLOCK_PI,
        ] {
            assert!(!runs(futex, &[0x1000, op as usize], Mode::Async));
            assert!(runs(futex, &[0x1000, op as usize], Mode::Batch));
        }
        assert!(runs_in_both(futex, &[0x1000, FUTEX_WAIT]));
    }

    #[test]
    fn calls_on_the_calling_thread_are_refused() {
        assert!(refused_in_both(
            uapi::__NR_sched_setaffinity,
            &[0, 8, 0x1000]
        ));
        assert!(runs_in_both(
            uapi::__NR_sched_setaffinity,
            &[1234, 8, 0x1000]
        ));
        assert!(refused_in_both(
            uapi::__NR_sched_setaffinity,
            &[1 << 32, 8, 0x1000]
        ));
        assert!(refused_in_both(
            uapi::__NR_setpriority,
            &[PRIO_PROCESS as usize, 0, 5]
        ));
        // PRIO_PGRP.
        assert!(runs_in_both(uapi::__NR_setpriority, &[1, 0, 5]));
        assert!(refused_in_both(
            uapi::__NR_ioprio_set,
            &[IOPRIO_WHO_PROCESS as usize, 0, 0]
        ));
        assert!(runs_in_both(
            uapi::__NR_ioprio_set,
            &[IOPRIO_WHO_PROCESS as usize, 1234, 0]
        ));
        assert!(refused_in_both(
            uapi::__NR_perf_event_open,
            &[0x1000, 0, usize::MAX]
        ));
        assert!(runs_in_both(
            uapi::__NR_perf_event_open,
            &[0x1000, usize::MAX, 0]
        ));
    }

    #[test]
    fn ioctls_that_bind_the_calling_thread_are_refused() {
        const TCGETS: usize = 0x5401;
        const KVM_RUN: u32 = ioctl::_IO(KVMIO, 0x80);
        let nr = uapi::__NR_ioctl;
        assert!(runs_in_both(nr, &[0, TCGETS]));
        assert!(refused_in_both(nr, &[3, KVM_RUN as usize]));
        assert_eq!(KCOV_ENABLE, 0x6364);
        assert_eq!(KCOV_REMOTE_ENABLE, 0x4018_6366);
        assert!(refused_in_both(nr, &[3, KCOV_ENABLE as usize]));
        let binder = uapi::BINDER_WRITE_READ as usize;
        assert!(runs(nr, &[3, binder], Mode::Batch));
        assert!(!runs(nr, &[3, binder], Mode::Async));
    }

    #[test]
    fn worker_owned_results_are_refused_in_async_mode() {
        const MAKE_THREAD_CPUCLOCK_0_SCHED: i32 = (!0 << 3) | CPUCLOCK_PERTHREAD_MASK | 2;
        const CLOCK_MONOTONIC: usize = 1;
        let thread_clock = MAKE_THREAD_CPUCLOCK_0_SCHED as usize;
        assert!(!runs(
            uapi::__NR_wait4,
            &[usize::MAX, 0, WNOTHREAD as usize],
            Mode::Async
        ));
        assert!(runs(
            uapi::__NR_wait4,
            &[usize::MAX, 0, WNOTHREAD as usize],
            Mode::Batch
        ));
        assert!(runs_in_both(uapi::__NR_wait4, &[usize::MAX, 0, 0]));
        assert!(!runs(uapi::__NR_semop, &[0, 0x1000, 1], Mode::Async));
        assert!(runs(uapi::__NR_semop, &[0, 0x1000, 1], Mode::Batch));
        for clock in [CLOCK_THREAD_CPUTIME_ID as usize, thread_clock] {
            assert!(!runs(
                uapi::__NR_timer_create,
                &[clock, 0, 0x1000],
                Mode::Async
            ));
            assert!(runs(
                uapi::__NR_timer_create,
                &[clock, 0, 0x1000],
                Mode::Batch
            ));
        }
        assert!(runs_in_both(
            uapi::__NR_timer_create,
            &[CLOCK_MONOTONIC, 0, 0x1000]
        ));
    }

    #[test]
    fn sigio_owners_are_refused_in_async_mode() {
        const O_NONBLOCK: usize = 0o4000;
        let fcntl = uapi::__NR_fcntl;
        for (cmd, arg) in [
            (F_SETLEASE, 0),
            (F_NOTIFY, 0),
            (F_SETFL, O_ASYNC as usize | O_NONBLOCK),
        ] {
            assert!(!runs(fcntl, &[3, cmd as usize, arg], Mode::Async));
            assert!(runs(fcntl, &[3, cmd as usize, arg], Mode::Batch));
        }
        assert!(runs_in_both(fcntl, &[3, F_SETFL as usize, O_NONBLOCK]));
        assert!(!runs(
            uapi::__NR_ioctl,
            &[3, FIOASYNC as usize],
            Mode::Async
        ));
        assert!(runs(uapi::__NR_ioctl, &[3, FIOASYNC as usize], Mode::Batch));
    }

    #[test]
    fn execute_only_mappings_are_refused() {
        const PROT_READ: usize = 0x1;
        let len = 4096;
        assert!(refused_in_both(uapi::__NR_mmap, &[0, len, PROT_EXEC, 0x22]));
        assert!(runs_in_both(
            uapi::__NR_mmap,
            &[0, len, PROT_READ | PROT_EXEC, 0x22]
        ));
        assert!(refused_in_both(
            uapi::__NR_mprotect,
            &[0x1000, len, PROT_EXEC]
        ));
        assert!(runs_in_both(uapi::__NR_mprotect, &[0x1000, len, PROT_READ]));
        let pkey_mprotect = uapi::__NR_pkey_mprotect;
        assert!(refused_in_both(
            pkey_mprotect,
            &[0x1000, len, PROT_EXEC, usize::MAX]
        ));
        assert!(runs_in_both(pkey_mprotect, &[0x1000, len, PROT_EXEC, 1]));
    }
}
