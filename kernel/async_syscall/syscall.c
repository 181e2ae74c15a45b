// SPDX-License-Identifier: GPL-2.0-only
/*
 * async_submit(2) entry point and process hooks. The implementation is in
 * Rust, in async_syscall.rs and the modules it lists.
 */

#include <linux/async_syscall.h>
#include <linux/atomic.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/futex.h>
#include <linux/init.h>
#include <linux/jhash.h>
#include <linux/mempolicy.h>
#include <linux/minmax.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seccomp.h>
#include <linux/syscalls.h>
#include <linux/sysctl.h>
#include <linux/uaccess.h>
#ifdef CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS
#include <asm/pkru.h>
#endif

/*
 * Most workers of one identity that a submission starts while others of
 * that identity are running; kernel.async_syscall_max_workers.
 */
static unsigned int async_syscall_max_workers = 8;
static const unsigned int async_syscall_workers_limit = 4096;

/*
 * Who may call async_submit(): 0 everyone, 1 members of
 * kernel.async_syscall_group and CAP_SYS_ADMIN, 2 nobody;
 * kernel.async_syscall_disabled, as kernel.io_uring_disabled.
 */
static int async_syscall_disabled;
static int async_syscall_group = -1;

/*
 * How long a worker that finished a chain looks for the next one before it
 * sleeps, in microseconds; kernel.async_syscall_worker_spin_us.
 */
static unsigned int async_syscall_worker_spin_us = 20;
static const unsigned int async_syscall_spin_limit = 1000;

/* Most entries of one process in flight; kernel.async_syscall_max_entries. */
static unsigned int async_syscall_max_entries = 1U << 18;
static const unsigned int async_syscall_entries_limit = 1U << 30;

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
	{
		.procname	= "async_syscall_max_entries",
		.data		= &async_syscall_max_entries,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= proc_douintvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= (void *)&async_syscall_entries_limit,
	},
	{
		.procname	= "async_syscall_worker_spin_us",
		.data		= &async_syscall_worker_spin_us,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= proc_douintvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= (void *)&async_syscall_spin_limit,
	},
	{
		.procname	= "async_syscall_disabled",
		.data		= &async_syscall_disabled,
		.maxlen		= sizeof(async_syscall_disabled),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
	{
		.procname	= "async_syscall_group",
		.data		= &async_syscall_group,
		.maxlen		= sizeof(gid_t),
		.mode		= 0644,
		.proc_handler	= proc_dointvec,
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

/* Whether kernel.async_syscall_disabled lets the current task call us. */
static bool async_syscall_allowed(void)
{
	int disabled = READ_ONCE(async_syscall_disabled);
	kgid_t group;

	if (disabled == 2)
		return false;
	if (disabled == 0 || capable(CAP_SYS_ADMIN))
		return true;
	group = make_kgid(&init_user_ns, READ_ONCE(async_syscall_group));
	return gid_valid(group) && in_group_p(group);
}

/**
 * async_syscall_mark_pending - make the status words of a submission pending
 * @entries: the user's array of entries
 * @nr: the number of entries
 * @entry_size: the distance between two entries, in bytes
 *
 * Clears every bit of each entry's status word but
 * %ASYNC_SYSCALL_STATUS_WAITERS, with one atomic operation per word, so that
 * a thread that set the bit to sleep on the word keeps it, even while the
 * word is being cleared.
 *
 * Return: 0; -EFAULT if a word cannot be written (the words before it were
 * cleared); -EINTR if a fatal signal arrived while a fault was resolved.
 */
int async_syscall_mark_pending(void __user *entries, unsigned int nr,
			       size_t entry_size)
{
	size_t off = offsetof(struct async_syscall_entry, status);
	unsigned int i;
	u32 old;
	int ret;

	for (i = 0; i < nr; i++, off += entry_size) {
		ret = futex_atomic_op_user(entries + off, FUTEX_OP_ANDN,
					   ~ASYNC_SYSCALL_STATUS_WAITERS, &old);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * async_syscall_complete - complete an entry
 * @entry: the entry, in the user's array
 * @result: its result
 *
 * Writes @result, then makes the status word exactly
 * %ASYNC_SYSCALL_STATUS_DONE with one atomic exchange, and wakes the word's
 * private futex waiters if the word had %ASYNC_SYSCALL_STATUS_WAITERS set.
 *
 * The result is published before the status (smp_wmb()): a thread that
 * reads DONE with acquire semantics reads the result. A waiter sets the bit
 * with a compare-and-swap before it sleeps; the swap and the exchange are
 * atomic operations on one word, so either the exchange sees the bit and
 * wakes the waiter, or the swap fails on DONE and the waiter does not sleep.
 * No waiter is missed, and nobody waiting costs no FUTEX_WAKE.
 *
 * Return: 0, or -EFAULT if the entry cannot be written, -EINTR on a fatal
 * signal while a fault was resolved.
 */
int async_syscall_complete(void __user *entry, s64 result)
{
	struct async_syscall_entry __user *e = entry;
	u32 old;
	int ret;

	if (put_user(result, &e->result))
		return -EFAULT;
	/* Pairs with the waiter's acquire load of DONE: the result first. */
	smp_wmb();
	ret = futex_atomic_op_user(&e->status, FUTEX_OP_SET,
				   ASYNC_SYSCALL_STATUS_DONE, &old);
	if (ret)
		return ret;
	if (old & ASYNC_SYSCALL_STATUS_WAITERS)
		do_futex(&e->status, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT_MAX,
			 NULL, NULL, 0, 0);
	return 0;
}

/* Flags of a task that decide how its system calls behave. */
#define ASYNC_SYSCALL_IDENTITY_PF \
	(PF_MEMALLOC_NOIO | PF_MEMALLOC_NOFS | PF_LOCAL_THROTTLE)

/**
 * async_syscall_identity - the identity of the current thread
 * @id: where to write it, %ASYNC_SYSCALL_IDENTITY_WORDS words
 *
 * Everything a worker cloned from the current thread takes from it and an
 * entry may depend on, for matching the thread's entries to workers: two
 * threads with equal identities may share workers. The shared objects are
 * compared by address: the cred (the Rust side holds a reference to the
 * submitter's), the fd table, fs context, namespaces, seccomp filter and
 * I/O context, which the workers of that identity share or hold references
 * to. What a clone copies is compared by value: the memory policy (its
 * contents), personality, task flags that change how calls behave
 * (speculation control, no_new_privs, I/O flusher), scheduling policy and
 * priority, timer slack, core scheduling cookie, CPU affinity (a hash of
 * the mask, which only decides where an entry runs), audit ids, whether it
 * has an audit context and, on x86, the protection-key rights (PKRU) that a
 * clone copies. The
 * cgroup is compared by css_set address: a worker moved to another cgroup
 * sees its own identity change and leaves.
 */
void async_syscall_identity(u64 id[ASYNC_SYSCALL_IDENTITY_WORDS])
{
	struct task_struct *t = current;
	unsigned int i = 0;
#ifdef CONFIG_NUMA
	struct mempolicy *pol = t->mempolicy;
#endif

	BUILD_BUG_ON(ASYNC_SYSCALL_IDENTITY_WORDS < 20);
	memset(id, 0, ASYNC_SYSCALL_IDENTITY_WORDS * sizeof(u64));
	id[i++] = (unsigned long)current_cred();
	id[i++] = (unsigned long)t->files;
	id[i++] = (unsigned long)t->fs;
	id[i++] = (unsigned long)t->nsproxy;
	id[i++] = (unsigned long)t->io_context;
#ifdef CONFIG_SECCOMP_FILTER
	id[i++] = (unsigned long)READ_ONCE(t->seccomp.filter);
#endif
#ifdef CONFIG_SECCOMP
	id[i++] = READ_ONCE(t->seccomp.mode);
#endif
	id[i++] = READ_ONCE(t->atomic_flags);
	id[i++] = t->flags & ASYNC_SYSCALL_IDENTITY_PF;
#ifdef CONFIG_CGROUPS
	id[i++] = (unsigned long)rcu_access_pointer(t->cgroups);
#endif
#ifdef CONFIG_NUMA
	if (pol)
		id[i++] = (u64)pol->mode | (u64)pol->flags << 16 |
			  (u64)(u32)pol->home_node << 32 |
			  (u64)jhash(&pol->nodes, sizeof(pol->nodes), 0) << 48;
	else
		id[i++] = 0;
#endif
	id[i++] = t->personality;
	id[i++] = (u64)t->policy | (u64)t->static_prio << 16 |
		  (u64)t->rt_priority << 32 | (u64)t->sched_reset_on_fork << 48;
	id[i++] = t->timer_slack_ns;
#ifdef CONFIG_SCHED_CORE
	id[i++] = t->core_cookie;
#endif
	id[i++] = (u64)jhash(cpumask_bits(t->cpus_ptr), cpumask_size(), 0) |
		  (u64)cpumask_weight(t->cpus_ptr) << 32;
	id[i++] = (u64)from_kuid(&init_user_ns, audit_get_loginuid(t)) |
		  (u64)audit_get_sessionid(t) << 32;
#ifdef CONFIG_AUDITSYSCALL
	/* A worker cloned before audit was enabled has no audit context. */
	id[i++] = !!t->audit_context;
#endif
#ifdef CONFIG_X86_INTEL_MEMORY_PROTECTION_KEYS
	/* The user's PKRU is live in the register in a system call. */
	id[i++] = read_pkru();
#endif
}

/* Whether signals other than SIGKILL and SIGSTOP are queued on @tsk itself. */
static bool async_syscall_own_signals(struct task_struct *tsk)
{
	unsigned long keep = sigmask(SIGKILL) | sigmask(SIGSTOP);
	unsigned int i;

	for (i = 0; i < _NSIG_WORDS; i++) {
		if (READ_ONCE(tsk->pending.signal.sig[i]) & ~(i ? 0 : keep))
			return true;
	}
	return false;
}

/**
 * async_syscall_forward_signals - hand a worker's own signals to its process
 *
 * A worker blocks every signal but SIGKILL and SIGSTOP and never returns to
 * user space, so a signal that an entry sends to the calling thread (SIGPIPE
 * for a write to a pipe with no reader, SIGXFSZ) would stay queued on it for
 * ever. Send each such signal on to the thread group, with its siginfo, as
 * the submitting thread would have received it: a thread that does not
 * block it takes it and runs its handler, and its default action applies to
 * the process. Called by a worker after each entry.
 */
void async_syscall_forward_signals(void)
{
	struct task_struct *tsk = current;
	kernel_siginfo_t info;
	enum pid_type type;
	sigset_t mask;
	int sig;

	if (WARN_ON_ONCE(!(tsk->flags & PF_USER_WORKER)))
		return;
	/*
	 * Nothing queued on the worker itself, the common case, is seen
	 * without the lock: only the worker dequeues from its own queue, and
	 * a signal queued after this check is forwarded after the next entry.
	 */
	if (!async_syscall_own_signals(tsk))
		return;
	for (;;) {
		spin_lock_irq(&tsk->sighand->siglock);
		/* Dequeue from the worker's own queue only, never SIGKILL/SIGSTOP. */
		mask = tsk->pending.signal;
		sigdelsetmask(&mask, sigmask(SIGKILL) | sigmask(SIGSTOP));
		if (sigisemptyset(&mask)) {
			spin_unlock_irq(&tsk->sighand->siglock);
			return;
		}
		signotset(&mask);
		sig = dequeue_signal(&mask, &info, &type);
		spin_unlock_irq(&tsk->sighand->siglock);
		if (!sig)
			return;
		do_send_sig_info(sig, &info, tsk, PIDTYPE_TGID);
	}
}

/**
 * async_syscall_end_process - end a worker's process after a fatal signal
 *
 * get_signal() does not end the process of a user worker that takes a
 * fatal signal: the worker must clean up and exit itself. A SIGKILL has
 * already made the whole process exit, and so has a core dump, but a
 * SIGSYS that seccomp forced on a worker for an entry does not when no
 * dump is made (the process is not dumpable, say). End the process then,
 * as do_group_exit() would have for the submitting thread's direct call;
 * the worker exits on its own, which is the last step of a group exit.
 */
void async_syscall_end_process(void)
{
	struct task_struct *tsk = current;
	struct signal_struct *sig = tsk->signal;

	if (WARN_ON_ONCE(!(tsk->flags & PF_USER_WORKER)))
		return;
	spin_lock_irq(&tsk->sighand->siglock);
	if (!(sig->flags & SIGNAL_GROUP_EXIT) && !sig->group_exec_task) {
		sig->group_exit_code = SIGSYS;
		sig->flags = SIGNAL_GROUP_EXIT;
		zap_other_threads(tsk);
	}
	spin_unlock_irq(&tsk->sighand->siglock);
}

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
 * Return: @nr_entries on success; in batch mode, if a signal stopped the
 * batch after some entries completed, their number; or:
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
 * - %EPERM: the calling thread is traced with %PTRACE_SYSCALL or
 *   %PTRACE_SYSEMU or has syscall user dispatch on, or
 *   kernel.async_syscall_disabled does not allow it to call async_submit();
 * - %EAGAIN: no worker thread could be created to run the entries, or the
 *   process would have more than kernel.async_syscall_max_entries entries
 *   in flight; nothing was queued;
 * - a restart code, in batch mode when a signal interrupted the first
 *   entry, or when a worker could not be created because a signal is
 *   pending: the call is restarted, or fails with %EINTR, as the
 *   interrupted system call would;
 * - %ENOMEM: the kernel's copy of the entries cannot be allocated.
 */
SYSCALL_DEFINE4(async_submit, struct async_syscall_entry __user *, entries,
		unsigned int, nr_entries, size_t, entry_size,
		unsigned int, flags)
{
	struct audit_context *outer = NULL;
	bool exit_thread = false;
	long ret;

	if (!async_syscall_allowed())
		return -EPERM;
	/* Each entry of a batch gets the audit record of a direct call. */
	if (flags & ASYNC_SUBMIT_BATCH) {
		outer = audit_syscall_nest();
		if (IS_ERR(outer))
			return PTR_ERR(outer);
	}
	ret = async_syscall_submit(&current->signal->async_syscall,
				   READ_ONCE(async_syscall_max_workers),
				   READ_ONCE(async_syscall_max_entries),
				   READ_ONCE(async_syscall_worker_spin_us),
				   max(1U, num_online_cpus() / 2),
				   entries, nr_entries, entry_size, flags,
				   &exit_thread);
	audit_syscall_unnest(outer);
	/* SECCOMP_RET_KILL_THREAD on an entry, as on a direct call. */
	if (unlikely(exit_thread))
		do_exit(SIGSYS);
	return ret;
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
