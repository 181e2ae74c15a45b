/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the async_submit(2) selftests share: the system call number, entry
 * sentinels and the ENTRY() initializer, the raw system call, the probe
 * that skips every test on a kernel without it, the waiter's side of the
 * status word protocol (the waiters bit), and small helpers.
 */
#ifndef __ASYNC_SYSCALL_TEST_H
#define __ASYNC_SYSCALL_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/async_syscall.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef __NR_async_submit
#ifdef __x86_64__
#define __NR_async_submit 473
#else
/* Unknown here: the probe then fails and every test is skipped. */
#define __NR_async_submit -1
#endif
#endif

#ifndef __NR_futex_waitv
#define __NR_futex_waitv 449
#endif
#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32	0x02
#endif
#ifndef FUTEX2_PRIVATE
#define FUTEX2_PRIVATE	128
#endif

#define ENTRY_SIZE	sizeof(struct async_syscall_entry)

/* What each test puts in @result and @status before submitting. */
#define RESULT_SENTINEL	((__s64)0x5eed5eed5eed5eedLL)
#define STATUS_SENTINEL	0x5eedU

#define STATUS_PENDING	((__u32)ASYNC_SYSCALL_STATUS_PENDING)
#define STATUS_DONE	((__u32)ASYNC_SYSCALL_STATUS_DONE)
#define STATUS_WAITERS	((__u32)ASYNC_SYSCALL_STATUS_WAITERS)

/* A pointer as a system call argument. */
#define PTR(p)		((__u64)(uintptr_t)(p))

/* An entry for system call @_nr with the given arguments, not yet run. */
#define ENTRY(_nr, ...) ((struct async_syscall_entry) {	\
	.nr = (_nr),						\
	.args = { __VA_ARGS__ },				\
	.result = RESULT_SENTINEL,				\
	.status = STATUS_SENTINEL,				\
})

static inline long sys_async_submit(struct async_syscall_entry *entries,
				    unsigned int nr_entries, size_t entry_size,
				    unsigned int flags)
{
	return syscall(__NR_async_submit, entries, nr_entries, entry_size,
		       flags);
}

/*
 * Whether this kernel has async_submit(2) at all. Zero entries is invalid
 * input, which a kernel that has the call rejects with EINVAL.
 */
static inline bool async_submit_supported(void)
{
	long ret = sys_async_submit(NULL, 0, ENTRY_SIZE, ASYNC_SUBMIT_BATCH);

	return ret == -1 && errno == EINVAL;
}

/* Use feed @k of @e: before @e runs, args[@slot] = entries[@src].result. */
static inline void set_feed(struct async_syscall_entry *e, unsigned int k,
			    __u32 src, __u32 slot)
{
	e->flags |= k ? ASYNC_SYSCALL_ENTRY_FEED1 : ASYNC_SYSCALL_ENTRY_FEED0;
	e->feed[k].src = src;
	e->feed[k].slot = slot;
}

/* The Tgid: line of the /proc status file at @path, or -1. */
static inline int async_status_tgid(const char *path)
{
	char line[128];
	int tgid = -1;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Tgid:", 5)) {
			tgid = atoi(line + 5);
			break;
		}
	}
	fclose(f);
	return tgid;
}

/* Whether @fd is not an open file descriptor. */
static inline bool fd_is_closed(int fd)
{
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/* CLOCK_MONOTONIC, in milliseconds. */
static inline long long async_test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waiting on a status word: load it (acquire); while it is not DONE, set
 * ASYNC_SYSCALL_STATUS_WAITERS with a compare-and-swap (the kernel wakes
 * the word's futex waiters at completion only when that bit is set) and
 * FUTEX_WAIT_PRIVATE on PENDING | WAITERS; then load it again.
 */

/* Whether status word value @s means pending, whether or not armed. */
static inline bool async_status_pending(__u32 s)
{
	return (s & ~STATUS_WAITERS) == STATUS_PENDING;
}

/*
 * Arm status word @word, last read as @s: set the waiters bit while the
 * word is pending. Returns the word's value, PENDING | WAITERS while it is
 * pending, else what it holds (DONE, or something a failed submission left).
 */
static inline __u32 async_status_arm(__u32 *word, __u32 s)
{
	while (async_status_pending(s) && !(s & STATUS_WAITERS)) {
		/* On failure @s is the value read: retry with it. */
		if (__atomic_compare_exchange_n(word, &s, s | STATUS_WAITERS,
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_ACQUIRE))
			return s | STATUS_WAITERS;
	}
	return s;
}

/*
 * One sleep of a waiter on status word @word: arm it, then FUTEX_WAIT_PRIVATE
 * on PENDING | WAITERS for at most @timeout_ms. As futex(): 0 when woken,
 * else -1 with errno EAGAIN (the word is, or became, something else than
 * PENDING | WAITERS), ETIMEDOUT or EINTR.
 */
static inline long async_status_wait(__u32 *word, long long timeout_ms)
{
	struct timespec ts;
	__u32 s;

	s = async_status_arm(word, __atomic_load_n(word, __ATOMIC_ACQUIRE));
	if (!async_status_pending(s)) {
		errno = EAGAIN;
		return -1;
	}
	if (timeout_ms < 0)
		timeout_ms = 0;
	ts.tv_sec = timeout_ms / 1000;
	ts.tv_nsec = (timeout_ms % 1000) * 1000000;
	return syscall(__NR_futex, word, FUTEX_WAIT_PRIVATE, s, &ts, NULL, 0);
}

/*
 * Wait up to @timeout_ms for @e to complete, sleeping on its status futex
 * word with async_status_wait() (a signal only shortens one sleep):
 * whether its status reads DONE. False at once when the status is neither
 * pending nor DONE, e.g. because the submission failed.
 */
static inline bool async_wait_done(struct async_syscall_entry *e,
				   int timeout_ms)
{
	long long deadline = async_test_now_ms() + timeout_ms, left;
	__u32 status;

	for (;;) {
		status = __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);
		if (status == STATUS_DONE)
			return true;
		if (!async_status_pending(status))
			return false;
		left = deadline - async_test_now_ms();
		if (left <= 0)
			return false;
		async_status_wait(&e->status, left);
	}
}

/*
 * Wait for @e[0] to @e[@nr - 1], at most @timeout_ms in all: -1 when all
 * completed, else the index of the first that did not.
 */
static inline int async_wait_all_done(struct async_syscall_entry *e,
				      unsigned int nr, int timeout_ms)
{
	long long deadline = async_test_now_ms() + timeout_ms, left;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		left = deadline - async_test_now_ms();
		if (!async_wait_done(&e[i], left > 0 ? (int)left : 0))
			return (int)i;
	}
	return -1;
}

/* The comm of worker threads. */
#define ASYNC_WORKER_COMM	"async_syscall"

/* Whether thread @tid of this process is a worker (named ASYNC_WORKER_COMM). */
static inline bool async_thread_is_worker(pid_t tid)
{
	char path[64], comm[32];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (len <= 0)
		return false;
	comm[len] = '\0';
	return !strcmp(comm, ASYNC_WORKER_COMM "\n");
}

/* Number of threads of this process that are workers, or -1. */
static inline int async_count_workers(void)
{
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir("/proc/self/task");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		if (async_thread_is_worker(atoi(d->d_name)))
			n++;
	}
	closedir(dir);
	return n;
}

/*
 * waitpid(@pid, @status, @options) within @timeout_ms: 0, or -ETIMEDOUT
 * after killing and reaping the child, or -errno.
 */
static inline int async_wait_child(pid_t pid, int *status, int options,
				   long timeout_ms)
{
	long long deadline = async_test_now_ms() + timeout_ms;
	pid_t ret;

	for (;;) {
		ret = waitpid(pid, status, options | WNOHANG);
		if (ret == pid)
			return 0;
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (async_test_now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return -ETIMEDOUT;
		}
		usleep(5 * 1000);
	}
}

#endif /* __ASYNC_SYSCALL_TEST_H */
