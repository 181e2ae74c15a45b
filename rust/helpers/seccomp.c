// SPDX-License-Identifier: GPL-2.0

#include <linux/sched.h>
#include <linux/seccomp.h>

__rust_helper int rust_helper_task_seccomp_mode(struct task_struct *task)
{
	return seccomp_mode(&task->seccomp);
}
