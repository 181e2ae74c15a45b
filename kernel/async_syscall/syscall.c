// SPDX-License-Identifier: GPL-2.0-only
/*
 * async_submit(2) entry point and process hooks. The implementation is in
 * Rust, in async_syscall.rs and the modules it lists.
 */

#include <linux/async_syscall.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/minmax.h>
#include <linux/sched/signal.h>
#include <linux/syscalls.h>
#include <linux/sysctl.h>

/* Most worker threads of one process; kernel.async_syscall_max_workers. */
static unsigned int async_syscall_max_workers = 8;
static const unsigned int async_syscall_workers_limit = 4096;

#ifdef CONFIG_SYSCTL
static const struct ctl_table async_syscall_sysctls[] = {
	{
		.procname	= "async_syscall_max_workers",
		.data		= &async_syscall_max_workers,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= proc_douintvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= (void *)&async_syscall_workers_limit,
	},
};
#endif

static int __init async_syscall_init(void)
{
	/* Four workers per possible CPU, and at least eight. */
	async_syscall_max_workers = max(8U, 4 * num_possible_cpus());
#ifdef CONFIG_SYSCTL
	register_sysctl_init("kernel", async_syscall_sysctls);
#endif
	return 0;
}
late_initcall(async_syscall_init);

/**
 * sys_async_submit - run a list of system calls
 * @entries: array of &struct async_syscall_entry, readable, writable and
 *           8-byte aligned
 * @nr_entries: number of entries, 1 to %ASYNC_SUBMIT_MAX_ENTRIES
 * @entry_size: size of one entry as user space knows it, at least
 *              %ASYNC_SYSCALL_ENTRY_SIZE_VER0 and a multiple of 8
 * @flags: %ASYNC_SUBMIT_* flags
 *
 * Every entry is copied in and checked, and every status word set to
 * pending, before any entry runs. With %ASYNC_SUBMIT_BATCH the entries
 * then run in the calling thread, in array order. Without it, the chains
 * are queued on the worker threads of the calling process and the call
 * returns; each chain runs in order on one worker, independent chains in
 * parallel. Each entry completes by writing its result, then its status
 * word, then waking the futex waiters on the status word.
 *
 * Return: @nr_entries on success, or:
 *
 * - %EFAULT: @entries cannot be read or written, or in batch mode a
 *   result could not be written back after the entries ran;
 * - %EINVAL: unknown bits in @flags, @entries is not 8-byte aligned,
 *   @nr_entries is zero, @entry_size is too small or not a multiple of 8,
 *   or an entry has unknown flags, nonzero reserved bits, a system call
 *   number out of range, a bad feed, or a link past the last entry;
 * - %E2BIG: more than %ASYNC_SUBMIT_MAX_ENTRIES entries, @entry_size above
 *   PAGE_SIZE, or nonzero bytes past the fields this kernel knows;
 * - %EOPNOTSUPP: an entry names a system call that async_submit() refuses
 *   to run;
 * - %EPERM: the calling thread runs under seccomp;
 * - %EAGAIN: no worker thread could be created to run the entries, which
 *   then complete with -ECANCELED;
 * - %ENOMEM: the kernel's copy of the entries cannot be allocated.
 */
SYSCALL_DEFINE4(async_submit, struct async_syscall_entry __user *, entries,
		unsigned int, nr_entries, size_t, entry_size,
		unsigned int, flags)
{
	return async_syscall_submit(&current->signal->async_syscall,
				    READ_ONCE(async_syscall_max_workers),
				    entries, nr_entries, entry_size, flags);
}

/**
 * async_syscall_exit_process - release the async_submit() pool of a process
 * @sig: the signal_struct of the process
 *
 * Called when the last thread of the process exits, and by exec once the
 * other threads are gone. The pool's workers were threads of the process,
 * so none is left to use the pool; chains still queued are dropped.
 */
void async_syscall_exit_process(struct signal_struct *sig)
{
	void *pool = xchg(&sig->async_syscall, NULL);

	if (pool)
		async_syscall_release(pool);
}
