/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-internal interface of async_submit(2), between the rest of the
 * kernel, its C entry point and its Rust implementation in
 * kernel/async_syscall/.
 */
#ifndef _LINUX_ASYNC_SYSCALL_H
#define _LINUX_ASYNC_SYSCALL_H

#include <linux/compiler_types.h>
#include <linux/types.h>
#include <uapi/linux/async_syscall.h>

struct signal_struct;

/* Number of 64-bit words of a thread's identity (kernel/async_syscall/). */
#define ASYNC_SYSCALL_IDENTITY_WORDS	24

/* Implemented in C, called by the Rust implementation. */
void async_syscall_identity(u64 id[ASYNC_SYSCALL_IDENTITY_WORDS]);
void async_syscall_forward_signals(void);
void async_syscall_end_process(void);
int async_syscall_mark_pending(void __user *entries, unsigned int nr,
			       size_t entry_size);
int async_syscall_complete(void __user *entry, s64 result);

/* Implemented in Rust, called by the C entry point. */
long async_syscall_submit(void **slot, unsigned int max_workers,
			  unsigned int max_entries, unsigned int spin_us,
			  unsigned int max_spinning, void __user *entries,
			  unsigned int nr_entries, size_t entry_size,
			  unsigned int flags, bool *exit_thread);
void async_syscall_release(void *pool);

#ifdef CONFIG_ASYNC_SYSCALL
void async_syscall_exit_process(struct signal_struct *sig);
#else
static inline void async_syscall_exit_process(struct signal_struct *sig)
{
}
#endif

#endif /* _LINUX_ASYNC_SYSCALL_H */
