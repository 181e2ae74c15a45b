/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SYSCALL_INVOKE_H
#define _LINUX_SYSCALL_INVOKE_H

#include <linux/types.h>

struct pt_regs;
struct task_struct;

/* How syscall_call() ended */
#define SYSCALL_CALL_DONE	 0	/* it ran, or a gate gave its result */
#define SYSCALL_CALL_KILLED	 1	/* not run: current is being killed */
#define SYSCALL_CALL_EXIT_THREAD 2	/* not run: unwind, then do_exit(SIGSYS) */
#define SYSCALL_CALL_INTERCEPTED 3	/* not run: a tracer or a dispatcher is on */

#ifdef CONFIG_ARCH_HAS_SYSCALL_INVOKE
void syscall_site_current(struct pt_regs *site);
long syscall_call(const struct pt_regs *site, struct task_struct *caller,
		  unsigned long nr, const unsigned long args[6], int *end);
bool syscall_entry_intercepted(void);
#endif

#endif /* _LINUX_SYSCALL_INVOKE_H */
