/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * async_submit(2): run a list of system calls, chained and fed from each
 * other, and complete each one through a futex word.
 *
 * See Documentation/userspace-api/async_submit.rst.
 */
#ifndef _UAPI_LINUX_ASYNC_SYSCALL_H
#define _UAPI_LINUX_ASYNC_SYSCALL_H

#include <linux/types.h>

/**
 * struct async_syscall_feed - take an earlier entry's result as an argument
 * @src: Index, in the submitted array, of the entry whose result is taken.
 *       It must be an earlier entry of the same chain.
 * @slot: Argument slot (0 to 5) of this entry that receives the result.
 *
 * A feed is used only when its ASYNC_SYSCALL_ENTRY_FEED* flag is set; an
 * unused feed must be all zero.
 */
struct async_syscall_feed {
	__u32 src;
	__u32 slot;
};

/* Number of feeds an entry carries. */
#define ASYNC_SYSCALL_FEEDS		2

/**
 * struct async_syscall_entry - one system call of a submission
 * @nr: System call number, in the 64-bit table of the architecture.
 * @flags: ASYNC_SYSCALL_ENTRY_* flags; unknown bits are rejected.
 * @args: The six arguments, as the system call takes them in registers.
 * @feed: Up to two results of earlier entries of the same chain, each
 *        written into one argument slot before the call runs.
 * @user_data: Cookie for the caller; the kernel neither reads nor writes it.
 * @result: Written by the kernel: the system call's return value, a negative
 *          errno on failure, or -ECANCELED when a feed source failed.
 * @status: A futex word. At submission the kernel sets it to
 *          ASYNC_SYSCALL_STATUS_PENDING, keeping ASYNC_SYSCALL_STATUS_WAITERS
 *          if it was set; once @result is valid it sets it to exactly
 *          ASYNC_SYSCALL_STATUS_DONE, and wakes the word's private futex
 *          waiters if ASYNC_SYSCALL_STATUS_WAITERS was set. A thread that
 *          sleeps on the word must set that bit first, atomically.
 * @__reserved: Must be zero.
 *
 * The array passed to async_submit(2) must be readable and writable, and
 * each entry 8-byte aligned.
 */
struct async_syscall_entry {
	__u32 nr;
	__u32 flags;
	__u64 args[6];
	struct async_syscall_feed feed[ASYNC_SYSCALL_FEEDS];
	__u64 user_data;
	__s64 result;
	__u32 status;
	__u32 __reserved;
};

/* Size of the first published struct async_syscall_entry. */
#define ASYNC_SYSCALL_ENTRY_SIZE_VER0	96

/* struct async_syscall_entry @flags */
/* The next entry is in this entry's chain and runs after it. */
#define ASYNC_SYSCALL_ENTRY_LINK	0x1U
/* @feed[0] is used. */
#define ASYNC_SYSCALL_ENTRY_FEED0	0x2U
/* @feed[1] is used. */
#define ASYNC_SYSCALL_ENTRY_FEED1	0x4U

/* struct async_syscall_entry @status */
#define ASYNC_SYSCALL_STATUS_PENDING	0
#define ASYNC_SYSCALL_STATUS_DONE	1
/*
 * Set by a waiter, with an atomic compare-and-swap, before it sleeps on
 * @status with FUTEX_WAIT: the kernel makes a futex wake at completion only
 * for a word with this bit set.
 */
#define ASYNC_SYSCALL_STATUS_WAITERS	0x80000000U

/* async_submit(2) @flags */
/* Run the entries in the calling thread before returning. */
#define ASYNC_SUBMIT_BATCH		0x1U

/* Most entries one async_submit(2) call takes. */
#define ASYNC_SUBMIT_MAX_ENTRIES	4096

#endif /* _UAPI_LINUX_ASYNC_SYSCALL_H */
