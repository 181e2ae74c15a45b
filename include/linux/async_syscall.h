/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-internal interface of async_submit(2), between its C entry point
 * and its Rust implementation in kernel/async_syscall/.
 */
#ifndef _LINUX_ASYNC_SYSCALL_H
#define _LINUX_ASYNC_SYSCALL_H

#include <linux/compiler_types.h>
#include <linux/types.h>
#include <uapi/linux/async_syscall.h>

long async_syscall_submit(void __user *entries, unsigned int nr_entries,
			  size_t entry_size, unsigned int flags);

#endif /* _LINUX_ASYNC_SYSCALL_H */
