// SPDX-License-Identifier: GPL-2.0
/*
 * Tests for async_submit(2) in asynchronous mode (flags without
 * ASYNC_SUBMIT_BATCH): the call returns at once, the chains run on worker
 * threads of the process and each entry completes through its status futex
 * word. Covers completion and waiting, parallel chains, what the workers
 * share with the process, credentials, the pool across exit, SIGKILL,
 * execve, fork and job control, idle workers, the worker limit, and a
 * stress run.
 *
 * Every wait has a timeout; a timeout fails the test.
 */

#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "async_syscall_test.h"

/* How long an entry that can run may take to complete (slow guests). */
#define DONE_TIMEOUT_MS	10000
/* How long a child that was told to end may take to be reaped. */
#define EXIT_TIMEOUT_MS	5000
/* Idle workers exit after 5 s. */
#define IDLE_EXIT_MS	8000

/* The uid and gid the credential tests switch to. */
#define UID_NOBODY	65534

/* argv[1] that makes this program exit at once (execve test). */
#define EXEC_EXIT_ARG	"--async-exec-test-exit"
/* Its exit code when no worker thread survived the execve. */
#define EXEC_EXIT_CODE	42

/* Asynchronous submission: flags without ASYNC_SUBMIT_BATCH. */
static long sys_async(struct async_syscall_entry *entries,
		      unsigned int nr_entries)
{
	return sys_async_submit(entries, nr_entries, ENTRY_SIZE, 0);
}

static __u32 load_status(const struct async_syscall_entry *e)
{
	return __atomic_load_n(&e->status, __ATOMIC_ACQUIRE);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until @e completes, at most @timeout_ms, sleeping with
 * async_status_wait(): 0 once its status reads DONE, -ETIMEDOUT, or -EPROTO
 * when the status word is neither pending nor DONE (async_submit() sets
 * every status before it returns).
 */
static int wait_entry(struct async_syscall_entry *e, long timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	long long left;
	__u32 status;

	for (;;) {
		status = load_status(e);
		if (status == STATUS_DONE)
			return 0;
		if (!async_status_pending(status))
			return -EPROTO;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (async_status_wait(&e->status, left) &&
		    errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT)
			return -errno;
	}
}

/*
 * Wait for entries 0 to @nr - 1 in turn, at most @timeout_ms in all: -1 if
 * all completed, else the index of the first that did not.
 */
static int wait_entries(struct async_syscall_entry *e, unsigned int nr,
			long timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (wait_entry(&e[i], deadline - now_ms()))
			return i;
	}
	return -1;
}

/*
 * Wait for entries @e[0..@nr - 1] in turn, at most @ms in all: whether all
 * completed. A timeout is logged as a test failure.
 */
static bool all_done(struct __test_metadata *_metadata,
		     struct async_syscall_entry *e, unsigned int nr, long ms)
{
	int i = wait_entries(e, nr, ms);

	if (i < 0)
		return true;
	TH_LOG("entry %d of %u not complete after %ld ms (status %#x)",
	       i, nr, ms, load_status(&e[i]));
	return false;
}

/* Poll async_count_workers() until it is @n, at most @timeout_ms; the last count. */
static int wait_workers(int n, long timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int count;

	for (;;) {
		count = async_count_workers();
		if (count == n || now_ms() >= deadline)
			return count;
		usleep(100 * 1000);
	}
}

/* The Tgid: line of /proc/self/task/@tid/status, or -1. */
static pid_t thread_tgid(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	return async_status_tgid(path);
}

/* Number of CPUs in a cpulist such as "0-3,5", or 0. */
static long cpulist_count(const char *s)
{
	long n = 0, a, b;
	char *end;

	while (*s && *s != '\n') {
		a = strtol(s, &end, 10);
		if (end == s)
			return 0;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			s = end;
		}
		n += b - a + 1;
		if (*s == ',')
			s++;
	}
	return n;
}

/* The most workers a process may have: max(8, 4 * possible CPUs). */
#define MAX_WORKERS_SYSCTL "/proc/sys/kernel/async_syscall_max_workers"

/* Read a numeric sysctl at @path; -1 when it cannot be read. */
static long read_sysctl(const char *path)
{
	char buf[32];
	ssize_t len;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	return atol(buf);
}

/* Write a numeric sysctl at @path; 0 or -errno. */
static int write_sysctl(const char *path, long value)
{
	char buf[32];
	int fd, len, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", value);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* Read kernel.async_syscall_max_workers; -1 when it cannot be read. */
static int read_max_workers_sysctl(void)
{
	return read_sysctl(MAX_WORKERS_SYSCTL);
}

/* Write kernel.async_syscall_max_workers; returns 0 or -errno. */
static int write_max_workers_sysctl(int value)
{
	return write_sysctl(MAX_WORKERS_SYSCTL, value);
}

/* The default of kernel.async_syscall_max_workers: 4 per possible CPU, >= 8. */
static int default_max_workers(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF), possible = 0;
	char buf[256];
	ssize_t len;
	int fd;

	fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len > 0) {
			buf[len] = '\0';
			possible = cpulist_count(buf);
		}
	}
	/* If the two disagree, allow the larger limit. */
	if (possible > cpus)
		cpus = possible;
	return cpus * 4 > 8 ? cpus * 4 : 8;
}

/* The worker limit in force. */
static int max_workers(void)
{
	int limit = read_max_workers_sysctl();

	return limit > 0 ? limit : default_max_workers();
}

/* A positive number from environment variable @name, else @def. */
static unsigned long env_ulong(const char *name, unsigned long def)
{
	const char *s = getenv(name);
	unsigned long v;
	char *end;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !v)
		return def;
	return v;
}

/* Read one byte from @fd within @timeout_ms: the byte, or -1. */
static int read_byte(int fd, long timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned char c;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return -1;
	if (read(fd, &c, 1) != 1)
		return -1;
	return c;
}

static void write_byte(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		fprintf(stderr, "# write to sync pipe: %s\n", strerror(errno));
}

/* The value of "@key:" in /proc/meminfo, in kB, or -1. */
static long meminfo_kb(const char *key)
{
	size_t n = strlen(key);
	char line[128];
	long kb = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			kb = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/*
 * What a forked child reports to the test, in shared memory: values to
 * check and the first failure it met.
 */
struct report {
	__s64 v[16];
	char msg[256];
};

/* A report in shared memory, every value -1 until the child sets it. */
static struct report *report_new(void)
{
	struct report *r;
	unsigned int i;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	memset(r, 0, sizeof(*r));
	for (i = 0; i < ARRAY_SIZE(r->v); i++)
		r->v[i] = -1;
	return r;
}

/* Record the first failure of a child. */
static void report_fail(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->msg[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

/* Submit @nr entries and wait for all: whether all completed. */
static bool run_async(struct report *r, struct async_syscall_entry *e,
		      unsigned int nr, const char *what)
{
	long ret = sys_async(e, nr);
	int i;

	if (ret != (long)nr) {
		report_fail(r, "%s: async_submit returned %ld (%s)", what, ret,
			    ret < 0 ? strerror(errno) : "");
		return false;
	}
	i = wait_entries(e, nr, DONE_TIMEOUT_MS);
	if (i >= 0) {
		report_fail(r, "%s: entry %d not complete after %d ms", what, i,
			    DONE_TIMEOUT_MS);
		return false;
	}
	return true;
}

FIXTURE(async_exec) {
	/* Private scratch directory. */
	char dir[64];
	/* Never created: opening it fails with ENOENT. */
	char missing[96];
};

FIXTURE_SETUP(async_exec)
{
	if (!async_submit_supported())
		SKIP(return, "async_submit(2) not supported (CONFIG_ASYNC_SYSCALL=n?)");

	snprintf(self->dir, sizeof(self->dir), "/tmp/async_exec_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->missing, sizeof(self->missing), "%s/missing", self->dir);
}

FIXTURE_TEARDOWN(async_exec)
{
	char path[384];
	struct dirent *d;
	DIR *dir;

	if (!self->dir[0])
		return;
	dir = opendir(self->dir);
	if (dir) {
		while ((d = readdir(dir))) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", self->dir,
				 d->d_name);
			unlink(path);
		}
		closedir(dir);
	}
	rmdir(self->dir);
}

/* Create @dir/@name holding @len bytes of @data; its path in @path. */
static void make_file(struct __test_metadata *_metadata, const char *dir,
		      const char *name, const char *data, size_t len,
		      char *path, size_t size)
{
	int fd;

	snprintf(path, size, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ASSERT_GE(fd, 0) TH_LOG("create %s: %s", path, strerror(errno));
	ASSERT_EQ((ssize_t)len, write(fd, data, len));
	ASSERT_EQ(0, close(fd));
}

/* A valid asynchronous submission still works after what the test did. */
static void expect_async_works(struct __test_metadata *_metadata)
{
	struct async_syscall_entry e = ENTRY(__NR_getpid);

	ASSERT_EQ(1, sys_async(&e, 1)) TH_LOG("async_submit: %s",
					      strerror(errno));
	ASSERT_TRUE(all_done(_metadata, &e, 1, DONE_TIMEOUT_MS));
	EXPECT_EQ(getpid(), e.result);
}

/*
 * Completion
 */

TEST_F(async_exec, async_getpid)
{
	struct async_syscall_entry e = ENTRY(__NR_getpid);

	ASSERT_EQ(1, sys_async(&e, 1)) TH_LOG("async_submit: %s",
					      strerror(errno));
	ASSERT_TRUE(all_done(_metadata, &e, 1, DONE_TIMEOUT_MS));
	EXPECT_EQ(getpid(), e.result);
	EXPECT_EQ(STATUS_DONE, e.status);
}

/* The call returns while its entry is still blocked. */
TEST_F(async_exec, async_returns_before_completion)
{
	static const char msg[] = "wake the reader";
	struct async_syscall_entry e;
	char buf[64];
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	memset(buf, 0, sizeof(buf));
	e = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));

	ASSERT_EQ(1, sys_async(&e, 1)) TH_LOG("async_submit: %s",
					      strerror(errno));
	usleep(100 * 1000);
	EXPECT_EQ(STATUS_PENDING, load_status(&e));
	EXPECT_EQ(RESULT_SENTINEL, e.result);

	ASSERT_EQ((ssize_t)sizeof(msg), write(p[1], msg, sizeof(msg)));
	ASSERT_TRUE(all_done(_metadata, &e, 1, DONE_TIMEOUT_MS));
	EXPECT_EQ((__s64)sizeof(msg), e.result);
	EXPECT_STREQ(msg, buf);
	close(p[0]);
	close(p[1]);
}

/*
 * The entries run on a thread of this process, other than the caller,
 * named "async_syscall".
 */
TEST_F(async_exec, workers_are_threads_named_async_syscall)
{
	struct async_syscall_entry e[2];
	pid_t tid;

	e[0] = ENTRY(__NR_getpid);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_gettid);

	ASSERT_EQ(2, sys_async(e, 2)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_TRUE(all_done(_metadata, e, 2, DONE_TIMEOUT_MS));
	EXPECT_EQ(getpid(), e[0].result);
	tid = (pid_t)e[1].result;
	ASSERT_GT(tid, 0);
	EXPECT_NE(gettid(), tid) TH_LOG("the entry ran in the calling thread");
	EXPECT_TRUE(async_thread_is_worker(tid))
		TH_LOG("thread %d is not in /proc/self/task named %s", tid,
		       ASYNC_WORKER_COMM);
	EXPECT_EQ(getpid(), thread_tgid(tid));
	EXPECT_FALSE(async_thread_is_worker(gettid()));
	EXPECT_GE(async_count_workers(), 1);
}

/* A blocked chain does not hold up an independent one. */
TEST_F(async_exec, independent_chains_run_in_parallel)
{
	struct async_syscall_entry e[2];
	char buf[8];
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	e[0] = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));
	e[1] = ENTRY(__NR_getpid);

	ASSERT_EQ(2, sys_async(e, 2)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_TRUE(all_done(_metadata, &e[1], 1, DONE_TIMEOUT_MS));
	EXPECT_EQ(getpid(), e[1].result);
	EXPECT_EQ(STATUS_PENDING, load_status(&e[0]));

	ASSERT_EQ(3, write(p[1], "abc", 3));
	ASSERT_TRUE(all_done(_metadata, &e[0], 1, DONE_TIMEOUT_MS));
	EXPECT_EQ(3, e[0].result);
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	close(p[0]);
	close(p[1]);
}

/*
 * Chains and feeds, as in batch mode
 */

TEST_F(async_exec, open_read_close_chain_async)
{
	static const char data[] = "async_exec: open, read, close\n";
	const size_t len = sizeof(data) - 1;
	struct async_syscall_entry e[3];
	char path[128], buf[128];

	make_file(_metadata, self->dir, "data", data, len, path, sizeof(path));
	memset(buf, 0, sizeof(buf));

	e[0] = ENTRY(__NR_openat, AT_FDCWD, PTR(path), O_RDONLY | O_CLOEXEC);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	/* fd -1 unless the feed replaces it. */
	e[1] = ENTRY(__NR_read, -1, PTR(buf), sizeof(buf));
	set_feed(&e[1], 0, 0, 0);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_close, -1);
	set_feed(&e[2], 0, 0, 0);

	ASSERT_EQ(3, sys_async(e, 3)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_TRUE(all_done(_metadata, e, 3, DONE_TIMEOUT_MS));
	ASSERT_GE(e[0].result, 0);
	EXPECT_EQ((__s64)len, e[1].result);
	EXPECT_EQ(0, memcmp(buf, data, len));
	EXPECT_EQ(0, e[2].result);
	EXPECT_TRUE(fd_is_closed((int)e[0].result));
}

TEST_F(async_exec, pipe_write_then_read_async)
{
	static const char msg[] = "through the pipe, asynchronously";
	struct async_syscall_entry e[2];
	char buf[64];
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC | O_NONBLOCK));
	memset(buf, 0, sizeof(buf));
	e[0] = ENTRY(__NR_write, p[1], PTR(msg), sizeof(msg));
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));

	ASSERT_EQ(2, sys_async(e, 2)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_TRUE(all_done(_metadata, e, 2, DONE_TIMEOUT_MS));
	EXPECT_EQ((__s64)sizeof(msg), e[0].result);
	EXPECT_EQ((__s64)sizeof(msg), e[1].result);
	EXPECT_STREQ(msg, buf);
	close(p[0]);
	close(p[1]);
}

/* A failed feed source cancels its dependents; another chain still runs. */
TEST_F(async_exec, failure_cancels_dependents_async)
{
	struct async_syscall_entry e[4];
	char buf[16];

	memset(buf, 'x', sizeof(buf));
	e[0] = ENTRY(__NR_openat, AT_FDCWD, PTR(self->missing), O_RDONLY);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_read, -1, PTR(buf), sizeof(buf));
	set_feed(&e[1], 0, 0, 0);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_close, -1);
	set_feed(&e[2], 0, 0, 0);
	e[3] = ENTRY(__NR_getppid);

	ASSERT_EQ(4, sys_async(e, 4)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_TRUE(all_done(_metadata, e, 4, DONE_TIMEOUT_MS));
	EXPECT_EQ(-ENOENT, e[0].result);
	EXPECT_EQ(-ECANCELED, e[1].result);
	EXPECT_EQ(-ECANCELED, e[2].result);
	EXPECT_EQ(getppid(), e[3].result);
	/* The read did not run. */
	EXPECT_EQ('x', buf[0]);
}

/*
 * Waiting
 */

/*
 * FUTEX_WAIT_PRIVATE on a pending status, with the waiters bit armed, is
 * woken by its completion.
 */
TEST_F(async_exec, wait_one_futex)
{
	struct timespec nap = { .tv_nsec = 200 * 1000 * 1000 };
	struct async_syscall_entry e[2];
	long long t0, waited;
	long ret;

	e[0] = ENTRY(__NR_nanosleep, PTR(&nap), 0);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_getpid);

	t0 = now_ms();
	ASSERT_EQ(2, sys_async(e, 2)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_EQ(STATUS_PENDING, load_status(&e[1]));
	ret = async_status_wait(&e[1].status, DONE_TIMEOUT_MS);
	waited = now_ms() - t0;
	/* Woken, or (a slow caller) already DONE: never a timeout. */
	ASSERT_TRUE(ret == 0 || errno == EAGAIN)
		TH_LOG("FUTEX_WAIT_PRIVATE: %s", strerror(errno));
	ASSERT_EQ(STATUS_DONE, load_status(&e[1]))
		TH_LOG("woken while the status is not DONE");
	EXPECT_EQ(0, e[0].result);
	EXPECT_EQ(getpid(), e[1].result);
	EXPECT_GE(waited, 150) TH_LOG("woken before the nanosleep ended");
}

/*
 * futex_waitv() on the last entries of four chains, each word armed with
 * the waiters bit and waited on as PENDING | WAITERS.
 */
TEST_F(async_exec, wait_several_futex_waitv)
{
	static const __u32 nrs[4] = {
		__NR_getpid, __NR_getppid, __NR_getuid, __NR_getgid,
	};
	const __s64 expect[4] = { getpid(), getppid(), getuid(), getgid() };
	struct async_syscall_entry e[8];
	struct futex_waitv w[4];
	struct timespec naps[4], deadline;
	unsigned int i, n, idx[4];
	int wakeups = 0;
	__u32 status;
	long ret;

	for (i = 0; i < 4; i++) {
		naps[i].tv_sec = 0;
		naps[i].tv_nsec = (i + 1) * 50 * 1000 * 1000;
		e[2 * i] = ENTRY(__NR_nanosleep, PTR(&naps[i]), 0);
		e[2 * i].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[2 * i + 1] = ENTRY(nrs[i]);
	}
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &deadline));
	deadline.tv_sec += DONE_TIMEOUT_MS / 1000;

	ASSERT_EQ(8, sys_async(e, 8)) TH_LOG("async_submit: %s",
					     strerror(errno));
	for (;;) {
		n = 0;
		for (i = 0; i < 4; i++) {
			status = async_status_arm(&e[2 * i + 1].status,
						  load_status(&e[2 * i + 1]));
			if (status == STATUS_DONE)
				continue;
			ASSERT_EQ(STATUS_PENDING | STATUS_WAITERS, status);
			w[n] = (struct futex_waitv) {
				.val = STATUS_PENDING | STATUS_WAITERS,
				.uaddr = PTR(&e[2 * i + 1].status),
				.flags = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE,
			};
			idx[n++] = i;
		}
		if (!n)
			break;
		ret = syscall(__NR_futex_waitv, w, n, 0, &deadline,
			      CLOCK_MONOTONIC);
		if (ret >= 0) {
			ASSERT_LT(ret, n);
			/* The entry whose word woke us is complete. */
			ASSERT_EQ(STATUS_DONE,
				  load_status(&e[2 * idx[ret] + 1]))
				TH_LOG("woken on chain %u before DONE",
				       idx[ret]);
			wakeups++;
			continue;
		}
		ASSERT_TRUE(errno == EAGAIN || errno == EINTR)
			TH_LOG("futex_waitv: %s (%u entries pending)",
			       strerror(errno), n);
	}
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, e[2 * i].result) TH_LOG("chain %u", i);
		EXPECT_EQ(expect[i], e[2 * i + 1].result) TH_LOG("chain %u", i);
	}
	/* At least the last chain, 200 ms long, was waited for. */
	EXPECT_GE(wakeups, 1);
}

/* Wait for every status in array order: all DONE, results right. */
TEST_F(async_exec, wait_whole_submission)
{
	struct timespec nap100 = { .tv_nsec = 100 * 1000 * 1000 };
	struct timespec nap50 = { .tv_nsec = 50 * 1000 * 1000 };
	struct async_syscall_entry e[10];
	unsigned int i;
	__u32 status;
	char buf[8];
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC | O_NONBLOCK));
	memset(buf, 0, sizeof(buf));
	e[0] = ENTRY(__NR_getpid);
	e[1] = ENTRY(__NR_nanosleep, PTR(&nap100), 0);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_getppid);
	e[3] = ENTRY(__NR_write, p[1], PTR("abc"), 3);
	e[3].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[4] = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));
	e[5] = ENTRY(__NR_openat, AT_FDCWD, PTR(self->missing), O_RDONLY);
	e[5].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[6] = ENTRY(__NR_close, -1);
	set_feed(&e[6], 0, 5, 0);
	e[7] = ENTRY(__NR_getuid);
	e[8] = ENTRY(__NR_nanosleep, PTR(&nap50), 0);
	e[8].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[9] = ENTRY(__NR_getgid);

	ASSERT_EQ(10, sys_async(e, 10)) TH_LOG("async_submit: %s",
					       strerror(errno));
	ASSERT_TRUE(all_done(_metadata, e, 10, DONE_TIMEOUT_MS));
	for (i = 0; i < 10; i++) {
		status = e[i].status;
		EXPECT_EQ(STATUS_DONE, status) TH_LOG("entry %u", i);
	}
	EXPECT_EQ(getpid(), e[0].result);
	EXPECT_EQ(0, e[1].result);
	EXPECT_EQ(getppid(), e[2].result);
	EXPECT_EQ(3, e[3].result);
	EXPECT_EQ(3, e[4].result);
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(-ENOENT, e[5].result);
	EXPECT_EQ(-ECANCELED, e[6].result);
	EXPECT_EQ(getuid(), e[7].result);
	EXPECT_EQ(0, e[8].result);
	EXPECT_EQ(getgid(), e[9].result);
	close(p[0]);
	close(p[1]);
}

/*
 * What the workers share with the process
 */

/*
 * The worker runs task_work after each entry: closing the only write end
 * of a pipe really releases it, and the read end sees POLLHUP.
 */
TEST_F(async_exec, close_runs_task_work)
{
	struct pollfd pfd;
	struct async_syscall_entry e;
	char c;
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	e = ENTRY(__NR_close, p[1]);

	ASSERT_EQ(1, sys_async(&e, 1)) TH_LOG("async_submit: %s",
					      strerror(errno));
	ASSERT_TRUE(all_done(_metadata, &e, 1, DONE_TIMEOUT_MS));
	EXPECT_EQ(0, e.result);
	/* The descriptor table is shared: the fd is gone for us too. */
	EXPECT_TRUE(fd_is_closed(p[1]));

	pfd = (struct pollfd) { .fd = p[0], .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 2000))
		TH_LOG("no POLLHUP within 2 s: the write end was not released");
	EXPECT_TRUE(pfd.revents & POLLHUP) TH_LOG("revents %#x", pfd.revents);
	EXPECT_EQ(0, read(p[0], &c, 1));
	close(p[0]);
}

/*
 * Workers share the cwd (changed after the worker exists) and the file
 * table, in both directions.
 */
TEST_F(async_exec, cwd_and_files_shared)
{
	static const char data[] = "relative to the new cwd";
	const size_t len = sizeof(data) - 1;
	struct async_syscall_entry e, e2[2];
	char path[128], buf[64], old_cwd[PATH_MAX];
	int fd;

	make_file(_metadata, self->dir, "rel", data, len, path, sizeof(path));
	ASSERT_NE(NULL, getcwd(old_cwd, sizeof(old_cwd)));

	/* Start a worker before changing directory. */
	expect_async_works(_metadata);
	ASSERT_GE(async_count_workers(), 1);

	ASSERT_EQ(0, chdir(self->dir));
	e = ENTRY(__NR_openat, AT_FDCWD, PTR("rel"), O_RDONLY | O_CLOEXEC);
	ASSERT_EQ(1, sys_async(&e, 1)) TH_LOG("async_submit: %s",
					      strerror(errno));
	ASSERT_TRUE(all_done(_metadata, &e, 1, DONE_TIMEOUT_MS));
	EXPECT_EQ(0, chdir(old_cwd));
	ASSERT_GE(e.result, 0) TH_LOG("openat(\"rel\"): %s",
				      strerror((int)-e.result));

	/* The worker's fd is ours. */
	fd = (int)e.result;
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ((ssize_t)len, pread(fd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, data, len));

	/* And ours is the worker's: it reads and closes it. */
	memset(buf, 0, sizeof(buf));
	e2[0] = ENTRY(__NR_pread64, fd, PTR(buf), sizeof(buf), 0);
	e2[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e2[1] = ENTRY(__NR_close, fd);
	ASSERT_EQ(2, sys_async(e2, 2)) TH_LOG("async_submit: %s",
					      strerror(errno));
	ASSERT_TRUE(all_done(_metadata, e2, 2, DONE_TIMEOUT_MS));
	EXPECT_EQ((__s64)len, e2[0].result);
	EXPECT_EQ(0, memcmp(buf, data, len));
	EXPECT_EQ(0, e2[1].result);
	EXPECT_TRUE(fd_is_closed(fd));
}

/*
 * Credentials
 */

/*
 * Run @child in a forked child of this (root) process, which must exit 0
 * without reporting a failure: the report it filled in, for the test to
 * check and munmap().
 */
static struct report *run_cred_child(struct __test_metadata *_metadata,
				     void (*child)(struct report *r))
{
	struct report *r;
	int status;
	pid_t pid;

	r = report_new();
	ASSERT_NE(NULL, r);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		child(r);
		_exit(0);
	}
	ASSERT_EQ(0, async_wait_child(pid, &status, 0, 6 * DONE_TIMEOUT_MS))
		TH_LOG("child did not exit");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x", status);
	EXPECT_STREQ("", r->msg);
	return r;
}

/*
 * A thread that switches only itself to nobody (raw syscall, not glibc's
 * all-threads setresuid()) and submits: its entries run as nobody.
 */
static void *nobody_submitter(void *arg)
{
	struct report *r = arg;
	struct async_syscall_entry e[2];

	if (syscall(SYS_setresuid, UID_NOBODY, UID_NOBODY, UID_NOBODY)) {
		report_fail(r, "setresuid: %s", strerror(errno));
		return NULL;
	}
	e[0] = ENTRY(__NR_getuid);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_geteuid);
	if (run_async(r, e, 2, "nobody thread")) {
		r->v[0] = e[0].result;
		r->v[1] = e[1].result;
	}
	return NULL;
}

static void submit_time_credentials_child(struct report *r)
{
	struct async_syscall_entry e[3];
	struct timespec ts;
	pthread_t thread;
	char buf[8];
	int p[2];

	/* Thread T as nobody. */
	if (pthread_create(&thread, NULL, nobody_submitter, r)) {
		report_fail(r, "pthread_create failed");
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += DONE_TIMEOUT_MS / 1000 + 1;
	if (pthread_timedjoin_np(thread, NULL, &ts)) {
		report_fail(r, "the nobody thread did not finish");
		return;
	}

	/* This thread is still root. */
	e[0] = ENTRY(__NR_getuid);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_geteuid);
	if (run_async(r, e, 2, "root thread")) {
		r->v[2] = e[0].result;
		r->v[3] = e[1].result;
	}

	/*
	 * Submit as root a chain that blocks, then drop this thread to
	 * nobody: the chain keeps the credentials it was submitted with.
	 */
	if (pipe2(p, O_CLOEXEC)) {
		report_fail(r, "pipe2: %s", strerror(errno));
		return;
	}
	e[0] = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_getuid);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_geteuid);
	if (sys_async(e, 3) != 3) {
		report_fail(r, "blocked chain: %s", strerror(errno));
		return;
	}
	if (syscall(SYS_setresuid, UID_NOBODY, UID_NOBODY, UID_NOBODY)) {
		report_fail(r, "setresuid: %s", strerror(errno));
		return;
	}
	if (write(p[1], "x", 1) != 1) {
		report_fail(r, "write: %s", strerror(errno));
		return;
	}
	if (wait_entries(e, 3, DONE_TIMEOUT_MS) >= 0) {
		report_fail(r, "blocked chain did not complete");
		return;
	}
	r->v[4] = e[1].result;
	r->v[5] = e[2].result;

	/* Now a submission from this thread runs as nobody. */
	e[0] = ENTRY(__NR_getuid);
	if (run_async(r, e, 1, "nobody main thread"))
		r->v[6] = e[0].result;
}

/*
 * Entries run with the credentials their submitting thread had when it
 * submitted them.
 */
TEST_F_TIMEOUT(async_exec, submit_time_credentials, 180)
{
	struct report *r;

	if (geteuid())
		SKIP(return, "needs root");
	r = run_cred_child(_metadata, submit_time_credentials_child);
	/* Thread T, nobody, submitted getuid and geteuid. */
	EXPECT_EQ(UID_NOBODY, r->v[0]);
	EXPECT_EQ(UID_NOBODY, r->v[1]);
	/* The main thread, root. */
	EXPECT_EQ(0, r->v[2]);
	EXPECT_EQ(0, r->v[3]);
	/* Submitted as root, run after the submitter became nobody. */
	EXPECT_EQ(0, r->v[4]);
	EXPECT_EQ(0, r->v[5]);
	/* Submitted as nobody. */
	EXPECT_EQ(UID_NOBODY, r->v[6]);
	munmap(r, sizeof(*r));
}

static void cred_change_child(struct report *r)
{
	struct async_syscall_entry e[3];
	uid_t uid = getuid();
	long ret;
	int i;

	/*
	 * A worker would change its own credentials, not the submitting
	 * thread's, and keep them for the entries it runs later: refused.
	 */
	e[0] = ENTRY(__NR_setresuid, UID_NOBODY, UID_NOBODY, UID_NOBODY);
	e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[1] = ENTRY(__NR_getuid);
	e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
	e[2] = ENTRY(__NR_geteuid);
	ret = sys_async(e, 3);
	r->v[0] = ret;
	r->v[1] = ret < 0 ? errno : 0;
	/* Nothing ran, nothing completed. */
	r->v[2] = 1;
	for (i = 0; i < 3; i++) {
		if (e[i].result != RESULT_SENTINEL ||
		    load_status(&e[i]) == STATUS_DONE)
			r->v[2] = 0;
	}

	/* The submitter keeps its uid, and so do its later entries. */
	r->v[3] = getuid() == uid && geteuid() == uid;
	for (i = 0; i < 4; i++) {
		e[0] = ENTRY(__NR_getuid);
		e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[1] = ENTRY(__NR_geteuid);
		if (!run_async(r, e, 2, "later submission"))
			return;
		if (e[0].result != uid || e[1].result != uid) {
			report_fail(r, "submission %d ran as %lld/%lld", i,
				    (long long)e[0].result,
				    (long long)e[1].result);
			return;
		}
	}
	r->v[4] = 1;
}

/*
 * An entry that changes credentials is refused: the submission fails with
 * EOPNOTSUPP before anything runs, the submitting thread keeps its uid and
 * its later entries run with it; the process lives on.
 */
TEST_F_TIMEOUT(async_exec, cred_change_in_entry_refused, 180)
{
	struct report *r;

	r = run_cred_child(_metadata, cred_change_child);
	EXPECT_EQ(-1, r->v[0]);
	EXPECT_EQ(EOPNOTSUPP, r->v[1]);
	EXPECT_EQ(1, r->v[2]) TH_LOG("a refused submission ran entries");
	EXPECT_EQ(1, r->v[3]) TH_LOG("the submitter's uid changed");
	EXPECT_EQ(1, r->v[4]) TH_LOG("later submissions ran with another uid");
	munmap(r, sizeof(*r));
}

/*
 * The pool and the life of the process
 */

#define NR_BLOCKED	4

/*
 * In a child: submit NR_BLOCKED chains, each a read of an empty pipe then
 * getpid, check that none completes, and tell the parent through @sync_fd:
 * 'R' when they are all blocked, 'F' on failure.
 */
static void submit_blocked_chains(int pipes[][2], int sync_fd)
{
	static struct async_syscall_entry e[2 * NR_BLOCKED];
	static char buf[NR_BLOCKED][8];
	char c = 'R';
	int i;

	for (i = 0; i < NR_BLOCKED; i++) {
		close(pipes[i][1]);
		e[2 * i] = ENTRY(__NR_read, pipes[i][0], PTR(buf[i]),
				 sizeof(buf[i]));
		e[2 * i].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[2 * i + 1] = ENTRY(__NR_getpid);
	}
	if (sys_async(e, 2 * NR_BLOCKED) != 2 * NR_BLOCKED) {
		fprintf(stderr, "# child: async_submit: %s\n", strerror(errno));
		c = 'F';
	}
	usleep(100 * 1000);
	for (i = 0; i < 2 * NR_BLOCKED; i++) {
		if (load_status(&e[i]) != STATUS_PENDING) {
			fprintf(stderr, "# child: entry %d status %#x\n", i,
				load_status(&e[i]));
			c = 'F';
		}
	}
	if (async_count_workers() < 1) {
		fprintf(stderr, "# child: no worker thread\n");
		c = 'F';
	}
	write_byte(sync_fd, c);
}

/*
 * Fork a child that blocks NR_BLOCKED chains on the read ends of @pipes;
 * return once they are blocked, with the parent's read ends closed.
 */
static pid_t fork_blocked_child(struct __test_metadata *_metadata,
				int pipes[][2], int exit_code)
{
	int sync[2], i, c, err = 0;
	pid_t pid;

	for (i = 0; i < NR_BLOCKED; i++)
		err |= pipe2(pipes[i], O_CLOEXEC);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, pipe2(sync, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(sync[0]);
		submit_blocked_chains(pipes, sync[1]);
		if (exit_code >= 0)
			_exit(exit_code);
		/* Wait to be killed. */
		sleep(60);
		_exit(3);
	}
	close(sync[1]);
	for (i = 0; i < NR_BLOCKED; i++)
		close(pipes[i][0]);
	c = read_byte(sync[0], DONE_TIMEOUT_MS);
	close(sync[0]);
	if (c != 'R') {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	ASSERT_EQ('R', c) TH_LOG("child did not block its chains");
	return pid;
}

/*
 * Nothing reads the pipes any more: the workers blocked on them and the
 * files they held are gone. Writes fail with EPIPE (SIGPIPE ignored).
 */
static void expect_no_readers(struct __test_metadata *_metadata,
			      int pipes[][2])
{
	long long deadline = now_ms() + 2000;
	int i, err;
	ssize_t ret;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NR_BLOCKED; i++) {
		for (;;) {
			ret = write(pipes[i][1], "x", 1);
			err = errno;
			if (ret < 0 || now_ms() >= deadline)
				break;
			usleep(10 * 1000);
		}
		EXPECT_EQ(-1, ret)
			TH_LOG("pipe %d still has a reader 2 s after the exit", i);
		EXPECT_TRUE(ret >= 0 || err == EPIPE)
			TH_LOG("write: %s", strerror(err));
		close(pipes[i][1]);
	}
}

/* exit_group() with chains blocked on workers ends the whole process. */
TEST_F(async_exec, exit_group_with_blocked_entries)
{
	int pipes[NR_BLOCKED][2], status;
	pid_t pid;

	pid = fork_blocked_child(_metadata, pipes, 7);
	ASSERT_EQ(0, async_wait_child(pid, &status, 0, EXIT_TIMEOUT_MS))
		TH_LOG("child not reaped %d ms after exit_group()",
		       EXIT_TIMEOUT_MS);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(7, WEXITSTATUS(status));
	expect_no_readers(_metadata, pipes);
}

/* SIGKILL with chains blocked on workers ends the whole process. */
TEST_F(async_exec, sigkill_with_blocked_entries)
{
	int pipes[NR_BLOCKED][2], status;
	pid_t pid;

	pid = fork_blocked_child(_metadata, pipes, -1);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(0, async_wait_child(pid, &status, 0, EXIT_TIMEOUT_MS))
		TH_LOG("child not reaped %d ms after SIGKILL",
		       EXIT_TIMEOUT_MS);
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	expect_no_readers(_metadata, pipes);
}

static void *exec_thread(void *arg)
{
	char *const argv[] = { (char *)"async_exec_test",
			       (char *)EXEC_EXIT_ARG, NULL };

	(void)arg;
	execve("/proc/self/exe", argv, environ);
	fprintf(stderr, "# child: execve: %s\n", strerror(errno));
	_exit(44);
}

/*
 * execve() from another thread than the submitter, with a chain blocked:
 * the workers die with the old image, and the new one has none.
 */
TEST_F(async_exec, execve_from_other_thread)
{
	int status, sync[2], c;
	pid_t pid;

	ASSERT_EQ(0, pipe2(sync, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		static struct async_syscall_entry e[2];
		pthread_t thread;
		char buf[8];
		int p[2];

		close(sync[0]);
		if (pipe2(p, O_CLOEXEC))
			_exit(45);
		e[0] = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));
		e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[1] = ENTRY(__NR_getpid);
		if (sys_async(e, 2) != 2)
			_exit(45);
		usleep(100 * 1000);
		if (load_status(&e[0]) != STATUS_PENDING ||
		    async_count_workers() < 1)
			_exit(45);
		write_byte(sync[1], 'R');
		if (pthread_create(&thread, NULL, exec_thread, NULL))
			_exit(45);
		/* The execve() ends this thread. */
		sleep(60);
		_exit(46);
	}
	close(sync[1]);
	c = read_byte(sync[0], DONE_TIMEOUT_MS);
	close(sync[0]);
	EXPECT_EQ('R', c) TH_LOG("child failed before the execve()");
	ASSERT_EQ(0, async_wait_child(pid, &status, 0, EXIT_TIMEOUT_MS + 3000))
		TH_LOG("child not reaped %d ms after the execve()",
		       EXIT_TIMEOUT_MS + 3000);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	/* 43: workers in the new image; 44: execve failed; 45: setup. */
	EXPECT_EQ(EXEC_EXIT_CODE, WEXITSTATUS(status));
}

struct exiting_submitter {
	struct async_syscall_entry *e;
	long ret;
	int err;
};

static void *submit_and_exit(void *arg)
{
	struct exiting_submitter *s = arg;

	s->ret = sys_async(s->e, 1);
	s->err = errno;
	pthread_exit(NULL);
}

/* The entries of a thread that has exited still complete. */
TEST_F(async_exec, submitter_thread_exits)
{
	static const char msg[] = "for a thread that is gone";
	struct exiting_submitter s = { 0 };
	struct async_syscall_entry e;
	struct timespec ts;
	pthread_t thread;
	char buf[64];
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	memset(buf, 0, sizeof(buf));
	e = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));
	s.e = &e;

	ASSERT_EQ(0, pthread_create(&thread, NULL, submit_and_exit, &s));
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &ts));
	ts.tv_sec += DONE_TIMEOUT_MS / 1000;
	ASSERT_EQ(0, pthread_timedjoin_np(thread, NULL, &ts));
	ASSERT_EQ(1, s.ret) TH_LOG("async_submit: %s", strerror(s.err));
	EXPECT_EQ(STATUS_PENDING, load_status(&e));

	ASSERT_EQ((ssize_t)sizeof(msg), write(p[1], msg, sizeof(msg)));
	ASSERT_TRUE(all_done(_metadata, &e, 1, DONE_TIMEOUT_MS));
	EXPECT_EQ((__s64)sizeof(msg), e.result);
	EXPECT_STREQ(msg, buf);
	close(p[0]);
	close(p[1]);
}

/*
 * A child forked while an entry is in flight has no worker and nothing of
 * the parent's submission, even after the parent's entry completes; it can
 * submit on its own.
 */
TEST_F_TIMEOUT(async_exec, fork_while_in_flight, 120)
{
	static const char msg[] = "for the parent";
	int p[2], to_parent[2], to_child[2], status, c;
	struct async_syscall_entry e;
	struct report *r;
	char buf[64];
	pid_t pid;

	r = report_new();
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(to_child, O_CLOEXEC));
	memset(buf, 0, sizeof(buf));
	e = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));
	ASSERT_EQ(1, sys_async(&e, 1)) TH_LOG("async_submit: %s",
					      strerror(errno));
	usleep(100 * 1000);
	ASSERT_EQ(STATUS_PENDING, load_status(&e));
	ASSERT_GE(async_count_workers(), 1);

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct async_syscall_entry e2 = ENTRY(__NR_getpid);

		r->v[0] = async_count_workers();
		write_byte(to_parent[1], 'F');
		/* Wait for the parent's entry to complete. */
		if (read_byte(to_child[0], 2 * DONE_TIMEOUT_MS) != 'D') {
			report_fail(r, "no word from the parent");
			_exit(1);
		}
		usleep(200 * 1000);
		r->v[1] = load_status(&e);
		r->v[2] = e.result;
		r->v[3] = async_count_workers();
		if (run_async(r, &e2, 1, "child"))
			r->v[4] = e2.result;
		r->v[5] = getpid();
		_exit(0);
	}
	c = read_byte(to_parent[0], DONE_TIMEOUT_MS);
	EXPECT_EQ('F', c) TH_LOG("no word from the child");

	ASSERT_EQ((ssize_t)sizeof(msg), write(p[1], msg, sizeof(msg)));
	EXPECT_TRUE(all_done(_metadata, &e, 1, DONE_TIMEOUT_MS));
	EXPECT_EQ((__s64)sizeof(msg), e.result);
	EXPECT_STREQ(msg, buf);
	write_byte(to_child[1], 'D');

	ASSERT_EQ(0, async_wait_child(pid, &status, 0, 3 * DONE_TIMEOUT_MS))
		TH_LOG("child did not exit");
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("child status %#x", status);
	EXPECT_STREQ("", r->msg);
	EXPECT_EQ(0, r->v[0]) TH_LOG("the child inherited worker threads");
	EXPECT_EQ(STATUS_PENDING, (__u32)r->v[1])
		TH_LOG("the child's copy of the entry changed");
	EXPECT_EQ(RESULT_SENTINEL, r->v[2]);
	EXPECT_EQ(0, r->v[3]);
	EXPECT_EQ(r->v[5], r->v[4]) TH_LOG("child's getpid entry");
	munmap(r, sizeof(*r));
}

/*
 * The array is unmapped while its entry is in flight: the write-back is
 * skipped, the entry still runs, and the process goes on.
 */
TEST_F(async_exec, unmapped_array_while_in_flight)
{
	static const char msg[] = "nobody will know";
	static char buf[64];
	long page = sysconf(_SC_PAGESIZE);
	struct async_syscall_entry *e;
	long long deadline;
	int p[2], avail = -1;
	bool read_done;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	e = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, e);
	memset(buf, 0, sizeof(buf));
	e[0] = ENTRY(__NR_read, p[0], PTR(buf), sizeof(buf));
	ASSERT_EQ(1, sys_async(e, 1)) TH_LOG("async_submit: %s",
					     strerror(errno));
	usleep(100 * 1000);
	ASSERT_EQ(STATUS_PENDING, load_status(&e[0]));
	ASSERT_EQ(0, munmap(e, page));

	ASSERT_EQ((ssize_t)sizeof(msg), write(p[1], msg, sizeof(msg)));
	deadline = now_ms() + 2000;
	for (;;) {
		read_done = !memcmp(buf, msg, sizeof(msg));
		ASSERT_EQ(0, ioctl(p[0], FIONREAD, &avail));
		if ((read_done && !avail) || now_ms() >= deadline)
			break;
		usleep(10 * 1000);
	}
	EXPECT_EQ(0, avail) TH_LOG("the entry did not consume the pipe");
	EXPECT_TRUE(read_done) TH_LOG("the entry did not fill the buffer");
	close(p[0]);
	close(p[1]);
	expect_async_works(_metadata);
}

static int stop_child(int sync_fd, int iters)
{
	struct timespec nap = { .tv_nsec = 100 * 1000 * 1000 };
	struct async_syscall_entry e[2];
	int i;

	for (i = 0; i < iters; i++) {
		e[0] = ENTRY(__NR_nanosleep, PTR(&nap), 0);
		e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[1] = ENTRY(__NR_getpid);
		if (sys_async(e, 2) != 2)
			return 10;
		if (wait_entries(e, 2, 3 * DONE_TIMEOUT_MS) >= 0)
			return 11;
		/* A sleep interrupted by the stop is restarted: 0, not -EINTR. */
		if (e[0].result != 0) {
			fprintf(stderr, "# child: nanosleep entry %lld\n",
				(long long)e[0].result);
			return 12;
		}
		if (e[1].result != getpid())
			return 13;
		if (i == 0)
			write_byte(sync_fd, 'R');
	}
	return 0;
}

/* Whether every thread of process @pid is stopped (state T). */
static bool all_threads_stopped(pid_t pid, int *nr_threads)
{
	char path[320], buf[512], *p;
	bool stopped = true;
	struct dirent *d;
	DIR *dir;
	FILE *f;

	*nr_threads = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid,
			 d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			p = strrchr(buf, ')');
			if (!p || p[1] != ' ' || p[2] != 'T')
				stopped = false;
			(*nr_threads)++;
		}
		fclose(f);
	}
	closedir(dir);
	return stopped;
}

/*
 * SIGSTOP stops the whole process, workers included; SIGCONT resumes it,
 * and an entry the stop interrupted is restarted.
 */
TEST_F_TIMEOUT(async_exec, sigstop_sigcont, 180)
{
	int status, sync[2], c, nr_threads;
	pid_t pid;

	ASSERT_EQ(0, pipe2(sync, O_CLOEXEC));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(sync[0]);
		_exit(stop_child(sync[1], 20));
	}
	close(sync[1]);
	c = read_byte(sync[0], DONE_TIMEOUT_MS);
	close(sync[0]);
	EXPECT_EQ('R', c) TH_LOG("child's first chain did not complete");
	usleep(200 * 1000);

	ASSERT_EQ(0, kill(pid, SIGSTOP));
	ASSERT_EQ(0, async_wait_child(pid, &status, WUNTRACED, EXIT_TIMEOUT_MS))
		TH_LOG("child not stopped %d ms after SIGSTOP",
		       EXIT_TIMEOUT_MS);
	ASSERT_TRUE(WIFSTOPPED(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(SIGSTOP, WSTOPSIG(status));
	usleep(300 * 1000);
	EXPECT_TRUE(all_threads_stopped(pid, &nr_threads))
		TH_LOG("a thread of the stopped child is not in state T");
	EXPECT_GE(nr_threads, 2) TH_LOG("no worker thread in the child");

	ASSERT_EQ(0, kill(pid, SIGCONT));
	ASSERT_EQ(0, async_wait_child(pid, &status, 0, 6 * DONE_TIMEOUT_MS))
		TH_LOG("child did not finish after SIGCONT");
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * Worker threads: idle exit, leaks, the limit
 */

/* Run @n parallel chains [nanosleep(@ms), getpid] and wait for them. */
static void run_parallel_naps(struct __test_metadata *_metadata,
			      unsigned int n, long ms)
{
	struct timespec nap = { .tv_sec = ms / 1000,
				.tv_nsec = (ms % 1000) * 1000000 };
	struct async_syscall_entry e[16];
	unsigned int i;

	ASSERT_LE(n, 8U);
	for (i = 0; i < n; i++) {
		e[2 * i] = ENTRY(__NR_nanosleep, PTR(&nap), 0);
		e[2 * i].flags |= ASYNC_SYSCALL_ENTRY_LINK;
		e[2 * i + 1] = ENTRY(__NR_getpid);
	}
	ASSERT_EQ(2 * n, sys_async(e, 2 * n)) TH_LOG("async_submit: %s",
						     strerror(errno));
	ASSERT_TRUE(all_done(_metadata, e, 2 * n, DONE_TIMEOUT_MS));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(0, e[2 * i].result);
		EXPECT_EQ(getpid(), e[2 * i + 1].result);
	}
}

/* Idle workers exit after 5 s: within 8 s none is left. */
TEST_F_TIMEOUT(async_exec, idle_workers_exit, 60)
{
	long long t0;
	int n;

	run_parallel_naps(_metadata, 4, 100);
	t0 = now_ms();
	n = async_count_workers();
	EXPECT_GE(n, 1) TH_LOG("no worker thread after the work");
	n = wait_workers(0, IDLE_EXIT_MS);
	EXPECT_EQ(0, n) TH_LOG("%d workers left %d ms after the work", n,
			       IDLE_EXIT_MS);
	if (!n)
		ksft_print_msg("idle workers gone after %lld ms\n",
			       now_ms() - t0);
}

/*
 * Many small submissions leave no threads nor slab behind: the worker
 * count stays within the limit, returns to 0 after the idle timeout, and
 * Slab grows by less than 4 MiB.
 */
TEST_F_TIMEOUT(async_exec, no_thread_leak_many_submissions, 1200)
{
	unsigned long iters = env_ulong("ASYNC_LEAK_ITERS", 100000), i;
	long slab_before, slab_after;
	struct async_syscall_entry e;
	int limit = max_workers(), n, most = 0;
	pid_t ppid = getppid();
	long long t0;

	slab_before = meminfo_kb("Slab");
	ASSERT_GT(slab_before, 0);
	ASSERT_EQ(0, async_count_workers());

	t0 = now_ms();
	for (i = 0; i < iters; i++) {
		e = ENTRY(__NR_getppid);
		ASSERT_EQ(1, sys_async(&e, 1))
			TH_LOG("submission %lu: %s", i, strerror(errno));
		ASSERT_EQ(0, wait_entry(&e, DONE_TIMEOUT_MS))
			TH_LOG("submission %lu not complete after %d ms", i,
			       DONE_TIMEOUT_MS);
		ASSERT_EQ(ppid, e.result) TH_LOG("submission %lu", i);
		if (i % 1024 == 0) {
			n = async_count_workers();
			ASSERT_LE(n, limit) TH_LOG("submission %lu", i);
			if (n > most)
				most = n;
		}
	}
	ksft_print_msg("leak: %lu submissions in %lld ms, at most %d workers\n",
		       iters, now_ms() - t0, most);

	n = wait_workers(0, IDLE_EXIT_MS);
	EXPECT_EQ(0, n) TH_LOG("%d workers left %d ms after the work", n,
			       IDLE_EXIT_MS);
	slab_after = meminfo_kb("Slab");
	/*
	 * Informational only: under KASAN the quarantine holds up to 1/32 of
	 * memory in freed objects that still count as slab. Leaks of kernel
	 * memory are found by kmemleak, which the test harness runs after the
	 * tests; here the threads must be back to the baseline.
	 */
	ksft_print_msg("Slab: %ld kB before, %ld kB after\n", slab_before,
		       slab_after);
}

#define STRESS_THREADS	4
#define STRESS_FILES	8
#define STRESS_CHAINS	32
#define STRESS_ENTRIES	(3 * STRESS_CHAINS)
#define STRESS_BUF	512

struct stress_file {
	char path[128];
	char data[STRESS_BUF];
	size_t len;
};

struct stress_thread {
	const struct stress_file *files;
	unsigned int id;
	unsigned long batches;
	unsigned long entries;
	struct async_syscall_entry e[STRESS_ENTRIES];
	char buf[STRESS_CHAINS][STRESS_BUF];
	char err[256];
};

/* Check one completed batch; false with @t->err set on a mismatch. */
static bool stress_check(struct stress_thread *t, unsigned long b)
{
	const struct stress_file *f;
	struct async_syscall_entry *e;
	unsigned int i;

	for (i = 0; i < STRESS_CHAINS; i++) {
		e = &t->e[3 * i];
		f = &t->files[(t->id + b + i) % STRESS_FILES];
		if (e[0].result < 0 || e[1].result != (__s64)f->len ||
		    e[2].result != 0) {
			snprintf(t->err, sizeof(t->err),
				 "batch %lu chain %u: openat %lld read %lld (want %zu) close %lld",
				 b, i, (long long)e[0].result,
				 (long long)e[1].result, f->len,
				 (long long)e[2].result);
			return false;
		}
		if (memcmp(t->buf[i], f->data, f->len)) {
			snprintf(t->err, sizeof(t->err),
				 "batch %lu chain %u: wrong data from %s", b, i,
				 f->path);
			return false;
		}
	}
	return true;
}

static void *stress_fn(void *arg)
{
	struct stress_thread *t = arg;
	struct async_syscall_entry *e;
	unsigned long b;
	unsigned int i;
	long ret;
	int k;

	for (b = 0; b < t->batches; b++) {
		for (i = 0; i < STRESS_CHAINS; i++) {
			const struct stress_file *f =
				&t->files[(t->id + b + i) % STRESS_FILES];

			memset(t->buf[i], 0, STRESS_BUF);
			e = &t->e[3 * i];
			e[0] = ENTRY(__NR_openat, AT_FDCWD, PTR(f->path),
				     O_RDONLY | O_CLOEXEC);
			e[0].flags |= ASYNC_SYSCALL_ENTRY_LINK;
			e[1] = ENTRY(__NR_read, -1, PTR(t->buf[i]), STRESS_BUF);
			set_feed(&e[1], 0, 3 * i, 0);
			e[1].flags |= ASYNC_SYSCALL_ENTRY_LINK;
			e[2] = ENTRY(__NR_close, -1);
			set_feed(&e[2], 0, 3 * i, 0);
		}
		ret = sys_async(t->e, STRESS_ENTRIES);
		if (ret != STRESS_ENTRIES) {
			snprintf(t->err, sizeof(t->err),
				 "batch %lu: async_submit returned %ld (%s)",
				 b, ret, strerror(errno));
			return NULL;
		}
		k = wait_entries(t->e, STRESS_ENTRIES, 6 * DONE_TIMEOUT_MS);
		if (k >= 0) {
			snprintf(t->err, sizeof(t->err),
				 "batch %lu: entry %d not complete after %d ms",
				 b, k, 6 * DONE_TIMEOUT_MS);
			return NULL;
		}
		if (!stress_check(t, b))
			return NULL;
		t->entries += STRESS_ENTRIES;
	}
	return NULL;
}

/*
 * Four threads submit openat -> read -> close chains over eight files in
 * batches of 32 chains; every result and every buffer is checked.
 */
TEST_F_TIMEOUT(async_exec, stress_open_read_close, 1200)
{
	unsigned long want = env_ulong("ASYNC_STRESS_ENTRIES", 100000);
	unsigned long per_batch = STRESS_THREADS * STRESS_ENTRIES, total = 0;
	struct stress_file files[STRESS_FILES];
	struct stress_thread *t;
	pthread_t threads[STRESS_THREADS];
	unsigned int i, j;
	struct timespec ts;
	long long t0, ms;
	char name[16];

	for (i = 0; i < STRESS_FILES; i++) {
		/* Distinct content and length for each file. */
		files[i].len = 64 + 53 * i;
		for (j = 0; j < files[i].len; j++)
			files[i].data[j] = 'a' + (i * 7 + j) % 26;
		snprintf(name, sizeof(name), "stress%u", i);
		make_file(_metadata, self->dir, name, files[i].data,
			  files[i].len, files[i].path, sizeof(files[i].path));
	}
	t = calloc(STRESS_THREADS, sizeof(*t));
	ASSERT_NE(NULL, t);

	t0 = now_ms();
	for (i = 0; i < STRESS_THREADS; i++) {
		t[i].files = files;
		t[i].id = i;
		t[i].batches = (want + per_batch - 1) / per_batch;
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, stress_fn,
					    &t[i]));
	}
	ASSERT_EQ(0, clock_gettime(CLOCK_REALTIME, &ts));
	ts.tv_sec += 1100;
	for (i = 0; i < STRESS_THREADS; i++) {
		ASSERT_EQ(0, pthread_timedjoin_np(threads[i], NULL, &ts))
			TH_LOG("stress thread %u did not finish", i);
		EXPECT_STREQ("", t[i].err) TH_LOG("stress thread %u", i);
		total += t[i].entries;
	}
	ms = now_ms() - t0;
	if (ms <= 0)
		ms = 1;
	ksft_print_msg("stress: %lu entries in %lld.%03lld s (%lld entries/s)\n",
		       total, ms / 1000, ms % 1000, (long long)total * 1000 / ms);
	EXPECT_GE(total, want);
	free(t);
}

/*
 * Chains that make progress share at most max(8, 4 * CPUs) workers of
 * their identity, plus the standby that watches the waiting ones.
 */
static void quick_chains_within(struct __test_metadata *_metadata, int limit)
{
	static struct async_syscall_entry e[512];
	unsigned int i;
	int n;

	for (i = 0; i < 512; i++)
		e[i] = ENTRY(__NR_getppid);
	ASSERT_EQ(512, sys_async(e, 512)) TH_LOG("async_submit: %s",
						 strerror(errno));
	ASSERT_TRUE(all_done(_metadata, e, 512, 3 * DONE_TIMEOUT_MS));
	for (i = 0; i < 512; i++)
		EXPECT_EQ(getppid(), e[i].result) TH_LOG("entry %u", i);
	n = async_count_workers();
	EXPECT_GE(n, 1);
	EXPECT_LE(n, limit + 1) TH_LOG("%d workers, limit %d", n, limit);
	ksft_print_msg("%d workers for 512 quick chains (limit %d)\n", n,
		       limit);
}

/*
 * 64 quick chains stay within the limit; 64 blocked chains do not hold
 * each other up: each gets a worker once the others are seen blocked,
 * and all complete when the data comes.
 */
TEST_F_TIMEOUT(async_exec, max_workers_limit, 120)
{
	static struct async_syscall_entry e[64];
	static unsigned char got[64];
	unsigned char data[64], seen[64];
	int limit = max_workers(), n, p[2], avail = -1;
	unsigned int i, c;

	quick_chains_within(_metadata, limit);

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	for (i = 0; i < 64; i++)
		e[i] = ENTRY(__NR_read, p[0], PTR(&got[i]), 1);
	ASSERT_EQ(64, sys_async(e, 64)) TH_LOG("async_submit: %s",
					       strerror(errno));
	/* Let the pool grow as far as it will. */
	usleep(1000 * 1000);
	n = async_count_workers();
	EXPECT_GE(n, 64) TH_LOG("%d workers for 64 blocked chains", n);
	ksft_print_msg("%d workers for 64 blocked chains (limit %d)\n", n,
		       limit);
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(STATUS_PENDING, load_status(&e[i]))
			TH_LOG("entry %u completed on an empty pipe", i);
	}

	/* One distinct byte for each reader. */
	for (i = 0; i < 64; i++)
		data[i] = i;
	ASSERT_EQ(64, write(p[1], data, sizeof(data)));
	ASSERT_TRUE(all_done(_metadata, e, 64, 3 * DONE_TIMEOUT_MS));
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 64; i++) {
		EXPECT_EQ(1, e[i].result) TH_LOG("entry %u", i);
		if (got[i] < 64)
			seen[got[i]]++;
	}
	for (i = 0; i < 64; i++) {
		c = seen[i];
		EXPECT_EQ(1U, c) TH_LOG("byte %u read %u times", i, c);
	}
	ASSERT_EQ(0, ioctl(p[0], FIONREAD, &avail));
	EXPECT_EQ(0, avail);
	close(p[0]);
	close(p[1]);
}

TEST_F_TIMEOUT(async_exec, max_workers_sysctl, 120)
{
	int old = read_max_workers_sysctl();

	ASSERT_GT(old, 0) TH_LOG("cannot read %s", MAX_WORKERS_SYSCTL);
	EXPECT_EQ(default_max_workers(), old);
	/* Out of range: 1 to 4096. */
	EXPECT_EQ(-EINVAL, write_max_workers_sysctl(0));
	EXPECT_EQ(-EINVAL, write_max_workers_sysctl(4097));
	EXPECT_EQ(old, read_max_workers_sysctl());

	/* Idle workers of the default limit go first. */
	EXPECT_EQ(0, wait_workers(0, IDLE_EXIT_MS));
	ASSERT_EQ(0, write_max_workers_sysctl(2));
	quick_chains_within(_metadata, 2);
	EXPECT_EQ(0, write_max_workers_sysctl(old));
}

/* kernel.async_syscall_worker_spin_us: how long a worker looks for work. */
#define SPIN_SYSCTL "/proc/sys/kernel/async_syscall_worker_spin_us"

/* Sum of voluntary_ctxt_switches of the process's async_syscall workers. */
static long worker_sleeps(void)
{
	char path[300], line[128];
	struct dirent *d;
	long sum = 0, v;
	DIR *dir;
	FILE *f;

	dir = opendir("/proc/self/task");
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' || !async_thread_is_worker(atoi(d->d_name)))
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/status", d->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
				sum += v;
		fclose(f);
	}
	closedir(dir);
	return sum;
}

/* Spin until @e completes, at most @ms: whether it did. */
static bool spin_done(struct async_syscall_entry *e, long ms)
{
	long long deadline = now_ms() + ms;

	while (load_status(e) != STATUS_DONE)
		if (now_ms() > deadline)
			return false;
	return true;
}

/* Busy-wait @us microseconds. */
static void busy_us(long us)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000 +
	       (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

/*
 * Two chains, the second submitted 300 us after the first completes: with
 * the worker spin at 1000 us, the worker takes the second chain without
 * going to sleep in between; with it off, it has gone to sleep by then.
 * The range is 0 to 1000.
 */
TEST_F_TIMEOUT(async_exec, worker_spins_before_sleeping, 120)
{
	long old = read_sysctl(SPIN_SYSCTL), before, n, least[2], most[2];
	struct async_syscall_entry e[2];
	int round, spin;

	ASSERT_GE(old, 0) TH_LOG("cannot read %s", SPIN_SYSCTL);
	EXPECT_EQ(20, old);
	EXPECT_EQ(-EINVAL, write_sysctl(SPIN_SYSCTL, 1001));
	EXPECT_EQ(old, read_sysctl(SPIN_SYSCTL));

	for (spin = 0; spin < 2; spin++) {
		ASSERT_EQ(0, write_sysctl(SPIN_SYSCTL, spin ? 1000 : 0));
		/* One worker, asleep. */
		e[0] = ENTRY(__NR_getppid);
		ASSERT_EQ(1, sys_async(e, 1));
		ASSERT_TRUE(spin_done(e, DONE_TIMEOUT_MS));
		usleep(100 * 1000);
		least[spin] = -1;
		most[spin] = -1;
		for (round = 0; round < 5; round++) {
			before = worker_sleeps();
			e[0] = ENTRY(__NR_getppid);
			ASSERT_EQ(1, sys_async(&e[0], 1));
			ASSERT_TRUE(spin_done(&e[0], DONE_TIMEOUT_MS));
			busy_us(300);
			e[1] = ENTRY(__NR_getppid);
			ASSERT_EQ(1, sys_async(&e[1], 1));
			ASSERT_TRUE(spin_done(&e[1], DONE_TIMEOUT_MS));
			EXPECT_EQ(getppid(), e[1].result);
			/* Past the spin: the worker sleeps again. */
			usleep(100 * 1000);
			n = worker_sleeps() - before;
			if (least[spin] < 0 || n < least[spin])
				least[spin] = n;
			if (n > most[spin])
				most[spin] = n;
		}
		ksft_print_msg("spin %s: %ld to %ld worker sleeps for two chains\n",
			       spin ? "1000 us" : "off", least[spin], most[spin]);
	}
	EXPECT_EQ(0, write_sysctl(SPIN_SYSCTL, old));
	/* Without the spin the worker sleeps between the chains... */
	EXPECT_GE(most[0], 2);
	/* ...with it, not (the least of a few rounds: a preempted submitter is late). */
	EXPECT_EQ(1, least[1]);
}

/*
 * Chains that depend on each other, more than the worker limit allows at
 * once, submitted to a crew with one idle worker: the worker that takes a
 * chain passes the rest on (here it starts the second worker, then, at the
 * limit, the standby), and the standby starts a worker for the chain left
 * once both are blocked. Nothing else is submitted.
 */
TEST_F_TIMEOUT(async_exec, pass_on_reaches_the_standby, 120)
{
	int old = read_max_workers_sysctl(), p[2];
	struct async_syscall_entry e[3];
	char got[2] = { 0, 0 };

	ASSERT_GT(old, 0);
	EXPECT_EQ(0, wait_workers(0, IDLE_EXIT_MS));
	ASSERT_EQ(0, write_max_workers_sysctl(2));
	e[0] = ENTRY(__NR_getppid);
	ASSERT_EQ(1, sys_async(e, 1));
	ASSERT_EQ(0, wait_entry(e, DONE_TIMEOUT_MS));
	usleep(100 * 1000);
	ASSERT_EQ(1, async_count_workers());

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	e[0] = ENTRY(__NR_read, p[0], PTR(&got[0]), 1);
	e[1] = ENTRY(__NR_read, p[0], PTR(&got[1]), 1);
	e[2] = ENTRY(__NR_write, p[1], PTR("xy"), 2);
	ASSERT_EQ(3, sys_async(e, 3)) TH_LOG("async_submit: %s",
					     strerror(errno));
	ASSERT_TRUE(all_done(_metadata, e, 3, 3 * DONE_TIMEOUT_MS));
	EXPECT_EQ(1, e[0].result);
	EXPECT_EQ(1, e[1].result);
	EXPECT_EQ(2, e[2].result);
	EXPECT_EQ('x' + 'y', got[0] + got[1]);
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(0, write_max_workers_sysctl(old));
}

int main(int argc, char **argv)
{
	/*
	 * The image execve()d by execve_from_other_thread. Like other user
	 * workers (vhost), the old program's workers are killed by the exec
	 * but not waited for: they must be gone promptly, not at once.
	 */
	if (argc == 2 && !strcmp(argv[1], EXEC_EXIT_ARG))
		return wait_workers(0, 3000) == 0 ? EXEC_EXIT_CODE : 43;
	return test_harness_run(argc, argv);
}
