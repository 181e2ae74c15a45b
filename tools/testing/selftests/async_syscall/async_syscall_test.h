/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the async_submit(2) selftests share: the system call number, entry
 * sentinels and the ENTRY() initializer, the raw system call, the probe
 * that skips every test on a kernel without it, and small helpers.
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

#define ENTRY_SIZE	sizeof(struct async_syscall_entry)

/* What each test puts in @result and @status before submitting. */
#define RESULT_SENTINEL	((__s64)0x5eed5eed5eed5eedLL)
#define STATUS_SENTINEL	0x5eedU

#define STATUS_PENDING	((__u32)ASYNC_SYSCALL_STATUS_PENDING)
#define STATUS_DONE	((__u32)ASYNC_SYSCALL_STATUS_DONE)

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
 * Wait up to @timeout_ms for @e to complete, sleeping on its status futex
 * word (FUTEX_WAIT with a timeout; a signal only shortens one sleep):
 * whether its status reads DONE. False at once when the status holds
 * neither PENDING nor DONE, e.g. because the submission failed.
 */
static inline bool async_wait_done(struct async_syscall_entry *e,
				   int timeout_ms)
{
	long long deadline = async_test_now_ms() + timeout_ms, left;
	struct timespec ts;
	__u32 status;

	for (;;) {
		status = __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);
		if (status == STATUS_DONE)
			return true;
		if (status != STATUS_PENDING)
			return false;
		left = deadline - async_test_now_ms();
		if (left <= 0)
			return false;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		syscall(__NR_futex, &e->status, FUTEX_WAIT_PRIVATE,
			STATUS_PENDING, &ts, NULL, 0);
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
