// SPDX-License-Identifier: GPL-2.0
/*
 * System calls that kernel code makes on behalf of a user thread, through
 * the gates of the system call entry path.
 */

#include <linux/audit.h>
#include <linux/entry-common.h>
#include <linux/lockdep.h>
#include <linux/randomize_kstack.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <linux/syscall_invoke.h>
#include <linux/task_work.h>

/**
 * syscall_site_current - record where the current system call was made
 * @site: filled with the current task's user register frame
 *
 * The frame is that of the system call the task is making: its instruction
 * pointer, stack and code segment are those of a call made from the same
 * instruction, which syscall_call() gives the calls it makes.
 */
void syscall_site_current(struct pt_regs *site)
{
	*site = *current_pt_regs();
}

/**
 * syscall_entry_intercepted - would a direct call stop before running?
 *
 * Return: true if a system call made directly by the current task would be
 * stopped for a ptrace tracer (%PTRACE_SYSCALL, %PTRACE_SYSEMU) or be
 * dispatched to user space (syscall user dispatch) before it runs. Such a
 * task must not have calls made for it that neither would see.
 */
bool syscall_entry_intercepted(void)
{
	unsigned long work = READ_ONCE(current_thread_info()->syscall_work);

	return work & (SYSCALL_WORK_SYSCALL_TRACE | SYSCALL_WORK_SYSCALL_EMU |
		       SYSCALL_WORK_SYSCALL_USER_DISPATCH);
}

/* The work of a direct call's exit that applies to a call made from here. */
static void syscall_call_exit(struct pt_regs *regs, unsigned long work)
{
	audit_syscall_exit(regs);
	if (work & SYSCALL_WORK_SYSCALL_TRACEPOINT)
		trace_syscall_exit(regs, syscall_get_return_value(current, regs));
}

/**
 * syscall_call - make a system call on behalf of a user thread
 * @site: the frame of the system call that asked for this one, recorded
 *        by syscall_site_current() in @caller
 * @caller: the thread that asked for the call: current, or the thread of
 *          its process that current, a user worker, was cloned from
 * @nr: the number of the call in the native table
 * @args: its six arguments
 * @end: set to %SYSCALL_CALL_DONE, or to why the call did not run
 *
 * Makes system call @nr as if @caller had made it directly from @site:
 * with a register frame that is @site's but for the number and the
 * arguments, until the call sets the return value. The call passes the gates of the entry path in
 * the same order: seccomp, judged by seccomp_filter_call() with @caller's
 * filters; the sys_enter tracepoints; audit, in current's audit context,
 * which must be unused; then the exit work: audit, the sys_exit
 * tracepoints. A call that seccomp skips fires sys_exit only, as directly.
 * Ptrace and syscall user dispatch do not see the call: a call for current
 * itself is not made when syscall_entry_intercepted() (%EPERM), and the
 * caller does not hand calls to a worker for such a task. Then the task
 * work that the way back to user space would run is run, before the result
 * is returned (the final fput() of a file the call closed). On a user
 * worker, the task's own frame shows the call while it runs, for
 * /proc/<tid>/syscall, a seccomp user notification supervisor and a core
 * dump.
 *
 * Between calls, as on the way back to user space, no lock may be held and
 * the task may be rescheduled.
 *
 * Context: process context of a user task, no locks held; may sleep.
 * Return: the call's result, which may be a restart code.
 */
long syscall_call(const struct pt_regs *site, struct task_struct *caller,
		  unsigned long nr, const unsigned long args[6], int *end)
{
	bool worker = current->flags & PF_USER_WORKER;
	struct seccomp_data sd;
	struct pt_regs regs;
	unsigned long work;
	long ret;
	int i;

	*end = SYSCALL_CALL_DONE;
	if (unlikely(caller == current && syscall_entry_intercepted())) {
		*end = SYSCALL_CALL_INTERCEPTED;
		return -EPERM;
	}
	regs = *site;
	syscall_set_nr(current, &regs, nr);
	syscall_set_arguments(current, &regs, args);
	/*
	 * The result stays the site's: the entry code preset it for the
	 * system call in progress there, so a call that seccomp skips
	 * without a result of its own returns what a direct one would.
	 */
	if (worker) {
		/* A worker has no user stack of its own. */
		user_stack_pointer_set(&regs, 0);
		*task_pt_regs(current) = regs;
	}

	sd.nr = nr;
	sd.instruction_pointer = instruction_pointer(&regs);
	for (i = 0; i < 6; i++)
		sd.args[i] = args[i];
	work = READ_ONCE(current_thread_info()->syscall_work);
	ret = regs_return_value(&regs);
	switch (seccomp_filter_call(&sd, caller, &ret)) {
	case SECCOMP_CALL_RUN:
		break;
	case SECCOMP_CALL_SKIP:
		regs_set_return_value(&regs, ret);
		syscall_call_exit(&regs, work);
		goto out;
	case SECCOMP_CALL_EXIT_THREAD:
		*end = SYSCALL_CALL_EXIT_THREAD;
		return -EINTR;
	default:
		/* A worker's frame stays the call's, for the core dump. */
		*end = SYSCALL_CALL_KILLED;
		return -EINTR;
	}

	if (unlikely(work & SYSCALL_WORK_SYSCALL_TRACEPOINT))
		trace_syscall_enter(&regs);
	if (IS_ENABLED(CONFIG_AUDITSYSCALL) && unlikely(audit_context()))
		syscall_enter_audit(&regs);

	/* A stack offset of its own for each call, as on entry. */
	add_random_kstack_offset();
	ret = arch_syscall_invoke(&regs);
	/* The exit tracepoints and audit read the result from the frame. */
	regs_set_return_value(&regs, ret);
	syscall_call_exit(&regs, work);
out:
	if (worker) {
		/* No call in progress, and no user context, as at clone. */
		syscall_set_nr(current, task_pt_regs(current), -1);
		instruction_pointer_set(task_pt_regs(current), 0);
	}
	if (IS_ENABLED(CONFIG_PROVE_LOCKING) &&
	    WARN(irqs_disabled(), "syscall %lu left IRQs disabled", nr))
		local_irq_enable();
	lockdep_sys_exit();
	/* As on the way back to user space. */
	if (unlikely(test_thread_flag(TIF_NOTIFY_SIGNAL)))
		clear_notify_signal();
	if (unlikely(task_work_pending(current)))
		task_work_run();
	cond_resched();
	return ret;
}
