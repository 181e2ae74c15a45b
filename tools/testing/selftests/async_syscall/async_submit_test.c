// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for async_submit(2) in batch mode (ASYNC_SUBMIT_BATCH): results,
 * chains, feeds, failure propagation, the status futex word, and the
 * rejection of bad input without side effects.
 */

#define _GNU_SOURCE
#include <assert.h>
#include <grp.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/futex.h>
#include <linux/keyctl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "async_syscall_test.h"

#ifdef __x86_64__
#ifndef __NR_uretprobe
#define __NR_uretprobe 335
#endif
#ifndef __NR_uprobe
#define __NR_uprobe 336
#endif
#endif

static_assert(sizeof(struct async_syscall_entry) == ASYNC_SYSCALL_ENTRY_SIZE_VER0,
	      "struct async_syscall_entry changed size");

static long sys_batch(struct async_syscall_entry *entries,
		      unsigned int nr_entries)
{
	return sys_async_submit(entries, nr_entries, ENTRY_SIZE,
				ASYNC_SUBMIT_BATCH);
}

/* Asynchronous submission: flags without ASYNC_SUBMIT_BATCH. */
static long sys_async(struct async_syscall_entry *entries,
		      unsigned int nr_entries)
{
	return sys_async_submit(entries, nr_entries, ENTRY_SIZE, 0);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 +
	       (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* @t1 - @t0 in milliseconds. */
static long ms_between(const struct timespec *t0, const struct timespec *t1)
{
	return (t1->tv_sec - t0->tv_sec) * 1000 +
	       (t1->tv_nsec - t0->tv_nsec) / 1000000;
}

static __u32 load_status(const struct async_syscall_entry *e)
{
	return __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);
}

/*
 * After a rejected call: no entry of the array has run, so every result
 * still holds the sentinel and no status reads DONE (the kernel may or may
 * not have written PENDING before rejecting the call).
 */
static void expect_not_run(struct __test_metadata *_metadata,
			   const void *array, unsigned int nr,
			   size_t entry_size)
{
	const char *p = array;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		const struct async_syscall_entry *e =
			(const void *)(p + (size_t)i * entry_size);

		EXPECT_EQ(RESULT_SENTINEL, e->result)
			TH_LOG("entry %u: result written by a rejected call", i);
		EXPECT_TRUE(e->status == STATUS_SENTINEL ||
			    e->status == STATUS_PENDING)
			TH_LOG("entry %u: status %u after a rejected call",
			       i, e->status);
	}
}

/* The file the canary entry would have created does not exist. */
static void expect_no_file(struct __test_metadata *_metadata,
			   const char *path)
{
	EXPECT_EQ(-1, access(path, F_OK))
		TH_LOG("%s exists: an entry of a rejected call ran", path);
	EXPECT_EQ(ENOENT, errno);
}

/* A valid submission still works after whatever the test did. */
static void expect_submit_works(struct __test_metadata *_metadata)
{
	struct async_syscall_entry e = ENTRY(__NR_getpid);

	ASSERT_EQ(1, sys_batch(&e, 1));
	EXPECT_EQ(getpid(), e.result);
	EXPECT_EQ(STATUS_DONE, e.status);
}

FIXTURE(async_submit) {
	/* Private scratch directory. */
	char dir[64];
	/* Created by the canary entry: must not exist after a rejection. */
	char canary[96];
	/* Never created: opening it fails with ENOENT. */
	char missing[96];
	/* Scratch files some tests create. */
	char file_a[96];
	char file_b[96];
	/* A mkstemp() file, if the test made one. */
	char tmpfile[64];
};

FIXTURE_SETUP(async_submit)
{
	if (!async_submit_supported())
		SKIP(return, "async_submit(2) not supported (CONFIG_ASYNC_SYSCALL=n?)");

	strcpy(self->dir, "/tmp/async_submit_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->canary, sizeof(self->canary), "%s/canary", self->dir);
	snprintf(self->missing, sizeof(self->missing), "%s/missing", self->dir);
	snprintf(self->file_a, sizeof(self->file_a), "%s/a", self->dir);
	snprintf(self->file_b, sizeof(self->file_b), "%s/b", self->dir);
}

FIXTURE_TEARDOWN(async_submit)
{
	if (self->tmpfile[0])
		unlink(self->tmpfile);
	if (!self->dir[0])
		return;
	unlink(self->canary);
	unlink(self->file_a);
	unlink(self->file_b);
	rmdir(self->dir);
}

/* An entry that creates the canary file if it ever runs. */
static struct async_syscall_entry canary_entry(const char *path)
{
	return ENTRY(__NR_openat, AT_FDCWD, PTR(path),
		     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

/*
 * Submit [canary, @bad] and expect the whole call to fail with @err, with
 * nothing run and a later valid submission working.
 */
static void expect_rejected_pair(struct __test_metadata *_metadata,
				 const char *canary,
				 struct async_syscall_entry bad, int err)
{
	struct async_syscall_entry e[2] = { canary_entry(canary), bad };

	EXPECT_EQ(-1, sys_batch(e, 2))
		TH_LOG("nr %u flags %#x accepted", bad.nr, bad.flags);
	EXPECT_EQ(err, errno)
		TH_LOG("nr %u flags %#x: %s", bad.nr, bad.flags, strerror(errno));
	expect_not_run(_metadata, e, 2, ENTRY_SIZE);
	expect_no_file(_metadata, canary);
	expect_submit_works(_metadata);
}

/* Write @len bytes of @data to a new mkstemp() file in /tmp. */
static void make_tmpfile(struct __test_metadata *_metadata, char *path,
			 size_t size, const char *data, size_t len)
{
	int fd;

	snprintf(path, size, "/tmp/async_submit_data.XXXXXX");
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)len, write(fd, data, len));
	ASSERT_EQ(0, close(fd));
}

/*
 * Basic results
 */

TEST_F(async_submit, getpid)
{
	struct async_syscall_entry e = ENTRY(__NR_getpid);

	ASSERT_EQ(1, sys_batch(&e, 1));
	EXPECT_EQ(getpid(), e.result);
	EXPECT_EQ(STATUS_DONE, e.status);
}

/* Batch mode runs the entries in the calling thread. */
TEST_F(async_submit, runs_in_calling_thread)
{
	struct async_syscall_entry e[2] = {
		ENTRY(__NR_gettid),
		ENTRY(__NR_getppid),
	};

	ASSERT_EQ(2, sys_batch(e, 2));
	EXPECT_EQ(gettid(), e[0].result);
	EXPECT_EQ(getppid(), e[1].result);
	EXPECT_EQ(STATUS_DONE, e[0].status);
	EXPECT_EQ(STATUS_DONE, e[1].status);
}

/* A failing entry reports its negative errno in @result. */
TEST_F(async_submit, error_result_is_negative_errno)
{
	struct async_syscall_entry e[2] = {
		ENTRY(__NR_close, -1),
		ENTRY(__NR_openat, AT_FDCWD, PTR(self->missing), O_RDONLY),
	};

	ASSERT_EQ(2, sys_batch(e, 2));
	EXPECT_EQ(-EBADF, e[0].result);
	EXPECT_EQ(-ENOENT, e[1].result);
	EXPECT_EQ(STATUS_DONE, e[0].status);
	EXPECT_EQ(STATUS_DONE, e[1].status);
}

/*
 * Chains and feeds
 */

/* openat -> read(fd from 0) -> close(fd from 0), in one call. */
TEST_F(async_submit, open_read_close_chain)
{
	static const char data[] = "async_submit: open, read, close\n";
	const size_t len = sizeof(data) - 1;
	char buf[128];
	struct async_syscall_entry e[3];

	make_tmpfile(_metadata, self->tmpfile, sizeof(self->tmpfile),
		     data, len);
	memset(buf, 0, sizeof(buf));

	e[0] = ENTRY(__NR_openat, AT_FDCWD, PTR(self->tmpfile),
		     O_RDONLY | O_CLOEXEC);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	/* fd -1 unless the feed replaces it. */
	e[1] = ENTRY(__NR_read, -1, PTR(buf), sizeof(buf));
	set_feed(&e[1], 0, 0, 0);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_close, -1);
	set_feed(&e[2], 0, 0, 0);

	ASSERT_EQ(3, sys_batch(e, 3));
	ASSERT_GE(e[0].result, 0);
	EXPECT_EQ((__s64)len, e[1].result);
	EXPECT_EQ(0, memcmp(buf, data, len));
	EXPECT_EQ(0, e[2].result);
	EXPECT_EQ(STATUS_DONE, e[0].status);
	EXPECT_EQ(STATUS_DONE, e[1].status);
	EXPECT_EQ(STATUS_DONE, e[2].status);
	/* The close entry really closed the descriptor openat returned. */
	EXPECT_TRUE(fd_is_closed((int)e[0].result));
}

/* A chain without feeds: write into a pipe, then read it back. */
TEST_F(async_submit, pipe_write_then_read)
{
	static const char msg[] = "through the pipe";
	char buf[64];
	int p[2];
	struct async_syscall_entry e[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC | O_NONBLOCK));
	memset(buf, 0, sizeof(buf));

	e[0] = ENTRY(__NR_write, p[1], PTR(msg), sizeof(msg));
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));

	ASSERT_EQ(2, sys_batch(e, 2));
	EXPECT_EQ((__s64)sizeof(msg), e[0].result);
	EXPECT_EQ((__s64)sizeof(msg), e[1].result);
	EXPECT_STREQ(msg, buf);
	EXPECT_EQ(STATUS_DONE, e[0].status);
	EXPECT_EQ(STATUS_DONE, e[1].status);
	close(p[0]);
	close(p[1]);
}

/* The feed source fails: its dependents are cancelled, not run. */
TEST_F(async_submit, failed_feed_source_cancels)
{
	char buf[16];
	struct async_syscall_entry e[3];
	unsigned int i;

	memset(buf, 'x', sizeof(buf));
	e[0] = ENTRY(__NR_openat, AT_FDCWD, PTR(self->missing), O_RDONLY);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_read, -1, PTR(buf), sizeof(buf));
	set_feed(&e[1], 0, 0, 0);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_close, -1);
	set_feed(&e[2], 0, 0, 0);

	ASSERT_EQ(3, sys_batch(e, 3));
	EXPECT_EQ(-ENOENT, e[0].result);
	EXPECT_EQ(-ECANCELED, e[1].result);
	EXPECT_EQ(-ECANCELED, e[2].result);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(STATUS_DONE, e[i].status) TH_LOG("entry %u", i);
	/* The read did not run. */
	EXPECT_EQ('x', buf[0]);
}

/*
 * Cancellation is transitive: 2 is fed from 1, which was cancelled because
 * its source 0 failed. 3 has no feed and still runs; 4 is another chain.
 */
TEST_F(async_submit, cancellation_is_transitive)
{
	struct async_syscall_entry e[5];
	unsigned int i;

	e[0] = ENTRY(__NR_openat, AT_FDCWD, PTR(self->missing), O_RDONLY);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_dup, -1);
	set_feed(&e[1], 0, 0, 0);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_close, -1);
	set_feed(&e[2], 0, 1, 0);
	e[2].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[3] = ENTRY(__NR_getpid);
	e[4] = ENTRY(__NR_getppid);

	ASSERT_EQ(5, sys_batch(e, 5));
	EXPECT_EQ(-ENOENT, e[0].result);
	EXPECT_EQ(-ECANCELED, e[1].result);
	EXPECT_EQ(-ECANCELED, e[2].result);
	EXPECT_EQ(getpid(), e[3].result);
	EXPECT_EQ(getppid(), e[4].result);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(STATUS_DONE, e[i].status) TH_LOG("entry %u", i);
}

/*
 * Chain order alone does not cancel: 1 follows the failed 0 without a feed
 * and runs (it creates a file); 2 is fed from 1 and closes what 1 opened.
 */
TEST_F(async_submit, chain_order_without_feed_does_not_cancel)
{
	struct async_syscall_entry e[3];

	e[0] = ENTRY(__NR_openat, AT_FDCWD, PTR(self->missing), O_RDONLY);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_openat, AT_FDCWD, PTR(self->file_a),
		     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_close, -1);
	set_feed(&e[2], 0, 1, 0);

	ASSERT_EQ(3, sys_batch(e, 3));
	EXPECT_EQ(-ENOENT, e[0].result);
	ASSERT_GE(e[1].result, 0);
	EXPECT_EQ(0, e[2].result);
	EXPECT_EQ(0, access(self->file_a, F_OK));
	EXPECT_TRUE(fd_is_closed((int)e[1].result));
	EXPECT_EQ(STATUS_DONE, e[0].status);
	EXPECT_EQ(STATUS_DONE, e[1].status);
	EXPECT_EQ(STATUS_DONE, e[2].status);
}

/*
 * Two feeds in one entry: copy_file_range() takes its input fd (slot 0)
 * from entry 0 and its output fd (slot 2) from entry 1. The last close uses
 * FEED1 alone, with feed[0] left all zero.
 */
TEST_F(async_submit, two_feeds_in_one_entry)
{
	static const char data[] = "copied by one copy_file_range entry";
	const size_t len = sizeof(data) - 1;
	char buf[64];
	struct async_syscall_entry e[5];
	unsigned int i;
	int fd;

	fd = open(self->file_a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)len, write(fd, data, len));
	ASSERT_EQ(0, close(fd));

	e[0] = ENTRY(__NR_openat, AT_FDCWD, PTR(self->file_a),
		     O_RDONLY | O_CLOEXEC);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_openat, AT_FDCWD, PTR(self->file_b),
		     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_copy_file_range, -1, 0, -1, 0, len, 0);
	set_feed(&e[2], 0, 0, 0);
	set_feed(&e[2], 1, 1, 2);
	e[2].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[3] = ENTRY(__NR_close, -1);
	set_feed(&e[3], 0, 0, 0);
	e[3].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[4] = ENTRY(__NR_close, -1);
	set_feed(&e[4], 1, 1, 0);

	ASSERT_EQ(5, sys_batch(e, 5));
	ASSERT_GE(e[0].result, 0);
	ASSERT_GE(e[1].result, 0);
	EXPECT_EQ((__s64)len, e[2].result);
	EXPECT_EQ(0, e[3].result);
	EXPECT_EQ(0, e[4].result);
	for (i = 0; i < 5; i++)
		EXPECT_EQ(STATUS_DONE, e[i].status) TH_LOG("entry %u", i);
	EXPECT_TRUE(fd_is_closed((int)e[0].result));
	EXPECT_TRUE(fd_is_closed((int)e[1].result));

	fd = open(self->file_b, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ((ssize_t)len, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, data, len));
	close(fd);
}

/*
 * The fields the kernel writes
 */

/* @user_data comes back as it was, for run, failed and cancelled entries. */
TEST_F(async_submit, user_data_untouched)
{
	struct async_syscall_entry e[4];
	unsigned int i;

	e[0] = ENTRY(__NR_getpid);
	e[1] = ENTRY(__NR_openat, AT_FDCWD, PTR(self->missing), O_RDONLY);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_close, -1);
	set_feed(&e[2], 0, 1, 0);
	e[3] = ENTRY(__NR_getppid);
	for (i = 0; i < 4; i++)
		e[i].user_data = 0xc0ffee0000000000ULL | i;
	e[3].user_data = ~0ULL;

	ASSERT_EQ(4, sys_batch(e, 4));
	EXPECT_EQ(-ECANCELED, e[2].result);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0xc0ffee0000000000ULL | i, e[i].user_data);
	EXPECT_EQ(~0ULL, e[3].user_data);

	/* Nor does a rejected call touch it. */
	e[0] = ENTRY(__NR_getpid);
	e[0].user_data = 0x1234567890abcdefULL;
	e[0].flags = 1U << 31;
	EXPECT_EQ(-1, sys_batch(e, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0x1234567890abcdefULL, e[0].user_data);
}

/*
 * Every entry ends DONE, whether it succeeded, failed or was cancelled, and
 * the input fields other than @args are left as they were.
 */
TEST_F(async_submit, status_done_after_completion)
{
	struct async_syscall_entry e[3], before[3];
	unsigned int i;

	e[0] = ENTRY(__NR_getpid);
	e[1] = ENTRY(__NR_close, -1);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_dup, -1);
	set_feed(&e[2], 0, 1, 0);
	memcpy(before, e, sizeof(e));

	ASSERT_EQ(3, sys_batch(e, 3));
	EXPECT_EQ(getpid(), e[0].result);
	EXPECT_EQ(-EBADF, e[1].result);
	EXPECT_EQ(-ECANCELED, e[2].result);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(STATUS_DONE, e[i].status) TH_LOG("entry %u", i);
		EXPECT_EQ(before[i].nr, e[i].nr);
		EXPECT_EQ(before[i].flags, e[i].flags);
		EXPECT_EQ(0, memcmp(before[i].feed, e[i].feed,
				    sizeof(e[i].feed)));
		EXPECT_EQ(before[i].user_data, e[i].user_data);
		EXPECT_EQ(0U, e[i].__reserved);
	}
}

/* How long an entry that can run may take to complete (slow guests). */
#define DONE_TIMEOUT_MS	10000
/* A waiter that must be woken sleeps at most this long... */
#define WOKEN_TIMEOUT_MS	2000
/* ... and must be woken within this after the entry can complete. */
#define WOKEN_WITHIN_MS		1500
/* A waiter that must not be woken sleeps this long. */
#define NOT_WOKEN_TIMEOUT_MS	400

/* A thread sleeping on a status word. */
struct futex_waiter {
	__u32 *word;
	/* The protocol (async_status_wait()), else a raw wait on @val. */
	bool arm;
	__u32 val;
	long timeout_ms;
	int ready;
	pid_t tid;
	long ret;
	int err;
	/* The word after the wait. */
	__u32 seen;
	struct timespec woke;
};

static void *futex_waiter_fn(void *arg)
{
	struct futex_waiter *w = arg;
	struct timespec timeout = {
		.tv_sec = w->timeout_ms / 1000,
		.tv_nsec = (w->timeout_ms % 1000) * 1000000,
	};

	w->tid = gettid();
	__atomic_store_n(&w->ready, 1, __ATOMIC_SEQ_CST);
	if (w->arm)
		w->ret = async_status_wait(w->word, w->timeout_ms);
	else
		w->ret = syscall(__NR_futex, w->word, FUTEX_WAIT_PRIVATE,
				 w->val, &timeout, NULL, 0);
	w->err = errno;
	w->seen = __atomic_load_n(w->word, __ATOMIC_SEQ_CST);
	clock_gettime(CLOCK_MONOTONIC, &w->woke);
	return NULL;
}

/* Whether thread @tid sleeps, in system call @nr where /proc can tell. */
static bool thread_sleeps_in(pid_t tid, long nr)
{
	char path[64], buf[512], *p;
	bool sleeping = false;
	long cur;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		p = strrchr(buf, ')');
		sleeping = p && p[1] == ' ' && p[2] == 'S';
	}
	fclose(f);
	if (!sleeping)
		return false;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fscanf(f, "%ld", &cur) == 1)
		sleeping = cur == nr;
	fclose(f);
	return sleeping;
}

/* Whether thread @tid sleeps in futex(). */
static bool thread_sleeps_in_futex(pid_t tid)
{
	return thread_sleeps_in(tid, __NR_futex);
}

/* Wait up to 2 s for thread @tid to sleep in system call @nr. */
static bool wait_sleeps_in(pid_t tid, long nr)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (thread_sleeps_in(tid, nr))
			return true;
		usleep(10 * 1000);
	}
	return false;
}

/* Start waiter @w on @word and return once it sleeps in futex(). */
static void start_waiter(struct __test_metadata *_metadata,
			 struct futex_waiter *w, pthread_t *thread,
			 __u32 *word, bool arm, __u32 val, long timeout_ms)
{
	int i;

	memset(w, 0, sizeof(*w));
	w->word = word;
	w->arm = arm;
	w->val = val;
	w->timeout_ms = timeout_ms;
	ASSERT_EQ(0, pthread_create(thread, NULL, futex_waiter_fn, w));
	for (i = 0; i < 200; i++) {
		if (__atomic_load_n(&w->ready, __ATOMIC_SEQ_CST))
			break;
		usleep(10 * 1000);
	}
	ASSERT_LT(i, 200) TH_LOG("the waiter never started");
	ASSERT_TRUE(wait_sleeps_in(w->tid, __NR_futex))
		TH_LOG("the waiter never blocked in futex()");
}

/*
 * @status is a futex word: a thread that armed the waiters bit (before
 * the submission, which keeps it) and sleeps in FUTEX_WAIT_PRIVATE on
 * PENDING | WAITERS is woken when the kernel sets it to DONE.
 */
TEST_F(async_submit, status_futex_wakes_waiter)
{
	struct timespec nap = { .tv_nsec = 200 * 1000 * 1000 };
	struct async_syscall_entry e[2];
	struct futex_waiter w;
	struct timespec t0;
	pthread_t thread;
	long waited_ms;

	e[0] = ENTRY(__NR_nanosleep, PTR(&nap), 0);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_getpid);
	e[0].status = ASYNC_SYSCALL_STATUS_PENDING;
	e[1].status = ASYNC_SYSCALL_STATUS_PENDING;

	/* Make sure the waiter is blocked before submitting. */
	start_waiter(_metadata, &w, &thread, &e[1].status, true, 0, 10000);
	ASSERT_EQ(STATUS_PENDING | STATUS_WAITERS, load_status(&e[1]))
		TH_LOG("the waiter did not arm the word");
	usleep(50 * 1000);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(2, sys_batch(e, 2));
	ASSERT_EQ(0, pthread_join(thread, NULL));

	/*
	 * Woken (not EAGAIN: it was blocked; not ETIMEDOUT: the submission
	 * kept the bit and the completion saw it).
	 */
	EXPECT_EQ(0, w.ret) TH_LOG("futex wait: %s", strerror(w.err));
	EXPECT_EQ(STATUS_DONE, w.seen);
	EXPECT_EQ(getpid(), e[1].result);
	EXPECT_EQ(STATUS_DONE, e[1].status);
	/* Woken by completion, after the nanosleep, not at submission. */
	waited_ms = ms_between(&t0, &w.woke);
	EXPECT_GE(waited_ms, 150);
}

/*
 * The waiters bit (ASYNC_SYSCALL_STATUS_WAITERS)
 */

/*
 * Submit, in asynchronous mode, one read() of a byte on pipe @p: it blocks
 * until the test writes. Its status is exactly PENDING afterwards.
 */
static void submit_pipe_read(struct __test_metadata *_metadata,
			     struct async_syscall_entry *e, int p[2],
			     char *buf)
{
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	*e = ENTRY(__NR_read, p[0], PTR(buf), 1);
	ASSERT_EQ(1, sys_async(e, 1)) TH_LOG("async_submit: %s",
					     strerror(errno));
	/* Nobody waits yet: exactly PENDING. */
	ASSERT_EQ(STATUS_PENDING, load_status(e));
}

/* Complete the pipe read of submit_pipe_read() after @ms: the write time. */
static void complete_pipe_read(struct __test_metadata *_metadata, int p[2],
			       long ms, struct timespec *written)
{
	usleep(ms * 1000);
	clock_gettime(CLOCK_MONOTONIC, written);
	ASSERT_EQ(1, write(p[1], "w", 1));
}

/*
 * The end of a woken-waiter test: waiter @w woke within WOKEN_WITHIN_MS of
 * the write at @written, saw DONE, and the pipe read of @e into @buf
 * completed; closes the pipe @p.
 */
static void expect_woken_read(struct __test_metadata *_metadata,
			      const struct futex_waiter *w,
			      const struct timespec *written,
			      struct async_syscall_entry *e, char buf,
			      int p[2])
{
	EXPECT_LT(ms_between(written, &w->woke), WOKEN_WITHIN_MS);
	EXPECT_EQ(STATUS_DONE, w->seen);
	EXPECT_EQ(STATUS_DONE, load_status(e));
	EXPECT_EQ(1, e->result);
	EXPECT_EQ('w', buf);
	close(p[0]);
	close(p[1]);
}

/*
 * A thread sleeping on a pending status without the waiters bit (a raw
 * FUTEX_WAIT_PRIVATE on PENDING) is not woken by the completion: the
 * kernel skips the wake. It sleeps until its timeout.
 */
TEST_F(async_submit, waiter_without_bit_not_woken)
{
	struct async_syscall_entry e;
	struct timespec written;
	struct futex_waiter w;
	pthread_t thread;
	char buf = 0;
	int p[2];

	submit_pipe_read(_metadata, &e, p, &buf);
	start_waiter(_metadata, &w, &thread, &e.status, false, STATUS_PENDING,
		     NOT_WOKEN_TIMEOUT_MS);
	/* Only now can the read complete: the waiter is asleep. */
	complete_pipe_read(_metadata, p, 50, &written);
	/* Never wait with the protocol before the raw waiter is done. */
	ASSERT_EQ(0, pthread_join(thread, NULL));

	EXPECT_EQ(-1, w.ret)
		TH_LOG("the waiter was woken (%ld ms after the write)",
		       ms_between(&written, &w.woke));
	EXPECT_EQ(ETIMEDOUT, w.err) TH_LOG("futex wait: %s", strerror(w.err));
	/* The entry did complete while the waiter slept. */
	EXPECT_EQ(STATUS_DONE, w.seen)
		TH_LOG("not complete %d ms after the write: cannot tell",
		       NOT_WOKEN_TIMEOUT_MS - 50);
	ASSERT_TRUE(async_wait_done(&e, DONE_TIMEOUT_MS));
	EXPECT_EQ(STATUS_DONE, load_status(&e));
	EXPECT_EQ(1, e.result);
	EXPECT_EQ('w', buf);
	close(p[0]);
	close(p[1]);
}

/*
 * A thread that arms the waiters bit after the submission and sleeps on
 * PENDING | WAITERS is woken by the completion.
 */
TEST_F(async_submit, waiter_with_bit_woken)
{
	struct async_syscall_entry e;
	struct timespec written;
	struct futex_waiter w;
	pthread_t thread;
	char buf = 0;
	int p[2];

	submit_pipe_read(_metadata, &e, p, &buf);
	start_waiter(_metadata, &w, &thread, &e.status, true, 0,
		     WOKEN_TIMEOUT_MS);
	EXPECT_EQ(STATUS_PENDING | STATUS_WAITERS, load_status(&e))
		TH_LOG("the waiter did not arm the word");
	complete_pipe_read(_metadata, p, 100, &written);
	ASSERT_EQ(0, pthread_join(thread, NULL));

	EXPECT_TRUE(w.ret == 0 || w.err == EAGAIN)
		TH_LOG("futex wait: %s", strerror(w.err));
	expect_woken_read(_metadata, &w, &written, &e, buf, p);
}

/*
 * The waiters bit set before async_submit() (the word holds exactly
 * WAITERS) survives the submission: a thread already sleeping on WAITERS
 * is not woken by the submission but by the completion.
 */
TEST_F(async_submit, waiters_bit_kept_from_before_submit)
{
	struct async_syscall_entry e;
	struct timespec written;
	struct futex_waiter w;
	pthread_t thread;
	char buf = 0;
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	e = ENTRY(__NR_read, p[0], PTR(&buf), 1);
	e.status = STATUS_WAITERS;
	start_waiter(_metadata, &w, &thread, &e.status, false, STATUS_WAITERS,
		     WOKEN_TIMEOUT_MS);

	ASSERT_EQ(1, sys_async(&e, 1))
		TH_LOG("async_submit: %s", strerror(errno));
	EXPECT_EQ(STATUS_PENDING | STATUS_WAITERS, load_status(&e))
		TH_LOG("the submission did not keep the bit");
	usleep(50 * 1000);
	/* Still asleep: the submission did not wake it. */
	EXPECT_TRUE(thread_sleeps_in_futex(w.tid));
	EXPECT_EQ(STATUS_PENDING | STATUS_WAITERS, load_status(&e));
	complete_pipe_read(_metadata, p, 50, &written);
	ASSERT_EQ(0, pthread_join(thread, NULL));

	EXPECT_EQ(0, w.ret) TH_LOG("futex wait: %s", strerror(w.err));
	EXPECT_GE(ms_between(&written, &w.woke), 0)
		TH_LOG("woken before the entry could complete");
	expect_woken_read(_metadata, &w, &written, &e, buf, p);
}

/*
 * After a completion with waiters (the bit set before the call and a
 * thread asleep on one word) every word reads exactly DONE, the bit
 * cleared, in batch and asynchronous mode.
 */
TEST_F(async_submit, status_exactly_done)
{
	struct timespec nap = { .tv_nsec = 100 * 1000 * 1000 };
	const __s64 expect[3] = { 0, getppid(), getpid() };
	struct async_syscall_entry e[3];
	struct futex_waiter w;
	pthread_t thread;
	unsigned int i;
	int batch;

	for (batch = 1; batch >= 0; batch--) {
		e[0] = ENTRY(__NR_nanosleep, PTR(&nap), 0);
		e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[1] = ENTRY(__NR_getppid);
		e[2] = ENTRY(__NR_getpid);
		for (i = 0; i < 3; i++)
			e[i].status = STATUS_WAITERS;
		start_waiter(_metadata, &w, &thread, &e[1].status, true, 0,
			     WOKEN_TIMEOUT_MS);

		if (batch) {
			EXPECT_EQ(3, sys_batch(e, 3))
				TH_LOG("async_submit: %s", strerror(errno));
		} else {
			EXPECT_EQ(3, sys_async(e, 3))
				TH_LOG("async_submit: %s", strerror(errno));
			EXPECT_EQ(-1, async_wait_all_done(e, 3,
							  DONE_TIMEOUT_MS));
		}
		ASSERT_EQ(0, pthread_join(thread, NULL));
		EXPECT_EQ(0, w.ret) TH_LOG("%s mode: futex wait: %s",
					   batch ? "batch" : "async",
					   strerror(w.err));
		for (i = 0; i < 3; i++) {
			EXPECT_EQ(STATUS_DONE, load_status(&e[i]))
				TH_LOG("%s mode, entry %u: status %#x",
				       batch ? "batch" : "async", i,
				       load_status(&e[i]));
			EXPECT_EQ(expect[i], e[i].result)
				TH_LOG("%s mode, entry %u",
				       batch ? "batch" : "async", i);
		}
	}
}

/* Status words before an asynchronous submission, and while blocked. */
static const __u32 garbage_before[] = {
	0x12345678, STATUS_DONE, 0x7fffffff, 0x80000001, 0xffffffff,
};

static const __u32 garbage_blocked[] = {
	STATUS_PENDING, STATUS_PENDING, STATUS_PENDING,
	STATUS_PENDING | STATUS_WAITERS, STATUS_PENDING | STATUS_WAITERS,
};

#define NR_GARBAGE	ARRAY_SIZE(garbage_before)

/*
 * Whatever a status word holds before the submission, it reads PENDING
 * (with the waiters bit if that was set, nothing else) until the entry
 * completes, then exactly DONE. In batch mode too.
 */
TEST_F(async_submit, garbage_status_reset)
{
	struct async_syscall_entry e[NR_GARBAGE];
	int p[NR_GARBAGE][2], round;
	char buf[NR_GARBAGE];
	unsigned int i;

	/* Batch mode: completed entries read exactly DONE. */
	for (i = 0; i < NR_GARBAGE; i++) {
		e[i] = ENTRY(__NR_getppid);
		e[i].status = garbage_before[i];
	}
	ASSERT_EQ((long)NR_GARBAGE, sys_batch(e, NR_GARBAGE));
	for (i = 0; i < NR_GARBAGE; i++) {
		EXPECT_EQ(STATUS_DONE, e[i].status)
			TH_LOG("batch, before %#x: %#x", garbage_before[i],
			       e[i].status);
		EXPECT_EQ(getppid(), e[i].result);
	}

	/* Asynchronous mode: blocked reads, one chain each. */
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < NR_GARBAGE; i++) {
		ASSERT_EQ(0, pipe2(p[i], O_CLOEXEC));
		e[i] = ENTRY(__NR_read, p[i][0], PTR(&buf[i]), 1);
		e[i].status = garbage_before[i];
	}
	ASSERT_EQ((long)NR_GARBAGE, sys_async(e, NR_GARBAGE))
		TH_LOG("async_submit: %s", strerror(errno));
	/* At once, and again once the reads are surely blocked. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < NR_GARBAGE; i++) {
			EXPECT_EQ(garbage_blocked[i], load_status(&e[i]))
				TH_LOG("before %#x: %#x (round %d)",
				       garbage_before[i], load_status(&e[i]),
				       round);
		}
		usleep(100 * 1000);
	}
	for (i = 0; i < NR_GARBAGE; i++)
		ASSERT_EQ(1, write(p[i][1], "g", 1));
	EXPECT_EQ(-1, async_wait_all_done(e, NR_GARBAGE, DONE_TIMEOUT_MS));
	for (i = 0; i < NR_GARBAGE; i++) {
		EXPECT_EQ(STATUS_DONE, load_status(&e[i]))
			TH_LOG("before %#x: %#x", garbage_before[i],
			       load_status(&e[i]));
		EXPECT_EQ(1, e[i].result);
		EXPECT_EQ('g', buf[i]);
		close(p[i][0]);
		close(p[i][1]);
	}
}

/* A thread that waits, by the protocol, for an entry of another's batch. */
struct batch_watcher {
	struct async_syscall_entry *e;
	int ready;
	/* Whether the batch marked the entry pending before it completed. */
	bool saw_pending;
	long ret;
	int err;
	__u32 seen;
	struct timespec armed, woke;
};

static void *batch_watcher_fn(void *arg)
{
	struct batch_watcher *b = arg;
	long long deadline = async_test_now_ms() + DONE_TIMEOUT_MS;
	__u32 s;

	__atomic_store_n(&b->ready, 1, __ATOMIC_SEQ_CST);
	/* The call has started once it marked the entry. */
	while ((s = load_status(b->e)) == STATUS_SENTINEL &&
	       async_test_now_ms() < deadline)
		usleep(1000);
	b->saw_pending = async_status_pending(s);
	clock_gettime(CLOCK_MONOTONIC, &b->armed);
	b->ret = async_status_wait(&b->e->status, WOKEN_TIMEOUT_MS);
	b->err = errno;
	b->seen = load_status(b->e);
	clock_gettime(CLOCK_MONOTONIC, &b->woke);
	return NULL;
}

/*
 * Batch mode: while the calling thread runs [nanosleep 100 ms, getppid],
 * another thread arms the second entry's word and waits: the completion,
 * in the calling thread, wakes it.
 */
TEST_F(async_submit, batch_mode_wakes_other_thread)
{
	struct timespec nap = { .tv_nsec = 100 * 1000 * 1000 };
	struct async_syscall_entry e[2];
	struct batch_watcher b = { .e = &e[1] };
	pthread_t thread;

	e[0] = ENTRY(__NR_nanosleep, PTR(&nap), 0);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_getppid);
	ASSERT_EQ(0, pthread_create(&thread, NULL, batch_watcher_fn, &b));
	while (!__atomic_load_n(&b.ready, __ATOMIC_SEQ_CST))
		usleep(1000);

	EXPECT_EQ(2, sys_batch(e, 2)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_TRUE(b.saw_pending) TH_LOG("status %#x", b.seen);
	EXPECT_TRUE(b.ret == 0 || b.err == EAGAIN)
		TH_LOG("futex wait: %s", strerror(b.err));
	EXPECT_LT(ms_between(&b.armed, &b.woke), WOKEN_WITHIN_MS);
	EXPECT_EQ(STATUS_DONE, b.seen);
	EXPECT_EQ(getppid(), e[1].result);
	EXPECT_EQ(STATUS_DONE, e[1].status);
	EXPECT_EQ(0, e[0].result);
}

/* Writes a byte to @fd once @tid sleeps in futex_waitv(), plus 100 ms. */
struct waitv_writer {
	pid_t tid;
	int fd;
	bool saw_sleep;
	struct timespec written;
};

static void *waitv_writer_fn(void *arg)
{
	struct waitv_writer *wr = arg;

	wr->saw_sleep = wait_sleeps_in(wr->tid, __NR_futex_waitv);
	usleep(100 * 1000);
	clock_gettime(CLOCK_MONOTONIC, &wr->written);
	if (write(wr->fd, "v", 1) != 1)
		return (void *)1;
	return NULL;
}

/*
 * futex_waitv() over three armed words, each PENDING | WAITERS: the
 * completion of any one entry wakes it, with that entry's index.
 */
TEST_F(async_submit, waitv_with_bit)
{
	struct async_syscall_entry e[3];
	struct waitv_writer wr;
	struct futex_waitv fw[3];
	struct timespec deadline, woke;
	pthread_t writer;
	int p[3][2];
	char buf[3];
	unsigned int i;
	void *wret;
	long ret;

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, pipe2(p[i], O_CLOEXEC));
		e[i] = ENTRY(__NR_read, p[i][0], PTR(&buf[i]), 1);
	}
	ASSERT_EQ(3, sys_async(e, 3)) TH_LOG("async_submit: %s",
					     strerror(errno));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(STATUS_PENDING | STATUS_WAITERS,
			  async_status_arm(&e[i].status, load_status(&e[i])))
			TH_LOG("entry %u", i);
		fw[i] = (struct futex_waitv) {
			.val = STATUS_PENDING | STATUS_WAITERS,
			.uaddr = PTR(&e[i].status),
			.flags = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE,
		};
	}
	/* The middle entry completes while this thread sleeps. */
	wr = (struct waitv_writer) { .tid = gettid(), .fd = p[1][1] };
	ASSERT_EQ(0, pthread_create(&writer, NULL, waitv_writer_fn, &wr));
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &deadline));
	deadline.tv_sec += WOKEN_TIMEOUT_MS / 1000;
	ret = syscall(__NR_futex_waitv, fw, 3, 0, &deadline, CLOCK_MONOTONIC);
	clock_gettime(CLOCK_MONOTONIC, &woke);
	ASSERT_EQ(0, pthread_join(writer, &wret));
	ASSERT_EQ(NULL, wret);
	EXPECT_TRUE(wr.saw_sleep)
		TH_LOG("never saw this thread in futex_waitv()");

	EXPECT_EQ(1, ret) TH_LOG("futex_waitv: %s", strerror(errno));
	EXPECT_LT(ms_between(&wr.written, &woke), WOKEN_WITHIN_MS);
	EXPECT_EQ(STATUS_DONE, load_status(&e[1]));
	EXPECT_EQ(1, e[1].result);
	/* The others are still pending, armed. */
	EXPECT_EQ(STATUS_PENDING | STATUS_WAITERS, load_status(&e[0]));
	EXPECT_EQ(STATUS_PENDING | STATUS_WAITERS, load_status(&e[2]));

	ASSERT_EQ(1, write(p[0][1], "v", 1));
	ASSERT_EQ(1, write(p[2][1], "v", 1));
	EXPECT_EQ(-1, async_wait_all_done(e, 3, DONE_TIMEOUT_MS));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(STATUS_DONE, load_status(&e[i]))
			TH_LOG("entry %u", i);
		EXPECT_EQ(1, e[i].result) TH_LOG("entry %u", i);
		EXPECT_EQ('v', buf[i]) TH_LOG("entry %u", i);
		close(p[i][0]);
		close(p[i][1]);
	}
}

/*
 * Interrupted entries
 */

/* Set by the SIGALRM handler. */
static int alarm_fired;

static void on_alarm(int sig)
{
	(void)sig;
	__atomic_store_n(&alarm_fired, 1, __ATOMIC_SEQ_CST);
}

/* SIGALRM in @ms milliseconds, to a handler installed with @sa_flags. */
static void arm_alarm(struct __test_metadata *_metadata, int sa_flags, long ms)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = sa_flags };
	struct itimerval it = {
		.it_value = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 },
	};

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	__atomic_store_n(&alarm_fired, 0, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
}

/* What a thread writes to a pipe after a delay. */
struct late_write {
	int fd;
	long ms;
};

static void *write_late(void *arg)
{
	struct late_write *w = arg;

	usleep(w->ms * 1000);
	if (write(w->fd, "x", 1) != 1)
		return (void *)1;
	return NULL;
}

/*
 * The first entry of a batch, a read() blocked on an empty pipe, is
 * interrupted by a signal whose handler has no SA_RESTART: the whole call
 * fails with EINTR, as that read() would have, and nothing completed.
 */
TEST_F(async_submit, interrupted_first_entry_fails_the_call)
{
	struct async_syscall_entry e[2];
	struct timespec t0;
	char buf[8];
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	e[0] = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_getpid);

	arm_alarm(_metadata, 0, 200);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-1, sys_batch(e, 2));
	EXPECT_EQ(EINTR, errno);
	EXPECT_LT(ms_since(&t0), 5000);
	EXPECT_EQ(1, __atomic_load_n(&alarm_fired, __ATOMIC_SEQ_CST));
	/* Nothing ran to completion: both can be submitted again. */
	EXPECT_EQ(STATUS_PENDING, e[0].status);
	EXPECT_EQ(STATUS_PENDING, e[1].status);
	EXPECT_EQ(RESULT_SENTINEL, e[0].result);
	EXPECT_EQ(RESULT_SENTINEL, e[1].result);
	close(p[0]);
	close(p[1]);
	expect_submit_works(_metadata);
}

/*
 * With SA_RESTART the interrupted first entry is restarted with the whole
 * call, transparently: the read() then gets the byte written later.
 */
TEST_F(async_submit, interrupted_first_entry_restarts_with_sa_restart)
{
	struct async_syscall_entry e[2];
	struct late_write w;
	struct timespec t0;
	pthread_t writer;
	char buf[8];
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	e[0] = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_getpid);
	w.fd = p[1];
	w.ms = 600;

	arm_alarm(_metadata, SA_RESTART, 200);
	ASSERT_EQ(0, pthread_create(&writer, NULL, write_late, &w));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(2, sys_batch(e, 2)) TH_LOG("async_submit: %s",
					     strerror(errno));
	EXPECT_LT(ms_since(&t0), 5000);
	EXPECT_EQ(1, __atomic_load_n(&alarm_fired, __ATOMIC_SEQ_CST));
	EXPECT_EQ(1, e[0].result);
	EXPECT_EQ(getpid(), e[1].result);
	EXPECT_EQ(STATUS_DONE, e[0].status);
	EXPECT_EQ(STATUS_DONE, e[1].status);
	ASSERT_EQ(0, pthread_join(writer, NULL));
	close(p[0]);
	close(p[1]);
}

/*
 * A later entry interrupted: the call returns the number of entries that
 * completed; the interrupted one and the rest stay pending, not run, and
 * no restart code ever reaches a result.
 */
TEST_F(async_submit, interrupted_later_entry_returns_the_count)
{
	struct timespec req = { .tv_sec = 10 }, rem = { 0 };
	struct async_syscall_entry e[3];
	struct timespec t0;

	e[0] = ENTRY(__NR_getpid);
	e[1] = ENTRY(__NR_nanosleep, PTR(&req), PTR(&rem));
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_getppid);

	arm_alarm(_metadata, 0, 200);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(1, sys_batch(e, 3));
	EXPECT_LT(ms_since(&t0), 5000);
	EXPECT_EQ(1, __atomic_load_n(&alarm_fired, __ATOMIC_SEQ_CST));
	EXPECT_EQ(getpid(), e[0].result);
	EXPECT_EQ(STATUS_DONE, e[0].status);
	EXPECT_EQ(STATUS_PENDING, e[1].status);
	EXPECT_EQ(STATUS_PENDING, e[2].status);
	EXPECT_EQ(RESULT_SENTINEL, e[1].result);
	/* The rest can be submitted again. */
	req.tv_sec = 0;
	e[1].status = STATUS_SENTINEL;
	e[2].status = STATUS_SENTINEL;
	EXPECT_EQ(2, sys_batch(&e[1], 2));
	EXPECT_EQ(0, e[1].result);
	EXPECT_EQ(getppid(), e[2].result);
}

/*
 * Entry size
 */

/* A larger entry_size whose bytes past the first 96 are zero is accepted. */
TEST_F(async_submit, larger_entry_size_zero_tail_accepted)
{
	static const size_t sizes[] = { 104, 128, 4096 };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t size = sizes[i];
		char *buf = calloc(3, size);
		struct async_syscall_entry *e[3];

		ASSERT_NE(NULL, buf);
		for (j = 0; j < 3; j++)
			e[j] = (void *)(buf + j * size);
		*e[0] = ENTRY(__NR_getpid);
		*e[1] = ENTRY(__NR_getppid);
		*e[2] = ENTRY(__NR_gettid);

		EXPECT_EQ(3, sys_async_submit(e[0], 3, size, ASYNC_SUBMIT_BATCH))
			TH_LOG("entry_size %zu: %s", size, strerror(errno));
		EXPECT_EQ(getpid(), e[0]->result);
		EXPECT_EQ(getppid(), e[1]->result);
		EXPECT_EQ(gettid(), e[2]->result);
		for (j = 0; j < 3; j++) {
			const char *tail = (const char *)(e[j] + 1);
			size_t k;

			EXPECT_EQ(STATUS_DONE, e[j]->status);
			/* The kernel did not write past the known fields. */
			for (k = 0; k < size - ENTRY_SIZE; k++)
				if (tail[k])
					break;
			EXPECT_EQ(size - ENTRY_SIZE, k);
		}
		free(buf);
	}
}

/* A nonzero byte past the first 96 of any entry: E2BIG, nothing runs. */
TEST_F(async_submit, larger_entry_size_nonzero_tail_e2big)
{
	const size_t size = 128;
	static const size_t offsets[] = { 96, 127 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		char *buf = calloc(2, size);
		struct async_syscall_entry *e0 = (void *)buf;
		struct async_syscall_entry *e1 = (void *)(buf + size);

		ASSERT_NE(NULL, buf);
		*e0 = canary_entry(self->canary);
		*e1 = ENTRY(__NR_getpid);
		/* In the second entry, so the first must not have run. */
		buf[size + offsets[i]] = 1;

		EXPECT_EQ(-1, sys_async_submit(e0, 2, size, ASYNC_SUBMIT_BATCH));
		EXPECT_EQ(E2BIG, errno) TH_LOG("tail byte at %zu", offsets[i]);
		expect_not_run(_metadata, buf, 2, size);
		expect_no_file(_metadata, self->canary);
		free(buf);
	}
	expect_submit_works(_metadata);
}

/* entry_size below 96 or not a multiple of 8: EINVAL. */
TEST_F(async_submit, bad_entry_size_einval)
{
	static const size_t sizes[] = { 0, 8, 88, 95, 97, 100, 132 };
	struct async_syscall_entry e[2];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(e, 0, sizeof(e));
		e[0] = canary_entry(self->canary);
		EXPECT_EQ(-1, sys_async_submit(e, 1, sizes[i],
					       ASYNC_SUBMIT_BATCH));
		EXPECT_EQ(EINVAL, errno) TH_LOG("entry_size %zu", sizes[i]);
		expect_not_run(_metadata, e, 1, ENTRY_SIZE);
		expect_no_file(_metadata, self->canary);
	}
	expect_submit_works(_metadata);
}

/* entry_size above 4096 (a multiple of 8): E2BIG. */
TEST_F(async_submit, entry_size_over_4096_e2big)
{
	const size_t size = 4096 + 8;
	char *buf = calloc(2, size);
	struct async_syscall_entry *e = (void *)buf;

	ASSERT_NE(NULL, buf);
	*e = canary_entry(self->canary);
	EXPECT_EQ(-1, sys_async_submit(e, 1, size, ASYNC_SUBMIT_BATCH));
	EXPECT_EQ(E2BIG, errno);
	expect_not_run(_metadata, e, 1, size);
	expect_no_file(_metadata, self->canary);
	free(buf);
	expect_submit_works(_metadata);
}

/*
 * Bad arrays
 */

TEST_F(async_submit, null_array_efault)
{
	EXPECT_EQ(-1, sys_batch(NULL, 1));
	EXPECT_EQ(EFAULT, errno);
	expect_submit_works(_metadata);
}

TEST_F(async_submit, unmapped_array_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p, page));

	EXPECT_EQ(-1, sys_batch(p, 1));
	EXPECT_EQ(EFAULT, errno);
	expect_submit_works(_metadata);
}

/* The array runs off the end of its mapping: EFAULT, nothing runs. */
TEST_F(async_submit, array_partly_unmapped_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned int fit = page / ENTRY_SIZE, i;
	struct async_syscall_entry *e;
	char *p;

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + page, page));

	e = (void *)p;
	e[0] = canary_entry(self->canary);
	for (i = 1; i < fit; i++)
		e[i] = ENTRY(__NR_getpid);

	/* Entry @fit straddles the end of the mapping. */
	EXPECT_EQ(-1, sys_batch(e, fit + 1));
	EXPECT_EQ(EFAULT, errno);
	expect_not_run(_metadata, e, fit, ENTRY_SIZE);
	expect_no_file(_metadata, self->canary);
	munmap(p, page);
	expect_submit_works(_metadata);
}

/* An entries array that is not 8-byte aligned: EINVAL, nothing runs. */
TEST_F(async_submit, misaligned_array_einval)
{
	static const size_t offsets[] = { 1, 4 };
	struct async_syscall_entry e[3], canary;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(offsets); i++) {
		char *p = (char *)e + offsets[i];

		memset(e, 0, sizeof(e));
		canary = canary_entry(self->canary);
		memcpy(p, &canary, sizeof(canary));

		EXPECT_EQ(-1, sys_batch((void *)p, 1));
		EXPECT_EQ(EINVAL, errno) TH_LOG("offset %zu", offsets[i]);
		memcpy(&canary, p, sizeof(canary));
		EXPECT_EQ(RESULT_SENTINEL, canary.result);
		EXPECT_NE(STATUS_DONE, canary.status);
		expect_no_file(_metadata, self->canary);
	}
	expect_submit_works(_metadata);
}

/* Valid entries in a read-only mapping: EFAULT, since results are written. */
TEST_F(async_submit, readonly_array_efault)
{
	long page = sysconf(_SC_PAGESIZE);
	struct async_syscall_entry *e;

	e = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, e);
	e[0] = canary_entry(self->canary);
	e[1] = ENTRY(__NR_getpid);
	ASSERT_EQ(0, mprotect(e, page, PROT_READ));

	EXPECT_EQ(-1, sys_batch(e, 2));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(RESULT_SENTINEL, e[0].result);
	EXPECT_EQ(RESULT_SENTINEL, e[1].result);
	EXPECT_EQ(STATUS_SENTINEL, e[0].status);
	EXPECT_EQ(STATUS_SENTINEL, e[1].status);
	expect_no_file(_metadata, self->canary);
	munmap(e, page);
	expect_submit_works(_metadata);
}

/*
 * Bad counts and flags
 */

TEST_F(async_submit, zero_entries_einval)
{
	struct async_syscall_entry e = canary_entry(self->canary);

	EXPECT_EQ(-1, sys_batch(&e, 0));
	EXPECT_EQ(EINVAL, errno);
	expect_not_run(_metadata, &e, 1, ENTRY_SIZE);
	expect_no_file(_metadata, self->canary);
	expect_submit_works(_metadata);
}

/* ASYNC_SUBMIT_MAX_ENTRIES getppid() entries in one batch, all correct. */
TEST_F(async_submit, max_entries)
{
	const unsigned int nr = ASYNC_SUBMIT_MAX_ENTRIES;
	struct async_syscall_entry *e = calloc(nr, ENTRY_SIZE);
	pid_t ppid = getppid();
	unsigned int i, bad = 0;

	ASSERT_NE(NULL, e);
	for (i = 0; i < nr; i++)
		e[i] = ENTRY(__NR_getppid);

	ASSERT_EQ(nr, sys_batch(e, nr));
	for (i = 0; i < nr; i++) {
		if (e[i].result == ppid && e[i].status == STATUS_DONE)
			continue;
		if (bad++ < 5)
			TH_LOG("entry %u: result %lld status %u", i,
			       (long long)e[i].result, e[i].status);
	}
	EXPECT_EQ(0U, bad);
	free(e);
}

TEST_F(async_submit, too_many_entries_e2big)
{
	const unsigned int nr = ASYNC_SUBMIT_MAX_ENTRIES + 1;
	struct async_syscall_entry *e = calloc(nr, ENTRY_SIZE);
	unsigned int i;

	ASSERT_NE(NULL, e);
	e[0] = canary_entry(self->canary);
	for (i = 1; i < nr; i++)
		e[i] = ENTRY(__NR_getppid);

	EXPECT_EQ(-1, sys_batch(e, nr));
	EXPECT_EQ(E2BIG, errno);
	expect_not_run(_metadata, e, nr, ENTRY_SIZE);
	expect_no_file(_metadata, self->canary);
	free(e);
	expect_submit_works(_metadata);
}

TEST_F(async_submit, unknown_submit_flags_einval)
{
	static const unsigned int bad_flags[] = {
		ASYNC_SUBMIT_BATCH | (1U << 31),
		ASYNC_SUBMIT_BATCH | (1U << 1),
		1U << 31,
	};
	struct async_syscall_entry e[2];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		e[0] = canary_entry(self->canary);
		e[1] = ENTRY(__NR_getpid);
		EXPECT_EQ(-1, sys_async_submit(e, 2, ENTRY_SIZE, bad_flags[i]));
		EXPECT_EQ(EINVAL, errno) TH_LOG("flags %#x", bad_flags[i]);
		expect_not_run(_metadata, e, 2, ENTRY_SIZE);
		expect_no_file(_metadata, self->canary);
	}
	expect_submit_works(_metadata);
}

/*
 * Without ASYNC_SUBMIT_BATCH the entries run asynchronously: the call
 * returns nr_entries at once and each entry completes through its status
 * futex word (async_exec_test.c tests this mode in depth).
 */
TEST_F(async_submit, async_mode_getpid)
{
	struct async_syscall_entry e = ENTRY(__NR_getpid);

	ASSERT_EQ(1, sys_async_submit(&e, 1, ENTRY_SIZE, 0))
		TH_LOG("async_submit(flags 0): %s", strerror(errno));
	ASSERT_TRUE(async_wait_done(&e, 10000))
		TH_LOG("entry not complete after 10 s (status %u)", e.status);
	EXPECT_EQ(getpid(), e.result);
	EXPECT_EQ(STATUS_DONE, e.status);
}

/*
 * Bad entries
 */

TEST_F(async_submit, unknown_entry_flag_einval)
{
	static const unsigned int bad_flags[] = { 1U << 3, 1U << 31 };
	struct async_syscall_entry bad;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		bad = ENTRY(__NR_getpid);
		bad.flags = bad_flags[i];
		expect_rejected_pair(_metadata, self->canary, bad, EINVAL);
	}
}

TEST_F(async_submit, nonzero_reserved_einval)
{
	struct async_syscall_entry bad = ENTRY(__NR_getpid);

	bad.__reserved = 1;
	expect_rejected_pair(_metadata, self->canary, bad, EINVAL);
}

/* System call numbers at or past the end of the table. */
TEST_F(async_submit, out_of_range_nr_einval)
{
	static const unsigned int bad_nrs[] = {
		100000,
		INT_MAX,
		UINT_MAX,
#ifdef __x86_64__
		/* Not in the 64-bit table, even with the x32 bit set. */
		0x40000000U | __NR_getpid,
#endif
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_nrs); i++)
		expect_rejected_pair(_metadata, self->canary,
				     ENTRY(bad_nrs[i]), EINVAL);
}

/* exit_group() is refused and the process survives to check so. */
TEST_F(async_submit, refused_exit_group_eopnotsupp)
{
	expect_rejected_pair(_metadata, self->canary,
			     ENTRY(__NR_exit_group, 42), EOPNOTSUPP);
}

/* If fork() ever ran here, the test would see a second result. */
TEST_F(async_submit, refused_fork_eopnotsupp)
{
	expect_rejected_pair(_metadata, self->canary, ENTRY(__NR_fork),
			     EOPNOTSUPP);
}

/* execve(NULL, ...) would fail with EFAULT if it ever ran. */
TEST_F(async_submit, refused_execve_eopnotsupp)
{
	expect_rejected_pair(_metadata, self->canary,
			     ENTRY(__NR_execve, 0, 0, 0), EOPNOTSUPP);
}

/* clone3(NULL, 0) would fail with EINVAL if it ever ran. */
TEST_F(async_submit, refused_clone3_eopnotsupp)
{
	expect_rejected_pair(_metadata, self->canary,
			     ENTRY(__NR_clone3, 0, 0), EOPNOTSUPP);
}

struct refused_call {
	const char *name;
	long nr;
	__u64 args[6];
};

#define REFUSED(_name, ...) {				\
	.name = #_name,						\
	.nr = __NR_##_name,					\
	.args = { __VA_ARGS__ },				\
}

/* Arguments chosen to fail or be harmless should the call ever run. */
static const struct refused_call refused_calls[] = {
	REFUSED(exit, 99),
	REFUSED(exit_group, 99),
	REFUSED(fork),
	REFUSED(vfork),
	/* CLONE_SIGHAND without CLONE_VM: EINVAL. */
	REFUSED(clone, CLONE_SIGHAND),
	REFUSED(clone3),
	REFUSED(execve),
	REFUSED(execveat, -1),
	REFUSED(rt_sigreturn),
	REFUSED(async_submit, 0, 0, ASYNC_SYSCALL_ENTRY_SIZE_VER0,
		ASYNC_SUBMIT_BATCH),
#ifdef __NR_iopl
	REFUSED(iopl),
#endif
#ifdef __NR_arch_prctl
	REFUSED(arch_prctl),
#endif
	REFUSED(sigaltstack),
	REFUSED(set_robust_list, 0, 1),
	REFUSED(rseq, 0, 1),
	REFUSED(set_tid_address),
	REFUSED(restart_syscall),
	REFUSED(seccomp, 0xffff),
#ifdef __NR_uretprobe
	REFUSED(uretprobe),
#endif
#ifdef __NR_uprobe
	REFUSED(uprobe),
#endif
	REFUSED(reboot),
	REFUSED(rt_sigprocmask, SIG_BLOCK, 0, 0, 8),
	REFUSED(rt_sigpending, 0, 8),
	/* uid -1 leaves each id as it is. */
	REFUSED(setresuid, -1, -1, -1),
	REFUSED(unshare, 0),
	REFUSED(setns, -1, 0),
	REFUSED(personality, 0xffffffff),
	REFUSED(keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_THREAD_KEYRING, 0),
	REFUSED(set_mempolicy, 0, 0, 0),
	REFUSED(io_uring_setup, 0, 0),
	/* Refused for these arguments only. */
	REFUSED(prctl, PR_SET_NAME, PTR("refused")),
	/* The option is an int: the high half of the register is ignored. */
	REFUSED(prctl, (1ULL << 32) | PR_SET_NAME, PTR("refused")),
	REFUSED(close_range, ~0U, ~0U, CLOSE_RANGE_UNSHARE),
	/* pid 0 is the calling thread; a NULL mask fails if it ever ran. */
	REFUSED(sched_setaffinity, 0, 0, 0),
	REFUSED(setpriority, PRIO_PROCESS, 0, 0),
	REFUSED(mmap, 0, 4096, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1),
};

struct child_report {
	long ret;
	int err;
	__s64 result[2];
	__u32 status[2];
};

/*
 * Every refused system call, each submitted from its own child process so
 * that one the kernel wrongly ran (a fork, an exit) cannot disturb the test.
 */
TEST_F(async_submit, refused_syscalls_eopnotsupp)
{
	struct child_report *rep;
	unsigned int i;

	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rep);

	for (i = 0; i < ARRAY_SIZE(refused_calls); i++) {
		const struct refused_call *rc = &refused_calls[i];
		int status;
		pid_t pid;

		memset(rep, 0, sizeof(*rep));
		rep->ret = -2;
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			struct async_syscall_entry e[2];

			e[0] = canary_entry(self->canary);
			e[1] = ENTRY(rc->nr);
			memcpy(e[1].args, rc->args, sizeof(e[1].args));
			rep->ret = sys_batch(e, 2);
			rep->err = errno;
			rep->result[0] = e[0].result;
			rep->result[1] = e[1].result;
			rep->status[0] = e[0].status;
			rep->status[1] = e[1].status;
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("%s: child status %#x", rc->name, status);
		EXPECT_EQ(-1, rep->ret) TH_LOG("%s", rc->name);
		EXPECT_EQ(EOPNOTSUPP, rep->err) TH_LOG("%s", rc->name);
		EXPECT_EQ(RESULT_SENTINEL, rep->result[0]) TH_LOG("%s", rc->name);
		EXPECT_EQ(RESULT_SENTINEL, rep->result[1]) TH_LOG("%s", rc->name);
		EXPECT_NE(STATUS_DONE, rep->status[0]) TH_LOG("%s", rc->name);
		EXPECT_NE(STATUS_DONE, rep->status[1]) TH_LOG("%s", rc->name);
		expect_no_file(_metadata, self->canary);
		unlink(self->canary);
	}
	munmap(rep, sizeof(*rep));
	expect_submit_works(_metadata);
}

/*
 * Bad feeds. Entry 0 is always the canary; a rejected call must not have
 * created its file.
 */

TEST_F(async_submit, feed_from_self_einval)
{
	struct async_syscall_entry bad = ENTRY(__NR_close, -1);

	set_feed(&bad, 0, 1, 0);
	expect_rejected_pair(_metadata, self->canary, bad, EINVAL);
}

TEST_F(async_submit, feed_from_later_entry_einval)
{
	static const __u32 srcs[] = { 2, 3, 1000, UINT_MAX };
	struct async_syscall_entry e[3];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(srcs); i++) {
		e[0] = canary_entry(self->canary);
		e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[1] = ENTRY(__NR_close, -1);
		set_feed(&e[1], 0, srcs[i], 0);
		e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[2] = ENTRY(__NR_getpid);

		EXPECT_EQ(-1, sys_batch(e, 3));
		EXPECT_EQ(EINVAL, errno) TH_LOG("feed src %u", srcs[i]);
		expect_not_run(_metadata, e, 3, ENTRY_SIZE);
		expect_no_file(_metadata, self->canary);
	}
	expect_submit_works(_metadata);
}

/* Entry 0 (the canary) is earlier, but ends its own chain. */
TEST_F(async_submit, feed_across_chains_einval)
{
	struct async_syscall_entry bad = ENTRY(__NR_close, -1);

	set_feed(&bad, 0, 0, 0);
	expect_rejected_pair(_metadata, self->canary, bad, EINVAL);
}

/* A feed across chains is refused even when the other chain is longer. */
TEST_F(async_submit, feed_across_chains_later_chain_einval)
{
	struct async_syscall_entry e[4];

	e[0] = ENTRY(__NR_getpid);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = canary_entry(self->canary);
	e[2] = ENTRY(__NR_getppid);
	e[2].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[3] = ENTRY(__NR_close, -1);
	set_feed(&e[3], 0, 1, 0);

	EXPECT_EQ(-1, sys_batch(e, 4));
	EXPECT_EQ(EINVAL, errno);
	expect_not_run(_metadata, e, 4, ENTRY_SIZE);
	expect_no_file(_metadata, self->canary);
	expect_submit_works(_metadata);
}

TEST_F(async_submit, feed_slot_6_einval)
{
	static const __u32 slots[] = { 6, 7, UINT_MAX };
	struct async_syscall_entry e[2];
	unsigned int i, k;

	for (k = 0; k < ASYNC_SYSCALL_FEEDS; k++) {
		for (i = 0; i < ARRAY_SIZE(slots); i++) {
			e[0] = canary_entry(self->canary);
			e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
			e[1] = ENTRY(__NR_close, -1);
			set_feed(&e[1], k, 0, slots[i]);

			EXPECT_EQ(-1, sys_batch(e, 2));
			EXPECT_EQ(EINVAL, errno)
				TH_LOG("feed[%u] slot %u", k, slots[i]);
			expect_not_run(_metadata, e, 2, ENTRY_SIZE);
			expect_no_file(_metadata, self->canary);
		}
	}
	expect_submit_works(_metadata);
}

TEST_F(async_submit, both_feeds_same_slot_einval)
{
	struct async_syscall_entry e[3];

	e[0] = canary_entry(self->canary);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_getpid);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_close, -1);
	set_feed(&e[2], 0, 0, 0);
	set_feed(&e[2], 1, 1, 0);

	EXPECT_EQ(-1, sys_batch(e, 3));
	EXPECT_EQ(EINVAL, errno);
	expect_not_run(_metadata, e, 3, ENTRY_SIZE);
	expect_no_file(_metadata, self->canary);
	expect_submit_works(_metadata);
}

/* A feed whose FEED flag is clear must be all zero. */
TEST_F(async_submit, unused_feed_nonzero_einval)
{
	static const struct async_syscall_feed bad_feeds[] = {
		{ .src = 0, .slot = 1 },
		{ .src = 1, .slot = 0 },
		{ .src = UINT_MAX, .slot = UINT_MAX },
	};
	struct async_syscall_entry e[2];
	unsigned int i, k;

	for (k = 0; k < ASYNC_SYSCALL_FEEDS; k++) {
		for (i = 0; i < ARRAY_SIZE(bad_feeds); i++) {
			e[0] = canary_entry(self->canary);
			e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
			e[1] = ENTRY(__NR_close, -1);
			/* The other feed is in use and valid. */
			set_feed(&e[1], !k, 0, 0);
			e[1].feed[k] = bad_feeds[i];

			EXPECT_EQ(-1, sys_batch(e, 2));
			EXPECT_EQ(EINVAL, errno)
				TH_LOG("unused feed[%u] = {%u, %u}", k,
				       bad_feeds[i].src, bad_feeds[i].slot);
			expect_not_run(_metadata, e, 2, ENTRY_SIZE);
			expect_no_file(_metadata, self->canary);
		}
	}
	expect_submit_works(_metadata);
}

TEST_F(async_submit, link_on_last_entry_einval)
{
	struct async_syscall_entry bad = ENTRY(__NR_getpid);

	bad.flags |= ASYNC_SYSCALL_ENTRY_LINK;
	expect_rejected_pair(_metadata, self->canary, bad, EINVAL);
}

/*
 * kernel.async_syscall_disabled and kernel.async_syscall_group
 */

#define DISABLED_SYSCTL	"/proc/sys/kernel/async_syscall_disabled"
#define GROUP_SYSCTL	"/proc/sys/kernel/async_syscall_group"
/* The unprivileged user and group the off-switch test drops to. */
#define NOBODY		65534

static long read_long_file(const char *path)
{
	char buf[32] = "";
	FILE *f = fopen(path, "re");
	long v;

	if (!f)
		return -errno;
	v = fgets(buf, sizeof(buf), f) ? strtol(buf, NULL, 10) : -EIO;
	fclose(f);
	return v;
}

static int write_long_file(const char *path, long v)
{
	char buf[32];
	int fd, len, ret = 0;

	len = snprintf(buf, sizeof(buf), "%ld\n", v);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * In a child that dropped to user and group NOBODY, and so every
 * capability: 0 if a batch getpid runs, 1 if async_submit fails with
 * EPERM, 2 or 3 otherwise.
 */
static int unprivileged_submit(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct async_syscall_entry e = ENTRY(__NR_getpid);

		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(2);
		if (sys_batch(&e, 1) == 1)
			_exit(e.result == getpid() ? 0 : 3);
		_exit(errno == EPERM ? 1 : 3);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * 0 lets everyone call async_submit(); 1 only CAP_SYS_ADMIN and members of
 * kernel.async_syscall_group; 2 nobody (EPERM), as io_uring_disabled.
 */
TEST(async_syscall_disabled_sysctl)
{
	long old = read_long_file(DISABLED_SYSCTL);
	long old_group = read_long_file(GROUP_SYSCTL);
	struct async_syscall_entry e;

	if (!async_submit_supported())
		SKIP(return, "async_submit(2) not supported");
	ASSERT_GE(old, 0) TH_LOG("%s: %s", DISABLED_SYSCTL, strerror(-old));
	ASSERT_GE(old_group, -1) TH_LOG("%s", GROUP_SYSCTL);
	ASSERT_EQ(0U, getuid()) TH_LOG("needs root");
	EXPECT_EQ(0, old);
	EXPECT_EQ(-1, old_group);
	EXPECT_EQ(-EINVAL, write_long_file(DISABLED_SYSCTL, 3));
	EXPECT_EQ(-EINVAL, write_long_file(DISABLED_SYSCTL, -1));

	/* 2: nobody, root included. */
	ASSERT_EQ(0, write_long_file(DISABLED_SYSCTL, 2));
	e = ENTRY(__NR_getpid);
	EXPECT_EQ(-1, sys_batch(&e, 1));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(RESULT_SENTINEL, e.result);
	EXPECT_EQ(1, unprivileged_submit());

	/* 1: CAP_SYS_ADMIN, or a member of the group. */
	ASSERT_EQ(0, write_long_file(DISABLED_SYSCTL, 1));
	e = ENTRY(__NR_getpid);
	EXPECT_EQ(1, sys_batch(&e, 1));
	EXPECT_EQ(getpid(), e.result);
	EXPECT_EQ(1, unprivileged_submit());
	ASSERT_EQ(0, write_long_file(GROUP_SYSCTL, NOBODY));
	EXPECT_EQ(0, unprivileged_submit());
	ASSERT_EQ(0, write_long_file(GROUP_SYSCTL, old_group));

	/* 0: everyone. */
	ASSERT_EQ(0, write_long_file(DISABLED_SYSCTL, 0));
	EXPECT_EQ(0, unprivileged_submit());
	EXPECT_EQ(0, write_long_file(DISABLED_SYSCTL, old));
}

TEST_HARNESS_MAIN
